//! Every registration and OAuth port of one backend, bundled: the one value the wiring, the tests and
//! the fault-injecting test decorators build an application state from, whichever adapter is behind it.

use crate::dynamo::DynamoStores;
use crate::embedded::EmbeddedStore;
use crate::{
    AuditStore, BroadcastStore, ChannelStore, ChatStore, ClientStore, ContentIdStore, GrantStore,
    IdempotencyStore, LiveStore, LockoutStore, StreamStore, UserStore, VideoStore,
};
use std::sync::Arc;

/// The store ports of one backend.
#[derive(Clone)]
pub struct Stores {
    /// OAuth client registrations.
    pub clients: Arc<dyn ClientStore>,
    /// Users.
    pub users: Arc<dyn UserStore>,
    /// Channels.
    pub channels: Arc<dyn ChannelStore>,
    /// Codes, refresh tokens and families.
    pub grants: Arc<dyn GrantStore>,
    /// Failed-login counters.
    pub lockouts: Arc<dyn LockoutStore>,
    /// The audit trail.
    pub audit: Arc<dyn AuditStore>,
    /// liveBroadcasts.
    pub broadcasts: Arc<dyn BroadcastStore>,
    /// liveStreams and their key reservations.
    pub streams: Arc<dyn StreamStore>,
    /// PRISM lives.
    pub lives: Arc<dyn LiveStore>,
    /// Idempotency records of `Idempotency-Key` requests.
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// Live chats.
    pub chats: Arc<dyn ChatStore>,
    /// Content ID owners and their records.
    pub content_ids: Arc<dyn ContentIdStore>,
    /// Broadcast videos (processing reports).
    pub videos: Arc<dyn VideoStore>,
}

impl Stores {
    /// Every port over DynamoDB (clones share the request counter).
    pub fn dynamo(stores: &DynamoStores) -> Self {
        Self {
            clients: Arc::new(stores.clients()),
            users: Arc::new(stores.users()),
            channels: Arc::new(stores.channels()),
            grants: Arc::new(stores.grants()),
            lockouts: Arc::new(stores.lockouts()),
            audit: Arc::new(stores.audit()),
            broadcasts: Arc::new(stores.broadcasts()),
            streams: Arc::new(stores.streams()),
            lives: Arc::new(stores.lives()),
            idempotency: Arc::new(stores.idempotency()),
            chats: Arc::new(stores.chats()),
            content_ids: Arc::new(stores.content_ids()),
            videos: Arc::new(stores.videos()),
        }
    }

    /// Every port over one embedded store (one value serves every port).
    pub fn embedded(store: &EmbeddedStore) -> Self {
        Self {
            clients: Arc::new(store.clone()),
            users: Arc::new(store.clone()),
            channels: Arc::new(store.clone()),
            grants: Arc::new(store.clone()),
            lockouts: Arc::new(store.clone()),
            audit: Arc::new(store.clone()),
            broadcasts: Arc::new(store.clone()),
            streams: Arc::new(store.clone()),
            lives: Arc::new(store.clone()),
            idempotency: Arc::new(store.clone()),
            chats: Arc::new(store.clone()),
            content_ids: Arc::new(store.clone()),
            videos: Arc::new(store.clone()),
        }
    }
}
