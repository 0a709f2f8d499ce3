//! The one staging pipeline: every upload, from the form, from tus, or from anything later, goes
//! temporary → sink → seal → limits and disk reserve → fsync → commit, here.
//!
//! [`Store::stage`] opens a temporary under the spool's `tmp/` and starts sealing an envelope to
//! the newsroom into it, through a [`BlockingSink`] that writes and hashes on the blocking
//! threads. [`Staging::write`] enforces the item's byte limit and re-checks the disk reserve
//! every few MiB as content streams in; [`Staging::finish`] completes the envelope and fsyncs.
//! Nothing is visible until [`Store::commit`] moves the staged ciphertexts into place with their
//! signed records; a [`Staging`] or [`Staged`] dropped before that removes its temporary, and
//! after a crash the startup sweep does.

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_io::AsyncWrite;
use postern_spool::day::Day;
use postern_spool::envelope::{AsyncSealer, Header, Kind, seal_async};
use postern_spool::ids::{ItemId, SourceId};
use postern_spool::keys::SigningKey;
use postern_spool::recipients::Recipients;
use postern_spool::record::{ItemRecord, SourceRecord};
use postern_spool::spool::{Spool, SpoolError, StagedItem};
use sha2::{Digest, Sha256};

use crate::clock::Clock;

/// Check free space again after this many bytes of an item.
const DISK_CHECK_EVERY: u64 = 8 << 20;

/// The spool with what it takes to write to it.
pub struct Store {
    pub spool: Spool,
    /// Every item is sealed to all of them.
    pub recipients: Recipients,
    /// Signs every record.
    pub signing_key: SigningKey,
    /// Uploads are refused while free space would drop below this, in bytes.
    pub disk_reserve: u64,
    pub clock: Arc<dyn Clock>,
}

/// Why staging or committing failed. None carries anything the source sent.
#[derive(Debug)]
#[non_exhaustive]
pub enum StageError {
    /// The item is longer than its limit.
    TooLarge,
    /// Free space would drop below the reserve.
    DiskFull,
    /// Sealing, writing, syncing or committing failed.
    Server(&'static str),
}

impl std::fmt::Display for StageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StageError::TooLarge => f.write_str("too large"),
            StageError::DiskFull => f.write_str("disk reserve"),
            StageError::Server(what) => write!(f, "server error ({what})"),
        }
    }
}

impl std::error::Error for StageError {}

impl Store {
    /// Today, from the store's clock.
    pub fn today(&self) -> Day {
        self.clock.today()
    }

    /// Whether the spool's file system has room for `extra` bytes above the reserve.
    pub fn disk_ok(&self, extra: u64) -> bool {
        match rustix::fs::statvfs(self.spool.root()) {
            Ok(s) => {
                let avail = s.f_bavail.saturating_mul(s.f_frsize);
                avail >= self.disk_reserve.saturating_add(extra)
            }
            Err(_) => false,
        }
    }

    /// Starts staging one item with `header` (its submission id is set here), refusing content
    /// beyond `max` bytes.
    pub async fn stage(
        self: &Arc<Store>,
        mut header: Header,
        max: u64,
    ) -> Result<Staging, StageError> {
        // Every item checks the reserve against what is really free now (many small items
        // would never reach the check every `DISK_CHECK_EVERY` bytes).
        if !self.disk_ok(0) {
            return Err(StageError::DiskFull);
        }
        let item = ItemId::random(&mut rand::rng());
        header.submission_id = item;
        let (file, tmp) = self
            .spool
            .temp_file(&mut rand::rng())
            .map_err(|_| StageError::Server("temporary"))?;
        let tmp = TempGuard::new(tmp);
        let sink = BlockingSink::new(file);
        let parts = sink.parts();
        let sealer = seal_async(&self.recipients, &header, sink)
            .await
            .map_err(|_| StageError::Server("seal"))?;
        Ok(Staging {
            store: self.clone(),
            sealer,
            parts,
            tmp,
            item,
            kind: header.kind,
            day: header.day,
            max,
            since_check: 0,
        })
    }

    /// Commits staged items of one source (blocking: call it off the async threads), creating
    /// the source's record first if this is its first submission. Items are committed in order;
    /// each is atomic.
    pub fn commit(
        &self,
        record: &SourceRecord,
        staged: Vec<Staged>,
    ) -> Result<Vec<ItemRecord>, SpoolError> {
        let mut rng = rand::rng();
        self.spool
            .ensure_source(&mut rng, record, &self.signing_key)?;
        let mut out = Vec::with_capacity(staged.len());
        for mut s in staged {
            let Some(path) = s.tmp.path().cloned() else {
                continue;
            };
            let meta = StagedItem {
                item: s.item,
                source: record.source,
                kind: s.kind,
                day: s.day,
                size: s.size,
                sha256: s.sha256,
            };
            out.push(self.spool.commit_staged(
                &mut rng,
                &path,
                &meta,
                &self.recipients,
                &self.signing_key,
            )?);
            s.tmp.disarm();
        }
        Ok(out)
    }

    /// Seals `content` (small, in memory) as one item of `source` and commits it (blocking).
    pub fn store_small(
        &self,
        source: &SourceId,
        header: Header,
        content: &[u8],
    ) -> Result<ItemRecord, SpoolError> {
        self.spool.store(
            &mut rand::rng(),
            &self.signing_key,
            &self.recipients,
            source,
            header,
            &mut &content[..],
        )
    }
}

/// An item being sealed into its temporary.
pub struct Staging {
    store: Arc<Store>,
    sealer: AsyncSealer<BlockingSink>,
    parts: SinkParts,
    tmp: TempGuard,
    item: ItemId,
    kind: Kind,
    day: Day,
    max: u64,
    since_check: u64,
}

/// A sealed, fsynced item waiting in `tmp/` for [`Store::commit`].
pub struct Staged {
    pub item: ItemId,
    pub kind: Kind,
    pub day: Day,
    /// Ciphertext length.
    pub size: u64,
    /// SHA-256 of the ciphertext.
    pub sha256: [u8; 32],
    /// Content bytes (before the envelope and its padding).
    pub content: u64,
    tmp: TempGuard,
}

impl Staging {
    /// Content bytes written so far.
    pub fn content_len(&self) -> u64 {
        self.sealer.content_len()
    }

    /// Appends content: refused beyond the item's limit, or when the disk reserve is reached.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), StageError> {
        let n = chunk.len() as u64;
        if self.content_len().saturating_add(n) > self.max {
            return Err(StageError::TooLarge);
        }
        self.since_check += n;
        if self.since_check >= DISK_CHECK_EVERY {
            self.since_check = 0;
            if !self.store.disk_ok(0) {
                return Err(StageError::DiskFull);
            }
        }
        self.sealer
            .write_all(chunk)
            .await
            .map_err(|_| StageError::Server("seal"))
    }

    /// Completes the envelope and makes the temporary durable.
    pub async fn finish(self) -> Result<Staged, StageError> {
        let content = self.content_len();
        self.sealer
            .finish()
            .await
            .map_err(|_| StageError::Server("seal"))?;
        let (file, sha256, size) = self
            .parts
            .lock()
            .ok()
            .and_then(|mut p| p.take())
            .ok_or(StageError::Server("sink"))?;
        tokio::task::spawn_blocking(move || file.sync_all())
            .await
            .map_err(|_| StageError::Server("fsync task"))?
            .map_err(|_| StageError::Server("fsync"))?;
        Ok(Staged {
            item: self.item,
            kind: self.kind,
            day: self.day,
            size,
            sha256,
            content,
            tmp: self.tmp,
        })
    }
}

/// Removes a temporary file when dropped, unless it was committed.
struct TempGuard(Option<PathBuf>);

impl TempGuard {
    fn new(path: PathBuf) -> TempGuard {
        TempGuard(Some(path))
    }
    fn path(&self) -> Option<&PathBuf> {
        self.0.as_ref()
    }
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Where a closed sink leaves its file, the SHA-256 of everything written and its length.
type SinkParts = Arc<Mutex<Option<(std::fs::File, [u8; 32], u64)>>>;

/// Bytes gathered before they are handed to the blocking threads.
const SINK_BUF: usize = 256 * 1024;
/// After this many bytes written since the last flush started, another flush to disk is started
/// in the background, so that the fsync at the end of an upload has only the tail left to do.
const EARLY_SYNC: u64 = 8 << 20;

/// One buffer in flight: written by one blocking task and hashed by another, at the same time.
struct SinkJob {
    data: Arc<Vec<u8>>,
    write: Option<tokio::task::JoinHandle<io::Result<std::fs::File>>>,
    hash: Option<tokio::task::JoinHandle<Sha256>>,
    file: Option<std::fs::File>,
    hasher: Option<Sha256>,
}

/// The file end of an upload: gathers ciphertext into 256 KiB buffers and hands each to two
/// blocking tasks, one writing it and one hashing it (SHA-256, for the record), while the
/// connection's task goes on parsing and encrypting the next one. One buffer is in flight at a
/// time, so memory stays at two buffers, allocated only as data arrives.
pub struct BlockingSink {
    idle: Option<(std::fs::File, Sha256)>,
    job: Option<SinkJob>,
    buf: Vec<u8>,
    spare: Vec<u8>,
    len: u64,
    /// The same open file, for background flushes (`fdatasync` while writing goes on).
    flusher: Option<Arc<std::fs::File>>,
    /// A background flush in flight. Its error is the upload's error: after a failed flush the
    /// kernel may not report the loss again to the final fsync.
    flush: Option<tokio::task::JoinHandle<io::Result<()>>>,
    unflushed: u64,
    /// Filled when the sink is closed.
    parts: SinkParts,
}

impl BlockingSink {
    pub fn new(file: std::fs::File) -> BlockingSink {
        // Without a second handle there are no background flushes; the final fsync does all.
        let flusher = file.try_clone().ok().map(Arc::new);
        BlockingSink {
            idle: Some((file, Sha256::new())),
            job: None,
            buf: Vec::new(),
            spare: Vec::new(),
            len: 0,
            flusher,
            flush: None,
            unflushed: 0,
            parts: Arc::new(Mutex::new(None)),
        }
    }

    /// Collects a finished background flush; `Pending` while one runs.
    fn poll_flushed(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(handle) = self.flush.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        match Pin::new(handle).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(r) => {
                self.flush = None;
                Poll::Ready(r.map_err(|_| io::Error::other("flush task failed"))?)
            }
        }
    }

    /// Starts a background flush when enough was written since the last one (and none runs).
    fn maybe_flush(&mut self, cx: &mut Context<'_>, written: usize) -> io::Result<()> {
        self.unflushed += written as u64;
        if let Poll::Ready(r) = self.poll_flushed(cx) {
            r?;
        }
        if self.unflushed >= EARLY_SYNC
            && self.flush.is_none()
            && let Some(f) = &self.flusher
        {
            let f = f.clone();
            self.flush = Some(tokio::task::spawn_blocking(move || f.sync_data()));
            self.unflushed = 0;
        }
        Ok(())
    }

    /// Waits for the buffer in flight, if any.
    fn poll_job(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(job) = self.job.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        if let Some(handle) = job.write.as_mut() {
            match Pin::new(handle).poll(cx) {
                Poll::Pending => {}
                Poll::Ready(r) => {
                    job.write = None;
                    job.file = Some(r.map_err(|_| io::Error::other("write task failed"))??);
                }
            }
        }
        if let Some(handle) = job.hash.as_mut() {
            match Pin::new(handle).poll(cx) {
                Poll::Pending => {}
                Poll::Ready(r) => {
                    job.hash = None;
                    job.hasher = Some(r.map_err(|_| io::Error::other("hash task failed"))?);
                }
            }
        }
        if job.write.is_some() || job.hash.is_some() {
            return Poll::Pending;
        }
        let (Some(file), Some(hasher)) = (job.file.take(), job.hasher.take()) else {
            return Poll::Ready(Err(io::Error::other("sink in an impossible state")));
        };
        let data = std::mem::take(&mut job.data);
        self.job = None;
        // Both tasks are done, so the buffer is ours again: reuse it.
        if let Ok(mut old) = Arc::try_unwrap(data) {
            old.clear();
            self.spare = old;
        }
        self.idle = Some((file, hasher));
        Poll::Ready(Ok(()))
    }

    /// Hands the gathered bytes over (after the previous buffer is done).
    fn poll_hand_over(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Poll::Ready(r) = self.poll_job(cx) {
            r?;
        } else {
            return Poll::Pending;
        }
        if self.buf.is_empty() {
            return Poll::Ready(Ok(()));
        }
        let Some((mut file, mut hasher)) = self.idle.take() else {
            return Poll::Ready(Err(io::Error::other("sink in an impossible state")));
        };
        let data = Arc::new(std::mem::replace(
            &mut self.buf,
            std::mem::take(&mut self.spare),
        ));
        // Data handed over before now is written by the time the next buffer goes: flush it
        // in the background.
        self.maybe_flush(cx, data.len())?;
        let for_write = data.clone();
        let for_hash = data.clone();
        self.job = Some(SinkJob {
            data,
            write: Some(tokio::task::spawn_blocking(move || {
                use std::io::Write as _;
                file.write_all(&for_write)?;
                Ok(file)
            })),
            hash: Some(tokio::task::spawn_blocking(move || {
                hasher.update(&*for_hash);
                hasher
            })),
            file: None,
            hasher: None,
        });
        Poll::Ready(Ok(()))
    }

    /// Where the sink leaves the file, the SHA-256 of everything written and its length once
    /// it is closed.
    fn parts(&self) -> SinkParts {
        self.parts.clone()
    }
}

impl AsyncWrite for BlockingSink {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.buf.len() >= SINK_BUF {
            match this.poll_hand_over(cx) {
                Poll::Ready(Ok(())) => {}
                other => return other.map(|r| r.map(|()| 0)),
            }
        }
        let room = SINK_BUF.saturating_sub(this.buf.len()).max(1);
        let take = room.min(data.len());
        this.buf.extend_from_slice(data.get(..take).unwrap_or(data));
        this.len += take as u64;
        Poll::Ready(Ok(take))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            match this.poll_hand_over(cx) {
                Poll::Ready(Ok(())) => {}
                other => return other,
            }
            if this.buf.is_empty() {
                return match this.poll_job(cx) {
                    Poll::Ready(Ok(())) => this.poll_flushed(cx),
                    other => other,
                };
            }
        }
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.as_mut().poll_flush(cx) {
            Poll::Ready(Ok(())) => {}
            other => return other,
        }
        let this = &mut *self;
        if let Some((file, hasher)) = this.idle.take() {
            let digest: [u8; 32] = hasher.finalize().into();
            let mut slot = this
                .parts
                .lock()
                .map_err(|_| io::Error::other("sink lock poisoned"))?;
            *slot = Some((file, digest, this.len));
        }
        Poll::Ready(Ok(()))
    }
}
