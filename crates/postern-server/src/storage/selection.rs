//! Selections: what goes into a bundle, frozen, and cut into parts whose bytes are a pure
//! function of the selection (spool-format §8.2).
//!
//! A caller chooses items (everything new for a journalist, one source, a date range, one item);
//! [`Selection::build`] puts them in one canonical order (sources by id, items as the index lists
//! them), keeps every segment and manifest of a source together when any of them is chosen (the
//! server cannot see which upload a segment belongs to, so it keeps them all: more, never less),
//! reads each signed record for the digest it states, derives the selection id from all of that
//! and the part size, and plans the parts. [`Selection::layout`] then lays out one part from the
//! records on disk, refusing if an item changed or went away since, so that a part downloaded
//! twice, or resumed from the middle, is byte for byte the same.
//!
//! The journalist interface keeps no table of selections: a link carries a [`Token`], a strict
//! encoding of what was asked for ([`Spec`]: everything new as of a fixed mark and day, one
//! source, one upload, a range of days) and of the selection id of the content the page showed.
//! Each request builds the selection again from the token; the same spool gives the same
//! selection, so a link (and a `Range` resume) survives a restart of the server.

use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use postern_spool::bundle::{BundleManifest, PartLayout, PartSection, plan_parts, selection_id};
use postern_spool::day::Day;
use postern_spool::envelope::Kind;
use postern_spool::ids::{ItemId, SelectionId, SourceId, UploadId};
use postern_spool::keys::SigningKey;
use postern_spool::record::{Digest, ItemRecord, MAX_RECORD_LEN};

use super::index::{SourceInfo, SpoolIndex};
use crate::fsutil::read_bounded;

/// One item of a selection.
#[derive(Clone, Debug)]
pub struct Entry {
    pub source: SourceId,
    pub item: ItemId,
    /// Ciphertext size, as its record states.
    pub size: u64,
    /// Ciphertext digest, as its record states (with its algorithm).
    digest: Digest,
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
                    digest: rec.digest,
                });
            }
        }
        if entries.is_empty() {
            return Ok(None);
        }
        let ids: Vec<(SourceId, ItemId, [u8; 32])> = entries
            .iter()
            .map(|e| (e.source, e.item, *e.digest.bytes()))
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
            if rec.digest != e.digest || rec.size != e.size {
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

/// What a journalist asked for, as a part link carries it: the server keeps no table of
/// selections, so a link stays valid across restarts for as long as what it names is the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spec {
    /// Everything new for the journalist as of `mark` (see
    /// [`crate::storage::journalist_state::JournalistState::new_at`]) stored on or before `day`:
    /// a fixed set, whatever is downloaded or arrives on a later day.
    New { day: Day, mark: u64 },
    /// Every item of one source.
    Source(SourceId),
    /// Exactly the segments and manifest of one upload of a source.
    Upload(SourceId, UploadId),
    /// The items stored in a range of days (inclusive; at least one bound), of every source or
    /// one.
    Days {
        since: Option<Day>,
        until: Option<Day>,
        source: Option<SourceId>,
    },
}

/// A selection's token in a URL: the [`Spec`], and for a part link the selection id (§8.2) of
/// the content the page showed, so that a part of a selection whose content changed since is
/// refused rather than mixed with parts of the old one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub spec: Spec,
    pub content: Option<SelectionId>,
}

/// Longest token accepted (the longest one is `days-…-…-<64 hex>.<32 hex>`, about 130 bytes).
pub const MAX_TOKEN: usize = 160;

fn day_field(d: Option<Day>) -> String {
    d.map_or_else(|| "any".to_owned(), |d| d.0.to_string())
}

/// A canonical decimal (no sign, no leading zero).
fn number<T: std::str::FromStr + ToString>(s: &str) -> Option<T> {
    let v: T = s.parse().ok()?;
    (v.to_string() == s).then_some(v)
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.spec {
            Spec::New { day, mark } => write!(f, "new-{}-{mark}", day.0)?,
            Spec::Source(s) => write!(f, "source-{s}")?,
            Spec::Upload(s, u) => write!(f, "upload-{s}-{u}")?,
            Spec::Days {
                since,
                until,
                source,
            } => write!(
                f,
                "days-{}-{}-{}",
                day_field(since),
                day_field(until),
                source.map_or_else(|| "all".to_owned(), |s| s.to_string())
            )?,
        }
        if let Some(c) = self.content {
            write!(f, ".{c}")?;
        }
        Ok(())
    }
}

impl Token {
    /// Parses a token strictly: bounded, one encoding per token (it re-encodes to the input).
    pub fn parse(s: &str) -> Option<Token> {
        if s.len() > MAX_TOKEN || !s.is_ascii() {
            return None;
        }
        let (spec, content) = match s.split_once('.') {
            Some((spec, c)) => (spec, Some(SelectionId::parse(c)?)),
            None => (s, None),
        };
        let f: Vec<&str> = spec.split('-').collect();
        let day = |v: &str| -> Option<Option<Day>> {
            if v == "any" {
                Some(None)
            } else {
                number::<u32>(v).map(|d| Some(Day(d)))
            }
        };
        let spec = match f.as_slice() {
            ["new", d, m] => Spec::New {
                day: Day(number(d)?),
                mark: number(m)?,
            },
            ["source", sid] => Spec::Source(SourceId::parse(sid)?),
            ["upload", sid, uid] => Spec::Upload(SourceId::parse(sid)?, UploadId::parse(uid)?),
            ["days", a, b, src] => {
                let (since, until) = (day(a)?, day(b)?);
                if since.is_none() && until.is_none() {
                    return None;
                }
                let source = match *src {
                    "all" => None,
                    sid => Some(SourceId::parse(sid)?),
                };
                Spec::Days {
                    since,
                    until,
                    source,
                }
            }
            _ => return None,
        };
        let t = Token { spec, content };
        (t.to_string() == s).then_some(t)
    }

    /// The same token for the content `id`.
    pub fn with_content(self, id: SelectionId) -> Token {
        Token {
            content: Some(id),
            ..self
        }
    }
}

impl Spec {
    /// Freezes what the spec names now (blocking: reads the index and, for an upload, its parts
    /// file or log). `is_new` says whether an item is new as of a [`Spec::New`]'s mark. `None`
    /// if it names nothing (or a source or upload that is not there).
    pub fn build(
        &self,
        index: &SpoolIndex,
        is_new: &dyn Fn(&ItemId) -> bool,
        part_size: u64,
    ) -> Result<Option<Selection>> {
        let in_days = |i: &super::index::ItemInfo, since: Option<Day>, until: Option<Day>| {
            since.is_none_or(|d| i.day >= d) && until.is_none_or(|d| i.day <= d)
        };
        let pick = |sources: Vec<Arc<SourceInfo>>,
                    keep: &dyn Fn(&super::index::ItemInfo) -> bool|
         -> Vec<(Arc<SourceInfo>, Vec<ItemId>)> {
            sources
                .into_iter()
                .map(|s| {
                    let items = s.items.iter().filter(|i| keep(i)).map(|i| i.id).collect();
                    (s, items)
                })
                .collect()
        };
        match *self {
            Spec::New { day, .. } => {
                let chosen = pick(index.sources()?, &|i| i.day <= day && is_new(&i.id));
                Selection::build(index, &chosen, part_size)
            }
            Spec::Source(sid) => {
                let Some(info) = index.source(&sid)? else {
                    return Ok(None);
                };
                Selection::build(index, &pick(vec![info], &|_| true), part_size)
            }
            Spec::Days {
                since,
                until,
                source,
            } => {
                let sources = match source {
                    None => index.sources()?,
                    Some(sid) => index.source(&sid)?.into_iter().collect(),
                };
                let chosen = pick(sources, &|i| in_days(i, since, until));
                Selection::build(index, &chosen, part_size)
            }
            Spec::Upload(sid, uid) => {
                let (Some(info), Some(parts)) =
                    (index.source(&sid)?, index.upload_parts(&sid, &uid)?)
                else {
                    return Ok(None);
                };
                let items: Vec<ItemId> = parts.items().copied().collect();
                Selection::build_exact(index, &[(info, items)], part_size)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tokens_round_trip_and_are_parsed_strictly() {
        let sid = SourceId::from_bytes([0xab; 32]);
        let uid = UploadId::from_bytes([0xcd; 16]);
        let content = SelectionId::from_bytes([0x12; 16]);
        let specs = [
            Spec::New {
                day: Day(20_000),
                mark: 7,
            },
            Spec::Source(sid),
            Spec::Upload(sid, uid),
            Spec::Days {
                since: Some(Day(19_000)),
                until: None,
                source: Some(sid),
            },
            Spec::Days {
                since: None,
                until: Some(Day(19_001)),
                source: None,
            },
        ];
        for spec in specs {
            for content in [None, Some(content)] {
                let t = Token { spec, content };
                let text = t.to_string();
                assert!(text.len() <= MAX_TOKEN, "{text}");
                assert_eq!(Token::parse(&text), Some(t), "{text}");
            }
        }
        let s = sid.to_string();
        for bad in [
            String::new(),
            "new".into(),
            "new-20000".into(),
            "new-020000-7".into(),
            "new-20000-07".into(),
            "new-20000-+7".into(),
            "new-20000-7-".into(),
            "new-20000-7.".into(),
            "new-20000-7..".into(),
            format!("new-20000-7.{}", "AB".repeat(16)),
            format!("source-{}", s.to_uppercase()),
            format!("source-{s}-"),
            format!("source-{s}x"),
            format!("upload-{s}"),
            "days-any-any-all".into(),
            "days-1-2".into(),
            "days-1-2-some".into(),
            "days--2-all".into(),
            format!("source-{s}/../x"),
            "x".repeat(MAX_TOKEN + 1),
            "new-2\u{0660}-1".into(),
        ] {
            assert_eq!(Token::parse(&bad), None, "{bad}");
        }
    }
}
