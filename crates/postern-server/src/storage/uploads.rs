//! The non-secret state of resumable uploads (spool-format §13.5), and the steps of an upload's
//! life that touch the spool: [`Uploads::create`] (the name and type sealed at once to the
//! newsroom), [`Uploads::record_segment`] (a committed body becomes a segment) and the manifest
//! that completes it, so that the tus handlers only speak HTTP.
//!
//! **At constant cost.** Each upload has one append-only log, `<spool>/uploads/<upload id>.log`.
//! It is read once, when the server starts ([`Uploads::open`]), into an in-memory index that holds
//! a summary per upload (offsets, counts, days; never the segment list); from then on a creation
//! writes one small new file and a PATCH appends two short lines, so both cost the same at the
//! first segment and at the 262,144th. Only completion reads the log again, once, to write the
//! manifest. Each line carries a short SHA-256 check: a torn last append (a crash while writing
//! it) is detected, dropped and cut off at the next start; damage anywhere else fails closed (the
//! upload is set aside, never guessed at).
//!
//! **Crash windows.** Every commit is announced in the log before it happens: `pending <item>`
//! before a segment is committed and `finishing <item>` before the manifest is, each with the
//! item id the commit will use. So a crash between a commit and the line that records it can
//! always be resolved: at startup ([`Uploads::open`]) and by the hourly housekeeping
//! ([`Uploads::sweep_orphans`]), a pending segment that no `segment` line adopted is an orphan,
//! removed from the spool (the client was never told its offset, and sends those bytes again);
//! a `finishing` manifest that was committed is recorded as `complete` (never committed twice),
//! and one that was not is written again.
//!
//! **Read API for other views.** [`Progress`] is everything a listing may show of an upload
//! (length, offset, expiry day, whether complete, the manifest's item id once complete). Inside
//! the source interface's process, [`Uploads::progress`] and [`Uploads::all`] read the index;
//! anything else (another interface, a command) calls [`read_all`], which replays the logs from
//! disk without changing them, and [`segment_items`] for the items of one upload.
//!
//! A completed upload keeps its log (with its `complete` line) until its expiry day, so that a
//! client whose last `204` was lost still gets `Upload-Offset` = `Upload-Length`; only then is the
//! log removed (its segments and manifest stay: they are the newsroom's). An open upload past its
//! expiry day is removed with its segments.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, BufRead, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use postern_spool::day::Day;
use postern_spool::envelope::{Header, Kind, seal};
use postern_spool::ids::{ItemId, SourceId, UploadId};
use postern_spool::record::{Digest, RecordHasher, SourceRecord};
use postern_spool::segments::{MAX_META_LEN, MAX_SEGMENTS, Manifest, SegmentEntry};
use postern_spool::spool::{Spool, StagedItem};
use sha2::Digest as _;

use crate::fsutil::set_day;
use crate::storage::staging::{Staged, Store};
use crate::storage::upload_parts;

/// The first word of a log's first line, with the format version.
const MAGIC: &str = "postern-upload-log 2";
/// Longest line: the header with its hex metadata is the longest.
const MAX_LINE: usize = 2 * MAX_META_LEN + 512;
/// Largest log read (two lines of under 200 bytes per segment, at most [`MAX_SEGMENTS`]).
const MAX_LOG_LEN: u64 = 128 << 20;

/// What a listing may show of one upload. Nothing in it is secret.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    pub source: SourceId,
    /// Bytes the client declared (the file and its zero padding).
    pub length: u64,
    /// Bytes of the file (the rest, up to `length`, is the client's zero padding).
    pub content: u64,
    /// Bytes committed.
    pub offset: u64,
    /// Segments committed.
    pub segments: u64,
    /// An open upload is removed after this day without progress; a complete one's log is.
    pub expires: Day,
    /// Whether every request so far carried a checksum.
    pub checksum: bool,
    /// Sealed by the client (spool-format §13.6): every PATCH must carry a checksum.
    pub encrypted: bool,
    /// The manifest's item, once the upload is complete.
    pub manifest: Option<ItemId>,
}

impl Progress {
    pub fn complete(&self) -> bool {
        self.manifest.is_some()
    }
}

/// The in-memory index entry: the summary, the sealed metadata and what is in flight.
#[derive(Clone, Debug)]
struct Entry {
    p: Progress,
    meta: Vec<u8>,
    /// A segment announced but not yet recorded (committed or not).
    pending: Option<ItemId>,
    /// A manifest announced but not yet recorded as complete.
    finishing: Option<ItemId>,
}

/// The upload logs, indexed in memory, and the per-upload locks that requests (and a
/// journalist's deletion) take. One per server, shared by both interfaces.
pub struct Uploads {
    map: Mutex<HashMap<UploadId, Entry>>,
    /// Uploads deleted by a journalist while this process runs: never indexed again, so that a
    /// request still in flight cannot bring one back (its log and items are gone from disk).
    deleted: Mutex<HashSet<UploadId>>,
    locks: Mutex<HashMap<UploadId, Arc<tokio::sync::Mutex<()>>>>,
}

/// What [`Uploads::open`] found and repaired.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Recovered {
    /// Uploads indexed.
    pub uploads: usize,
    /// Committed segments that no log line adopted, removed.
    pub orphans: usize,
    /// Torn last lines dropped.
    pub torn: usize,
    /// Manifests found committed and recorded, or written again.
    pub finished: usize,
    /// Uploads past their day, removed.
    pub expired: usize,
    /// Logs that could not be read (set aside, untouched).
    pub damaged: usize,
}

/// The folder of upload logs.
pub fn dir(spool: &Spool) -> PathBuf {
    spool.root().join("uploads")
}

fn log_path(spool: &Spool, id: &UploadId) -> PathBuf {
    dir(spool).join(format!("{id}.log"))
}

/// Creates `uploads/` (mode 0700) if missing.
pub fn ensure_dir(spool: &Spool) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match fs::DirBuilder::new().mode(0o700).create(dir(spool)) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    }
}

fn check_of(body: &str) -> String {
    hex::encode(
        sha2::Sha256::digest(body.as_bytes())
            .get(..4)
            .unwrap_or_default(),
    )
}

/// One log line: the record, a space, the first four bytes of its SHA-256 in hex.
fn line(body: &str) -> String {
    format!("{body} {}\n", check_of(body))
}

/// One record of a log.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Rec {
    Header {
        source: SourceId,
        length: u64,
        content: u64,
        encrypted: bool,
        expires: Day,
        meta: Vec<u8>,
    },
    Pending(ItemId),
    Segment {
        entry: SegmentEntry,
        checksum: bool,
        expires: Day,
    },
    Dropped(ItemId),
    Finishing(ItemId),
    Complete(ItemId),
}

fn bit(b: bool) -> u8 {
    u8::from(b)
}

fn parse_bit(s: &str) -> Option<bool> {
    match s {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    }
}

impl Rec {
    fn body(&self) -> String {
        match self {
            Rec::Header {
                source,
                length,
                content,
                encrypted,
                expires,
                meta,
            } => format!(
                "{MAGIC} {source} {length} {content} {} {} {}",
                bit(*encrypted),
                expires.0,
                hex::encode(meta)
            ),
            Rec::Pending(i) => format!("pending {i}"),
            Rec::Segment {
                entry,
                checksum,
                expires,
            } => format!(
                "{} {} {}",
                entry.line().trim_end_matches('\n'),
                bit(*checksum),
                expires.0
            ),
            Rec::Dropped(i) => format!("dropped {i}"),
            Rec::Finishing(i) => format!("finishing {i}"),
            Rec::Complete(i) => format!("complete {i}"),
        }
    }

    /// Parses one line without its newline; `None` unless it is canonical and its check holds.
    fn parse(text: &str) -> Option<Rec> {
        let (body, check) = text.rsplit_once(' ')?;
        if check != check_of(body) {
            return None;
        }
        let rec = if let Some(rest) = body.strip_prefix(MAGIC).and_then(|r| r.strip_prefix(' ')) {
            let w: Vec<&str> = rest.split(' ').collect();
            let [source, length, content, encrypted, expires, meta] = w.as_slice() else {
                return None;
            };
            if meta.len() > 2 * MAX_META_LEN {
                return None;
            }
            Rec::Header {
                source: SourceId::parse(source)?,
                length: length.parse().ok()?,
                content: content.parse().ok()?,
                encrypted: parse_bit(encrypted)?,
                expires: Day(expires.parse().ok()?),
                meta: hex::decode(meta).ok()?,
            }
        } else if let Some(i) = body.strip_prefix("pending ") {
            Rec::Pending(ItemId::parse(i)?)
        } else if let Some(i) = body.strip_prefix("dropped ") {
            Rec::Dropped(ItemId::parse(i)?)
        } else if let Some(i) = body.strip_prefix("finishing ") {
            Rec::Finishing(ItemId::parse(i)?)
        } else if let Some(i) = body.strip_prefix("complete ") {
            Rec::Complete(ItemId::parse(i)?)
        } else {
            let (rest, expires) = body.rsplit_once(' ')?;
            let (seg, checksum) = rest.rsplit_once(' ')?;
            Rec::Segment {
                entry: SegmentEntry::parse_line(seg).ok()?,
                checksum: parse_bit(checksum)?,
                expires: Day(expires.parse().ok()?),
            }
        };
        // One encoding per value: the record must write back to the same bytes.
        (rec.body() == body).then_some(rec)
    }
}

/// Applies one record to an entry (`None` for the header); `None` if it does not follow.
fn apply(entry: Option<Entry>, rec: Rec, segs: Option<&mut Vec<SegmentEntry>>) -> Option<Entry> {
    let Some(mut e) = entry else {
        let Rec::Header {
            source,
            length,
            content,
            encrypted,
            expires,
            meta,
        } = rec
        else {
            return None;
        };
        if content > length || (encrypted && content != length) {
            return None;
        }
        return Some(Entry {
            p: Progress {
                source,
                length,
                content,
                offset: 0,
                segments: 0,
                expires,
                checksum: true,
                encrypted,
                manifest: None,
            },
            meta,
            pending: None,
            finishing: None,
        });
    };
    let open = e.p.manifest.is_none() && e.finishing.is_none();
    match rec {
        Rec::Header { .. } => return None,
        Rec::Pending(i) if open && e.pending.is_none() => e.pending = Some(i),
        Rec::Segment {
            entry,
            checksum,
            expires,
        } => {
            let ok = e.pending == Some(entry.item)
                && entry.index == e.p.segments
                && entry.offset == e.p.offset
                && entry.length > 0
                && entry.length <= e.p.length - e.p.offset
                && e.p.segments < MAX_SEGMENTS;
            if !ok {
                return None;
            }
            e.pending = None;
            e.p.offset += entry.length;
            e.p.segments += 1;
            e.p.checksum &= checksum;
            e.p.expires = expires;
            if let Some(s) = segs {
                s.push(entry);
            }
        }
        Rec::Dropped(i) if e.pending == Some(i) => e.pending = None,
        // A second `finishing` replaces a first that was found never committed.
        Rec::Finishing(i)
            if e.p.manifest.is_none() && e.pending.is_none() && e.p.offset == e.p.length =>
        {
            e.finishing = Some(i);
        }
        Rec::Complete(i) if e.finishing == Some(i) => {
            e.finishing = None;
            e.p.manifest = Some(i);
        }
        _ => return None,
    }
    Some(e)
}

/// A log replayed: the entry, the byte length of its valid prefix, whether a torn last line was
/// found after it.
struct Replay {
    entry: Entry,
    valid: u64,
    torn: bool,
}

fn replay(path: &Path, mut segs: Option<&mut Vec<SegmentEntry>>) -> io::Result<Replay> {
    let damaged = || io::Error::new(io::ErrorKind::InvalidData, "damaged upload log");
    let file = open_regular(path)?;
    let len = file.metadata()?.len();
    if len > MAX_LOG_LEN {
        return Err(damaged());
    }
    let mut r = io::BufReader::with_capacity(64 * 1024, file);
    let mut entry: Option<Entry> = None;
    let (mut valid, mut torn) = (0u64, false);
    let mut buf = Vec::with_capacity(256);
    loop {
        buf.clear();
        let n = (&mut r)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        let rec = buf
            .strip_suffix(b"\n")
            .and_then(|l| std::str::from_utf8(l).ok())
            .and_then(Rec::parse);
        let next = rec.and_then(|rec| apply(entry.clone(), rec, segs.as_deref_mut()));
        match next {
            Some(e) => {
                entry = Some(e);
                valid += n as u64;
            }
            None => {
                // Only the last line may be bad: a torn append. Anything after it is damage.
                if valid + n as u64 == len {
                    torn = true;
                    break;
                }
                return Err(damaged());
            }
        }
    }
    let entry = entry.ok_or_else(damaged)?;
    Ok(Replay { entry, valid, torn })
}

/// Opens a regular file without following a symbolic link.
fn open_regular(path: &Path) -> io::Result<fs::File> {
    let f = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc_nofollow())
        .open(path)?;
    if !f.metadata()?.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "not a file"));
    }
    Ok(f)
}

/// `O_NOFOLLOW`: a log is never reached through a symbolic link.
fn libc_nofollow() -> i32 {
    rustix::fs::OFlags::NOFOLLOW.bits() as i32
}

/// Appends records to a log and makes them durable. The log's times are set back to the first
/// second of today: on disk, a log says which day a source last sent a piece, never the second
/// (the index reads the change time, which moves, not these).
fn append(store: &Store, id: &UploadId, recs: &[Rec]) -> io::Result<()> {
    let mut text = String::new();
    for r in recs {
        text.push_str(&line(&r.body()));
    }
    let mut f = fs::OpenOptions::new()
        .append(true)
        .custom_flags(libc_nofollow())
        .open(log_path(&store.spool, id))?;
    f.write_all(text.as_bytes())?;
    set_day(&f, store.today())?;
    f.sync_data()
}

/// A test-only crash hook, compiled into debug builds only (the release build that ships has no
/// such code): with `POSTERN_TEST_FAULT=<point>` the process SIGKILLs itself at that point, so
/// the end-to-end tests can crash it inside a window no outside signal can hit reliably.
#[cfg(debug_assertions)]
fn fault(point: &str) {
    if std::env::var("POSTERN_TEST_FAULT").is_ok_and(|v| v == point) {
        let _ =
            rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL);
        std::process::abort();
    }
}

#[cfg(not(debug_assertions))]
fn fault(_point: &str) {}

/// Removes one item of a source (record first, as spool-format §7.2 asks). Whether it existed.
fn remove_item(spool: &Spool, source: &SourceId, item: &ItemId) -> io::Result<bool> {
    let (age, rec) = spool.item_paths(source, item);
    let mut existed = false;
    for p in [&rec, &age] {
        match fs::remove_file(p) {
            Ok(()) => existed = true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    if existed && let Some(parent) = age.parent() {
        fs::File::open(parent)?.sync_all()?;
    }
    Ok(existed)
}

/// Removes an upload's log (and fsyncs `uploads/`).
pub fn remove_log(spool: &Spool, id: &UploadId) -> io::Result<()> {
    match fs::remove_file(log_path(spool, id)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => fs::File::open(dir(spool))?.sync_all(),
    }
}

/// The state files of the first format (`uploads/<id>.state`, one rewritten file per upload,
/// before the logs): this version does not read them, and it will not start beside them, since
/// their uploads would be neither resumable nor shown as uploads (and never expire).
fn refuse_old_states(spool: &Spool) -> io::Result<()> {
    let mut n = 0usize;
    for e in fs::read_dir(dir(spool))? {
        let name = e?.file_name();
        if name
            .to_str()
            .and_then(|n| n.strip_suffix(".state"))
            .is_some_and(|id| UploadId::parse(id).is_some())
        {
            n += 1;
        }
    }
    if n == 0 {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "the spool's uploads folder holds {n} resumable upload(s) in the old state format \
             (<upload id>.state files), which this version cannot read: let them complete with the \
             previous version before upgrading, or remove those .state files (the segments already \
             committed stay in the spool and show on the journalist interface as parts without an \
             upload, to download or delete)"
        ),
    ))
}

/// Every upload log's id in `uploads/`.
fn log_ids(spool: &Spool) -> io::Result<Vec<UploadId>> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir(spool))? {
        let name = e?.file_name();
        if let Some(id) = name
            .to_str()
            .and_then(|n| n.strip_suffix(".log"))
            .and_then(UploadId::parse)
        {
            out.push(id);
        }
    }
    out.sort();
    Ok(out)
}

/// Every upload with a readable log, replayed from disk without changing anything: for views
/// outside the source interface's process state (a torn or unresolved tail is read as the
/// state before it).
pub fn read_all(spool: &Spool) -> io::Result<Vec<(UploadId, Progress)>> {
    let mut out = Vec::new();
    for id in log_ids(spool)? {
        if let Ok(r) = replay(&log_path(spool, &id), None) {
            out.push((id, r.entry.p));
        }
    }
    Ok(out)
}

/// One upload's progress and committed segments, replayed from its log (`None` without one).
pub fn read_one(spool: &Spool, id: &UploadId) -> io::Result<Option<(Progress, Vec<SegmentEntry>)>> {
    let mut segs = Vec::new();
    match replay(&log_path(spool, id), Some(&mut segs)) {
        Ok(r) => Ok(Some((r.entry.p, segs))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The committed segments of one upload, in order, read from its log.
pub fn segment_items(spool: &Spool, id: &UploadId) -> io::Result<Vec<SegmentEntry>> {
    let mut segs = Vec::new();
    replay(&log_path(spool, id), Some(&mut segs))?;
    Ok(segs)
}

/// What a creation request asks for, once checked against its limits.
pub struct NewUpload {
    pub source: SourceId,
    /// The source's public reply recipient, for its record.
    pub reply: String,
    pub length: u64,
    pub content: u64,
    pub encrypted: bool,
    pub name: String,
    pub ctype: String,
    /// Most bytes all open uploads together may still send.
    pub max_open_bytes: u64,
    /// Most open uploads of this source.
    pub max_open_per_source: usize,
    /// Most open uploads in all.
    pub max_open: usize,
    /// Days without progress before the upload is removed.
    pub expire_days: u32,
}

/// Why an upload could not be created.
#[derive(Debug)]
#[non_exhaustive]
pub enum CreateError {
    /// The open uploads would exceed their total.
    Full,
    /// The source, or all sources together, have as many open uploads as allowed.
    TooMany,
    /// Sealing or writing failed.
    Server(&'static str),
}

impl std::fmt::Display for CreateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CreateError::Full => f.write_str("open uploads at their limit"),
            CreateError::TooMany => f.write_str("too many open uploads"),
            CreateError::Server(what) => write!(f, "server error ({what})"),
        }
    }
}

impl Uploads {
    /// An empty index (for tests and for a spool without `uploads/`).
    pub fn empty() -> Uploads {
        Uploads::with(HashMap::new())
    }

    fn with(map: HashMap<UploadId, Entry>) -> Uploads {
        Uploads {
            map: Mutex::new(map),
            deleted: Mutex::new(HashSet::new()),
            locks: Mutex::new(HashMap::new()),
        }
    }

    /// The lock of one upload, unless a request holds it.
    pub fn lock(&self, id: UploadId) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        self.lock_of(id)?.try_lock_owned().ok()
    }

    /// The lock of one upload, waiting at most `wait` for a request that holds it.
    pub async fn lock_within(
        &self,
        id: UploadId,
        wait: Duration,
    ) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        let m = self.lock_of(id)?;
        tokio::time::timeout(wait, m.lock_owned()).await.ok()
    }

    fn lock_of(&self, id: UploadId) -> Option<Arc<tokio::sync::Mutex<()>>> {
        let mut map = self.locks.lock().ok()?;
        map.retain(|_, l| Arc::strong_count(l) > 1);
        Some(map.entry(id).or_default().clone())
    }

    /// A journalist deletes upload `id` (before its files go): it leaves the index at once, and
    /// nothing puts it back, so a later `HEAD` or `PATCH` gets 404 and a request in flight
    /// commits nothing (or removes what it just committed).
    pub fn deleted(&self, id: &UploadId) {
        if let Ok(mut d) = self.deleted.lock() {
            d.insert(*id);
        }
        self.forget(id);
    }

    fn is_deleted(&self, id: &UploadId) -> bool {
        self.deleted.lock().map_or(true, |d| d.contains(id))
    }

    /// Reads every log once (blocking), drops torn last lines, resolves what a crash left in
    /// flight (see the module documentation) and removes uploads past their day. Run it after
    /// the spool's own sweep, at startup, before anything is served.
    pub fn open(store: &Store) -> io::Result<(Uploads, Recovered)> {
        let spool = &store.spool;
        ensure_dir(spool)?;
        refuse_old_states(spool)?;
        let mut rep = Recovered::default();
        let mut map = HashMap::new();
        for id in log_ids(spool)? {
            let path = log_path(spool, &id);
            let r = match replay(&path, None) {
                Ok(r) => r,
                Err(_) => {
                    rep.damaged += 1;
                    continue;
                }
            };
            if r.torn {
                let f = fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(libc_nofollow())
                    .open(&path)?;
                f.set_len(r.valid)?;
                set_day(&f, store.today())?;
                f.sync_all()?;
                rep.torn += 1;
            }
            map.insert(id, r.entry);
        }
        let uploads = Uploads::with(map);
        let (orphans, finished) = uploads.resolve(store, |_| Some(()));
        rep.orphans = orphans;
        rep.finished = finished;
        rep.expired = uploads.expire(store, store.today());
        rep.uploads = uploads.len();
        Ok((uploads, rep))
    }

    fn len(&self) -> usize {
        self.map.lock().map(|m| m.len()).unwrap_or(0)
    }

    fn entry(&self, id: &UploadId) -> Option<Entry> {
        self.map.lock().ok()?.get(id).cloned()
    }

    /// Indexes `e`, unless the upload was deleted meanwhile (then `false`).
    fn put(&self, id: UploadId, e: Entry) -> bool {
        let Ok(mut m) = self.map.lock() else {
            return false;
        };
        // Checked under the index lock: `deleted` marks, then forgets, under the same lock order.
        if self.is_deleted(&id) {
            m.remove(&id);
            return false;
        }
        m.insert(id, e);
        true
    }

    fn forget(&self, id: &UploadId) {
        if let Ok(mut m) = self.map.lock() {
            m.remove(id);
        }
    }

    /// One upload's progress.
    pub fn progress(&self, id: &UploadId) -> Option<Progress> {
        self.entry(id).map(|e| e.p)
    }

    /// Every upload's progress (open and complete), by id.
    pub fn all(&self) -> Vec<(UploadId, Progress)> {
        let mut v: Vec<_> = self
            .map
            .lock()
            .map(|m| m.iter().map(|(k, e)| (*k, e.p.clone())).collect())
            .unwrap_or_default();
        v.sort_by_key(|a| a.0);
        v
    }

    /// Resolves what was left in flight, for every upload `lock` lets it hold (it returns a
    /// guard, or `None` for an upload busy with a request). Returns (orphans removed, manifests
    /// finished).
    fn resolve<G>(&self, store: &Store, lock: impl Fn(&UploadId) -> Option<G>) -> (usize, usize) {
        let ids: Vec<UploadId> = self
            .map
            .lock()
            .map(|m| {
                m.iter()
                    .filter(|(_, e)| {
                        e.pending.is_some() || e.finishing.is_some() || e.p.offset == e.p.length
                    })
                    .filter(|(_, e)| !e.p.complete())
                    .map(|(k, _)| *k)
                    .collect()
            })
            .unwrap_or_default();
        let (mut orphans, mut finished) = (0, 0);
        for id in ids {
            let Some(_guard) = lock(&id) else { continue };
            let (o, f) = self.settle(store, id);
            orphans += o;
            finished += usize::from(f);
        }
        (orphans, finished)
    }

    /// Resolves what is in flight in one upload (the caller holds its lock): an announced
    /// segment no line adopted is removed; an announced manifest is recorded if it was
    /// committed and written again if not; an upload with every byte and no manifest gets one.
    /// Returns (orphans removed, manifest recorded or written).
    fn settle(&self, store: &Store, id: UploadId) -> (usize, bool) {
        // Read under the lock: a request may have resolved it meanwhile.
        let Some(mut e) = self.entry(&id) else {
            return (0, false);
        };
        let mut orphans = 0;
        if let Some(item) = e.pending {
            let Ok(existed) = remove_item(&store.spool, &e.p.source, &item) else {
                return (0, false);
            };
            if append(store, &id, &[Rec::Dropped(item)]).is_err() {
                return (0, false);
            }
            orphans = usize::from(existed);
            e.pending = None;
            self.put(id, e.clone());
        }
        if e.p.complete() || e.p.offset != e.p.length {
            return (orphans, false);
        }
        if let Some(m) = e.finishing {
            let (_, rec) = store.spool.item_paths(&e.p.source, &m);
            if rec.exists() {
                // Committed (its signed record is in place): never commit it twice.
                let parts = segment_items(&store.spool, &id)
                    .map_err(|_| "state")
                    .and_then(|segs| record_parts(store, &id, &e.p, m, &segs));
                if parts.is_err() || append(store, &id, &[Rec::Complete(m)]).is_err() {
                    return (orphans, false);
                }
                e.finishing = None;
                e.p.manifest = Some(m);
                self.put(id, e);
                return (orphans, true);
            }
        }
        (orphans, self.finish(store, id, store.today()).is_ok())
    }

    /// The hourly housekeeping: resolves what a failed request left in flight (an orphan
    /// segment, an unrecorded manifest) in every upload no request holds. Returns how many
    /// orphans were removed.
    pub fn sweep_orphans<G>(&self, store: &Store, lock: impl Fn(&UploadId) -> Option<G>) -> usize {
        self.resolve(store, lock).0
    }

    /// Removes every open upload whose expiry day is before `today`, with its segments, and the
    /// logs of complete ones past their day (their items stay). Returns how many.
    pub fn expire(&self, store: &Store, today: Day) -> usize {
        let gone: Vec<(UploadId, Entry)> = self
            .map
            .lock()
            .map(|m| {
                m.iter()
                    .filter(|(_, e)| e.p.expires < today)
                    .map(|(k, e)| (*k, e.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let mut n = 0;
        for (id, e) in gone {
            let ok = if e.p.complete() {
                remove_log(&store.spool, &id).is_ok()
            } else {
                self.discard(&store.spool, &id).is_ok()
            };
            if ok {
                self.forget(&id);
                n += 1;
            }
        }
        n
    }

    /// Removes an open upload's committed segments (record first, as spool-format §7.2 asks),
    /// then its log.
    pub fn discard(&self, spool: &Spool, id: &UploadId) -> io::Result<()> {
        let Some(e) = self.entry(id) else {
            return Ok(());
        };
        let segs = segment_items(spool, id)?;
        for s in segs.iter().map(|s| s.item).chain(e.pending) {
            remove_item(spool, &e.p.source, &s)?;
        }
        remove_log(spool, id)?;
        self.forget(id);
        Ok(())
    }

    /// Creates an upload (blocking): its name and type sealed at once to the newsroom, its log
    /// written. An empty upload is complete at once. Returns its id and expiry day.
    pub fn create(&self, store: &Store, new: NewUpload) -> Result<(UploadId, Day), CreateError> {
        let today = store.today();
        let id = UploadId::random(&mut rand::rng());
        let mut h = Header::new(Kind::Manifest, ItemId::from_bytes(*id.as_bytes()), today);
        h.name = new.name;
        h.content_type = new.ctype;
        let meta = seal(&store.recipients, &h, Vec::new())
            .and_then(|s| s.finish())
            .map_err(|_| CreateError::Server("seal"))?;
        let expires = Day(today.0.saturating_add(new.expire_days));
        let header = Rec::Header {
            source: new.source,
            length: new.length,
            content: new.content,
            encrypted: new.encrypted,
            expires,
            meta,
        };
        // Written only if it reads back (a metadata too long for a reader is refused here).
        let entry = Rec::parse(line(&header.body()).trim_end())
            .and_then(|r| apply(None, r, None))
            .ok_or(CreateError::Server("state"))?;
        // The caps, from the index: what open uploads still may send, plus this one; open
        // uploads per source and in all. Checked and reserved under one lock (the entry is
        // indexed before its log is written, and taken out again if that fails), so that
        // concurrent creations never overshoot a cap.
        {
            let mut map = self.map.lock().map_err(|_| CreateError::Server("index"))?;
            let mut open = 0u64;
            let (mut count, mut of_source) = (0usize, 0usize);
            for e in map.values().filter(|e| !e.p.complete()) {
                open = open.saturating_add(e.p.length - e.p.offset);
                count += 1;
                if e.p.source == new.source {
                    of_source += 1;
                }
            }
            if open.saturating_add(new.length) > new.max_open_bytes {
                return Err(CreateError::Full);
            }
            if of_source >= new.max_open_per_source || count >= new.max_open {
                return Err(CreateError::TooMany);
            }
            map.insert(id, entry);
        }
        // A new file, never one that exists: fsync it and `uploads/`.
        let written = (|| {
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(libc_nofollow())
                .open(log_path(&store.spool, &id))?;
            f.write_all(line(&header.body()).as_bytes())?;
            set_day(&f, store.today())?;
            f.sync_all()?;
            let d = fs::File::open(dir(&store.spool))?;
            set_day(&d, store.today())?;
            d.sync_all()
        })();
        if written.is_err() {
            self.forget(&id);
            return Err(CreateError::Server("state"));
        }
        if new.length == 0 {
            // Nothing will follow: the (empty) upload is complete at once.
            let record = SourceRecord {
                source: new.source,
                reply: new.reply,
                day: today,
            };
            store
                .spool
                .ensure_source(&mut rand::rng(), &record, &store.signing_key)
                .map_err(|_| CreateError::Server("source record"))?;
            self.finish(store, id, today).map_err(CreateError::Server)?;
        }
        Ok((id, expires))
    }

    /// Commits a staged body as the next segment of upload `id` (blocking), announced first in
    /// the log and recorded after; the manifest follows if this was the last byte. The caller
    /// holds the upload's lock. Returns the new progress.
    pub fn record_segment(
        &self,
        store: &Store,
        id: UploadId,
        record: &SourceRecord,
        staged: Staged,
        had_checksum: bool,
        expire_days: u32,
    ) -> Result<Progress, &'static str> {
        let mut e = self.entry(&id).ok_or("unknown upload")?;
        if e.pending.is_some() || e.finishing.is_some() || e.p.complete() {
            return Err("upload in flight");
        }
        let (item, digest, day, length) = (
            staged.item,
            *staged.digest.bytes(),
            staged.day,
            staged.content,
        );
        if length == 0 || length > e.p.length - e.p.offset || e.p.segments >= MAX_SEGMENTS {
            return Err("segment out of bounds");
        }
        append(store, &id, &[Rec::Pending(item)]).map_err(|_| "state")?;
        e.pending = Some(item);
        if !self.put(id, e.clone()) {
            return Err("unknown upload");
        }
        if store.commit(record, vec![staged]).is_err() {
            // Whatever of it was committed goes; then the log says so.
            if remove_item(&store.spool, &record.source, &item).is_ok()
                && append(store, &id, &[Rec::Dropped(item)]).is_ok()
            {
                e.pending = None;
                self.put(id, e);
            }
            return Err("commit");
        }
        fault("after-segment-commit");
        let rec = Rec::Segment {
            entry: SegmentEntry {
                index: e.p.segments,
                item,
                offset: e.p.offset,
                length,
                digest,
            },
            checksum: had_checksum,
            expires: Day(day.0.saturating_add(expire_days)),
        };
        append(store, &id, std::slice::from_ref(&rec)).map_err(|_| "state")?;
        let e = apply(Some(e), rec, None).ok_or("state")?;
        if !self.put(id, e.clone()) {
            // Deleted by a journalist while this body was committed: it goes too.
            let _ = remove_item(&store.spool, &record.source, &item);
            return Err("unknown upload");
        }
        if e.p.offset == e.p.length {
            self.finish(store, id, day)?;
        }
        self.progress(&id).ok_or("state")
    }

    /// Writes the manifest of an upload whose every byte is committed, unless it has one (a
    /// failed or crashed request may have left it so). The caller holds the upload's lock.
    pub fn finish_due(&self, store: &Store, id: UploadId) -> Result<Progress, &'static str> {
        let e = self.entry(&id).ok_or("unknown upload")?;
        if !e.p.complete() && e.p.offset == e.p.length {
            self.settle(store, id);
        }
        self.progress(&id).ok_or("state")
    }

    /// Seals and commits the manifest of a complete upload (announced first in the log with the
    /// item id it will have), then records it: the log stays until the upload's day.
    fn finish(&self, store: &Store, id: UploadId, day: Day) -> Result<(), &'static str> {
        let e = self.entry(&id).ok_or("unknown upload")?;
        let segments = segment_items(&store.spool, &id).map_err(|_| "state")?;
        let m = Manifest {
            upload: id,
            length: e.p.length,
            content: e.p.content,
            encrypted: e.p.encrypted,
            meta: e.meta.clone(),
            segments,
        };
        let mut rng = rand::rng();
        let item = ItemId::random(&mut rng);
        append(store, &id, &[Rec::Finishing(item)]).map_err(|_| "state")?;
        let mut e = apply(Some(e), Rec::Finishing(item), None).ok_or("state")?;
        if !self.put(id, e.clone()) {
            return Err("unknown upload");
        }
        let header = Header::new(Kind::Manifest, item, day);
        let (file, tmp) = store.spool.temp_file(&mut rng).map_err(|_| "temporary")?;
        let sealed = (|| -> Result<(u64, Digest), &'static str> {
            let mut w = HashingWriter {
                file,
                hasher: RecordHasher::new(),
                len: 0,
            };
            let mut sealer = seal(&store.recipients, &header, &mut w).map_err(|_| "seal")?;
            sealer
                .write_all(m.encode().as_bytes())
                .map_err(|_| "seal")?;
            sealer.finish().map_err(|_| "seal")?;
            w.file.sync_all().map_err(|_| "fsync")?;
            Ok((w.len, w.hasher.finalize()))
        })();
        let (size, digest) = match sealed {
            Ok(v) => v,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        };
        let staged = StagedItem {
            item,
            source: e.p.source,
            kind: Kind::Manifest,
            day,
            size,
            digest,
        };
        if store
            .spool
            .commit_staged(
                &mut rng,
                &tmp,
                &staged,
                &store.recipients,
                &store.signing_key,
            )
            .is_err()
        {
            let _ = fs::remove_file(&tmp);
            return Err("manifest");
        }
        fault("after-manifest-commit");
        if self.is_deleted(&id) {
            // Deleted by a journalist meanwhile: no parts file brings it back.
            let _ = remove_item(&store.spool, &e.p.source, &item);
            return Err("unknown upload");
        }
        record_parts(store, &id, &e.p, item, &m.segments)?;
        append(store, &id, &[Rec::Complete(item)]).map_err(|_| "state")?;
        e.finishing = None;
        e.p.manifest = Some(item);
        self.put(id, e);
        tracing::info!("resumable upload complete");
        Ok(())
    }
}

/// Which items make up a complete upload, kept after its log goes (`uploads/<id>.parts`), so that
/// the journalist interface shows and deletes it as one entry.
fn record_parts(
    store: &Store,
    id: &UploadId,
    p: &Progress,
    manifest: ItemId,
    segments: &[SegmentEntry],
) -> Result<(), &'static str> {
    let parts = upload_parts::UploadParts {
        source: p.source,
        manifest: Some(manifest),
        length: p.length,
        day: store.today(),
        segments: segments.iter().map(|e| e.item).collect(),
    };
    upload_parts::store(&store.spool, id, upload_parts::Which::Parts, &parts).map_err(|_| "parts")
}

/// A file writer that hashes and counts what it writes (the manifest's ciphertext).
struct HashingWriter {
    file: fs::File,
    hasher: RecordHasher,
    len: u64,
}

impl Write for HashingWriter {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let n = self.file.write(b)?;
        let done = b.get(..n).unwrap_or_default();
        self.hasher.update(done);
        self.len += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn header() -> Rec {
        Rec::Header {
            source: SourceId::from_bytes([3; 32]),
            length: 1000,
            content: 990,
            encrypted: false,
            expires: Day(20_500),
            meta: vec![1, 2, 3],
        }
    }

    fn seg(index: u64, offset: u64, length: u64, item: u8) -> Rec {
        Rec::Segment {
            entry: SegmentEntry {
                index,
                item: ItemId::from_bytes([item; 16]),
                offset,
                length,
                digest: [7; 32],
            },
            checksum: true,
            expires: Day(20_501),
        }
    }

    #[test]
    fn records_round_trip_and_are_strict() {
        for r in [
            header(),
            Rec::Pending(ItemId::from_bytes([9; 16])),
            seg(0, 0, 300, 9),
            Rec::Dropped(ItemId::from_bytes([9; 16])),
            Rec::Finishing(ItemId::from_bytes([1; 16])),
            Rec::Complete(ItemId::from_bytes([1; 16])),
        ] {
            let l = line(&r.body());
            assert_eq!(Rec::parse(l.trim_end()), Some(r), "{l}");
        }
        let good = line(&seg(0, 0, 300, 9).body());
        let good = good.trim_end();
        for bad in [
            good.replacen(" 300 ", " 0300 ", 1),
            good.replacen(" 300 ", " 301 ", 1),
            good[..good.len() - 3].to_owned(),
            format!("{good} "),
        ] {
            assert_eq!(Rec::parse(&bad), None, "{bad}");
        }
        // A re-checksummed non-canonical line is refused too.
        let body = seg(0, 0, 300, 9).body().replacen(" 300 ", " 0300 ", 1);
        assert_eq!(Rec::parse(line(&body).trim_end()), None);
    }

    #[test]
    fn a_segment_must_follow_its_announcement_in_order() {
        let e = apply(None, header(), None).unwrap();
        assert!(
            apply(Some(e.clone()), seg(0, 0, 300, 9), None).is_none(),
            "unannounced"
        );
        let e = apply(Some(e), Rec::Pending(ItemId::from_bytes([9; 16])), None).unwrap();
        assert!(
            apply(Some(e.clone()), seg(0, 0, 300, 8), None).is_none(),
            "other item"
        );
        assert!(
            apply(Some(e.clone()), seg(1, 0, 300, 9), None).is_none(),
            "index"
        );
        assert!(
            apply(Some(e.clone()), seg(0, 0, 1001, 9), None).is_none(),
            "length"
        );
        let e = apply(Some(e), seg(0, 0, 300, 9), None).unwrap();
        assert_eq!((e.p.offset, e.p.segments), (300, 1));
        assert!(
            apply(
                Some(e.clone()),
                Rec::Finishing(ItemId::from_bytes([1; 16])),
                None
            )
            .is_none(),
            "not at the end"
        );
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_damage_elsewhere_fails_closed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.log");
        let mut text = line(&header().body());
        text.push_str(&line(&Rec::Pending(ItemId::from_bytes([9; 16])).body()));
        let whole = text.clone() + &line(&seg(0, 0, 300, 9).body());
        fs::write(&p, &whole).unwrap();
        let r = replay(&p, None).unwrap();
        assert!(!r.torn);
        assert_eq!(r.entry.p.offset, 300);
        for cut in [1, 10, 40] {
            fs::write(&p, &whole[..whole.len() - cut]).unwrap();
            let r = replay(&p, None).unwrap();
            assert!(r.torn, "cut {cut}");
            assert_eq!(r.valid, text.len() as u64);
            assert_eq!(r.entry.p.offset, 0);
            assert!(r.entry.pending.is_some());
        }
        // A bad line with a good one after it is not a torn append.
        let bad = text.replacen("pending", "pendinG", 1) + &line(&seg(0, 0, 300, 9).body());
        fs::write(&p, bad).unwrap();
        assert!(replay(&p, None).is_err());
    }

    fn store(dir: &Path) -> Store {
        let mut rng = rand::rng();
        Store {
            spool: Spool::create(&dir.join("spool"), &mut rng).unwrap(),
            recipients: postern_spool::recipients::Recipients::new(vec![
                age::x25519::Identity::generate().to_public(),
            ])
            .unwrap(),
            signing_key: postern_spool::keys::SigningKey::generate(&mut rng),
            disk_reserve: 0,
            // 2026-12-01, day 20,788.
            clock: std::sync::Arc::new(crate::clock::FixedClock(20_788 * 86_400)),
        }
    }

    /// Commits a segment item of upload `id` at index 0 (as a request would).
    fn segment(store: &Store, source: &SourceId, id: UploadId, content: &[u8]) -> ItemId {
        let mut h = Header::new(Kind::Segment, ItemId::from_bytes([0; 16]), store.today());
        h.segment = Some(postern_spool::envelope::SegmentInfo {
            upload_id: id,
            index: 0,
            offset: 0,
        });
        store.store_small(source, h, content).unwrap().item
    }

    fn new_upload(source: SourceId, length: u64) -> NewUpload {
        NewUpload {
            source,
            reply: age::x25519::Identity::generate().to_public().to_string(),
            length,
            content: length,
            encrypted: false,
            name: "n".into(),
            ctype: String::new(),
            max_open_bytes: 1 << 40,
            max_open_per_source: 2,
            max_open: 10,
            expire_days: 7,
        }
    }

    #[test]
    fn the_sweep_removes_an_orphan_only_when_no_request_holds_its_upload() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        let (uploads, rep) = Uploads::open(&store).unwrap();
        assert_eq!(rep, Recovered::default());
        let source = SourceId::from_bytes([5; 32]);
        let record = SourceRecord {
            source,
            reply: age::x25519::Identity::generate().to_public().to_string(),
            day: store.today(),
        };
        store
            .spool
            .ensure_source(&mut rand::rng(), &record, &store.signing_key)
            .unwrap();
        let (id, _) = uploads.create(&store, new_upload(source, 100)).unwrap();
        // A request announced a segment, committed it, and failed before recording it.
        let item = segment(&store, &source, id, b"orphan");
        append(&store, &id, &[Rec::Pending(item)]).unwrap();
        let mut e = uploads.entry(&id).unwrap();
        e.pending = Some(item);
        uploads.put(id, e);
        assert_eq!(
            uploads.sweep_orphans(&store, |_| None::<()>),
            0,
            "busy: left alone"
        );
        assert_eq!(store.spool.items(&source).unwrap(), vec![item]);
        assert_eq!(uploads.sweep_orphans(&store, |_| Some(())), 1);
        assert!(
            store.spool.items(&source).unwrap().is_empty(),
            "the orphan is gone"
        );
        assert_eq!(uploads.sweep_orphans(&store, |_| Some(())), 0, "once");
        // Read again from disk: the log says so, nothing is in flight.
        let (again, rep) = Uploads::open(&store).unwrap();
        assert_eq!((rep.uploads, rep.orphans, rep.torn), (1, 0, 0));
        let p = again.progress(&id).unwrap();
        assert_eq!((p.offset, p.segments, p.complete()), (0, 0, false));
        // The caps still hold: this source may have two open uploads.
        uploads.create(&store, new_upload(source, 10)).unwrap();
        assert!(matches!(
            uploads.create(&store, new_upload(source, 10)),
            Err(CreateError::TooMany)
        ));
    }

    #[test]
    fn expiry_removes_an_open_upload_with_its_segments_and_only_the_log_of_a_complete_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        let (uploads, _) = Uploads::open(&store).unwrap();
        let source = SourceId::from_bytes([6; 32]);
        // An empty upload is complete at once: its manifest is committed.
        let (done, _) = uploads.create(&store, new_upload(source, 0)).unwrap();
        let manifest = uploads.progress(&done).unwrap().manifest.unwrap();
        let (open, _) = uploads.create(&store, new_upload(source, 100)).unwrap();
        let item = segment(&store, &source, open, b"seg");
        let seg = Rec::Segment {
            entry: SegmentEntry {
                index: 0,
                item,
                offset: 0,
                length: 3,
                digest: [1; 32],
            },
            checksum: false,
            expires: Day(store.today().0 + 7),
        };
        append(&store, &open, &[Rec::Pending(item), seg]).unwrap();
        let (uploads, rep) = Uploads::open(&store).unwrap();
        assert_eq!(rep.uploads, 2);
        assert_eq!(uploads.progress(&open).unwrap().offset, 3);
        assert_eq!(
            uploads.expire(&store, Day(store.today().0 + 7)),
            0,
            "not yet"
        );
        assert_eq!(uploads.expire(&store, Day(store.today().0 + 8)), 2);
        assert_eq!(
            store.spool.items(&source).unwrap(),
            vec![manifest],
            "the manifest stays"
        );
        assert!(uploads.all().is_empty());
        assert!(
            read_all(&store.spool).unwrap().is_empty(),
            "both logs are gone"
        );
    }

    #[test]
    fn concurrent_creations_never_overshoot_the_caps() {
        let tmp = tempfile::tempdir().unwrap();
        let store = store(tmp.path());
        let (uploads, _) = Uploads::open(&store).unwrap();
        let source = SourceId::from_bytes([6; 32]);
        // 16 creations of one source at once, two allowed per source: exactly two succeed.
        let barrier = std::sync::Barrier::new(16);
        let made: usize = std::thread::scope(|s| {
            let hs: Vec<_> = (0..16)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        uploads.create(&store, new_upload(source, 100)).is_ok()
                    })
                })
                .collect();
            hs.into_iter().map(|h| usize::from(h.join().unwrap())).sum()
        });
        assert_eq!(made, 2, "the per-source cap is exact");
        // The global cap (10) and the bytes cap, with many sources at once.
        let barrier = std::sync::Barrier::new(24);
        let made: usize = std::thread::scope(|s| {
            let hs: Vec<_> = (0..24u8)
                .map(|i| {
                    let (uploads, store, barrier) = (&uploads, &store, &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        let new = new_upload(SourceId::from_bytes([100 + i; 32]), 100);
                        uploads.create(store, new).is_ok()
                    })
                })
                .collect();
            hs.into_iter().map(|h| usize::from(h.join().unwrap())).sum()
        });
        assert_eq!(made, 8, "ten open uploads in all, two were open already");
        assert_eq!(uploads.all().len(), 10);
        let logs = fs::read_dir(dir(&store.spool)).unwrap().count();
        assert_eq!(logs, 10, "one log per upload made, none for a refused one");
        let dir2 = tempfile::tempdir().unwrap();
        let store2 = self::store(dir2.path());
        let (uploads2, _) = Uploads::open(&store2).unwrap();
        let barrier = std::sync::Barrier::new(8);
        let made: usize = std::thread::scope(|s| {
            let hs: Vec<_> = (0..8u8)
                .map(|i| {
                    let (uploads, store, barrier) = (&uploads2, &store2, &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        let mut new = new_upload(SourceId::from_bytes([i; 32]), 400);
                        new.max_open_bytes = 1000;
                        uploads.create(store, new).is_ok()
                    })
                })
                .collect();
            hs.into_iter().map(|h| usize::from(h.join().unwrap())).sum()
        });
        assert_eq!(made, 2, "1000 open bytes hold two uploads of 400");
    }

    #[test]
    fn a_deleted_upload_is_never_indexed_again_and_its_request_commits_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Arc::new(store(tmp.path()));
        let (uploads, _) = Uploads::open(&store).unwrap();
        let source = SourceId::from_bytes([5; 32]);
        let record = SourceRecord {
            source,
            reply: age::x25519::Identity::generate().to_public().to_string(),
            day: store.today(),
        };
        store
            .spool
            .ensure_source(&mut rand::rng(), &record, &store.signing_key)
            .unwrap();
        let (id, _) = uploads.create(&store, new_upload(source, 100)).unwrap();
        let e = uploads.entry(&id).unwrap();
        uploads.deleted(&id);
        assert_eq!(uploads.progress(&id), None);
        assert!(!uploads.put(id, e), "nothing brings it back");
        assert_eq!(uploads.progress(&id), None);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let staged = rt.block_on(async {
            let mut h = Header::new(Kind::Segment, ItemId::from_bytes([0; 16]), store.today());
            h.segment = Some(postern_spool::envelope::SegmentInfo {
                upload_id: id,
                index: 0,
                offset: 0,
            });
            let mut w = store.stage(h, 100).await.unwrap();
            w.write(b"late bytes").await.unwrap();
            w.finish().await.unwrap()
        });
        assert!(
            uploads
                .record_segment(&store, id, &record, staged, false, 7)
                .is_err()
        );
        assert!(
            store.spool.items(&source).unwrap().is_empty(),
            "nothing committed"
        );
    }

    #[test]
    fn old_state_files_stop_the_start_with_a_clear_message() {
        let tmp = tempfile::tempdir().unwrap();
        let store = store(tmp.path());
        ensure_dir(&store.spool).unwrap();
        let id = UploadId::from_bytes([9; 16]);
        fs::write(dir(&store.spool).join(format!("{id}.state")), "old").unwrap();
        let err = Uploads::open(&store).err().expect("refused").to_string();
        assert!(
            err.contains("1 resumable upload(s) in the old state format") && err.contains(".state"),
            "{err}"
        );
        // Nothing was changed: the file is still there for the previous version.
        assert!(dir(&store.spool).join(format!("{id}.state")).exists());
        fs::remove_file(dir(&store.spool).join(format!("{id}.state"))).unwrap();
        assert!(Uploads::open(&store).is_ok());
    }
}
