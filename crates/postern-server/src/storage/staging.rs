//! The one staging pipeline: every upload, from the form, from tus, or from anything later, goes
//! temporary → seal → limits and disk reserve → fsync → commit, here.
//!
//! [`Store::stage`] opens a temporary under the spool's `tmp/`. Each envelope frame of content is
//! sealed to the newsroom, its ciphertext hashed while it is still in cache and written, and
//! writeback to disk is started in the background every few MiB (not awaited: the disk stays
//! busy while the upload goes on). [`Staging::write`] enforces the item's byte
//! limit and re-checks the disk reserve every few MiB as content streams in, gathering it into
//! one envelope frame at a time.
//!
//! A frame is sealed and written on the connection's own task, while the page cache takes the
//! write at once: about 100 µs of work per 64 KiB frame, with no hand-off. Handing every frame to
//! another thread and back cost more than the sealing on the hosts we measured (virtual CPUs, where
//! each wake-up is an inter-processor interrupt: half the server's CPU at full speed,
//! `docs/benchmarks.md`). A write that stalls (the kernel throttling dirty pages, a slow disk)
//! must not keep holding the async workers, so once the write of any frame's ciphertext was off
//! the CPU (blocked in the kernel) for longer than [`INLINE_STALL`], every upload hands its frames to its writer for
//! the next [`STALL_BACKOFF`]: one blocking job per upload, fed one frame at a time, with two
//! frame buffers (one filling while the writer seals the other). On a disk that keeps stalling, a
//! worker blocks at most once per backoff. The end of the envelope and the final fsync are always
//! the writer's.
//! [`Staging::finish`] completes the envelope and fsyncs. Nothing is visible until [`Store::commit`] moves the staged ciphertexts into place
//! with their signed records; a [`Staging`] or [`Staged`] dropped before that removes its
//! temporary, and after a crash the startup sweep does.
//!
//! The writer holds a blocking thread only while it has work: at full speed it stays on one
//! thread, and a trickling upload gives its thread back after each frame, so hundreds of slow
//! sources never pin hundreds of threads. Every blocking job of an upload (its writer, the end
//! of its envelope and the fsync, its background flushes) holds one of [`UPLOAD_JOBS`] permits:
//! a hundred uploads at once share that many threads, and a writer gives its thread back every
//! [`TURN`] frames while others wait.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use postern_spool::day::Day;
use postern_spool::envelope::{FRAME_LEN, Header, Kind, Sealer, seal};
use postern_spool::ids::{ItemId, SourceId};
use postern_spool::keys::SigningKey;
use postern_spool::recipients::Recipients;
use postern_spool::record::{Digest, ItemRecord, RecordHasher, SourceRecord};
use postern_spool::spool::{Spool, SpoolError, StagedItem};
use tokio::sync::{Semaphore, SemaphorePermit};

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
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|_| StageError::Server("runtime"))?;
        let kind = header.kind;
        let day = header.day;
        let store = self.clone();
        let permit = JOBS
            .acquire()
            .await
            .map_err(|_| StageError::Server("jobs"))?;
        let state = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            WriterState::new(&store, &header, file)
        })
        .await
        .map_err(|_| StageError::Server("seal task"))??;
        Ok(Staging {
            store: self.clone(),
            pipe: Pipe::new(state),
            runtime,
            batch: Vec::new(),
            inline: true,
            content: 0,
            tmp,
            item,
            kind,
            day,
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
                digest: s.digest,
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
    pipe: Arc<Pipe>,
    runtime: tokio::runtime::Handle,
    /// Content gathered for the writer, up to one frame.
    batch: Vec<u8>,
    /// Frames may be sealed on this task (while no frame stalled lately); off only in tests.
    inline: bool,
    content: u64,
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
    /// Digest of the ciphertext (BLAKE3: a version 2 record).
    pub digest: Digest,
    /// Content bytes (before the envelope and its padding).
    pub content: u64,
    tmp: TempGuard,
}

impl Staging {
    /// Content bytes written so far.
    pub fn content_len(&self) -> u64 {
        self.content
    }

    /// Appends content: refused beyond the item's limit, or when the disk reserve is reached.
    pub async fn write(&mut self, mut chunk: &[u8]) -> Result<(), StageError> {
        let n = chunk.len() as u64;
        if self.content.saturating_add(n) > self.max {
            return Err(StageError::TooLarge);
        }
        self.since_check += n;
        if self.since_check >= DISK_CHECK_EVERY {
            self.since_check = 0;
            if !self.store.disk_ok(0) {
                return Err(StageError::DiskFull);
            }
        }
        self.content += n;
        while !chunk.is_empty() {
            if self.batch.capacity() == 0 {
                self.batch.reserve_exact(BATCH);
            }
            let room = BATCH.saturating_sub(self.batch.len());
            let (now, rest) = chunk.split_at(room.min(chunk.len()));
            self.batch.extend_from_slice(now);
            chunk = rest;
            if self.batch.len() >= BATCH {
                self.send().await?;
            }
        }
        Ok(())
    }

    /// Seals the gathered batch here, or hands it to the writer, waiting while its queue is full.
    async fn send(&mut self) -> Result<(), StageError> {
        if self.inline && Stalls::inline_ok() {
            // The writer holds the state while it runs (with frames queued or just sealed): then
            // this frame goes to it too, in order.
            let state = {
                let mut s = self.pipe.lock();
                if let Some(what) = s.failed {
                    return Err(StageError::Server(what));
                }
                s.state.take()
            };
            if let Some(mut state) = state {
                let r = state.seal(&self.batch, Some(&self.runtime));
                if state.stalled.swap(false, Ordering::Relaxed) {
                    Stalls::stalled();
                }
                self.batch.clear();
                let mut s = self.pipe.lock();
                s.state = Some(state);
                if let Err(what) = r {
                    s.failed = Some(what);
                    return Err(StageError::Server(what));
                }
                return Ok(());
            }
        }
        let mut permit: Option<Permit> = None;
        loop {
            let queued = poll_fn(|cx| {
                let mut s = self.pipe.lock();
                if let Some(what) = s.failed {
                    return Poll::Ready(Err(StageError::Server(what)));
                }
                // One batch in the writer's hands at a time (queued or being sealed): with the
                // one filling here, two frame buffers per upload.
                if !s.queue.is_empty() || s.sealing {
                    s.producer = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                // No writer runs: one must start for this batch, with a permit.
                if !s.running && permit.is_none() {
                    match JOBS.try_acquire() {
                        Ok(p) => permit = Some(p),
                        Err(_) => return Poll::Ready(Ok(false)),
                    }
                }
                let next = s.spare.take().unwrap_or_default();
                let batch = std::mem::replace(&mut self.batch, next);
                s.queue.push_back(batch);
                self.pipe.wake_or_start(&mut s, &self.runtime, &mut permit);
                Poll::Ready(Ok(true))
            })
            .await?;
            if queued {
                return Ok(());
            }
            // Every permit is taken: wait for one, in turn with the other uploads.
            permit = Some(
                JOBS.acquire()
                    .await
                    .map_err(|_| StageError::Server("jobs"))?,
            );
        }
    }

    /// Completes the envelope and makes the temporary durable.
    pub async fn finish(mut self) -> Result<Staged, StageError> {
        if !self.batch.is_empty() {
            self.send().await?;
        }
        let mut permit: Option<Permit> = None;
        loop {
            {
                let mut s = self.pipe.lock();
                s.finishing = true;
                if self.pipe.wake_or_start(&mut s, &self.runtime, &mut permit) {
                    break;
                }
            }
            permit = Some(
                JOBS.acquire()
                    .await
                    .map_err(|_| StageError::Server("jobs"))?,
            );
        }
        let (digest, size) = poll_fn(|cx| {
            let mut s = self.pipe.lock();
            if let Some(what) = s.failed {
                return Poll::Ready(Err(StageError::Server(what)));
            }
            if let Some(done) = s.done.take() {
                return Poll::Ready(Ok(done));
            }
            if !s.running && s.state.is_none() {
                return Poll::Ready(Err(StageError::Server("writer lost")));
            }
            s.producer = Some(cx.waker().clone());
            Poll::Pending
        })
        .await?;
        let tmp = std::mem::replace(&mut self.tmp, TempGuard(None));
        Ok(Staged {
            item: self.item,
            kind: self.kind,
            day: self.day,
            size,
            digest,
            content: self.content,
            tmp,
        })
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // An upload that went away: the writer drops what is queued and stops.
        let mut s = self.pipe.lock();
        s.cancelled = true;
        s.queue.clear();
        self.pipe.more.notify_all();
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

/// Content gathered on the connection's task before it goes to the writer: one envelope frame,
/// which the envelope seals without copying it again.
const BATCH: usize = FRAME_LEN;
/// A write of ciphertext that was off the CPU for longer than this (blocked in the kernel: a
/// write into the page cache takes some 10 µs) sends the frames of every upload to their writers,
/// off the async workers. Only the write is timed: time the thread spends preempted while it
/// seals (other uploads, other programs on the same cores) is not the disk's.
const INLINE_STALL: Duration = Duration::from_millis(5);
/// CPU time of this thread: a write's wall time less this is time it was off the CPU.
fn thread_cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

/// After a stalled frame, frames go to the writers for this long.
const STALL_BACKOFF: Duration = Duration::from_secs(1);

/// When a frame last stalled, for every upload of the process: they share the disk.
struct Stalls;

/// Milliseconds after [`Stalls::base`] (plus one: zero is never) of the last stall.
static LAST_STALL: AtomicU64 = AtomicU64::new(0);

impl Stalls {
    fn base() -> Instant {
        static BASE: OnceLock<Instant> = OnceLock::new();
        *BASE.get_or_init(Instant::now)
    }

    fn now_ms() -> u64 {
        u64::try_from(Self::base().elapsed().as_millis())
            .unwrap_or(u64::MAX - 1)
            .saturating_add(1)
    }

    fn stalled() {
        LAST_STALL.store(Self::now_ms(), Ordering::Relaxed);
    }

    fn inline_ok() -> bool {
        let last = LAST_STALL.load(Ordering::Relaxed);
        let backoff = u64::try_from(STALL_BACKOFF.as_millis()).unwrap_or(u64::MAX);
        last == 0 || Self::now_ms() >= last.saturating_add(backoff)
    }
}

/// How long an idle writer waits for the next batch before it gives its thread back.
const IDLE: Duration = Duration::from_millis(2);
/// Blocking jobs of all uploads at once: writers, the end of an envelope and its fsync,
/// background flushes, the start of an envelope. Each job holds a permit, so a hundred uploads
/// at once use at most this many threads (each with its stack) instead of one or two each;
/// beyond it, uploads wait their turn (a flush that finds no permit is tried again a frame
/// later).
const UPLOAD_JOBS: usize = 16;
static JOBS: Semaphore = Semaphore::const_new(UPLOAD_JOBS);
type Permit = SemaphorePermit<'static>;
/// Frames a writer seals before it gives its thread back while other uploads wait for a permit.
const TURN: u32 = 64;
/// After this many content bytes sealed since the last flush started, writeback of what was
/// written is started in the background, so that the fsync at the end of an upload (or of a tus
/// segment) has only the tail left. 2 MiB was faster for 4 GiB uploads, slower for 1 GiB ones
/// (docs/benchmarks.md).
const EARLY_SYNC: u64 = 8 << 20;

/// What the connection's task and the upload's writer share.
struct Pipe {
    shared: Mutex<Shared>,
    /// Signalled when a batch is queued, the upload finishes or it is cancelled.
    more: Condvar,
}

struct Shared {
    queue: VecDeque<Vec<u8>>,
    /// The writer is sealing a batch it took from the queue.
    sealing: bool,
    /// A batch buffer the writer is done with, for the connection's task to fill again.
    spare: Option<Vec<u8>>,
    /// The sealing state while no writer job holds it.
    state: Option<Box<WriterState>>,
    /// A writer job holds the state.
    running: bool,
    /// Everything was sent: seal the end, fsync and report.
    finishing: bool,
    /// The upload went away.
    cancelled: bool,
    failed: Option<&'static str>,
    /// Digest (BLAKE3) and length of the finished ciphertext.
    done: Option<(Digest, u64)>,
    /// The connection's task, waiting for room in the queue or for the end.
    producer: Option<Waker>,
    /// Frames a writer job seals before it gives its thread back to waiting uploads ([`TURN`]).
    turn: u32,
}

impl Pipe {
    fn new(state: WriterState) -> Arc<Pipe> {
        Arc::new(Pipe {
            shared: Mutex::new(Shared {
                queue: VecDeque::with_capacity(1),
                sealing: false,
                spare: None,
                state: Some(Box::new(state)),
                running: false,
                finishing: false,
                cancelled: false,
                failed: None,
                done: None,
                producer: None,
                turn: TURN,
            }),
            more: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes sure a writer job sees what was just queued: wakes the one running, or starts one
    /// with `permit` (or one free now). False if a job must start and no permit is free.
    fn wake_or_start(
        self: &Arc<Pipe>,
        s: &mut Shared,
        runtime: &tokio::runtime::Handle,
        permit: &mut Option<Permit>,
    ) -> bool {
        if s.running {
            self.more.notify_one();
            return true;
        }
        if s.state.is_none() {
            return true;
        }
        let Some(permit) = permit.take().or_else(|| JOBS.try_acquire().ok()) else {
            return false;
        };
        if let Some(state) = s.state.take() {
            s.running = true;
            let pipe = self.clone();
            drop(runtime.spawn_blocking(move || {
                let _permit = permit;
                pipe.run(state)
            }));
        }
        true
    }

    /// The writer job: seals, hashes and writes queued batches until the queue stays empty
    /// for [`IDLE`] (then it gives the state back), the upload finishes or it is cancelled.
    fn run(self: Arc<Pipe>, mut state: Box<WriterState>) {
        let _guard = JobGuard(&self);
        let rt = tokio::runtime::Handle::try_current().ok();
        let mut s = self.lock();
        let mut waited = false;
        let mut sealed = 0u32;
        loop {
            if s.cancelled {
                s.running = false;
                return;
            }
            if let Some(mut batch) = s.queue.pop_front() {
                waited = false;
                s.sealing = true;
                drop(s);
                let r = state.seal(&batch, rt.as_ref());
                s = self.lock();
                s.sealing = false;
                if let Err(what) = r {
                    return self.fail(s, what);
                }
                batch.clear();
                s.spare = Some(batch);
                if let Some(w) = s.producer.take() {
                    w.wake();
                }
                sealed = sealed.saturating_add(1);
                if sealed >= s.turn
                    && s.queue.is_empty()
                    && !s.finishing
                    && JOBS.available_permits() == 0
                {
                    // Others may wait for a permit: this upload's next frame asks again.
                    s.state = Some(state);
                    s.spare = None;
                    s.running = false;
                    return;
                }
                continue;
            }
            if s.finishing {
                drop(s);
                let r = state.finish();
                s = self.lock();
                match r {
                    Ok(done) => s.done = Some(done),
                    Err(what) => return self.fail(s, what),
                }
                s.running = false;
                if let Some(w) = s.producer.take() {
                    w.wake();
                }
                return;
            }
            if waited {
                // A slow upload: the next batch is seconds away. Its spare buffer goes too (the
                // connection's task allocates a new one), so that an idle upload holds one
                // batch, not two; at full speed the writer never idles and keeps reusing it.
                s.state = Some(state);
                s.spare = None;
                s.running = false;
                return;
            }
            s = self
                .more
                .wait_timeout(s, IDLE)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            waited = true;
        }
    }

    fn fail(&self, mut s: MutexGuard<'_, Shared>, what: &'static str) {
        s.failed = Some(what);
        s.running = false;
        s.queue.clear();
        if let Some(w) = s.producer.take() {
            w.wake();
        }
    }
}

/// Fails the upload if its writer job panics, so that the connection's task is not left waiting.
struct JobGuard<'a>(&'a Arc<Pipe>);

impl Drop for JobGuard<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let s = self.0.lock();
            self.0.fail(s, "writer");
        }
    }
}

/// The upload's sealing state: the envelope and age stream over the hashing file.
struct WriterState {
    sealer: Sealer<HashingFile>,
    /// The same open file, for background flushes ([`writeback`] while writing goes on).
    flusher: Option<Arc<std::fs::File>>,
    flushes: Arc<Flushes>,
    unflushed: u64,
    /// Set by the file when a write was off the CPU for longer than [`INLINE_STALL`].
    stalled: Arc<AtomicBool>,
}

impl WriterState {
    /// Starts the envelope (the age header and the envelope header are written here).
    fn new(store: &Store, header: &Header, file: std::fs::File) -> Result<WriterState, StageError> {
        // Without a second handle there are no background flushes; the final fsync does all.
        let flusher = file.try_clone().ok().map(Arc::new);
        let stalled = Arc::new(AtomicBool::new(false));
        let out = HashingFile {
            file,
            hasher: RecordHasher::new(),
            len: 0,
            stalled: stalled.clone(),
        };
        let sealer =
            seal(&store.recipients, header, out).map_err(|_| StageError::Server("seal"))?;
        Ok(WriterState {
            sealer,
            flusher,
            flushes: Arc::new(Flushes::default()),
            unflushed: 0,
            stalled,
        })
    }

    fn seal(
        &mut self,
        batch: &[u8],
        runtime: Option<&tokio::runtime::Handle>,
    ) -> Result<(), &'static str> {
        self.sealer.write_all(batch).map_err(|_| "seal")?;
        self.unflushed += batch.len() as u64;
        self.flushes.check()?;
        if self.unflushed >= EARLY_SYNC
            && let (Some(f), Some(rt)) = (&self.flusher, runtime)
            && self.flushes.start(f.clone(), rt)
        {
            self.unflushed = 0;
        }
        Ok(())
    }

    /// Ends the envelope and the age stream and makes the file durable.
    fn finish(self) -> Result<(Digest, u64), &'static str> {
        let out = self.sealer.finish().map_err(|_| "seal")?;
        // A failed background flush is the upload's error (the final fsync reports a failed
        // writeback too).
        self.flushes.wait()?;
        out.file.sync_all().map_err(|_| "fsync")?;
        Ok((out.hasher.finalize(), out.len))
    }
}

/// The temporary file, hashing (BLAKE3, for the version 2 record) each piece of ciphertext just before
/// it is written, while it is in cache.
struct HashingFile {
    file: std::fs::File,
    hasher: RecordHasher,
    len: u64,
    stalled: Arc<AtomicBool>,
}

impl Write for HashingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let started = (Instant::now(), thread_cpu());
        let n = self.file.write(buf);
        let off_cpu = started
            .0
            .elapsed()
            .saturating_sub(thread_cpu().saturating_sub(started.1));
        if off_cpu > INLINE_STALL {
            self.stalled.store(true, Ordering::Relaxed);
        }
        let n = n?;
        self.hasher.update(buf.get(..n).unwrap_or(buf));
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Starts writing back the file's dirty pages without waiting for the disk
/// (`POSIX_FADV_DONTNEED`: on Linux, writeback of the range is started, not awaited, and pages
/// already on disk leave the cache; the server never reads a ciphertext it just wrote). The fsync
/// at the end waits for it all, and reports any error of this writeback.
fn writeback(file: &std::fs::File) -> io::Result<()> {
    rustix::fs::fadvise(file, 0, None, rustix::fs::Advice::DontNeed).map_err(io::Error::from)
}

/// Background flushes of one upload: at most one at a time; a failure is kept.
#[derive(Default)]
struct Flushes {
    state: Mutex<(bool, bool)>,
    idle: Condvar,
}

impl Flushes {
    /// Starts a flush unless one runs; says whether it started one.
    fn start(self: &Arc<Flushes>, file: Arc<std::fs::File>, rt: &tokio::runtime::Handle) -> bool {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if st.0 {
            return false;
        }
        let Ok(permit) = JOBS.try_acquire() else {
            return false;
        };
        st.0 = true;
        drop(st);
        let me = self.clone();
        drop(rt.spawn_blocking(move || {
            let _permit = permit;
            let ok = writeback(&file).is_ok();
            let mut st = me.state.lock().unwrap_or_else(PoisonError::into_inner);
            st.0 = false;
            st.1 |= !ok;
            me.idle.notify_all();
        }));
        true
    }

    fn check(&self) -> Result<(), &'static str> {
        let st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if st.1 { Err("flush") } else { Ok(()) }
    }

    /// Waits for the flush in flight, if any.
    fn wait(&self) -> Result<(), &'static str> {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while st.0 {
            st = self.idle.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
        if st.1 { Err("flush") } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use postern_spool::envelope::MAGIC;

    use super::*;

    /// Stages `content` in `write`-sized pieces; frames in `offload` go to the writer, as
    /// after a stalled frame. Returns the staged item and the identity.
    fn stage(
        content: &[u8],
        write: usize,
        offload: std::ops::Range<usize>,
    ) -> (Staged, age::x25519::Identity, tempfile::TempDir) {
        let tmp = tempfile::tempdir().unwrap();
        let mut rng = rand::rng();
        let identity = age::x25519::Identity::generate();
        let store = Arc::new(Store {
            spool: Spool::create(&tmp.path().join("spool"), &mut rng).unwrap(),
            recipients: Recipients::new(vec![identity.to_public()]).unwrap(),
            signing_key: SigningKey::generate(&mut rng),
            disk_reserve: 0,
            clock: Arc::new(crate::clock::FixedClock(20_788 * 86_400)),
        });
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let staged = rt.block_on(async {
            let h = Header::new(Kind::File, ItemId::from_bytes([0; 16]), store.today());
            let mut w = store.stage(h, u64::MAX).await.unwrap();
            for (i, piece) in content.chunks(write).enumerate() {
                w.inline = !offload.contains(&(i * write / FRAME_LEN));
                w.write(piece).await.unwrap();
            }
            w.finish().await.unwrap()
        });
        (staged, identity, tmp)
    }

    /// The envelope's content, read back with the age crate and the envelope's framing.
    fn content_of(staged: &Staged, identity: &age::x25519::Identity) -> Vec<u8> {
        let path = staged.tmp.path().unwrap();
        let cipher = std::fs::read(path).unwrap();
        assert_eq!(cipher.len() as u64, staged.size);
        assert_eq!(
            staged.digest,
            Digest::Blake3(*blake3::hash(&cipher).as_bytes())
        );
        let dec = age::Decryptor::new(&cipher[..]).unwrap();
        let mut plain = Vec::new();
        dec.decrypt(std::iter::once(identity as &dyn age::Identity))
            .unwrap()
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(&plain[..8], MAGIC);
        let header_len = u32::from_be_bytes(plain[9..13].try_into().unwrap()) as usize;
        let mut at = 13 + header_len;
        let mut out = Vec::new();
        loop {
            let len = u32::from_be_bytes(plain[at..at + 4].try_into().unwrap()) as usize;
            at += 4;
            if len == 0 {
                break;
            }
            out.extend_from_slice(&plain[at..at + len]);
            at += len;
        }
        let total = u64::from_be_bytes(plain[at..at + 8].try_into().unwrap());
        assert_eq!(total, out.len() as u64);
        out
    }

    #[test]
    fn frames_sealed_inline_by_the_writer_or_both_make_the_same_envelope() {
        let content: Vec<u8> = (0..(FRAME_LEN * 5 + 12_345))
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        for (write, offload) in [
            (10_000, 0..0),
            (FRAME_LEN, 0..0),
            (10_000, 0..9),
            (FRAME_LEN * 2, 0..9),
            (10_000, 2..9),
            // Back on the connection's task while the writer may still hold the state.
            (10_000, 1..3),
            (FRAME_LEN, 0..2),
        ] {
            let (staged, id, _tmp) = stage(&content, write, offload.clone());
            assert_eq!(staged.content, content.len() as u64);
            assert!(
                content_of(&staged, &id) == content,
                "content differs ({write}, {offload:?})"
            );
        }
    }

    /// Many more uploads than free job permits, all on their writers (as during a stall), each
    /// long enough for several turns: every one completes with its own content, and none waits
    /// forever.
    #[test]
    fn more_uploads_than_job_permits_all_complete_in_turn() {
        let tmp = tempfile::tempdir().unwrap();
        let mut rng = rand::rng();
        let identity = age::x25519::Identity::generate();
        let store = Arc::new(Store {
            spool: Spool::create(&tmp.path().join("spool"), &mut rng).unwrap(),
            recipients: Recipients::new(vec![identity.to_public()]).unwrap(),
            signing_key: SigningKey::generate(&mut rng),
            disk_reserve: 0,
            clock: Arc::new(crate::clock::FixedClock(20_788 * 86_400)),
        });
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let uploads = 3 * UPLOAD_JOBS;
        let content = |u: usize| -> Vec<u8> {
            (0..(FRAME_LEN * 9 + u * 101))
                .map(|i| (i * 13 + u * 7) as u8)
                .collect()
        };
        let staged = rt.block_on(async {
            // All but two permits held here: 48 uploads share two writer threads.
            let held = JOBS
                .acquire_many(u32::try_from(UPLOAD_JOBS - 2).unwrap())
                .await
                .unwrap();
            let all = Arc::new(tokio::sync::Barrier::new(uploads));
            let mut tasks = Vec::new();
            for u in 0..uploads {
                let store = store.clone();
                let data = content(u);
                let all = all.clone();
                tasks.push(tokio::spawn(async move {
                    let h = Header::new(Kind::File, ItemId::from_bytes([0; 16]), store.today());
                    let mut w = store.stage(h, u64::MAX).await.unwrap();
                    w.inline = false;
                    w.pipe.lock().turn = 2;
                    // All at once, from here.
                    all.wait().await;
                    for piece in data.chunks(20_000) {
                        w.write(piece).await.unwrap();
                        tokio::task::yield_now().await;
                    }
                    (u, w.finish().await.unwrap())
                }));
            }
            let mut done = Vec::new();
            for t in tasks {
                done.push(
                    tokio::time::timeout(Duration::from_secs(120), t)
                        .await
                        .expect("no upload waits forever")
                        .unwrap(),
                );
            }
            drop(held);
            done
        });
        assert_eq!(staged.len(), uploads);
        for (u, item) in &staged {
            assert!(content_of(item, &identity) == content(*u), "upload {u}");
        }
    }

    #[test]
    fn a_stalled_frame_sends_frames_to_the_writers_for_a_while() {
        Stalls::stalled();
        assert!(!Stalls::inline_ok());
    }

    /// A write that blocks (here into a pipe whose reader waits) is a stall; one the kernel
    /// takes at once is not, however long the thread computed before it.
    #[test]
    fn a_blocked_write_is_a_stall_and_a_quick_one_is_not() {
        let (mut reader, writer) = std::io::pipe().unwrap();
        let stalled = Arc::new(AtomicBool::new(false));
        let mut out = HashingFile {
            file: std::fs::File::from(std::os::fd::OwnedFd::from(writer)),
            hasher: RecordHasher::new(),
            len: 0,
            stalled: stalled.clone(),
        };
        // Three tries: a thread of a loaded test run may be preempted inside even a short write.
        let quick = (0..3).any(|_| {
            stalled.store(false, Ordering::Relaxed);
            out.write_all(&[1; 1000]).unwrap();
            !stalled.load(Ordering::Relaxed)
        });
        assert!(quick, "a quick write is no stall");
        stalled.store(false, Ordering::Relaxed);
        let drain = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            let mut all = Vec::new();
            reader.read_to_end(&mut all).unwrap();
            all.len()
        });
        // More than the pipe holds (64 KiB): the write waits for the reader.
        let before = out.len;
        out.write_all(&vec![2; 1 << 20]).unwrap();
        assert!(stalled.load(Ordering::Relaxed), "a blocked write");
        assert_eq!(out.len, before + (1 << 20));
        drop(out);
        assert_eq!(drain.join().unwrap() as u64, before + (1 << 20));
    }
}
