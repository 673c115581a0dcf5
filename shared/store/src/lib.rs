//! Storage ports of onair and their adapters.
//!
//! Each concern has a small async trait ([`ClientStore`], [`UserStore`], [`ChannelStore`],
//! [`SecretStore`], [`GrantStore`], [`LockoutStore`], [`AuditStore`], [`BroadcastStore`],
//! [`StreamStore`], [`VideoStore`], [`LiveStore`], [`ChatStore`], [`IdempotencyStore`], [`ContentIdStore`], [`StepScheduler`]). Every trait has an embedded adapter
//! (in-process, the local default) and an AWS adapter (DynamoDB, Secrets Manager; EventBridge Scheduler
//! and SQS for steps); one contract test suite holds both to the same meaning.
//! Adapters translate SDK failures into [`StoreError`] so nothing above this crate sees an SDK type.

pub mod chat_ports;
pub mod content_id_ports;
pub mod dynamo;
pub mod embedded;
pub mod error;
pub mod idempotency_ports;
pub mod lifecycle_ports;
pub mod live_ports;
pub mod oauth_ports;
pub mod page_token;
pub mod ports;
pub mod secrets;
pub mod step_ports;
pub mod steps;
pub mod stores;
pub mod video_ports;

pub use chat_ports::{AuthorState, ChatMeta, ChatOpen, ChatStore, Inserted, Post};
pub use content_id_ports::{
    ContentIdStore, Exclusive, Expect, LinkGuard, OwnerView, RecordWrite, StoredOwner, StoredRecord,
    VideoView, WriteError,
};
pub use error::StoreError;
pub use idempotency_ports::{Claim, ClaimOutcome, IdempotencyScope, IdempotencyStore, StoredResponse};
pub use lifecycle_ports::{
    BindChange, BroadcastStore, GuardedUpdate, GuardedWriteError, IngestGate, StoredBroadcast, StoredStream,
    StreamStore,
};
pub use live_ports::{LiveStats, LiveStore, LiveWrite, StoredLive, StoredLiveView};
pub use oauth_ports::{AuditStore, GrantStore, LockoutStore, RedeemError, RotateError};
pub use ports::{ChannelStore, ClientStore, OwnedChannel, OwnedChannels, SecretStore, UserStore};
pub use secrets::{ClientSecret, Rotated, RotationPolicy, StoredSecret};
pub use step_ports::StepScheduler;
pub use stores::Stores;
pub use video_ports::{StoredVideo, VideoStore};
