//! The embedded step scheduler: the local server's stand-in for EventBridge Scheduler and the delay
//! queue. Each planned step gets a timer task; when it fires and the step is still the pending one of
//! its name (not moved or cancelled since), the step is handed to the connected sink — the same step
//! functions the deployed Scheduler and queue invoke.
//!
//! Precision is the tokio timer's (milliseconds), better than the deployed mechanisms; step functions
//! must not rely on it. Pending steps live in process memory: a restart of the local server forgets
//! them, which is acceptable locally because every step re-checks its rule when it runs and reads
//! (`settle` on read) do not depend on it.

use crate::error::StoreError;
use crate::step_ports::StepScheduler;
use async_trait::async_trait;
use onair_domain::Clock;
use onair_domain::lifecycle::step::{Step, StepKind};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

/// Where fired steps go: normally a dispatcher onto the registry's step functions.
pub type StepSink = Arc<dyn Fn(Step) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

#[derive(Default)]
struct Inner {
    /// Pending steps by name, each with the token of the timer allowed to fire it.
    pending: BTreeMap<String, (Step, u64)>,
    next_token: u64,
    sink: Option<StepSink>,
}

/// In-process scheduler; clones share their pending steps.
#[derive(Clone)]
pub struct EmbeddedSteps {
    inner: Arc<Mutex<Inner>>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for EmbeddedSteps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedSteps")
            .field("pending", &self.lock().pending.len())
            .finish()
    }
}

impl EmbeddedSteps {
    /// A scheduler reading the time from `clock`; steps stay pending until a sink is connected.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: Arc::default(),
            clock,
        }
    }

    /// Connects the sink fired steps are handed to, and fires the steps already due.
    pub fn connect(&self, sink: StepSink) {
        let due: Vec<(Step, u64)> = {
            let mut inner = self.lock();
            inner.sink = Some(sink);
            inner.pending.values().cloned().collect()
        };
        for (step, token) in due {
            self.arm(step, token);
        }
    }

    /// A handle that schedules into this scheduler without keeping it alive: for the sink's own state.
    /// The sink holds an application state, and that state holds a step scheduler; were it this one,
    /// scheduler → sink → state → scheduler would be a cycle that outlives every other owner, keeping
    /// the state's stores and password-hashing threads (19 MiB each) alive for the whole process.
    pub fn downgrade(&self) -> WeakSteps {
        WeakSteps {
            inner: Arc::downgrade(&self.inner),
            clock: self.clock.clone(),
        }
    }

    /// The pending steps, by name.
    pub fn pending(&self) -> Vec<Step> {
        self.lock().pending.values().map(|(s, _)| s.clone()).collect()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every critical section only moves map entries; a poisoned lock still holds a consistent map.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn arm(&self, step: Step, token: u64) {
        let this = self.clone();
        let wait = (step.due - self.clock.now()).max(time::Duration::ZERO);
        let wait = std::time::Duration::try_from(wait).unwrap_or_default();
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            let sink = {
                let mut inner = this.lock();
                let current = inner.pending.get(&step.name()).is_some_and(|(_, t)| *t == token);
                match (&inner.sink, current) {
                    (Some(sink), true) => {
                        let sink = sink.clone();
                        inner.pending.remove(&step.name());
                        Some(sink)
                    }
                    _ => None,
                }
            };
            if let Some(sink) = sink {
                sink(step).await;
            }
        });
    }
}

#[async_trait]
impl StepScheduler for EmbeddedSteps {
    async fn schedule(&self, step: &Step) -> Result<(), StoreError> {
        let (token, connected) = {
            let mut inner = self.lock();
            inner.next_token += 1;
            let token = inner.next_token;
            inner.pending.insert(step.name(), (step.clone(), token));
            (token, inner.sink.is_some())
        };
        if connected {
            self.arm(step.clone(), token);
        }
        Ok(())
    }

    async fn cancel(&self, kind: StepKind, target: &str) -> Result<(), StoreError> {
        self.lock().pending.remove(&Step::name_of(kind, target));
        Ok(())
    }
}

/// An [`EmbeddedSteps`] that does not keep it alive (see [`EmbeddedSteps::downgrade`]): once the
/// scheduler is gone, planning is refused as unavailable, as a stopped server would.
#[derive(Clone)]
pub struct WeakSteps {
    inner: Weak<Mutex<Inner>>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for WeakSteps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeakSteps")
            .field("alive", &(self.inner.strong_count() > 0))
            .finish()
    }
}

impl WeakSteps {
    fn upgrade(&self) -> Result<EmbeddedSteps, StoreError> {
        self.inner
            .upgrade()
            .map(|inner| EmbeddedSteps {
                inner,
                clock: self.clock.clone(),
            })
            .ok_or_else(|| StoreError::Unavailable("the step scheduler has stopped".into()))
    }
}

#[async_trait]
impl StepScheduler for WeakSteps {
    async fn schedule(&self, step: &Step) -> Result<(), StoreError> {
        self.upgrade()?.schedule(step).await
    }

    async fn cancel(&self, kind: StepKind, target: &str) -> Result<(), StoreError> {
        self.upgrade()?.cancel(kind, target).await
    }
}
