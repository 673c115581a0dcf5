//! The password-hashing pool: every argon2id hash and verification of the process (login, admin user
//! create/update) runs here, on a few dedicated threads, each reusing one work area.
//!
//! argon2id is deliberately expensive: ~19 MiB and tens of milliseconds of one core per call. Run on
//! the runtime's blocking pool, a burst of parallel logins ran that many hashes at once, each on its
//! own thread with its own 19 MiB allocation, and glibc kept the freed areas in per-thread arenas:
//! 6 bursts of 32 parallel failed logins took the local server from 22 MiB to 3.6 GiB RSS. Here at
//! most `workers` hashes run at once (sized to the cores at start-up), each worker allocates its area
//! once, so the memory is bounded by `workers` × 19 MiB. A request waits for a free worker at most
//! `wait`; past that it is refused as [`HashingError::Busy`], which the surfaces answer with 503 and
//! `Retry-After`.

use onair_domain::SecretString;
use onair_domain::password::{HashMemory, hash_password_with, verify_password_with};
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

/// How many hashes run at once and how long a request waits for a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingLimits {
    /// Worker threads, and so hashes at once (the number of cores).
    pub workers: usize,
    /// Longest wait for a free worker before the request is refused as busy.
    pub wait: Duration,
}

impl Default for HashingLimits {
    fn default() -> Self {
        Self {
            workers: 2,
            wait: Duration::from_secs(2),
        }
    }
}

/// Why a hash was not computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashingError {
    /// Every worker stayed busy for the whole wait: retry later (503).
    #[error("password hashing is busy")]
    Busy,
    /// The hash could not be computed (a corrupt stored hash, a stopped worker).
    #[error("password hashing failed: {0}")]
    Failed(String),
}

type Job = Box<dyn FnOnce(&mut HashMemory) + Send>;

/// The pool; shared by every request of the process.
pub struct Hashing {
    jobs: Mutex<mpsc::Sender<Job>>,
    permits: Arc<Semaphore>,
    wait: Duration,
}

impl std::fmt::Debug for Hashing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hashing")
            .field("free", &self.permits.available_permits())
            .field("wait", &self.wait)
            .finish()
    }
}

impl Hashing {
    /// Starts `limits.workers` threads (at least one). They end when the pool is dropped.
    pub fn new(limits: HashingLimits) -> Self {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let mut started = 0;
        for n in 0..limits.workers.max(1) {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || work(&receiver));
            match spawned {
                Ok(_) => started += 1,
                Err(err) => tracing::error!(error = %err, "cannot start a password-hashing thread"),
            }
        }
        Self {
            jobs: Mutex::new(sender),
            // One permit per running worker, so an admitted job starts at once; with no worker every
            // request is refused as busy instead of waiting forever.
            permits: Arc::new(Semaphore::new(started)),
            wait: limits.wait,
        }
    }

    /// Runs `f` on a worker with its work area, once one is free within the wait.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut HashMemory) -> T + Send + 'static,
    ) -> Result<T, HashingError> {
        let permit: OwnedSemaphorePermit =
            tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
                .await
                .map_err(|_| HashingError::Busy)?
                .map_err(|_| HashingError::Busy)?;
        let (reply, answer) = oneshot::channel();
        // The permit travels with the job and is given back when the work is done, not when the
        // request goes away: a cancelled request cannot let more hashes run than there are workers.
        // It is given back before the answer, so whoever gets the answer finds the worker free.
        let job: Job = Box::new(move |memory| {
            let answer = f(memory);
            drop(permit);
            let _ = reply.send(answer);
        });
        self.jobs
            .lock()
            .map_err(|_| HashingError::Failed("hashing queue poisoned".into()))?
            .send(job)
            .map_err(|_| HashingError::Failed("the hashing workers stopped".into()))?;
        answer
            .await
            .map_err(|_| HashingError::Failed("a hashing job ended without an answer".into()))
    }

    /// Whether `password` matches `hash`. With no hash (the login names no account, or the account
    /// has no password) it verifies against a decoy, so the reply takes as long as a real check and
    /// timing does not reveal which logins exist; the answer is then `false`.
    pub async fn verify(&self, password: &SecretString, hash: Option<String>) -> Result<bool, HashingError> {
        let password = password.clone();
        self.run(move |memory| {
            let real = hash.is_some();
            let hash = match hash {
                Some(hash) => hash,
                None => decoy_hash(memory).to_owned(),
            };
            let ok = verify_password_with(memory, password.expose(), &hash);
            match ok {
                Ok(ok) => Ok(ok && real),
                Err(err) => Err(HashingError::Failed(err.to_string())),
            }
        })
        .await?
    }

    /// A new PHC hash of `password` with `salt`.
    pub async fn hash(&self, password: SecretString, salt: [u8; 16]) -> Result<SecretString, HashingError> {
        self.run(move |memory| {
            hash_password_with(memory, &password, &salt)
                .map(SecretString::new)
                .map_err(|e| HashingError::Failed(e.to_string()))
        })
        .await?
    }
}

/// A worker: takes jobs until the pool is dropped, with one work area for its whole life.
fn work(receiver: &Mutex<mpsc::Receiver<Job>>) {
    let mut memory = HashMemory::new();
    loop {
        let job = match receiver.lock() {
            Ok(jobs) => jobs.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        // A panicking job drops its reply (the request fails) but must not take the worker with it.
        if std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut memory))).is_err() {
            tracing::error!("a password-hashing job panicked");
        }
    }
}

/// The decoy of [`Hashing::verify`], computed once on the first worker that needs it.
fn decoy_hash(memory: &mut HashMemory) -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        hash_password_with(
            memory,
            &SecretString::new("decoy password for timing"),
            &[0x5a; 16],
        )
        .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_a_full_pool_refuses_after_the_wait() {
        let pool = Hashing::new(HashingLimits {
            workers: 1,
            wait: Duration::from_millis(50),
        });
        let hash = pool
            .hash(SecretString::new("correct horse"), [3; 16])
            .await
            .unwrap();
        assert!(
            pool.verify(
                &SecretString::new("correct horse"),
                Some(hash.expose().to_owned())
            )
            .await
            .unwrap()
        );
        assert!(
            !pool
                .verify(&SecretString::new("wrong"), Some(hash.expose().to_owned()))
                .await
                .unwrap()
        );
        assert!(
            !pool
                .verify(&SecretString::new("decoy password for timing"), None)
                .await
                .unwrap()
        );
        // Occupy the only worker, then ask again: refused as busy once the wait is over.
        let (hold, release) = std::sync::mpsc::channel::<()>();
        let blocker = {
            let pool = Arc::new(pool);
            let p = pool.clone();
            let task = tokio::spawn(async move { p.run(move |_| release_after(&release)).await });
            while pool.permits.available_permits() > 0 {
                tokio::task::yield_now().await;
            }
            let refused = pool.verify(&SecretString::new("x"), None).await;
            assert_eq!(refused, Err(HashingError::Busy));
            hold.send(()).unwrap();
            task
        };
        blocker.await.unwrap().unwrap();
    }

    fn release_after(release: &std::sync::mpsc::Receiver<()>) {
        let _ = release.recv();
    }
}
