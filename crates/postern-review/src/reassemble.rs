//! `extract` of a resumable upload: its manifest names the segments; they are proven to tile the
//! whole file (spool-format §13.4) before anything is decrypted, then decrypted one after the
//! other, each checked against the plan, into one unnamed temporary in the opened destination folder, which gets
//! its final name only once every segment verified to its end. Memory stays flat: one frame at a
//! time. A failure leaves no file behind.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use postern_spool::envelope::{FRAME_LEN, Kind, open};
use postern_spool::ids::ItemId;
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
) -> Result<postern_spool::envelope::EnvelopeReader<age::stream::StreamReader<BufReader<File>>>> {
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

/// Reassembles the upload whose manifest is `rec` into `dir`.
pub fn extract_upload(
    store: &Spool,
    source: &SourceEntry,
    rec: &ItemRecord,
    identities: &Identities,
    dest: &Dest,
) -> Result<Extracted> {
    if rec.kind != Kind::Manifest {
        return Err(refused(rec, "not an upload manifest"));
    }
    // 1. The manifest, whole and verified, bounded.
    let mut reader = open_checked(store, source, rec, identities)?;
    let mut text = Vec::new();
    (&mut reader)
        .take(MAX_MANIFEST_LEN + 1)
        .read_to_end(&mut text)
        .map_err(|e| refused(rec, postern_spool::OpenError::from_io(e)))?;
    let manifest = Manifest::parse(&text).map_err(|e| refused(rec, e))?;
    // 2. The plan: every segment of the same source, tiling the whole length.
    let records: HashMap<ItemId, &ItemRecord> = source.items.iter().map(|i| (i.item, i)).collect();
    let plan = manifest
        .plan(|id| records.get(id).map(|r| (r.kind, r.sha256)))
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
    let mut wanted = sanitize::file_name(&meta_header.name, &fallback);
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
                        wanted = sanitize::file_name(&h.name, &fallback);
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
