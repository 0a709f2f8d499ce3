//! The journalist's view of the spool: a cached index of sources and items, deletion and
//! retention (bundles are made from it by `selection`).
//!
//! Listing 10,000 sources must not mean reading 100,000 records on every page load. The index
//! keeps, per source, what its signed records say (kind, day and size of each item), and reloads a
//! source only when the modification time of its folder or of its `items/` folder changed. A
//! stamp younger than two seconds is never trusted (the "racy" case of git's index: a change in
//! the same clock tick would not move the time), so a change is always seen on a later load.
//! Records are verified with the server's own key when loaded: a record altered on disk is left
//! out of every listing and bundle (and a warning without ids is logged).

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use postern_spool::day::Day;
use postern_spool::envelope::Kind;
use postern_spool::ids::{ItemId, SourceId};
use postern_spool::keys::VerifyingKey;
use postern_spool::record::{ItemRecord, MAX_RECORD_LEN, SourceRecord};
use postern_spool::spool::{Spool, sync_dir};

use crate::fsutil::read_bounded;

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
        let a = fs::metadata(&dir).and_then(|m| m.modified()).ok()?;
        let b = fs::metadata(dir.join("items"))
            .and_then(|m| m.modified())
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

fn remove_if_present(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).context("deleting a spool file"),
    }
}
