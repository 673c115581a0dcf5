//! A small world for lifecycle step and ingest tests: an application state on either store with the
//! lifecycle settings a test asks for, a user with an enabled channel, and broadcasts and streams made
//! by the pure core's insert functions and stored through the ports (the YouTube API is not needed).
//!
//! Two clocks: [`Time::Manual`] runs on a fixed clock with a recording step scheduler, so a test plans,
//! inspects and delivers every step itself (duplicates and late deliveries included); [`Time::Real`]
//! runs on the system clock with the embedded scheduler, whose timers fire the registry's step
//! functions by themselves, as the local server does.

use crate::support::oauth::{create_channel, create_user};
use crate::support::{ADMIN_TOKEN, Backend, T0, fresh_dynamo, fresh_secrets_manager};
use async_trait::async_trait;
use onair_api::registry::StepError;
use onair_app::lifecycle::ingest;
use onair_app::{AdminAuth, AppState, LifecycleSettings, OAuthSettings, Settings};
use onair_domain::lifecycle::StreamKey;
use onair_domain::lifecycle::body::parse_body;
use onair_domain::lifecycle::broadcast::BroadcastContentDetails;
use onair_domain::lifecycle::ingest::IngestEvent;
use onair_domain::lifecycle::machine::{self, BindTarget};
use onair_domain::lifecycle::part::{Method, Parts};
use onair_domain::lifecycle::resource::{NewBroadcast, NewStream, new_broadcast, new_stream};
use onair_domain::lifecycle::step::{Step, StepKind};
use onair_domain::lifecycle::wire::LifeCycleStatus;
use onair_domain::{ChannelId, Clock, FixedClock, SecretString, SequenceGenerator, SystemClock, UserId};
use onair_platform::wiring::{dynamo_state, embedded_state};
use onair_store::dynamo::{DynamoStores, RoundTrips};
use onair_store::embedded::EmbeddedStore;
use onair_store::secrets::memory::MemorySecretStore;
use onair_store::{BindChange, StepScheduler, StoreError, StoredBroadcast, StoredStream};
use serde_json::json;
use std::sync::{Arc, Mutex};
use time::Duration;

/// The ingest hook's shared secret in every world.
pub const INGEST_SECRET: &str = "ingest-secret-0123456789abcdef";

/// How time passes in a world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Time {
    /// A fixed clock at [`T0`] and a recording scheduler: nothing fires unless the test delivers it.
    Manual,
    /// The system clock and the embedded scheduler firing the step functions.
    Real,
}

/// What a recording scheduler was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    Schedule(Step),
    Cancel(StepKind, String),
}

/// A step scheduler that only records (for [`Time::Manual`]).
#[derive(Default)]
pub struct RecordingSteps(Mutex<Vec<Planned>>);

#[async_trait]
impl StepScheduler for RecordingSteps {
    async fn schedule(&self, step: &Step) -> Result<(), StoreError> {
        self.0.lock().unwrap().push(Planned::Schedule(step.clone()));
        Ok(())
    }

    async fn cancel(&self, kind: StepKind, target: &str) -> Result<(), StoreError> {
        self.0
            .lock()
            .unwrap()
            .push(Planned::Cancel(kind, target.to_owned()));
        Ok(())
    }
}

pub struct World {
    pub state: AppState,
    pub owner: UserId,
    pub channel: ChannelId,
    pub dynamo: Option<DynamoStores>,
    /// Secrets Manager requests (on DynamoDB worlds).
    pub secrets_round_trips: Option<RoundTrips>,
    fixed: Option<Arc<FixedClock>>,
    recorder: Option<Arc<RecordingSteps>>,
    next: std::sync::atomic::AtomicU64,
}

impl World {
    pub async fn new(backend: Backend, time: Time, lifecycle: LifecycleSettings) -> World {
        let (clock, fixed): (Arc<dyn Clock>, _) = match time {
            Time::Manual => {
                let fixed = Arc::new(FixedClock::at(T0));
                (fixed.clone(), Some(fixed))
            }
            Time::Real => (Arc::new(SystemClock), None),
        };
        let settings = Arc::new(Settings {
            admin_auth: AdminAuth::Token(SecretString::new(ADMIN_TOKEN)),
            secret_overlap: Duration::hours(24),
            oauth: OAuthSettings::default(),
            lifecycle,
        });
        let generator = Arc::new(SequenceGenerator::default());
        let (mut state, dynamo, secrets_round_trips) = match backend {
            Backend::Embedded => {
                let secrets = Arc::new(MemorySecretStore::new(clock.clone()));
                let state = embedded_state(&EmbeddedStore::new(), secrets, clock, generator, settings);
                (state, None, None)
            }
            Backend::Aws => {
                let stores = fresh_dynamo().await;
                let secrets = fresh_secrets_manager(clock.clone(), Duration::minutes(5)).await;
                let trips = secrets.round_trips();
                let state = dynamo_state(&stores, Arc::new(secrets), clock, generator, settings);
                (state, Some(stores), Some(trips))
            }
        };
        let recorder = (time == Time::Manual).then(|| {
            let recorder = Arc::new(RecordingSteps::default());
            state.steps = recorder.clone();
            recorder
        });
        let name = state.settings.lifecycle.ingest_secret_name.clone();
        state
            .secrets
            .create(&name, &SecretString::new(INGEST_SECRET))
            .await
            .unwrap();
        let router = onair_api::host::local_router(state.clone());
        let owner = create_user(&router, "streamer").await;
        let channel = create_channel(&router, &owner, "Main").await;
        World {
            state,
            owner: UserId::parse(&owner).unwrap(),
            channel: ChannelId::parse(&channel).unwrap(),
            dynamo,
            secrets_round_trips,
            fixed,
            recorder,
            next: 0.into(),
        }
    }

    /// A world over a state someone else built (a local server's), for `owner`'s `channel`, on that
    /// state's clock and scheduler.
    pub fn over(state: AppState, owner: UserId, channel: ChannelId) -> World {
        World {
            state,
            owner,
            channel,
            dynamo: None,
            secrets_round_trips: None,
            fixed: None,
            recorder: None,
            next: 0.into(),
        }
    }

    /// Lifecycle settings with these delays.
    pub fn settings(settle_after: Duration, auto_stop_after: Duration) -> LifecycleSettings {
        LifecycleSettings {
            settle_after,
            auto_stop_after,
            ..LifecycleSettings::default()
        }
    }

    pub fn router(&self) -> axum::Router {
        onair_api::host::local_router(self.state.clone())
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.state.clock.now()
    }

    /// Moves the manual clock on.
    pub fn advance(&self, by: Duration) {
        self.fixed.as_ref().expect("a manual world").advance(by);
    }

    /// Everything the recording scheduler was asked, and forgets it.
    pub fn take_planned(&self) -> Vec<Planned> {
        std::mem::take(&mut *self.recorder.as_ref().expect("a manual world").0.lock().unwrap())
    }

    /// The steps of `kind` planned since the last [`World::take_planned`] (which this also does).
    pub fn planned(&self, kind: StepKind) -> Vec<Step> {
        self.take_planned()
            .into_iter()
            .filter_map(|p| match p {
                Planned::Schedule(step) if step.kind == kind => Some(step),
                _ => None,
            })
            .collect()
    }

    fn fresh_id(&self, prefix: &str) -> String {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{prefix}{n}")
    }

    /// A new `ready` stream with key `key`.
    pub async fn stream(&self, key: &str) -> StoredStream {
        let parts = Parts::parse(Method::StreamInsert, Some("snippet,cdn,contentDetails")).unwrap();
        let body = json!({
            "snippet": {"title": "Encoder"},
            "cdn": {"ingestionType": "rtmp", "resolution": "720p", "frameRate": "30fps"},
            "contentDetails": {"isReusable": true}
        });
        let stream = new_stream(
            NewStream {
                id: self.fresh_id("s"),
                channel_id: self.channel.clone(),
                key: StreamKey::presented(key),
                ingestion_address: self.state.settings.lifecycle.ingest_rtmp_url.clone(),
            },
            &parse_body(&body, &parts).unwrap(),
            &parts,
            self.now(),
        )
        .unwrap();
        let stored = StoredStream {
            owner: self.owner.clone(),
            stream,
            version: 1,
            bound_broadcasts: vec![],
            live: None,
        };
        self.state.streams.create(&stored).await.unwrap();
        stored
    }

    /// A new `created` broadcast whose content details `tune` adjusts (monitor stream off).
    pub async fn broadcast(&self, tune: impl FnOnce(&mut BroadcastContentDetails)) -> StoredBroadcast {
        let parts = Parts::parse(Method::BroadcastInsert, Some("snippet,status")).unwrap();
        let start = self.now() + Duration::hours(1);
        let body = json!({
            "snippet": {"title": "Show", "scheduledStartTime": start.format(&time::format_description::well_known::Rfc3339).unwrap()},
            "status": {"privacyStatus": "unlisted"}
        });
        let mut broadcast = new_broadcast(
            NewBroadcast {
                id: self.fresh_id("b"),
                channel_id: self.channel.clone(),
                embed_html: "<iframe></iframe>".into(),
            },
            &parse_body(&body, &parts).unwrap(),
            &parts,
            self.now(),
        )
        .unwrap();
        broadcast.content_details.monitor_stream.enable_monitor_stream = false;
        tune(&mut broadcast.content_details);
        let stored = StoredBroadcast {
            owner: self.owner.clone(),
            broadcast,
            version: 1,
            live: None,
        };
        self.state.broadcasts.create(&stored).await.unwrap();
        stored
    }

    /// Binds `b` to `s` as `liveBroadcasts.bind` would (`created → ready`).
    pub async fn bind(&self, b: &StoredBroadcast, s: &StoredStream) -> StoredBroadcast {
        let b = self.get_broadcast(&b.broadcast.id).await;
        let s = self.get_stream(&s.stream.id).await;
        let next = machine::bind(
            &b.broadcast,
            Some(BindTarget {
                stream_id: &s.stream.id,
                is_reusable: s.stream.content_details.is_reusable,
                bound_elsewhere: s.bound_elsewhere(&b.broadcast.id),
            }),
            self.now(),
        )
        .unwrap();
        let written = StoredBroadcast {
            owner: b.owner.clone(),
            broadcast: next,
            version: b.version + 1,
            live: b.live.clone(),
        };
        self.state
            .broadcasts
            .bind(&BindChange {
                broadcast: &written,
                expected_version: b.version,
                attach: Some(&s),
                detach: None,
            })
            .await
            .unwrap();
        written
    }

    /// Forces a broadcast into `state` (and whatever else `tune` changes) with a plain update.
    pub async fn force(
        &self,
        id: &str,
        state: LifeCycleStatus,
        tune: impl FnOnce(&mut onair_domain::lifecycle::broadcast::Broadcast),
    ) -> StoredBroadcast {
        let b = self.get_broadcast(id).await;
        let mut next = b.clone();
        next.broadcast.status.life_cycle_status = state;
        tune(&mut next.broadcast);
        next.version += 1;
        self.state.broadcasts.update(&next, b.version).await.unwrap();
        next
    }

    pub async fn get_broadcast(&self, id: &str) -> StoredBroadcast {
        self.state.broadcasts.get(&self.owner, id).await.unwrap()
    }

    pub async fn get_stream(&self, id: &str) -> StoredStream {
        self.state.streams.get(&self.owner, id).await.unwrap()
    }

    /// Reports an ingest event for `key` now, as the hook does; panics on an error.
    pub async fn report(&self, key: &str, event: IngestEvent) -> ingest::Verdict {
        ingest::report(&self.state, &StreamKey::presented(key), &event, self.now())
            .await
            .unwrap()
    }

    /// Delivers `step` to its function in the registry, as Scheduler, the queue or the embedded
    /// scheduler do.
    pub async fn deliver(&self, step: &Step) -> Result<(), StepError> {
        deliver_to(
            &self.state,
            step.kind.function_name(),
            serde_json::to_value(step).unwrap(),
        )
        .await
    }
}

/// Hands `payload` to the step function `name` of the registry.
pub async fn deliver_to(state: &AppState, name: &str, payload: serde_json::Value) -> Result<(), StepError> {
    let handler = onair_api::registry::find(name)
        .and_then(|f| f.step())
        .unwrap_or_else(|| panic!("{name} is not a step function"));
    handler(state.clone(), payload).await
}
