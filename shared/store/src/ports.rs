//! The storage ports: one small trait per concern.
//!
//! Contract (held by `tests/integration/contract/store.rs` for every adapter):
//! - `create` is conditional: an existing id (or login) gives `Conflict` and overwrites nothing.
//! - `update(item, expected_version)` writes only if the stored version is `expected_version`; the item
//!   passed in already carries `expected_version + 1`. Concurrent updates: exactly one winner, the rest
//!   `Conflict`. A missing item gives `NotFound`.
//! - Lists are totally ordered and paged with opaque tokens; channels by modified desc, created desc,
//!   id desc; clients by created desc, id desc.

use crate::error::StoreError;
use crate::secrets::{ClientSecret, Rotated, RotationPolicy, StoredSecret};
use async_trait::async_trait;
use onair_domain::channel::Channel;
use onair_domain::client::Client;
use onair_domain::user::User;
use onair_domain::{ChannelId, ClientId, Page, PageRequest, SecretString, UserId};
use time::OffsetDateTime;

/// OAuth client registrations.
#[async_trait]
pub trait ClientStore: Send + Sync {
    /// Registers a client; `Conflict` if the id exists.
    async fn create(&self, client: &Client) -> Result<(), StoreError>;
    /// One client.
    async fn get(&self, id: &ClientId) -> Result<Client, StoreError>;
    /// Clients, newest first.
    async fn list(&self, page: &PageRequest) -> Result<Page<Client>, StoreError>;
    /// Replaces a client if its stored version is `expected_version`.
    async fn update(&self, client: &Client, expected_version: u64) -> Result<(), StoreError>;
    /// Removes a client; `NotFound` if absent.
    async fn delete(&self, id: &ClientId) -> Result<(), StoreError>;
}

/// Users (streamers) and their unique login names.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates a user; `Conflict` if the id or the login is taken.
    async fn create(&self, user: &User) -> Result<(), StoreError>;
    /// One user.
    async fn get(&self, id: &UserId) -> Result<User, StoreError>;
    /// The user with this (normalised) login.
    async fn find_by_login(&self, login: &str) -> Result<User, StoreError>;
    /// Replaces a user's mutable fields (never the login) if the stored version is `expected_version`.
    async fn update(&self, user: &User, expected_version: u64) -> Result<(), StoreError>;
    /// Removes a user, the login reservation and every channel they own, atomically.
    async fn delete(&self, id: &UserId) -> Result<(), StoreError>;
}

/// A channel together with its owner, as one consistent read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedChannel {
    /// The owner.
    pub owner: User,
    /// The channel.
    pub channel: Channel,
}

/// A page of a user's channels together with the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedChannels {
    /// The owner.
    pub owner: User,
    /// The channels, in list order.
    pub page: Page<Channel>,
}

/// Channels, always addressed through their owner: a channel another user owns is simply not found.
#[async_trait]
pub trait ChannelStore: Send + Sync {
    /// Creates a channel; `NotFound` if the owner does not exist, `Conflict` if the id exists or the
    /// owner already has the maximum number of channels.
    async fn create(&self, channel: &Channel) -> Result<(), StoreError>;
    /// One channel of `owner`, with the owner, in one round trip.
    async fn get(&self, owner: &UserId, id: &ChannelId) -> Result<OwnedChannel, StoreError>;
    /// A page of `owner`'s channels, with the owner, in one round trip; `NotFound` if no such user.
    async fn list(&self, owner: &UserId, page: &PageRequest) -> Result<OwnedChannels, StoreError>;
    /// Replaces a channel if its stored version is `expected_version`.
    async fn update(&self, channel: &Channel, expected_version: u64) -> Result<(), StoreError>;
}

/// Named secrets (client secrets today, signing keys later), with rotation overlap.
#[async_trait]
pub trait SecretStore: Send + Sync {
    /// Stores a new secret; `Conflict` if the name exists.
    async fn create(&self, name: &str, value: &SecretString) -> Result<(), StoreError>;
    /// The secret, from the cache when fresh.
    async fn get(&self, name: &str) -> Result<StoredSecret, StoreError>;
    /// The secret, bypassing and refilling the cache (used once when a presented value does not match
    /// a cached one, so a rotation done by another instance is seen without waiting for the TTL).
    async fn refresh(&self, name: &str) -> Result<StoredSecret, StoreError>;
    /// Makes `value` current, computed from the stored document by [`ClientSecret::rotation`]: the
    /// replaced value stays accepted until `previous_until`, every earlier one until its own deadline.
    /// Conditional: of concurrent rotations exactly one wins and the others get `Conflict` and change
    /// nothing; `Conflict` too when `policy` refuses (an overlap is running, or too many earlier values
    /// are live). `NotFound` if absent.
    async fn rotate_with(
        &self,
        name: &str,
        value: &SecretString,
        previous_until: OffsetDateTime,
        policy: RotationPolicy,
    ) -> Result<Rotated, StoreError>;
    /// [`SecretStore::rotate_with`] under [`RotationPolicy::Force`].
    async fn rotate(
        &self,
        name: &str,
        value: &SecretString,
        previous_until: OffsetDateTime,
    ) -> Result<ClientSecret, StoreError> {
        self.rotate_with(name, value, previous_until, RotationPolicy::Force)
            .await
            .map(|rotated| rotated.after)
    }
    /// Writes `replacement` if the stored document still equals `expected` (e.g. to undo a rotation
    /// whose follow-up failed); `Conflict` if it changed in between, `NotFound` if absent.
    async fn replace(
        &self,
        name: &str,
        expected: &ClientSecret,
        replacement: &ClientSecret,
    ) -> Result<(), StoreError>;
    /// Removes the secret for good; `NotFound` if absent.
    async fn delete(&self, name: &str) -> Result<(), StoreError>;
    /// Replaces the whole value with `next` as the version named `version` (32–64 characters, derived
    /// by the caller from what the write is for). One write per version: repeating it with the same
    /// value succeeds and changes nothing; with a different value it is `Conflict` and changes nothing.
    /// This is how a scheduled step that may be delivered twice at once writes exactly once (Secrets
    /// Manager's `ClientRequestToken` idempotency; Secrets Manager has no compare-and-set).
    async fn put_version(&self, name: &str, next: &ClientSecret, version: &str) -> Result<(), StoreError>;
}
