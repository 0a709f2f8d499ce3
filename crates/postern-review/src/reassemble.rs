//! `extract` of a resumable upload: its manifest names the segments; they are proven to tile the
//! whole file (spool-format §13.4) before anything is decrypted, then decrypted one after the
//! other, each checked against the plan, into one unnamed temporary in the opened destination folder, which gets
//! its final name only once every segment verified to its end. Memory stays flat: one frame at a
//! time. A failure leaves no file behind.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use postern_spool::envelope::{FRAME_LEN, Kind, open};
use postern_spool::ids::{ItemId, UploadId};
use postern_spool::record::ItemRecord;
use postern_spool::segments::{MAX_MANIFEST_LEN, Manifest, Reassembly};
use postern_spool::spool::Spool;

use crate::dest::Dest;
use crate::extract::Extracted;
use crate::list::{SourceEntry, short};
use crate::ui::{byte_bar, user_error};
use postern_spool::sanitize;

type Identities = [Box<dyn age::Identity + Send + Sync>];

fn ids(identities: &Identities) -> impl Iterator<Item = &dyn age::Identity> {
    identities.iter().map(|i| i.as_ref() as &dyn age::Identity)
}

fn refused(rec: &ItemRecord, what: impl std::fmt::Display) -> anyhow::Error {
    user_error(
        format!("upload {}: {what}", short(&rec.item)),
        "no file was written for it; if segments are missing, import a newer bundle, and if anything was altered, do not trust it and tell the operator",
    )
}

/// Opens an item of `source` and checks its envelope against its record.
fn open_checked(
    store: &Spool,
    source: &SourceEntry,
    rec: &ItemRecord,
    identities: &Identities,
) -> Result<postern_spool::envelope::Opened<BufReader<File>>> {
    let (age_path, _) = store.item_paths(&source.id, &rec.item);
    let f = File::open(&age_path).context("cannot open an item's ciphertext")?;
    let reader = open(BufReader::with_capacity(1 << 16, f), ids(identities))
        .map_err(|e| refused(rec, format!("item {}: {e}", short(&rec.item))))?;
    let h = reader.header();
    if h.submission_id != rec.item || h.kind != rec.kind || h.day != rec.day {
        return Err(refused(
            rec,
            format!(
                "item {}: its envelope does not match its signed record",
                short(&rec.item)
            ),
        ));
    }
    Ok(reader)
}

/// Reads and parses the manifest `rec` (whole, verified, bounded).
pub fn read_manifest(
    store: &Spool,
    source: &SourceEntry,
    rec: &ItemRecord,
    identities: &Identities,
) -> Result<Manifest> {
    if rec.kind != Kind::Manifest {
        return Err(refused(rec, "not an upload manifest"));
    }
    let mut reader = open_checked(store, source, rec, identities)?;
    let mut text = Vec::new();
    (&mut reader)
        .take(MAX_MANIFEST_LEN + 1)
        .read_to_end(&mut text)
        .map_err(|e| refused(rec, postern_spool::OpenError::from_io(e)))?;
    Manifest::parse(&text).map_err(|e| refused(rec, e))
}

/// Byte ranges (`start..end`) as text: `0-16777215, 33554432-50331647`.
pub fn ranges_text(ranges: &[(u64, u64)]) -> String {
    ranges
        .iter()
        .map(|(a, b)| format!("{a}-{}", b.saturating_sub(1)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reassembles the upload whose manifest is `rec` into `dest`, named after `prefix`.
pub fn extract_upload(
    store: &Spool,
    source: &SourceEntry,
    rec: &ItemRecord,
    identities: &Identities,
    dest: &Dest,
    prefix: &str,
) -> Result<Extracted> {
    // 1. The manifest, whole and verified, bounded.
    let manifest = read_manifest(store, source, rec, identities)?;
    // 2. The plan: every segment of the same source, tiling the whole length.
    let records: HashMap<ItemId, &ItemRecord> = source.items.iter().map(|i| (i.item, i)).collect();
    let lacking: Vec<(u64, u64)> = manifest
        .segments
        .iter()
        .filter(|e| !records.contains_key(&e.item))
        .map(|e| (e.offset, e.offset.saturating_add(e.length)))
        .collect();
    if !lacking.is_empty() {
        return Err(user_error(
            format!(
                "upload {}: incomplete, not extracted: {} of its {} segment(s) are not in the store; it lacks bytes {} of {}",
                short(&rec.item),
                lacking.len(),
                manifest.segments.len(),
                ranges_text(&lacking),
                manifest.length
            ),
            "import the bundle (or bundle parts) that carry the missing segments, then extract again",
        ));
    }
    let plan = manifest
        .plan(|id| records.get(id).map(|r| (r.kind, *r.digest.bytes())))
        .map_err(|e| refused(rec, e))?;
    // 3. The sealed name and type.
    let mut meta = open(&manifest.meta[..], ids(identities))
        .map_err(|e| refused(rec, format!("its sealed name: {e}")))?;
    let meta_header = meta.header().clone();
    let mut probe = [0u8; 1];
    let meta_len = meta
        .read_content(&mut probe)
        .map_err(|e| refused(rec, format!("its sealed name: {e}")))?;
    if meta_header.kind != Kind::Manifest
        || meta_header.submission_id.as_bytes() != manifest.upload.as_bytes()
        || meta_len != 0
    {
        return Err(refused(rec, "its sealed name belongs to another upload"));
    }
    let fallback = format!("upload-{}", short(&rec.item));
    let mut wanted = format!(
        "{prefix}{}",
        sanitize::file_name(&meta_header.name, &fallback)
    );
    // 4. The segments, in order, into one unnamed temporary of the destination folder.
    let temp = dest.temp()?;
    let result = (|| -> Result<Extracted> {
        let bar = byte_bar(plan.content, "reassembling");
        let mut out = BufWriter::with_capacity(1 << 16, bar.wrap_write(&temp.file));
        let mut r = Reassembly::new(&plan);
        // For client-sealed uploads: bytes of the file so far (the inner envelopes' offsets).
        let mut plain_offset = 0u64;
        let mut buf = vec![0u8; FRAME_LEN];
        while let Some(step) = r.next_step() {
            let seg_rec = records
                .get(&step.item)
                .ok_or_else(|| refused(rec, "a segment vanished"))?;
            let mut seg = open_checked(store, source, seg_rec, identities)?;
            r.begin(seg.header()).map_err(|e| refused(rec, e))?;
            if plan.encrypted {
                // The segment's content is an age file the client sealed: open it through the
                // plan's checks, and check its own envelope against the plan.
                let mut inner_failure = None;
                let checked = CheckedContent {
                    seg: &mut seg,
                    plan: &mut r,
                    failure: &mut inner_failure,
                };
                let step_index = step.index;
                let step_length = step.length;
                let inner_result = (|| -> Result<u64> {
                    let mut checked = checked;
                    let bad = |what: &str| {
                        refused(
                            rec,
                            format!("segment {step_index}, sealed by the client: {what}"),
                        )
                    };
                    // A piece: the age file's length (u64), the age file, zeros.
                    let mut len8 = [0u8; 8];
                    checked
                        .read_exact(&mut len8)
                        .map_err(|_| bad("too short"))?;
                    let age_len = u64::from_be_bytes(len8);
                    if age_len > step_length.saturating_sub(8) {
                        return Err(bad("its length is out of bounds"));
                    }
                    let mut limited = (&mut checked).take(age_len);
                    let mut inner = open(
                        BufReader::with_capacity(1 << 16, &mut limited),
                        ids(identities),
                    )
                    .map_err(|e| bad(&e.to_string()))?;
                    let h = inner.header().clone();
                    let ok = h.kind == Kind::Segment
                        && h.submission_id.as_bytes() == plan.upload.as_bytes()
                        && h.segment.is_some_and(|s| {
                            s.upload_id == plan.upload
                                && s.index == step_index
                                && s.offset == plain_offset
                        });
                    if !ok {
                        return Err(refused(
                            rec,
                            format!(
                                "segment {step_index}, sealed by the client, belongs elsewhere"
                            ),
                        ));
                    }
                    if step_index == 0 {
                        wanted = format!("{prefix}{}", sanitize::file_name(&h.name, &fallback));
                    }
                    let mut n_total = 0u64;
                    loop {
                        let n = inner.read_content(&mut buf).map_err(|e| {
                            refused(
                                rec,
                                format!("segment {step_index}, sealed by the client: {e}"),
                            )
                        })?;
                        if n == 0 {
                            break;
                        }
                        n_total += n as u64;
                        out.write_all(buf.get(..n).unwrap_or(&[]))
                            .context("writing the reassembled file failed (disk full?)")?;
                    }
                    drop(inner);
                    if limited.limit() != 0 {
                        return Err(bad("data after its age file"));
                    }
                    let mut rest = [0u8; 4096];
                    loop {
                        let n = checked.read(&mut rest).map_err(|_| bad("damaged"))?;
                        if n == 0 {
                            break;
                        }
                        if rest.get(..n).unwrap_or(&[]).iter().any(|&b| b != 0) {
                            return Err(bad("its padding is not zeros"));
                        }
                    }
                    Ok(n_total)
                })();
                if let Some(e) = inner_failure {
                    return Err(refused(rec, e));
                }
                plain_offset += inner_result?;
                // The outer envelope must also have verified to its end.
                let n = seg
                    .read_content(&mut buf)
                    .map_err(|e| refused(rec, format!("segment {}: {e}", step.index)))?;
                if n != 0 {
                    return Err(refused(
                        rec,
                        format!("segment {}: data after its sealed content", step.index),
                    ));
                }
                r.end().map_err(|e| refused(rec, e))?;
                continue;
            }
            loop {
                let n = seg
                    .read_content(&mut buf)
                    .map_err(|e| refused(rec, format!("segment {}: {e}", step.index)))?;
                if n == 0 {
                    break;
                }
                let keep = r
                    .feed(buf.get(..n).unwrap_or(&[]))
                    .map_err(|e| refused(rec, e))?;
                out.write_all(keep)
                    .context("writing the reassembled file failed (disk full?)")?;
            }
            r.end().map_err(|e| refused(rec, e))?;
        }
        r.finish().map_err(|e| refused(rec, e))?;
        out.into_inner().map_err(|e| e.into_error())?;
        bar.finish_and_clear();
        Ok(Extracted {
            path: PathBuf::new(),
            len: if plan.encrypted {
                plain_offset
            } else {
                plan.content
            },
        })
    })();
    match result {
        Ok(mut x) => {
            let name = dest.finish(temp, &wanted)?;
            x.path = dest.shown(&name);
            Ok(x)
        }
        Err(e) => {
            dest.discard(temp)?;
            Err(e)
        }
    }
}

/// The content of an outer segment, read through the plan's checks (for client-sealed uploads,
/// whose content is itself an age file).
struct CheckedContent<'a, 'p, R: Read> {
    seg: &'a mut postern_spool::envelope::EnvelopeReader<R>,
    plan: &'a mut Reassembly<'p>,
    failure: &'a mut Option<postern_spool::segments::SegmentError>,
}

impl<R: Read> Read for CheckedContent<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.seg.read_content(buf).map_err(std::io::Error::from)?;
        let data = buf.get(..n).unwrap_or(&[]);
        match self.plan.feed(data) {
            Ok(kept) if kept.len() == n => Ok(n),
            Ok(_) => {
                *self.failure = Some(postern_spool::segments::SegmentError::BadPadding);
                Err(std::io::Error::other("padding in a client-sealed upload"))
            }
            Err(e) => {
                *self.failure = Some(e);
                Err(std::io::Error::other("segment refused"))
            }
        }
    }
}

/// An upload of which the store holds segments but no manifest: still arriving when the bundle
/// was made, or its manifest not imported yet.
pub struct Incomplete {
    pub upload: UploadId,
    /// The latest day of its segments.
    pub day: postern_spool::day::Day,
    /// Bytes held, as ranges (`start..end`).
    pub have: Vec<(u64, u64)>,
    /// Bytes lacking before the last one held.
    pub gaps: Vec<(u64, u64)>,
    /// Where what is held ends (what follows is unknown until the upload completes).
    pub end: u64,
}

/// The uploads of `source` that have segments in the store which no manifest there names. Each
/// segment's envelope header says which upload it belongs to and where it starts; its length is
/// where the next segment starts or, for the last of a run, what it decrypts to.
pub fn incomplete_uploads(
    store: &Spool,
    source: &SourceEntry,
    identities: &Identities,
    named: &HashSet<ItemId>,
) -> Result<Vec<Incomplete>> {
    // upload -> (index, offset, item, day)
    let mut by_upload: HashMap<UploadId, Vec<(u64, u64, &ItemRecord)>> = HashMap::new();
    for rec in source
        .items
        .iter()
        .filter(|i| i.kind == Kind::Segment && !named.contains(&i.item))
    {
        let seg = open_checked(store, source, rec, identities)?;
        let Some(info) = seg.header().segment else {
            return Err(refused(rec, "a segment without its upload"));
        };
        by_upload
            .entry(info.upload_id)
            .or_default()
            .push((info.index, info.offset, rec));
    }
    let mut out = Vec::new();
    let mut buf = vec![0u8; FRAME_LEN];
    for (upload, mut segs) in by_upload {
        segs.sort_by_key(|s| s.0);
        let mut have: Vec<(u64, u64)> = Vec::new();
        let day = segs
            .iter()
            .map(|s| s.2.day)
            .max()
            .unwrap_or(postern_spool::day::Day(0));
        for (pos, (index, offset, rec)) in segs.iter().enumerate() {
            let next = segs.get(pos + 1).filter(|n| n.0 == index + 1);
            let end = match next {
                Some(n) => n.1,
                None => {
                    // The last of a run: its length is what it decrypts to.
                    let mut seg = open_checked(store, source, rec, identities)?;
                    let mut len = 0u64;
                    loop {
                        let n = seg
                            .read_content(&mut buf)
                            .map_err(|e| refused(rec, format!("segment {index}: {e}")))?;
                        if n == 0 {
                            break;
                        }
                        len += n as u64;
                    }
                    offset.saturating_add(len)
                }
            };
            match have.last_mut() {
                Some(last) if last.1 == *offset => last.1 = end,
                _ => have.push((*offset, end)),
            }
        }
        let mut gaps = Vec::new();
        let mut at = 0u64;
        for (a, b) in &have {
            if *a > at {
                gaps.push((at, *a));
            }
            at = at.max(*b);
        }
        out.push(Incomplete {
            upload,
            day,
            have,
            gaps,
            end: at,
        });
    }
    out.sort_by_key(|i| (std::cmp::Reverse(i.day), i.upload));
    Ok(out)
}
