//! Which spool items make up one resumable upload, kept by the server so that a journalist sees
//! (and deletes) an upload as one entry although the server cannot open its manifest.
//!
//! While an upload runs, its log (`uploads/<id>.log`, kept by the uploads module) lists its
//! segments; the log goes on the upload's expiry day, complete or not. Once the manifest is
//! committed, and before that is recorded in the log, the server writes `uploads/<id>.parts`: the
//! source, the manifest item, the upload's length and day, and every segment item. Deleting an
//! upload first writes `uploads/<id>.deleting` (the same text), then removes the log, the parts
//! file and the items; a crash midway leaves the `.deleting` file, and the index's
//! `finish_deletions` (at startup) finishes the job. None of this is secret (the server saw it all when the upload arrived), and
//! `uploads/` is never exported.
//!
//! ```text
//! postern-upload-parts 1
//! source <source id>
//! manifest <item id, or - while none is committed>
//! length <u64>
//! day <u32>
//! segment <item id>            (one per segment, in order)
//! end <number of segment lines>
//! ```
//!
//! Parsed strictly (one encoding per value, at most `MAX_SEGMENTS` segments, bounded read).

use std::fs;
use std::io;
use std::path::PathBuf;

use anyhow::Result;
use postern_spool::day::Day;
use postern_spool::ids::{ItemId, SourceId, UploadId};
use postern_spool::segments::MAX_SEGMENTS;
use postern_spool::spool::Spool;

use crate::fsutil::{read_bounded, sync_dir, write_atomic};

/// Largest parts file read (a segment line is 41 bytes).
const MAX_PARTS_LEN: u64 = 64 * 1024 + 48 * MAX_SEGMENTS;

/// The items of one upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadParts {
    pub source: SourceId,
    /// The manifest item, once committed.
    pub manifest: Option<ItemId>,
    /// Bytes of the upload (what the client declared, its padding included).
    pub length: u64,
    /// The day it completed (or the last day it made progress).
    pub day: Day,
    pub segments: Vec<ItemId>,
}

/// Which file of an upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// `<id>.parts`: a complete upload's items.
    Parts,
    /// `<id>.deleting`: a deletion recorded and not yet finished.
    Deleting,
}

impl Which {
    fn suffix(self) -> &'static str {
        match self {
            Which::Parts => ".parts",
            Which::Deleting => ".deleting",
        }
    }
}

impl UploadParts {
    /// Every item of the upload: the segments, then the manifest.
    pub fn items(&self) -> impl Iterator<Item = &ItemId> {
        self.segments.iter().chain(self.manifest.as_ref())
    }

    pub fn encode(&self) -> String {
        let mut s = format!(
            "postern-upload-parts 1\nsource {}\nmanifest {}\nlength {}\nday {}\n",
            self.source,
            self.manifest
                .map(|m| m.to_string())
                .unwrap_or_else(|| "-".into()),
            self.length,
            self.day.0
        );
        for seg in &self.segments {
            s.push_str("segment ");
            s.push_str(&seg.to_string());
            s.push('\n');
        }
        s.push_str(&format!("end {}\n", self.segments.len()));
        s
    }

    pub fn parse(bytes: &[u8]) -> Option<UploadParts> {
        let text = std::str::from_utf8(bytes).ok()?;
        let mut lines = text.strip_suffix('\n')?.split('\n');
        let mut field =
            |key: &str| -> Option<&str> { lines.next()?.strip_prefix(key)?.strip_prefix(' ') };
        if field("postern-upload-parts")? != "1" {
            return None;
        }
        let source = SourceId::parse(field("source")?)?;
        let manifest = match field("manifest")? {
            "-" => None,
            m => Some(ItemId::parse(m)?),
        };
        let length = field("length")?.parse().ok()?;
        let day = Day(field("day")?.parse().ok()?);
        let mut segments = Vec::new();
        loop {
            let line = lines.next()?;
            if let Some(n) = line.strip_prefix("end ") {
                if n.parse::<usize>().ok()? != segments.len() || lines.next().is_some() {
                    return None;
                }
                break;
            }
            if segments.len() as u64 >= MAX_SEGMENTS {
                return None;
            }
            segments.push(ItemId::parse(line.strip_prefix("segment ")?)?);
        }
        let p = UploadParts {
            source,
            manifest,
            length,
            day,
            segments,
        };
        (p.encode().as_bytes() == bytes).then_some(p)
    }
}

fn dir(spool: &Spool) -> PathBuf {
    spool.root().join("uploads")
}

fn path(spool: &Spool, id: &UploadId, which: Which) -> PathBuf {
    dir(spool).join(format!("{id}{}", which.suffix()))
}

/// Writes the file atomically (temporary, fsync, rename, fsync of `uploads/`).
pub fn store(spool: &Spool, id: &UploadId, which: Which, parts: &UploadParts) -> Result<()> {
    let path = path(spool, id, which);
    write_atomic(&path, parts.encode().as_bytes())?;
    // The upload's day, not the second it was written (as the spool does for items).
    for p in [&path, &dir(spool)] {
        crate::fsutil::set_day(&fs::File::open(p)?, parts.day)?;
    }
    Ok(())
}

/// Reads one; `Ok(None)` if there is none; a damaged one is `InvalidData`.
pub fn load(spool: &Spool, id: &UploadId, which: Which) -> io::Result<Option<UploadParts>> {
    let buf = match read_bounded(&path(spool, id, which), MAX_PARTS_LEN) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    UploadParts::parse(&buf)
        .map(Some)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "damaged upload parts"))
}

/// Removes one if present (not fsynced: call [`sync`] after a batch).
pub fn remove(spool: &Spool, id: &UploadId, which: Which) -> io::Result<()> {
    match fs::remove_file(path(spool, id, which)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Fsyncs `uploads/`.
pub fn sync(spool: &Spool) -> Result<()> {
    sync_dir(&dir(spool))
}

/// Every upload with a file of this kind (an absent `uploads/` has none).
pub fn list(spool: &Spool, which: Which) -> io::Result<Vec<UploadId>> {
    let entries = match fs::read_dir(dir(spool)) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for e in entries {
        let name = e?.file_name();
        if let Some(id) = name
            .to_str()
            .and_then(|n| n.strip_suffix(which.suffix()))
            .and_then(UploadId::parse)
        {
            out.push(id);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trip_and_strict() {
        let p = UploadParts {
            source: SourceId::from_bytes([1; 32]),
            manifest: Some(ItemId::from_bytes([2; 16])),
            length: 1 << 30,
            day: Day(20_000),
            segments: vec![ItemId::from_bytes([3; 16]), ItemId::from_bytes([4; 16])],
        };
        let text = p.encode();
        assert_eq!(UploadParts::parse(text.as_bytes()), Some(p.clone()));
        let none = UploadParts {
            manifest: None,
            ..p.clone()
        };
        assert_eq!(
            UploadParts::parse(none.encode().as_bytes()),
            Some(none.clone())
        );
        for bad in [
            text.replace("end 2", "end 3"),
            text.replace("length 1073741824", "length 01073741824"),
            text.replace("day 20000", "day -1"),
            text.replace("manifest 02", "manifest 2"),
            format!("{text}x\n"),
            text.trim_end().to_owned(),
        ] {
            assert_eq!(UploadParts::parse(bad.as_bytes()), None, "{bad}");
        }
    }
}
