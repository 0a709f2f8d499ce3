//! The journalist's view of the spool: a cached index of sources and items, deletion and
//! retention (bundles are made from it by `selection`).
//!
//! Listing 10,000 sources must not mean reading 100,000 records on every page load. The index
//! keeps, per source, what its signed records say (kind, day and size of each item), and reloads a
//! source only when the change time (ctime) of its folder or of its `items/` folder moved (not the
//! modification time, which the spool sets to the day). A
//! stamp younger than two seconds is never trusted (the "racy" case of git's index: a change in
//! the same clock tick would not move the time), so a change is always seen on a later load.
//! Records are verified with the server's own key when loaded: a record altered on disk is left
//! out of every listing and bundle (and a warning without ids is logged).
//!
//! A journalist never sees a segment: [`SpoolIndex::entries`] folds the items of a source into
//! entries (a message, a file, or a whole resumable upload with its state), newest first, from
//! the upload states and parts files under `uploads/` ([`crate::storage::uploads`],
//! [`crate::storage::upload_parts`]), which are cached by file stamp the same way. Deleting an
//! upload is recorded first and finished even after a crash ([`SpoolIndex::delete_upload`],
//! [`SpoolIndex::finish_deletions`]).

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use postern_spool::day::Day;
use postern_spool::envelope::Kind;
use postern_spool::ids::{ItemId, SourceId, UploadId};
use postern_spool::keys::VerifyingKey;
use postern_spool::record::{ItemRecord, MAX_RECORD_LEN, SourceRecord};
use postern_spool::spool::{Spool, sync_dir};

use crate::fsutil::read_bounded;
use crate::storage::upload_parts::{self, UploadParts, Which};
use crate::storage::uploads::{self, Progress};

/// One committed item, as its record states it.
#[derive(Clone, Debug)]
pub struct ItemInfo {
    pub id: ItemId,
    pub kind: Kind,
    pub day: Day,
    /// Ciphertext length (padded size plus age's overhead).
    pub size: u64,
}

/// One source and its items (oldest day first, then by id).
#[derive(Clone, Debug)]
pub struct SourceInfo {
    pub id: SourceId,
    pub first_day: Day,
    pub items: Vec<ItemInfo>,
}

impl SourceInfo {
    /// The latest day of any item (or the source's first day).
    pub fn last_day(&self) -> Day {
        self.items
            .iter()
            .map(|i| i.day)
            .max()
            .unwrap_or(self.first_day)
            .max(self.first_day)
    }
}

struct Cached {
    stamp: (SystemTime, SystemTime),
    info: Arc<SourceInfo>,
}

/// A cached, verified index of the spool.
pub struct SpoolIndex {
    spool: Spool,
    key: VerifyingKey,
    cache: Mutex<HashMap<SourceId, Cached>>,
    /// The files of `uploads/`, by name, with the stamp they were read at.
    upload_files: Mutex<HashMap<OsString, (FileStamp, Arc<UploadFile>)>>,
}

/// What one file of `uploads/` says.
#[derive(Debug)]
pub enum UploadFile {
    /// An upload with a log: in progress, or complete and kept until its day (its segments).
    State(UploadId, Progress, Vec<ItemId>),
    /// A complete upload's items.
    Parts(UploadId, UploadParts),
    /// A deletion recorded and not finished.
    Deleting(UploadId, UploadParts),
}

impl UploadFile {
    fn source(&self) -> SourceId {
        match self {
            UploadFile::State(_, p, _) => p.source,
            UploadFile::Parts(_, p) | UploadFile::Deleting(_, p) => p.source,
        }
    }
}

type FileStamp = (SystemTime, u64, u64);

/// The upload files of every source, as [`SpoolIndex::upload_files`] returns them.
pub type UploadsBySource = HashMap<SourceId, Vec<Arc<UploadFile>>>;

/// Which entry: a message or file by its item, an upload by its id, or the parts the server
/// cannot place in an upload (left by a crash or written before uploads were indexed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntryKey {
    Item(ItemId),
    Upload(UploadId),
    Unindexed,
}

/// The state of an upload entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadStatus {
    /// Every byte arrived and its manifest is committed.
    Complete,
    /// Still arriving: `offset` of `length` bytes so far.
    InProgress { offset: u64, length: u64 },
    /// Abandoned past its expiry day; removed by the next housekeeping run.
    Expired { offset: u64, length: u64 },
    /// Some of its parts were deleted (by retention): it cannot be reassembled.
    PartsMissing,
    /// Upload parts without an upload the server knows.
    Unindexed,
}

/// One row of a source's page: what a person thinks of as one item.
#[derive(Clone, Debug)]
pub struct Entry {
    pub key: EntryKey,
    /// The item's kind; [`Kind::Manifest`] for an upload.
    pub kind: Kind,
    pub day: Day,
    /// Stored (padded) bytes of all its parts.
    pub size: u64,
    /// For an upload, its state.
    pub upload: Option<UploadStatus>,
    /// Its spool items (one for a message or file).
    pub parts: Vec<ItemId>,
}

/// When the inode last changed (its ctime), the stamp of the cache. Not the modification time:
/// the spool sets that (and the access time) to midnight of the record's day, so two commits on
/// one day leave the `items/` folder's mtime the same, while every commit, every entry added or
/// removed and every time set moves the ctime, which nothing can set back.
fn changed(meta: &fs::Metadata) -> SystemTime {
    use std::os::unix::fs::MetadataExt;
    let secs = u64::try_from(meta.ctime()).unwrap_or(0);
    let nanos = u32::try_from(meta.ctime_nsec())
        .unwrap_or(0)
        .min(999_999_999);
    SystemTime::UNIX_EPOCH + Duration::new(secs, nanos)
}

/// How old a folder stamp must be before it is trusted.
const RACY: Duration = Duration::from_secs(2);

/// A record, read bounded; one that is too long reads as empty, which no parser accepts.
fn read_record(path: &Path) -> io::Result<Vec<u8>> {
    match read_bounded(path, MAX_RECORD_LEN as u64) {
        Err(e) if e.kind() == io::ErrorKind::InvalidData => Ok(Vec::new()),
        other => other,
    }
}

impl SpoolIndex {
    pub fn new(spool: Spool, key: VerifyingKey) -> SpoolIndex {
        SpoolIndex {
            spool,
            key,
            cache: Mutex::new(HashMap::new()),
            upload_files: Mutex::new(HashMap::new()),
        }
    }

    /// The server's key, which every record is checked with.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    pub fn spool(&self) -> &Spool {
        &self.spool
    }

    fn stamp(&self, id: &SourceId) -> Option<(SystemTime, SystemTime)> {
        let dir = self.spool.source_dir(id);
        let a = fs::metadata(&dir).map(|m| changed(&m)).ok()?;
        let b = fs::metadata(dir.join("items"))
            .map(|m| changed(&m))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        Some((a, b))
    }

    fn load_source(&self, id: &SourceId) -> Result<Option<SourceInfo>> {
        let rec = match read_record(&self.spool.source_record_path(id)) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).context("reading a source record"),
        };
        let Ok(rec) = SourceRecord::parse_verified(&rec, &self.key) else {
            tracing::warn!("a source record does not verify; leaving that source out");
            return Ok(None);
        };
        if rec.source != *id {
            tracing::warn!("a source record is filed under another source; leaving it out");
            return Ok(None);
        }
        let mut items = Vec::new();
        for item in self.spool.items(id).context("listing items")? {
            let (_, rec_path) = self.spool.item_paths(id, &item);
            let bytes = match read_record(&rec_path) {
                Ok(b) => b,
                // Deleted meanwhile.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e).context("reading an item record"),
            };
            match ItemRecord::parse_verified(&bytes, &self.key) {
                Ok(r) if r.source == *id && r.item == item => items.push(ItemInfo {
                    id: item,
                    kind: r.kind,
                    day: r.day,
                    size: r.size,
                }),
                _ => tracing::warn!("an item record does not verify; leaving that item out"),
            }
        }
        items.sort_by_key(|i| (i.day, i.id));
        Ok(Some(SourceInfo {
            id: *id,
            first_day: rec.day,
            items,
        }))
    }

    /// One source, fresh or from the cache.
    pub fn source(&self, id: &SourceId) -> Result<Option<Arc<SourceInfo>>> {
        let Some(stamp) = self.stamp(id) else {
            if let Ok(mut c) = self.cache.lock() {
                c.remove(id);
            }
            return Ok(None);
        };
        let trusted = SystemTime::now()
            .duration_since(stamp.0.max(stamp.1))
            .is_ok_and(|age| age >= RACY);
        if trusted
            && let Ok(c) = self.cache.lock()
            && let Some(hit) = c.get(id)
            && hit.stamp == stamp
        {
            return Ok(Some(hit.info.clone()));
        }
        let Some(info) = self.load_source(id)? else {
            return Ok(None);
        };
        let info = Arc::new(info);
        if let Ok(mut c) = self.cache.lock() {
            c.insert(
                *id,
                Cached {
                    stamp,
                    info: info.clone(),
                },
            );
        }
        Ok(Some(info))
    }

    /// Every source with a record, in id order.
    pub fn sources(&self) -> Result<Vec<Arc<SourceInfo>>> {
        let ids = self.spool.sources().context("listing sources")?;
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            if let Some(s) = self.source(id)? {
                out.push(s);
            }
        }
        if let Ok(mut c) = self.cache.lock()
            && c.len() > ids.len()
        {
            let live: std::collections::HashSet<&SourceId> = ids.iter().collect();
            c.retain(|k, _| live.contains(k));
        }
        Ok(out)
    }

    /// Every file of `uploads/`, grouped by source: read again only when its stamp moved (or is
    /// too young to trust), so that a page load reads nothing that did not change.
    pub fn upload_files(&self) -> Result<UploadsBySource> {
        let dir = uploads::dir(&self.spool);
        let listing = match fs::read_dir(&dir) {
            Ok(l) => l,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(HashMap::new()),
            Err(e) => return Err(e).context("listing uploads"),
        };
        let mut cache = self
            .upload_files
            .lock()
            .map_err(|_| anyhow::anyhow!("the uploads cache is poisoned"))?;
        let mut live = HashSet::new();
        let now = SystemTime::now();
        for entry in listing {
            let entry = entry.context("listing uploads")?;
            let name = entry.file_name();
            let Some((id, which)) = name.to_str().and_then(upload_file_name) else {
                continue;
            };
            let Ok(meta) = fs::symlink_metadata(entry.path()) else {
                continue; // gone meanwhile
            };
            if !meta.is_file() {
                continue;
            }
            let mtime = changed(&meta);
            let stamp = (
                mtime,
                meta.len(),
                std::os::unix::fs::MetadataExt::ino(&meta),
            );
            live.insert(name.clone());
            let trusted = now.duration_since(mtime).is_ok_and(|age| age >= RACY);
            if trusted && cache.get(&name).is_some_and(|(s, _)| *s == stamp) {
                continue;
            }
            let file = match which {
                None => match uploads::read_one(&self.spool, &id) {
                    Ok(Some((p, segs))) => {
                        UploadFile::State(id, p, segs.iter().map(|e| e.item).collect())
                    }
                    _ => continue,
                },
                Some(w) => match upload_parts::load(&self.spool, &id, w) {
                    Ok(Some(p)) if w == Which::Parts => UploadFile::Parts(id, p),
                    Ok(Some(p)) => UploadFile::Deleting(id, p),
                    Ok(None) => continue,
                    Err(_) => {
                        tracing::warn!("a damaged upload parts file; leaving it out");
                        continue;
                    }
                },
            };
            cache.insert(name, (stamp, Arc::new(file)));
        }
        cache.retain(|k, _| live.contains(k));
        let mut out: UploadsBySource = HashMap::new();
        for (_, f) in cache.values() {
            out.entry(f.source()).or_default().push(f.clone());
        }
        Ok(out)
    }

    /// The entries of a source, newest first: each message and file on its own, each resumable
    /// upload as one entry with its state. Segments and manifests are never entries of their own.
    pub fn entries(info: &SourceInfo, uploads: &[Arc<UploadFile>], today: Day) -> Vec<Entry> {
        let parts: HashMap<ItemId, &ItemInfo> = info
            .items
            .iter()
            .filter(|i| matches!(i.kind, Kind::Segment | Kind::Manifest))
            .map(|i| (i.id, i))
            .collect();
        let mut claimed: HashSet<ItemId> = HashSet::new();
        let mut out = Vec::new();
        let group = |id: UploadId,
                     items: &mut dyn Iterator<Item = &ItemId>,
                     status: UploadStatus,
                     claimed: &mut HashSet<ItemId>|
         -> Option<Entry> {
            let (mut size, mut day, mut found, mut missing) = (0u64, None, Vec::new(), false);
            for item in items {
                claimed.insert(*item);
                match parts.get(item) {
                    Some(i) => {
                        size = size.saturating_add(i.size);
                        day = day.max(Some(i.day));
                        found.push(*item);
                    }
                    None => missing = true,
                }
            }
            let day = day?;
            let status = if missing && status == UploadStatus::Complete {
                UploadStatus::PartsMissing
            } else {
                status
            };
            Some(Entry {
                key: EntryKey::Upload(id),
                kind: Kind::Manifest,
                day,
                size,
                upload: Some(status),
                parts: found,
            })
        };
        // An upload being deleted is no entry, whatever other file of it is still there.
        let mut deleting = HashSet::new();
        // A complete upload whose state is still kept (until it expires) is shown once, from its
        // parts file.
        let mut with_parts = HashSet::new();
        for f in uploads {
            match f.as_ref() {
                UploadFile::Deleting(id, p) => {
                    claimed.extend(p.items().copied());
                    deleting.insert(*id);
                }
                UploadFile::Parts(id, _) => {
                    with_parts.insert(*id);
                }
                UploadFile::State(..) => {}
            }
        }
        for f in uploads {
            let e = match f.as_ref() {
                UploadFile::Deleting(..) => None,
                UploadFile::Parts(id, _) | UploadFile::State(id, ..) if deleting.contains(id) => {
                    None
                }
                UploadFile::State(id, p, segs) if with_parts.contains(id) => {
                    claimed.extend(segs.iter().copied().chain(p.manifest));
                    None
                }
                UploadFile::Parts(id, p) => {
                    group(*id, &mut p.items(), UploadStatus::Complete, &mut claimed)
                }
                UploadFile::State(id, p, segs) => {
                    let (offset, length) = (p.offset, p.length);
                    let status = if offset == length {
                        // Complete, or its manifest is being committed.
                        UploadStatus::Complete
                    } else if p.expires < today {
                        UploadStatus::Expired { offset, length }
                    } else {
                        UploadStatus::InProgress { offset, length }
                    };
                    group(
                        *id,
                        &mut segs.iter().chain(p.manifest.as_ref()),
                        status,
                        &mut claimed,
                    )
                }
            };
            out.extend(e);
        }
        let mut stray = Entry {
            key: EntryKey::Unindexed,
            kind: Kind::Manifest,
            day: Day(0),
            size: 0,
            upload: Some(UploadStatus::Unindexed),
            parts: Vec::new(),
        };
        for i in &info.items {
            if matches!(i.kind, Kind::Segment | Kind::Manifest) {
                if !claimed.contains(&i.id) {
                    stray.size = stray.size.saturating_add(i.size);
                    stray.day = stray.day.max(i.day);
                    stray.parts.push(i.id);
                }
            } else {
                out.push(Entry {
                    key: EntryKey::Item(i.id),
                    kind: i.kind,
                    day: i.day,
                    size: i.size,
                    upload: None,
                    parts: vec![i.id],
                });
            }
        }
        if !stray.parts.is_empty() {
            out.push(stray);
        }
        out.sort_by(|a, b| b.day.cmp(&a.day).then(a.key.cmp(&b.key)));
        out
    }

    /// Deletes a whole upload of `source` (complete or not): the deletion is recorded first
    /// (`uploads/<id>.deleting`), then the upload's state and parts files go (a running upload
    /// can go on no further), then every item, record before ciphertext. A crash midway is
    /// finished by [`SpoolIndex::finish_deletions`]. Returns the deleted items (`None` if there
    /// is no such upload of this source).
    pub fn delete_upload(
        &self,
        source: &SourceId,
        upload: &UploadId,
    ) -> Result<Option<HashSet<ItemId>>> {
        let Some(parts) = self.upload_parts(source, upload)? else {
            return Ok(None);
        };
        upload_parts::store(&self.spool, upload, Which::Deleting, &parts)
            .context("recording a deletion")?;
        let items = parts.items().copied().collect();
        self.finish_deletion(upload, &parts)?;
        Ok(Some(items))
    }

    /// The items of upload `upload` of `source`, complete (its parts file) or not (its log):
    /// `None` if there is no such upload of this source, or its deletion is under way.
    pub fn upload_parts(
        &self,
        source: &SourceId,
        upload: &UploadId,
    ) -> Result<Option<UploadParts>> {
        if upload_parts::load(&self.spool, upload, Which::Deleting)
            .context("reading an upload's parts")?
            .is_some()
        {
            return Ok(None);
        }
        let parts = match upload_parts::load(&self.spool, upload, Which::Parts)
            .context("reading an upload's parts")?
        {
            Some(p) => p,
            None => match uploads::read_one(&self.spool, upload).context("reading an upload")? {
                Some((p, segs)) => UploadParts {
                    source: p.source,
                    manifest: p.manifest,
                    length: p.length,
                    day: p.expires,
                    segments: segs.iter().map(|e| e.item).collect(),
                },
                None => return Ok(None),
            },
        };
        Ok((parts.source == *source).then_some(parts))
    }

    fn finish_deletion(&self, upload: &UploadId, parts: &UploadParts) -> Result<()> {
        upload_parts::remove(&self.spool, upload, Which::Parts).context("deleting an upload")?;
        uploads::remove_log(&self.spool, upload).context("deleting an upload")?;
        for item in parts.items() {
            let (age, rec) = self.spool.item_paths(&parts.source, item);
            remove_if_present(&rec)?;
            remove_if_present(&age)?;
        }
        let items = self.spool.source_dir(&parts.source).join("items");
        if items.is_dir() {
            sync_dir(&items).context("syncing the items folder")?;
        }
        upload_parts::remove(&self.spool, upload, Which::Deleting).context("deleting an upload")?;
        upload_parts::sync(&self.spool)?;
        if let Ok(mut c) = self.cache.lock() {
            c.remove(&parts.source);
        }
        Ok(())
    }

    /// Finishes every deletion of an upload that a crash interrupted (run at startup). Returns
    /// how many.
    pub fn finish_deletions(&self) -> Result<usize> {
        let ids = upload_parts::list(&self.spool, Which::Deleting).context("listing uploads")?;
        for id in &ids {
            if let Some(p) = upload_parts::load(&self.spool, id, Which::Deleting)
                .context("reading a recorded deletion")?
            {
                self.finish_deletion(id, &p)?;
            }
        }
        Ok(ids.len())
    }

    /// Deletes one item: its record first (which uncommits it), then its ciphertext, then
    /// fsyncs the folder. Returns whether it existed.
    pub fn delete_item(&self, source: &SourceId, item: &ItemId) -> Result<bool> {
        let (age, rec) = self.spool.item_paths(source, item);
        let existed = remove_if_present(&rec)?;
        let had_data = remove_if_present(&age)?;
        if existed || had_data {
            sync_dir(&self.spool.source_dir(source).join("items"))
                .context("syncing the items folder")?;
        }
        Ok(existed)
    }

    /// Deletes a source: every item, then everything else in its folder, then the folder.
    pub fn delete_source(&self, source: &SourceId) -> Result<bool> {
        let dir = self.spool.source_dir(source);
        if !dir.is_dir() {
            return Ok(false);
        }
        // Its uploads first, so that none goes on into a folder about to go.
        let files = self.upload_files()?;
        for f in files.get(source).into_iter().flatten() {
            let id = match f.as_ref() {
                UploadFile::State(id, ..)
                | UploadFile::Parts(id, _)
                | UploadFile::Deleting(id, _) => id,
            };
            uploads::remove_log(&self.spool, id).context("deleting an upload")?;
            for w in [Which::Parts, Which::Deleting] {
                upload_parts::remove(&self.spool, id, w).context("deleting an upload")?;
            }
        }
        for item in self.spool.items(source).context("listing items")? {
            self.delete_item(source, &item)?;
        }
        fs::remove_dir_all(&dir).context("removing a source folder")?;
        sync_dir(&self.spool.root().join("sources")).context("syncing the sources folder")?;
        if let Ok(mut c) = self.cache.lock() {
            c.remove(source);
        }
        Ok(true)
    }
}

/// `<id>.log` (`None`), `<id>.parts` or `<id>.deleting`.
fn upload_file_name(name: &str) -> Option<(UploadId, Option<Which>)> {
    if let Some(id) = name.strip_suffix(".log") {
        return Some((UploadId::parse(id)?, None));
    }
    for w in [Which::Parts, Which::Deleting] {
        let suffix = match w {
            Which::Parts => ".parts",
            Which::Deleting => ".deleting",
        };
        if let Some(id) = name.strip_suffix(suffix) {
            return Some((UploadId::parse(id)?, Some(w)));
        }
    }
    None
}

fn remove_if_present(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).context("deleting a spool file"),
    }
}
