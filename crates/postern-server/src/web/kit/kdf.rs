//! The Argon2 queue: codename derivations run off the async threads, at most one per core, with
//! at most `queue` waiting; past that, callers are told the server is busy (and answer 503).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use postern_spool::codename::Codename;
use postern_spool::derive::{KdfParams, ServerSalt, SourceKeys};
use tokio::sync::Semaphore;

/// Runs Argon2id off the async threads: at most one derivation per core, and at most
/// `queue` waiting; past that, callers are told the server is busy.
pub struct Kdf {
    salt: ServerSalt,
    params: KdfParams,
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    queue: usize,
}

/// The derivation queue is full.
#[derive(Debug)]
pub struct Busy;

impl Kdf {
    pub fn new(salt: ServerSalt, params: KdfParams, queue: usize) -> Kdf {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        Kdf {
            salt,
            params,
            permits: Arc::new(Semaphore::new(cores)),
            waiting: AtomicUsize::new(0),
            queue,
        }
    }

    pub async fn derive(&self, codename: Codename) -> Result<SourceKeys, Busy> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(Busy);
        }
        let permit = self.permits.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let permit = permit.map_err(|_| Busy)?;
        let salt = self.salt.clone();
        let params = self.params;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            postern_spool::derive::derive(&codename, &salt, params)
        })
        .await
        .map_err(|_| Busy)?
        .map_err(|_| Busy)
    }
}
