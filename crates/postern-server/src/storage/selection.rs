//! Selections: what goes into a bundle, frozen, and cut into parts whose bytes are a pure
//! function of the selection (spool-format §8.2).
//!
//! A caller chooses items (everything new for a journalist, one source, a date range, one item);
//! [`Selection::build`] puts them in one canonical order (sources by id, items as the index lists
//! them), keeps every segment and manifest of a source together when any of them is chosen (the
//! server cannot see which upload a segment belongs to, so it keeps them all: more, never less),
//! reads each signed record for the SHA-256 it states, derives the selection id from all of that
//! and the part size, and plans the parts. [`Selection::layout`] then lays out one part from the
//! records on disk, refusing if an item changed or went away since, so that a part downloaded
//! twice, or resumed from the middle, is byte for byte the same.

use std::collections::VecDeque;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow, bail};
use postern_spool::bundle::{BundleManifest, PartLayout, PartSection, plan_parts, selection_id};
use postern_spool::envelope::Kind;
use postern_spool::ids::{ItemId, SelectionId, SourceId};
use postern_spool::keys::SigningKey;
use postern_spool::record::{ItemRecord, MAX_RECORD_LEN};

use super::index::{SourceInfo, SpoolIndex};
use crate::fsutil::read_bounded;

/// One item of a selection.
#[derive(Clone, Debug)]
pub struct Entry {
    pub source: SourceId,
    pub item: ItemId,
    /// Ciphertext size, as its record states.
    pub size: u64,
    sha256: [u8; 32],
}

/// A frozen selection and its parts.
#[derive(Debug)]
pub struct Selection {
    pub id: SelectionId,
    pub part_size: u64,
    entries: Vec<Entry>,
    parts: Vec<Range<usize>>,
}

fn is_upload_piece(kind: Kind) -> bool {
    matches!(kind, Kind::Segment | Kind::Manifest)
}

impl Selection {
    /// Freezes a choice of items, with every segment and manifest of a source whose segments or
    /// manifests are chosen. `None` if it holds no item (or none that still verifies).
    pub fn build(
        index: &SpoolIndex,
        chosen: &[(Arc<SourceInfo>, Vec<ItemId>)],
        part_size: u64,
    ) -> Result<Option<Selection>> {
        Self::make(index, chosen, part_size, true)
    }

    /// Freezes exactly the chosen items (one item downloaded alone).
    pub fn build_exact(
        index: &SpoolIndex,
        chosen: &[(Arc<SourceInfo>, Vec<ItemId>)],
        part_size: u64,
    ) -> Result<Option<Selection>> {
        Self::make(index, chosen, part_size, false)
    }

    fn make(
        index: &SpoolIndex,
        chosen: &[(Arc<SourceInfo>, Vec<ItemId>)],
        part_size: u64,
        keep_uploads: bool,
    ) -> Result<Option<Selection>> {
        let mut sources: Vec<&(Arc<SourceInfo>, Vec<ItemId>)> = chosen
            .iter()
            .filter(|(_, items)| !items.is_empty())
            .collect();
        sources.sort_by_key(|(s, _)| s.id);
        sources.dedup_by_key(|(s, _)| s.id);
        let mut entries = Vec::new();
        for (info, items) in sources {
            let wanted: std::collections::HashSet<ItemId> = items.iter().copied().collect();
            let uploads = keep_uploads
                && info
                    .items
                    .iter()
                    .any(|i| wanted.contains(&i.id) && is_upload_piece(i.kind));
            for i in &info.items {
                if !(wanted.contains(&i.id) || uploads && is_upload_piece(i.kind)) {
                    continue;
                }
                let Some(rec) = verified_record(index, &info.id, &i.id)? else {
                    continue; // deleted or altered since the index was read
                };
                entries.push(Entry {
                    source: info.id,
                    item: i.id,
                    size: rec.size,
                    sha256: rec.sha256,
                });
            }
        }
        if entries.is_empty() {
            return Ok(None);
        }
        let ids: Vec<(SourceId, ItemId, [u8; 32])> = entries
            .iter()
            .map(|e| (e.source, e.item, e.sha256))
            .collect();
        let sizes: Vec<u64> = entries.iter().map(|e| e.size).collect();
        let parts = plan_parts(&sizes, part_size);
        if parts.len() > postern_spool::bundle::MAX_PARTS as usize {
            bail!("the selection would need too many parts; choose a larger part size");
        }
        Ok(Some(Selection {
            id: selection_id(part_size, &ids),
            part_size,
            entries,
            parts,
        }))
    }

    /// Number of parts.
    pub fn parts(&self) -> u32 {
        self.parts.len() as u32
    }

    /// Every item, in bundle order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The items of part `part` (from 1).
    pub fn part_entries(&self, part: u32) -> Option<&[Entry]> {
        let r = self.parts.get((part as usize).checked_sub(1)?)?;
        self.entries.get(r.clone())
    }

    /// Lays out part `part` (from 1) with a manifest signed by `key`. Fails if an item of the
    /// part is gone or its record changed since the selection was made.
    pub fn layout(&self, index: &SpoolIndex, key: &SigningKey, part: u32) -> Result<PartLayout> {
        let entries = self
            .part_entries(part)
            .ok_or_else(|| anyhow!("no such part"))?;
        let mut sections: Vec<PartSection> = Vec::new();
        for e in entries {
            if sections.last().is_none_or(|s| s.source != e.source) {
                let record = read_bounded(
                    &index.spool().source_record_path(&e.source),
                    MAX_RECORD_LEN as u64,
                )
                .context("reading a source record")?;
                sections.push(PartSection {
                    source: e.source,
                    record,
                    items: Vec::new(),
                });
            }
            let (_, rec_path) = index.spool().item_paths(&e.source, &e.item);
            let record =
                read_bounded(&rec_path, MAX_RECORD_LEN as u64).context("reading an item record")?;
            let rec = ItemRecord::parse_verified(&record, index.key())
                .map_err(|_| anyhow!("an item record no longer verifies"))?;
            if rec.sha256 != e.sha256 || rec.size != e.size {
                bail!("an item changed since the selection was made");
            }
            if let Some(s) = sections.last_mut() {
                s.items.push((e.item, record, e.size));
            }
        }
        let manifest = BundleManifest {
            selection: self.id,
            part,
            parts: self.parts(),
            items: entries.iter().map(|e| (e.source, e.item)).collect(),
        }
        .sign(key)
        .ok_or_else(|| anyhow!("the selection breaks a rule of the bundle format"))?;
        PartLayout::new(&manifest, &sections).context("laying out a bundle part")
    }

    /// Writes bytes `range` of a laid-out part, reading ciphertext from the spool.
    pub fn write_range(
        index: &SpoolIndex,
        layout: &PartLayout,
        range: Range<u64>,
        out: &mut dyn io::Write,
    ) -> io::Result<()> {
        let spool = index.spool();
        layout.write_range(range, out, &mut |s, i, offset| {
            let (age, _) = spool.item_paths(s, i);
            let mut f = fs::File::open(age)?;
            f.seek(SeekFrom::Start(offset))?;
            Ok(Box::new(io::BufReader::with_capacity(1 << 16, f)) as Box<dyn Read>)
        })
    }
}

fn verified_record(index: &SpoolIndex, s: &SourceId, i: &ItemId) -> Result<Option<ItemRecord>> {
    let (_, rec_path) = index.spool().item_paths(s, i);
    let bytes = match read_bounded(&rec_path, MAX_RECORD_LEN as u64) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).context("reading an item record"),
    };
    Ok(ItemRecord::parse_verified(&bytes, index.key()).ok())
}

/// Selections made on the journalist interface, kept in memory so that a part link stays valid
/// (and its bytes the same) while it downloads, however the journalist's "new" set changes.
/// Bounded: the oldest is forgotten first; a forgotten selection is made again from the page.
pub struct Selections {
    kept: Mutex<VecDeque<(String, Arc<Selection>)>>,
    max: usize,
}

impl Selections {
    pub fn new(max: usize) -> Selections {
        Selections {
            kept: Mutex::new(VecDeque::new()),
            max: max.max(1),
        }
    }

    /// Keeps `sel` for journalist `who` (again at the front if it was kept already).
    pub fn put(&self, who: &str, sel: Arc<Selection>) {
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        kept.retain(|(w, s)| !(w == who && s.id == sel.id));
        kept.push_back((who.to_owned(), sel));
        while kept.len() > self.max {
            kept.pop_front();
        }
    }

    /// Journalist `who`'s selection `id`, if it is still kept.
    pub fn get(&self, who: &str, id: &SelectionId) -> Option<Arc<Selection>> {
        let kept = self.kept.lock().ok()?;
        kept.iter()
            .find(|(w, s)| w == who && s.id == *id)
            .map(|(_, s)| s.clone())
    }
}
