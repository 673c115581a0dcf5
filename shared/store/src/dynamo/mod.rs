//! DynamoDB adapters of the registration ports.
//!
//! Clients, users, login reservations and channels share one table (single-table design, layout in
//! [`keys`]) so that the operations the API needs most are one request each: a channel with its owner
//! is one `BatchGetItem`, a user's channel list one `Query`, and every multi-item invariant (unique
//! login, at most 50 channels, user deletion with all channels) is one transaction. Every request is
//! counted in [`RoundTrips`] so tests can hold the adapters to those numbers.
//!
//! The OAuth state (codes, refresh tokens, families, lockout counters) and the idempotency records of
//! `Idempotency-Key` requests live in a second, TTL-enabled tokens table; its audit entries and the
//! user checks of its transactions use the registrations table.
//!
//! Each entity is a module: the adapter in its `mod.rs`, its keys and item mapping in its `item.rs`.
//! What they share is here once: attribute names and typed values (`attrs`, with the glossary), the key
//! primitives ([`keys`]), the one paged query (`query`), the one versioned write (`versioned`) and the
//! SDK-error translation (`errors`).

mod attrs;
mod audit;
mod batch;
mod channels;
mod chat;
mod clients;
mod content_id;
mod errors;
mod grants;
mod idempotency;
pub mod keys;
mod lifecycle;
mod lives;
mod lockouts;
mod query;
mod round_trips;
pub mod schema;
mod users;
mod versioned;

pub use audit::DynamoAuditStore;
pub use channels::DynamoChannelStore;
pub use chat::DynamoChatStore;
pub use clients::DynamoClientStore;
pub use content_id::DynamoContentIdStore;
pub(crate) use errors::error_chain;
pub use grants::DynamoGrantStore;
pub use idempotency::DynamoIdempotencyStore;
pub use lifecycle::{DynamoBroadcastStore, DynamoStreamStore, DynamoVideoStore};
pub use lives::DynamoLiveStore;
pub use lockouts::DynamoLockoutStore;
pub use round_trips::RoundTrips;
pub use users::DynamoUserStore;

use std::sync::Arc;

/// What every adapter needs: the SDK client, the table and the request counter.
#[derive(Debug)]
struct Context {
    client: aws_sdk_dynamodb::Client,
    table: String,
    round_trips: RoundTrips,
}

impl Context {
    /// Sends one request, counting it. Every DynamoDB call of the adapters goes through here.
    async fn send<F: IntoFuture>(&self, request: F) -> F::Output {
        self.round_trips.record();
        // The future of `TransactWriteItemsFluentBuilder::send` names its operation module; telling
        // transactions apart here keeps the count at the one place every request passes.
        if std::any::type_name::<F>().contains("transact_write_items") {
            self.round_trips.record_transaction();
        }
        request.await
    }
}

/// The DynamoDB stores over one registrations table; cheap to clone, clones share the counter.
#[derive(Debug, Clone)]
pub struct DynamoStores {
    context: Arc<Context>,
    tokens_table: Arc<str>,
}

impl DynamoStores {
    /// Stores using `client` on the given tables (names as deployed, see [`schema`]).
    pub fn new(
        client: aws_sdk_dynamodb::Client,
        registrations_table: impl Into<String>,
        tokens_table: impl Into<String>,
    ) -> Self {
        let context = Context {
            client,
            table: registrations_table.into(),
            round_trips: RoundTrips::default(),
        };
        Self {
            context: Arc::new(context),
            tokens_table: tokens_table.into().into(),
        }
    }

    /// The OAuth client store.
    pub fn clients(&self) -> DynamoClientStore {
        DynamoClientStore::new(self.context.clone())
    }

    /// The Content ID store (registrations table).
    pub fn content_ids(&self) -> DynamoContentIdStore {
        DynamoContentIdStore::new(self.context.clone())
    }

    /// The user store.
    pub fn users(&self) -> DynamoUserStore {
        DynamoUserStore::new(self.context.clone())
    }

    /// The channel store.
    pub fn channels(&self) -> DynamoChannelStore {
        DynamoChannelStore::new(self.context.clone())
    }

    /// The store of authorization codes, refresh tokens and token families (tokens table; audit
    /// entries and user checks in the registrations table).
    pub fn grants(&self) -> DynamoGrantStore {
        DynamoGrantStore::new(self.context.clone(), self.tokens_table.clone())
    }

    /// The failed-login counters (tokens table).
    pub fn lockouts(&self) -> DynamoLockoutStore {
        DynamoLockoutStore::new(self.context.clone(), self.tokens_table.clone())
    }

    /// The idempotency records of `Idempotency-Key` requests (tokens table).
    pub fn idempotency(&self) -> DynamoIdempotencyStore {
        DynamoIdempotencyStore::new(self.context.clone(), self.tokens_table.clone())
    }

    /// The liveBroadcast store (registrations table).
    pub fn broadcasts(&self) -> DynamoBroadcastStore {
        DynamoBroadcastStore::new(self.context.clone())
    }

    /// The store of broadcast videos' processing reports (registrations table).
    pub fn videos(&self) -> DynamoVideoStore {
        DynamoVideoStore::new(self.context.clone())
    }

    /// The liveStream store and its key reservations (registrations table).
    pub fn streams(&self) -> DynamoStreamStore {
        DynamoStreamStore::new(self.context.clone())
    }

    /// The PRISM live store (registrations table).
    pub fn lives(&self) -> DynamoLiveStore {
        DynamoLiveStore::new(self.context.clone())
    }

    /// The live chat store (registrations table, in each live's partition).
    pub fn chats(&self) -> DynamoChatStore {
        DynamoChatStore::new(self.context.clone())
    }

    /// The audit trail (registrations table).
    pub fn audit(&self) -> DynamoAuditStore {
        DynamoAuditStore::new(self.context.clone())
    }

    /// The counter of requests sent by every store created from this value.
    pub fn round_trips(&self) -> RoundTrips {
        self.context.round_trips.clone()
    }

    /// Name of the registrations table.
    pub fn registrations_table(&self) -> &str {
        &self.context.table
    }

    /// Name of the tokens table (codes, refresh tokens, lockouts).
    pub fn tokens_table(&self) -> &str {
        &self.tokens_table
    }
}
