//! A fault-injecting decorator for every store port.
//!
//! [`wrap`] takes any [`AppState`] (embedded or DynamoDB, as `TestApp` builds it) and puts every port —
//! clients, users, channels, grants, lockouts, audit, broadcasts, streams, lives, idempotency, chats,
//! content ids, videos, secrets — behind a decorator that consults one
//! shared [`Faults`] plan before each call. A rule picks calls by operation name (`"grants.rotate_refresh"`,
//! `"secrets.create"`, … — `"<port>.<method>"`), either the Nth matching call or every matching call, and
//! fails it with one of three [`Fault`]s:
//! - [`Fault::Unavailable`]: the call is not made; the caller gets `StoreError::Unavailable`.
//! - [`Fault::Conflict`]: the call is not made; the caller gets `StoreError::Conflict` (a conditional
//!   check that lost).
//! - [`Fault::LostResponse`]: the call is made (the write happens), then the caller gets
//!   `StoreError::Unavailable` — a timeout after the service did the work.
//!
//! Every call and every injection is recorded, so a test can prove its fault was really reached (a
//! fault that never fires would make the test pass for nothing). This lives with the test support code,
//! never in the product's wiring.

use async_trait::async_trait;
use onair_app::AppState;
use onair_domain::audit::AuditEntry;
use onair_domain::channel::Channel;
use onair_domain::client::Client;
use onair_domain::lifecycle::video::VideoProcessing;
use onair_domain::oauth::code::{CodeRecord, Redemption};
use onair_domain::oauth::refresh::{Family, RefreshRecord};
use onair_domain::user::User;
use onair_domain::{ChannelId, ClientId, Page, PageRequest, SecretString, UserId};
use onair_store::{
    AuditStore, ChannelStore, ClientSecret, ClientStore, GrantStore, LockoutStore, OwnedChannel,
    OwnedChannels, RedeemError, RotateError, Rotated, RotationPolicy, SecretStore, StoreError, StoredSecret,
    Stores, UserStore,
};
use onair_store::{AuthorState, ChatMeta, ChatOpen, ChatStore, Inserted, Post};
use onair_store::{
    BindChange, BroadcastStore, GuardedUpdate, GuardedWriteError, IngestGate, StoredBroadcast, StoredStream,
    StreamStore,
};
use onair_store::{Claim, ClaimOutcome, IdempotencyScope, IdempotencyStore, StoredResponse};
use onair_store::{
    ContentIdStore, Exclusive, LinkGuard, OwnerView, RecordWrite, StoredOwner, WriteError,
    content_id_ports::VideoView,
};
use onair_store::{LiveStore, StoredLive};
use onair_store::{StoredVideo, VideoStore};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use time::{Date, OffsetDateTime};

/// How an injected fault fails a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Not delegated; `StoreError::Unavailable`.
    Unavailable,
    /// Not delegated; `StoreError::Conflict` (a conditional check lost).
    Conflict,
    /// Delegated (the write happens), then `StoreError::Unavailable`: the response was lost.
    LostResponse,
}

/// Which calls a rule fails.
enum Pick {
    /// The `n`-th call (1-based) whose operation matches, once.
    Nth(u32),
    /// Every matching call until the plan is cleared.
    Every,
}

struct Rule {
    matches: Box<dyn Fn(&str) -> bool + Send>,
    pick: Pick,
    seen: u32,
    fault: Fault,
}

#[derive(Default)]
struct Plan {
    rules: Vec<Rule>,
    calls: Vec<&'static str>,
    fired: Vec<(&'static str, Fault)>,
}

/// The shared fault plan of one wrapped state; clones share it.
#[derive(Clone, Default)]
pub struct Faults(Arc<Mutex<Plan>>);

impl Faults {
    pub fn new() -> Faults {
        Faults::default()
    }

    fn plan(&self) -> MutexGuard<'_, Plan> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Fails the `nth` call (1-based, counted from now) of operation `op` with `fault`, once.
    pub fn fail_nth(&self, op: &'static str, nth: u32, fault: Fault) -> &Self {
        self.fail_nth_matching(move |name| name == op, nth, fault)
    }

    /// Fails the `nth` call (1-based, counted from now) whose operation satisfies `matches`, once.
    pub fn fail_nth_matching(
        &self,
        matches: impl Fn(&str) -> bool + Send + 'static,
        nth: u32,
        fault: Fault,
    ) -> &Self {
        assert!(nth >= 1, "calls are counted from 1");
        self.plan().rules.push(Rule {
            matches: Box::new(matches),
            pick: Pick::Nth(nth),
            seen: 0,
            fault,
        });
        self
    }

    /// Fails every call whose operation satisfies `matches` with `fault`, until [`Faults::clear`].
    pub fn fail_matching(&self, matches: impl Fn(&str) -> bool + Send + 'static, fault: Fault) -> &Self {
        self.plan().rules.push(Rule {
            matches: Box::new(matches),
            pick: Pick::Every,
            seen: 0,
            fault,
        });
        self
    }

    /// Fails every call of every port with `fault` (an outage), until [`Faults::clear`].
    pub fn fail_all(&self, fault: Fault) -> &Self {
        self.fail_matching(|_| true, fault)
    }

    /// Removes every rule (the service is back); the call and injection records stay.
    pub fn clear(&self) {
        self.plan().rules.clear();
    }

    /// The injections that fired so far, in order.
    pub fn fired(&self) -> Vec<(&'static str, Fault)> {
        self.plan().fired.clone()
    }

    /// Every call made through the decorators so far, in order.
    pub fn calls(&self) -> Vec<&'static str> {
        self.plan().calls.clone()
    }

    /// Records the call and decides whether it fails.
    fn decide(&self, op: &'static str) -> Option<Fault> {
        let mut plan = self.plan();
        plan.calls.push(op);
        let mut chosen = None;
        for rule in plan.rules.iter_mut() {
            if !(rule.matches)(op) {
                continue;
            }
            rule.seen += 1;
            let fires = match rule.pick {
                Pick::Nth(n) => rule.seen == n,
                Pick::Every => true,
            };
            if fires && chosen.is_none() {
                chosen = Some(rule.fault);
            }
        }
        if let Some(fault) = chosen {
            plan.fired.push((op, fault));
        }
        chosen
    }

    /// Runs `call` as operation `op` under the plan.
    async fn guard<T, E: From<StoreError>>(
        &self,
        op: &'static str,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        match self.decide(op) {
            None => call.await,
            Some(Fault::Unavailable) => {
                Err(StoreError::Unavailable(format!("injected fault before {op}")).into())
            }
            Some(Fault::Conflict) => Err(StoreError::Conflict(format!("injected conflict in {op}")).into()),
            Some(Fault::LostResponse) => {
                // The work is done; only its answer is lost, as when a timeout fires after the write.
                let _ = call.await;
                Err(StoreError::Unavailable(format!("injected lost response of {op}")).into())
            }
        }
    }
}

/// `state` with every port behind the decorator of `faults` (the client cache rebuilt over the wrapped
/// client store, so cached reads go through it too).
pub fn wrap(state: &AppState, faults: &Faults) -> AppState {
    let stores = Stores {
        clients: Arc::new(Faulty::new(state.clients.clone(), faults)),
        users: Arc::new(Faulty::new(state.users.clone(), faults)),
        channels: Arc::new(Faulty::new(state.channels.clone(), faults)),
        grants: Arc::new(Faulty::new(state.grants.clone(), faults)),
        lockouts: Arc::new(Faulty::new(state.lockouts.clone(), faults)),
        audit: Arc::new(Faulty::new(state.audit.clone(), faults)),
        broadcasts: Arc::new(Faulty::new(state.broadcasts.clone(), faults)),
        streams: Arc::new(Faulty::new(state.streams.clone(), faults)),
        lives: Arc::new(Faulty::new(state.lives.clone(), faults)),
        idempotency: Arc::new(Faulty::new(state.idempotency.clone(), faults)),
        chats: Arc::new(Faulty::new(state.chats.clone(), faults)),
        content_ids: Arc::new(Faulty::new(state.content_ids.clone(), faults)),
        videos: Arc::new(Faulty::new(state.videos.clone(), faults)),
    };
    onair_platform::wiring::state(
        stores,
        Arc::new(Faulty::new(state.secrets.clone(), faults)),
        state.clock.clone(),
        state.generator.clone(),
        state.settings.clone(),
    )
}

/// One port behind the decorator.
pub struct Faulty<P: ?Sized> {
    inner: Arc<P>,
    faults: Faults,
}

impl<P: ?Sized> Faulty<P> {
    pub fn new(inner: Arc<P>, faults: &Faults) -> Self {
        Self {
            inner,
            faults: faults.clone(),
        }
    }
}

#[async_trait]
impl ClientStore for Faulty<dyn ClientStore> {
    async fn create(&self, client: &Client) -> Result<(), StoreError> {
        self.faults
            .guard("clients.create", self.inner.create(client))
            .await
    }
    async fn get(&self, id: &ClientId) -> Result<Client, StoreError> {
        self.faults.guard("clients.get", self.inner.get(id)).await
    }
    async fn list(&self, page: &PageRequest) -> Result<Page<Client>, StoreError> {
        self.faults.guard("clients.list", self.inner.list(page)).await
    }
    async fn update(&self, client: &Client, expected_version: u64) -> Result<(), StoreError> {
        self.faults
            .guard("clients.update", self.inner.update(client, expected_version))
            .await
    }
    async fn delete(&self, id: &ClientId) -> Result<(), StoreError> {
        self.faults.guard("clients.delete", self.inner.delete(id)).await
    }
}

#[async_trait]
impl UserStore for Faulty<dyn UserStore> {
    async fn create(&self, user: &User) -> Result<(), StoreError> {
        self.faults.guard("users.create", self.inner.create(user)).await
    }
    async fn get(&self, id: &UserId) -> Result<User, StoreError> {
        self.faults.guard("users.get", self.inner.get(id)).await
    }
    async fn find_by_login(&self, login: &str) -> Result<User, StoreError> {
        self.faults
            .guard("users.find_by_login", self.inner.find_by_login(login))
            .await
    }
    async fn update(&self, user: &User, expected_version: u64) -> Result<(), StoreError> {
        self.faults
            .guard("users.update", self.inner.update(user, expected_version))
            .await
    }
    async fn delete(&self, id: &UserId) -> Result<(), StoreError> {
        self.faults.guard("users.delete", self.inner.delete(id)).await
    }
}

#[async_trait]
impl ChannelStore for Faulty<dyn ChannelStore> {
    async fn create(&self, channel: &Channel) -> Result<(), StoreError> {
        self.faults
            .guard("channels.create", self.inner.create(channel))
            .await
    }
    async fn get(&self, owner: &UserId, id: &ChannelId) -> Result<OwnedChannel, StoreError> {
        self.faults.guard("channels.get", self.inner.get(owner, id)).await
    }
    async fn list(&self, owner: &UserId, page: &PageRequest) -> Result<OwnedChannels, StoreError> {
        self.faults
            .guard("channels.list", self.inner.list(owner, page))
            .await
    }
    async fn update(&self, channel: &Channel, expected_version: u64) -> Result<(), StoreError> {
        self.faults
            .guard("channels.update", self.inner.update(channel, expected_version))
            .await
    }
}

#[async_trait]
impl SecretStore for Faulty<dyn SecretStore> {
    async fn create(&self, name: &str, value: &SecretString) -> Result<(), StoreError> {
        self.faults
            .guard("secrets.create", self.inner.create(name, value))
            .await
    }
    async fn get(&self, name: &str) -> Result<StoredSecret, StoreError> {
        self.faults.guard("secrets.get", self.inner.get(name)).await
    }
    async fn refresh(&self, name: &str) -> Result<StoredSecret, StoreError> {
        self.faults
            .guard("secrets.refresh", self.inner.refresh(name))
            .await
    }
    async fn put_version(&self, name: &str, next: &ClientSecret, version: &str) -> Result<(), StoreError> {
        self.faults
            .guard("secrets.put_version", self.inner.put_version(name, next, version))
            .await
    }
    /// Named `secrets.rotate`: every rotation, forced or not, goes through here.
    async fn rotate_with(
        &self,
        name: &str,
        value: &SecretString,
        previous_until: OffsetDateTime,
        policy: RotationPolicy,
    ) -> Result<Rotated, StoreError> {
        self.faults
            .guard(
                "secrets.rotate",
                self.inner.rotate_with(name, value, previous_until, policy),
            )
            .await
    }
    async fn replace(
        &self,
        name: &str,
        expected: &ClientSecret,
        replacement: &ClientSecret,
    ) -> Result<(), StoreError> {
        self.faults
            .guard("secrets.replace", self.inner.replace(name, expected, replacement))
            .await
    }
    async fn delete(&self, name: &str) -> Result<(), StoreError> {
        self.faults.guard("secrets.delete", self.inner.delete(name)).await
    }
}

#[async_trait]
impl GrantStore for Faulty<dyn GrantStore> {
    async fn put_code(&self, code: &CodeRecord, audit: &AuditEntry) -> Result<(), StoreError> {
        self.faults
            .guard("grants.put_code", self.inner.put_code(code, audit))
            .await
    }
    async fn redeem_code(
        &self,
        hash: &str,
        redemption: &Redemption,
        now: OffsetDateTime,
    ) -> Result<CodeRecord, RedeemError> {
        self.faults
            .guard(
                "grants.redeem_code",
                self.inner.redeem_code(hash, redemption, now),
            )
            .await
    }
    async fn unredeem_code(&self, hash: &str, redeemed_at: OffsetDateTime) -> Result<(), StoreError> {
        self.faults
            .guard(
                "grants.unredeem_code",
                self.inner.unredeem_code(hash, redeemed_at),
            )
            .await
    }
    async fn start_family(
        &self,
        family: &Family,
        token: &RefreshRecord,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.faults
            .guard(
                "grants.start_family",
                self.inner.start_family(family, token, audit),
            )
            .await
    }
    async fn rotate_refresh(
        &self,
        old_hash: &str,
        client: &ClientId,
        successor_hash: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> Result<RefreshRecord, RotateError> {
        let call = self
            .inner
            .rotate_refresh(old_hash, client, successor_hash, now, expires_at, audit);
        self.faults.guard("grants.rotate_refresh", call).await
    }
    async fn get_refresh(&self, hash: &str) -> Result<RefreshRecord, StoreError> {
        self.faults
            .guard("grants.get_refresh", self.inner.get_refresh(hash))
            .await
    }
    async fn get_family(&self, id: &str) -> Result<Family, StoreError> {
        self.faults
            .guard("grants.get_family", self.inner.get_family(id))
            .await
    }
    async fn get_refresh_and_family(
        &self,
        hash: &str,
        family: &str,
    ) -> Result<(RefreshRecord, Family), StoreError> {
        self.faults
            .guard(
                "grants.get_refresh_and_family",
                self.inner.get_refresh_and_family(hash, family),
            )
            .await
    }
    async fn revoke_family(
        &self,
        id: &str,
        client: &ClientId,
        user: &UserId,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.faults
            .guard(
                "grants.revoke_family",
                self.inner.revoke_family(id, client, user, now, audit),
            )
            .await
    }
}

#[async_trait]
impl LockoutStore for Faulty<dyn LockoutStore> {
    async fn failures(&self, keys: &[String]) -> Result<Vec<u32>, StoreError> {
        self.faults
            .guard("lockouts.failures", self.inner.failures(keys))
            .await
    }
    async fn add_failure(&self, key: &str, expires_at: OffsetDateTime) -> Result<u32, StoreError> {
        self.faults
            .guard("lockouts.add_failure", self.inner.add_failure(key, expires_at))
            .await
    }
    async fn reserve(
        &self,
        key: &str,
        limit: u32,
        expires_at: OffsetDateTime,
    ) -> Result<Option<u32>, StoreError> {
        self.faults
            .guard("lockouts.reserve", self.inner.reserve(key, limit, expires_at))
            .await
    }
    async fn release(&self, key: &str) -> Result<(), StoreError> {
        self.faults
            .guard("lockouts.release", self.inner.release(key))
            .await
    }
    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        self.faults.guard("lockouts.clear", self.inner.clear(key)).await
    }
}

#[async_trait]
impl AuditStore for Faulty<dyn AuditStore> {
    async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.faults.guard("audit.append", self.inner.append(entry)).await
    }
    async fn list(&self, day: Date, page: &PageRequest) -> Result<Page<AuditEntry>, StoreError> {
        self.faults.guard("audit.list", self.inner.list(day, page)).await
    }
}

#[async_trait]
impl BroadcastStore for Faulty<dyn BroadcastStore> {
    async fn create(&self, broadcast: &StoredBroadcast) -> Result<(), StoreError> {
        self.faults
            .guard("broadcasts.create", self.inner.create(broadcast))
            .await
    }
    async fn get(&self, owner: &UserId, id: &str) -> Result<StoredBroadcast, StoreError> {
        self.faults
            .guard("broadcasts.get", self.inner.get(owner, id))
            .await
    }
    async fn get_many(&self, owner: &UserId, ids: &[String]) -> Result<Vec<StoredBroadcast>, StoreError> {
        self.faults
            .guard("broadcasts.get_many", self.inner.get_many(owner, ids))
            .await
    }
    async fn ingest_gate(
        &self,
        owner: &UserId,
        channel: &ChannelId,
        broadcasts: &[String],
    ) -> Result<IngestGate, StoreError> {
        self.faults
            .guard(
                "broadcasts.ingest_gate",
                self.inner.ingest_gate(owner, channel, broadcasts),
            )
            .await
    }
    async fn transition(&self, update: &GuardedUpdate<'_>) -> Result<(), GuardedWriteError> {
        self.faults
            .guard("broadcasts.transition", self.inner.transition(update))
            .await
    }
    async fn list(
        &self,
        owner: &UserId,
        channel: Option<&ChannelId>,
        page: &PageRequest,
    ) -> Result<Page<StoredBroadcast>, StoreError> {
        self.faults
            .guard("broadcasts.list", self.inner.list(owner, channel, page))
            .await
    }
    async fn update(&self, broadcast: &StoredBroadcast, expected_version: u64) -> Result<(), StoreError> {
        self.faults
            .guard(
                "broadcasts.update",
                self.inner.update(broadcast, expected_version),
            )
            .await
    }
    async fn bind(&self, change: &BindChange<'_>) -> Result<(), StoreError> {
        self.faults
            .guard("broadcasts.bind", self.inner.bind(change))
            .await
    }
    async fn delete(
        &self,
        owner: &UserId,
        id: &str,
        expected_version: u64,
        bound: Option<&StoredStream>,
        live: Option<&str>,
    ) -> Result<(), StoreError> {
        self.faults
            .guard(
                "broadcasts.delete",
                self.inner.delete(owner, id, expected_version, bound, live),
            )
            .await
    }
}

#[async_trait]
impl StreamStore for Faulty<dyn StreamStore> {
    async fn create(&self, stream: &StoredStream) -> Result<(), StoreError> {
        self.faults
            .guard("streams.create", self.inner.create(stream))
            .await
    }
    async fn get(&self, owner: &UserId, id: &str) -> Result<StoredStream, StoreError> {
        self.faults.guard("streams.get", self.inner.get(owner, id)).await
    }
    async fn get_many(&self, owner: &UserId, ids: &[String]) -> Result<Vec<StoredStream>, StoreError> {
        self.faults
            .guard("streams.get_many", self.inner.get_many(owner, ids))
            .await
    }
    async fn list(
        &self,
        owner: &UserId,
        channel: Option<&ChannelId>,
        page: &PageRequest,
    ) -> Result<Page<StoredStream>, StoreError> {
        self.faults
            .guard("streams.list", self.inner.list(owner, channel, page))
            .await
    }
    async fn update(&self, stream: &StoredStream, expected_version: u64) -> Result<(), StoreError> {
        self.faults
            .guard("streams.update", self.inner.update(stream, expected_version))
            .await
    }
    async fn delete(&self, stream: &StoredStream) -> Result<(), StoreError> {
        self.faults
            .guard("streams.delete", self.inner.delete(stream))
            .await
    }
    async fn find_by_key_hash(&self, key_hash: &str) -> Result<StoredStream, StoreError> {
        self.faults
            .guard("streams.find_by_key_hash", self.inner.find_by_key_hash(key_hash))
            .await
    }
}

#[async_trait]
impl IdempotencyStore for Faulty<dyn IdempotencyStore> {
    async fn claim(&self, claim: &Claim) -> Result<ClaimOutcome, StoreError> {
        self.faults
            .guard("idempotency.claim", self.inner.claim(claim))
            .await
    }
    async fn complete(
        &self,
        scope: &IdempotencyScope,
        claimed_at: OffsetDateTime,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        self.faults
            .guard(
                "idempotency.complete",
                self.inner.complete(scope, claimed_at, response),
            )
            .await
    }
    async fn release(&self, scope: &IdempotencyScope, claimed_at: OffsetDateTime) -> Result<(), StoreError> {
        self.faults
            .guard("idempotency.release", self.inner.release(scope, claimed_at))
            .await
    }
}

#[async_trait]
impl LiveStore for Faulty<dyn LiveStore> {
    async fn create(&self, live: &StoredLive) -> Result<(), StoreError> {
        self.faults.guard("lives.create", self.inner.create(live)).await
    }
    async fn get(&self, owner: &UserId, live_id: &str) -> Result<StoredLive, StoreError> {
        self.faults
            .guard("lives.get", self.inner.get(owner, live_id))
            .await
    }
    async fn update(&self, live: &StoredLive, expected_version: u64) -> Result<(), StoreError> {
        self.faults
            .guard("lives.update", self.inner.update(live, expected_version))
            .await
    }
    async fn list(&self, owner: &UserId, channel: &ChannelId) -> Result<Vec<StoredLive>, StoreError> {
        self.faults
            .guard("lives.list", self.inner.list(owner, channel))
            .await
    }
    async fn view(
        &self,
        owner: &UserId,
        live_id: &str,
        consistent: bool,
    ) -> Result<onair_store::StoredLiveView, StoreError> {
        self.faults
            .guard("lives.view", self.inner.view(owner, live_id, consistent))
            .await
    }
    async fn list_views(
        &self,
        owner: &UserId,
        channel: &ChannelId,
    ) -> Result<Vec<onair_store::StoredLiveView>, StoreError> {
        self.faults
            .guard("lives.list_views", self.inner.list_views(owner, channel))
            .await
    }
    async fn commit(&self, write: &onair_store::LiveWrite) -> Result<(), GuardedWriteError> {
        self.faults.guard("lives.commit", self.inner.commit(write)).await
    }
    async fn find(&self, live_id: &str) -> Result<StoredLive, StoreError> {
        self.faults.guard("lives.find", self.inner.find(live_id)).await
    }
    async fn record_stats(
        &self,
        live: &StoredLive,
        stats: &onair_store::LiveStats,
    ) -> Result<(bool, onair_store::LiveStats), StoreError> {
        self.faults
            .guard("lives.record_stats", self.inner.record_stats(live, stats))
            .await
    }
    async fn stats_many(
        &self,
        owner: &UserId,
        keys: &[(String, String)],
    ) -> Result<Vec<(String, onair_store::LiveStats)>, StoreError> {
        self.faults
            .guard("lives.stats_many", self.inner.stats_many(owner, keys))
            .await
    }
}

#[async_trait]
impl VideoStore for Faulty<dyn VideoStore> {
    async fn get(&self, owner: &UserId, id: &str) -> Result<StoredVideo, StoreError> {
        self.faults.guard("videos.get", self.inner.get(owner, id)).await
    }
    async fn get_many(&self, owner: &UserId, ids: &[String]) -> Result<Vec<StoredVideo>, StoreError> {
        self.faults
            .guard("videos.get_many", self.inner.get_many(owner, ids))
            .await
    }
    async fn record(&self, owner: &UserId, processing: &VideoProcessing) -> Result<(), StoreError> {
        self.faults
            .guard("videos.record", self.inner.record(owner, processing))
            .await
    }
}

#[async_trait]
impl ChatStore for Faulty<dyn ChatStore> {
    async fn open(&self, open: &ChatOpen) -> Result<ChatMeta, StoreError> {
        self.faults.guard("chats.open", self.inner.open(open)).await
    }
    async fn meta(&self, chat_id: &str) -> Result<ChatMeta, StoreError> {
        self.faults.guard("chats.meta", self.inner.meta(chat_id)).await
    }
    async fn author(&self, chat_id: &str, author_id: &str) -> Result<(ChatMeta, AuthorState), StoreError> {
        self.faults
            .guard("chats.author", self.inner.author(chat_id, author_id))
            .await
    }
    async fn insert(&self, post: &Post<'_>) -> Result<Inserted, StoreError> {
        self.faults.guard("chats.insert", self.inner.insert(post)).await
    }
    async fn list_after(
        &self,
        chat_id: &str,
        after: u64,
        max: usize,
    ) -> Result<(ChatMeta, Vec<onair_domain::chat::Message>), StoreError> {
        self.faults
            .guard("chats.list_after", self.inner.list_after(chat_id, after, max))
            .await
    }
    async fn latest(
        &self,
        chat_id: &str,
        max: usize,
    ) -> Result<(ChatMeta, Vec<onair_domain::chat::Message>), StoreError> {
        self.faults
            .guard("chats.latest", self.inner.latest(chat_id, max))
            .await
    }
    async fn message(&self, chat_id: &str, sequence: u64) -> Result<onair_domain::chat::Message, StoreError> {
        self.faults
            .guard("chats.message", self.inner.message(chat_id, sequence))
            .await
    }
    async fn delete_message(&self, chat_id: &str, sequence: u64) -> Result<(), StoreError> {
        self.faults
            .guard(
                "chats.delete_message",
                self.inner.delete_message(chat_id, sequence),
            )
            .await
    }
    async fn set_author(
        &self,
        chat_id: &str,
        author: &AuthorState,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        self.faults
            .guard(
                "chats.set_author",
                self.inner.set_author(chat_id, author, expected_version),
            )
            .await
    }
    async fn set_moderators(&self, meta: &ChatMeta, expected_version: u64) -> Result<(), StoreError> {
        self.faults
            .guard(
                "chats.set_moderators",
                self.inner.set_moderators(meta, expected_version),
            )
            .await
    }
}

#[async_trait]
impl ContentIdStore for Faulty<dyn ContentIdStore> {
    async fn create_owner(&self, owner: &StoredOwner) -> Result<(), StoreError> {
        self.faults
            .guard("content_ids.create_owner", self.inner.create_owner(owner))
            .await
    }
    async fn update_owner(&self, owner: &StoredOwner, expected_version: u64) -> Result<(), StoreError> {
        self.faults
            .guard(
                "content_ids.update_owner",
                self.inner.update_owner(owner, expected_version),
            )
            .await
    }
    async fn get_with(&self, owner_id: &str, sks: &[String]) -> Result<Option<OwnerView>, StoreError> {
        self.faults
            .guard("content_ids.get_with", self.inner.get_with(owner_id, sks))
            .await
    }
    async fn list_with(&self, owner_id: &str, prefix: &str) -> Result<Option<OwnerView>, StoreError> {
        self.faults
            .guard("content_ids.list_with", self.inner.list_with(owner_id, prefix))
            .await
    }
    async fn write(
        &self,
        owner_id: &str,
        guard: &LinkGuard,
        writes: &[RecordWrite],
    ) -> Result<(), WriteError> {
        self.faults
            .guard("content_ids.write", self.inner.write(owner_id, guard, writes))
            .await
    }
    async fn video(&self, key: &str, sks: &[String]) -> Result<VideoView, StoreError> {
        self.faults
            .guard("content_ids.video", self.inner.video(key, sks))
            .await
    }
    async fn write_video(
        &self,
        owner_id: &str,
        guard: &LinkGuard,
        key: &str,
        write: &RecordWrite,
    ) -> Result<(), WriteError> {
        self.faults
            .guard(
                "content_ids.write_video",
                self.inner.write_video(owner_id, guard, key, write),
            )
            .await
    }
    async fn get_with_video(
        &self,
        owner_id: &str,
        sks: &[String],
        video_key: &str,
        video_sks: &[String],
    ) -> Result<(Option<OwnerView>, VideoView), StoreError> {
        self.faults
            .guard(
                "content_ids.get_with_video",
                self.inner.get_with_video(owner_id, sks, video_key, video_sks),
            )
            .await
    }
    async fn write_with_broadcast(
        &self,
        owner_id: &str,
        guard: &LinkGuard,
        writes: &[RecordWrite],
        broadcast: &StoredBroadcast,
        expected_version: u64,
    ) -> Result<(), WriteError> {
        self.faults
            .guard(
                "content_ids.write_with_broadcast",
                self.inner
                    .write_with_broadcast(owner_id, guard, writes, broadcast, expected_version),
            )
            .await
    }
    async fn write_exclusive(
        &self,
        owner_id: &str,
        guard: &LinkGuard,
        writes: &[RecordWrite],
        exclusive: &Exclusive,
    ) -> Result<(), WriteError> {
        self.faults
            .guard(
                "content_ids.write_exclusive",
                self.inner.write_exclusive(owner_id, guard, writes, exclusive),
            )
            .await
    }
}
