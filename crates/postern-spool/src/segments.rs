//! Segmented uploads: the manifest that completes a resumable upload, and the planner that proves
//! its segments tile the whole file before the reviewer writes a byte of it.
//!
//! A resumable upload is stored as ordinary spool items of one source: one item of kind
//! [`Kind::Segment`] per committed request body (its envelope header carries a [`SegmentInfo`]:
//! upload id, index and offset; its content length is the segment's length), then, once the last
//! byte has arrived, one item of kind [`Kind::Manifest`] whose content is the text below.
//!
//! The file's name and declared type arrive only with the request that creates the upload, and no
//! secret may survive between requests: so the server seals them at once, to the newsroom, into a
//! small envelope of kind [`Kind::Manifest`] with empty content whose submission id is the upload
//! id, keeps only that ciphertext with the upload's state, and embeds it in the manifest (`meta`).
//! Only the reviewer can open it.
//!
//! ```text
//! postern-manifest 1
//! upload <upload id: 32 lower-case hex digits>
//! length <total bytes uploaded>
//! content <bytes of the file; the rest, up to length, is zero padding>
//! encrypted <0, or 1: each segment's content is itself an age file sealed by the client>
//! meta <hex of a small age file: the sealed file name and declared type (see below)>
//! segment <index> <item id> <offset> <length> <the digest in the segment's record, 64 hex>
//! …                                   (one line per segment, index 0, 1, 2, … in order)
//! end <number of segments>
//! ```
//!
//! Parsing is strict (one encoding per manifest), and [`Manifest::plan`] then checks that the
//! segments are numbered 0..n in order, that each starts where the previous ended, that none is
//! empty, that they end exactly at `length`, that no item is listed twice, and that every listed
//! item is a committed segment of the same source whose signed record states the listed
//! ciphertext hash. While the reviewer decrypts, [`Reassembly`] checks each segment's envelope
//! header (its item id, upload id, index and offset) and its verified length against the plan. A
//! dropped, duplicated, swapped, truncated or foreign segment fails one of these checks.
//! The normative text is in `docs/spool-format.md` §13.

use std::collections::HashSet;
use std::fmt;

use crate::envelope::{Header, Kind};
use crate::ids::{ItemId, UploadId, parse_hex};

/// Most segments in one upload. A server refuses to commit more.
pub const MAX_SEGMENTS: u64 = 1 << 18;
/// Largest manifest content a reader accepts, in bytes (generous for [`MAX_SEGMENTS`] lines).
pub const MAX_MANIFEST_LEN: u64 = 48 << 20;

/// One segment as the manifest lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentEntry {
    /// Position in the upload, from 0.
    pub index: u64,
    /// The segment's spool item.
    pub item: ItemId,
    /// Offset of its first byte in the upload.
    pub offset: u64,
    /// Its content length.
    pub length: u64,
    /// The digest of its ciphertext file as its item record states it: the record's 32 bytes,
    /// whichever its algorithm (SHA-256 in a version 1 record, BLAKE3 in version 2).
    pub digest: [u8; 32],
}

impl SegmentEntry {
    /// The entry's line, as the manifest (and the server's upload state) writes it:
    /// `segment <index> <item> <offset> <length> <digest hex>` and a newline.
    pub fn line(&self) -> String {
        format!(
            "segment {} {} {} {} {}\n",
            self.index,
            self.item,
            self.offset,
            self.length,
            hex::encode(self.digest)
        )
    }

    /// Parses one line (without its newline) in the canonical form of [`SegmentEntry::line`].
    pub fn parse_line(line: &str) -> Result<SegmentEntry, SegmentError> {
        let w: Vec<&str> = line
            .strip_prefix("segment ")
            .ok_or(SegmentError::Malformed)?
            .split(' ')
            .collect();
        let [index, item, offset, len, sha] = w.as_slice() else {
            return Err(SegmentError::Malformed);
        };
        Ok(SegmentEntry {
            index: num(Some(index))?,
            item: ItemId::parse(item).ok_or(SegmentError::Malformed)?,
            offset: num(Some(offset))?,
            length: num(Some(len))?,
            digest: parse_hex::<32>(sha).ok_or(SegmentError::Malformed)?,
        })
    }
}

/// The content of a manifest item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The upload.
    pub upload: UploadId,
    /// Bytes uploaded, padding included.
    pub length: u64,
    /// Bytes of the file itself (at most `length`); the rest must be zeros.
    pub content: u64,
    /// Sealed by the client: each segment's content is one age file holding an envelope of kind
    /// segment (see `docs/spool-format.md` §13.6), and `content` equals `length`.
    pub encrypted: bool,
    /// The sealed name and type: an age file (see the module documentation).
    pub meta: Vec<u8>,
    /// The segments, in index order.
    pub segments: Vec<SegmentEntry>,
}

/// Largest sealed metadata (`meta`) accepted, in bytes of ciphertext.
pub const MAX_META_LEN: usize = 16 * 1024;

/// Why a manifest or a segment set was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SegmentError {
    /// The manifest text is not in canonical form.
    Malformed,
    /// The manifest is larger than [`MAX_MANIFEST_LEN`] or lists more than [`MAX_SEGMENTS`].
    TooLarge,
    /// Segment `index` is not where the previous one ended (a gap, an overlap or a reordering).
    NotContiguous(u64),
    /// Segment `index` is listed out of order or twice.
    BadIndex(u64),
    /// Segment `index` is empty.
    Empty(u64),
    /// The segments end at `.0`, not at the upload's length `.1`.
    WrongTotal(u64, u64),
    /// An item is listed twice.
    Duplicate(u64),
    /// Segment `index` is missing from the store (dropped, or not imported).
    Missing(u64),
    /// Segment `index`'s item is not a segment, or its ciphertext is not the one the manifest
    /// names (swapped for another).
    NotTheListedSegment(u64),
    /// Segment `index`'s envelope names another upload, index, offset or item (foreign or moved).
    ForeignSegment(u64),
    /// Segment `index` decrypted to another length than listed (truncated or extended).
    WrongLength(u64),
    /// The padding after the file's content is not all zeros.
    BadPadding,
    /// Segments were fed to [`Reassembly`] out of plan order, or it ended early.
    OutOfOrder,
}

impl fmt::Display for SegmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SegmentError::Malformed => f.write_str("the upload manifest is not in canonical form"),
            SegmentError::TooLarge => f.write_str("the upload manifest is too large"),
            SegmentError::NotContiguous(i) => write!(
                f,
                "segment {i} does not start where the previous one ended (gap, overlap or reordering)"
            ),
            SegmentError::BadIndex(i) => write!(f, "segment {i} is out of order or listed twice"),
            SegmentError::Empty(i) => write!(f, "segment {i} is empty"),
            SegmentError::WrongTotal(end, len) => write!(
                f,
                "the segments end at byte {end}, but the upload is {len} bytes long"
            ),
            SegmentError::Duplicate(i) => write!(f, "segment {i} repeats an item already listed"),
            SegmentError::Missing(i) => write!(f, "segment {i} is missing from the store"),
            SegmentError::NotTheListedSegment(i) => write!(
                f,
                "segment {i} in the store is not the one the manifest lists (swapped or altered)"
            ),
            SegmentError::ForeignSegment(i) => write!(
                f,
                "segment {i} belongs to another upload or another position"
            ),
            SegmentError::WrongLength(i) => {
                write!(
                    f,
                    "segment {i} does not have the listed length (truncated?)"
                )
            }
            SegmentError::BadPadding => f.write_str("the upload's padding is not all zeros"),
            SegmentError::OutOfOrder => f.write_str("the segments were not read in plan order"),
        }
    }
}

impl std::error::Error for SegmentError {}

impl Manifest {
    /// The canonical text.
    pub fn encode(&self) -> String {
        let mut s = format!(
            "postern-manifest 1\nupload {}\nlength {}\ncontent {}\nencrypted {}\nmeta {}\n",
            self.upload,
            self.length,
            self.content,
            u8::from(self.encrypted),
            hex::encode(&self.meta)
        );
        for e in &self.segments {
            s.push_str(&e.line());
        }
        s.push_str(&format!("end {}\n", self.segments.len()));
        s
    }

    /// Parses the canonical text. Structure (tiling) is checked by [`Manifest::plan`], not here.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, SegmentError> {
        if bytes.len() as u64 > MAX_MANIFEST_LEN {
            return Err(SegmentError::TooLarge);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| SegmentError::Malformed)?;
        let body = text.strip_suffix('\n').ok_or(SegmentError::Malformed)?;
        let mut lines = body.split('\n');
        let mut next = |key: &str| -> Result<Vec<&str>, SegmentError> {
            let line = lines.next().ok_or(SegmentError::Malformed)?;
            let mut words = line.split(' ');
            if words.next() != Some(key) {
                return Err(SegmentError::Malformed);
            }
            let words: Vec<&str> = words.collect();
            if words.iter().any(|w| w.is_empty()) {
                return Err(SegmentError::Malformed);
            }
            Ok(words)
        };
        if next("postern-manifest")? != ["1"] {
            return Err(SegmentError::Malformed);
        }
        let upload = one(&next("upload")?)
            .and_then(UploadId::parse)
            .ok_or(SegmentError::Malformed)?;
        let length = num(one(&next("length")?))?;
        let content = num(one(&next("content")?))?;
        let encrypted = match one(&next("encrypted")?) {
            Some("0") => false,
            Some("1") => true,
            _ => return Err(SegmentError::Malformed),
        };
        if content > length || (encrypted && content != length) {
            return Err(SegmentError::Malformed);
        }
        let meta_hex = one(&next("meta")?).ok_or(SegmentError::Malformed)?;
        if meta_hex.len() > 2 * MAX_META_LEN {
            return Err(SegmentError::TooLarge);
        }
        let meta = hex::decode(meta_hex).map_err(|_| SegmentError::Malformed)?;
        let mut segments = Vec::new();
        loop {
            let line = lines.next().ok_or(SegmentError::Malformed)?;
            if let Some(n) = line.strip_prefix("end ") {
                if num(Some(n))? != segments.len() as u64 || lines.next().is_some() {
                    return Err(SegmentError::Malformed);
                }
                break;
            }
            if segments.len() as u64 >= MAX_SEGMENTS {
                return Err(SegmentError::TooLarge);
            }
            segments.push(SegmentEntry::parse_line(line)?);
        }
        let m = Manifest {
            upload,
            length,
            content,
            encrypted,
            meta,
            segments,
        };
        if m.encode().as_bytes() != bytes {
            return Err(SegmentError::Malformed);
        }
        Ok(m)
    }

    /// Checks that the segments tile `[0, length)` exactly, in index order, with no empty,
    /// repeated or missing piece, and that each listed item is a committed segment whose record
    /// states the listed ciphertext hash. `record` gives, for an item of the same source, its
    /// kind and ciphertext digest (its 32 bytes, SHA-256 or BLAKE3) from its verified record
    /// (`None`: not in the store).
    pub fn plan(
        &self,
        record: impl Fn(&ItemId) -> Option<(Kind, [u8; 32])>,
    ) -> Result<Plan, SegmentError> {
        if self.segments.len() as u64 > MAX_SEGMENTS {
            return Err(SegmentError::TooLarge);
        }
        let mut seen = HashSet::with_capacity(self.segments.len());
        let mut end = 0u64;
        for (pos, e) in self.segments.iter().enumerate() {
            let pos = pos as u64;
            if e.index != pos {
                return Err(SegmentError::BadIndex(pos));
            }
            if e.length == 0 {
                return Err(SegmentError::Empty(pos));
            }
            if e.offset != end {
                return Err(SegmentError::NotContiguous(pos));
            }
            end = e
                .offset
                .checked_add(e.length)
                .ok_or(SegmentError::NotContiguous(pos))?;
            if !seen.insert(e.item) {
                return Err(SegmentError::Duplicate(pos));
            }
        }
        if end != self.length {
            return Err(SegmentError::WrongTotal(end, self.length));
        }
        for e in &self.segments {
            match record(&e.item) {
                None => return Err(SegmentError::Missing(e.index)),
                Some((Kind::Segment, digest)) if digest == e.digest => {}
                Some(_) => return Err(SegmentError::NotTheListedSegment(e.index)),
            }
        }
        Ok(Plan {
            upload: self.upload,
            length: self.length,
            content: self.content,
            encrypted: self.encrypted,
            steps: self.segments.clone(),
        })
    }
}

fn one<'a>(words: &[&'a str]) -> Option<&'a str> {
    match words {
        [w] => Some(w),
        _ => None,
    }
}

fn num(s: Option<&str>) -> Result<u64, SegmentError> {
    let s = s.ok_or(SegmentError::Malformed)?;
    let canonical = !s.is_empty()
        && s.len() <= 20
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'));
    if !canonical {
        return Err(SegmentError::Malformed);
    }
    s.parse().map_err(|_| SegmentError::Malformed)
}

/// A checked manifest: the segments to read, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The upload.
    pub upload: UploadId,
    /// Bytes uploaded, padding included.
    pub length: u64,
    /// Bytes of the file itself.
    pub content: u64,
    /// Each segment's content is an age file sealed by the client (see [`Manifest::encrypted`]).
    pub encrypted: bool,
    /// The segments, in order; they tile `[0, length)`.
    pub steps: Vec<SegmentEntry>,
}

/// Follows a [`Plan`] while the segments are decrypted one after the other: checks each
/// segment's envelope header before its content is used, routes content bytes to the output
/// (dropping and checking the padding), and checks each segment's verified length.
#[derive(Debug)]
pub struct Reassembly<'a> {
    plan: &'a Plan,
    next: usize,
    /// Content bytes of the current segment seen so far.
    in_segment: u64,
    /// Upload bytes seen so far.
    position: u64,
    open: bool,
}

impl<'a> Reassembly<'a> {
    /// Starts following `plan`.
    pub fn new(plan: &'a Plan) -> Reassembly<'a> {
        Reassembly {
            plan,
            next: 0,
            in_segment: 0,
            position: 0,
            open: false,
        }
    }

    /// The next segment to open, if any.
    pub fn next_step(&self) -> Option<&'a SegmentEntry> {
        if self.open {
            return None;
        }
        self.plan.steps.get(self.next)
    }

    /// Checks the envelope header of the segment just opened against the plan's next step.
    pub fn begin(&mut self, header: &Header) -> Result<(), SegmentError> {
        let step = self.next_step().ok_or(SegmentError::OutOfOrder)?;
        let ok = header.kind == Kind::Segment
            && header.submission_id == step.item
            && header.segment.is_some_and(|s| {
                s.upload_id == self.plan.upload && s.index == step.index && s.offset == step.offset
            });
        if !ok {
            return Err(SegmentError::ForeignSegment(step.index));
        }
        self.open = true;
        self.in_segment = 0;
        Ok(())
    }

    /// Feeds content of the open segment; returns the part of it that belongs to the file (the
    /// rest is padding, which must be zeros).
    pub fn feed<'d>(&mut self, data: &'d [u8]) -> Result<&'d [u8], SegmentError> {
        let step = self
            .plan
            .steps
            .get(self.next)
            .filter(|_| self.open)
            .ok_or(SegmentError::OutOfOrder)?;
        let n = data.len() as u64;
        if self.in_segment.saturating_add(n) > step.length {
            return Err(SegmentError::WrongLength(step.index));
        }
        self.in_segment += n;
        let start = self.position;
        self.position += n;
        let keep = self.plan.content.saturating_sub(start).min(n) as usize;
        let (file, pad) = data.split_at(keep.min(data.len()));
        if pad.iter().any(|&b| b != 0) {
            return Err(SegmentError::BadPadding);
        }
        Ok(file)
    }

    /// Ends the open segment once its envelope verified to the end.
    pub fn end(&mut self) -> Result<(), SegmentError> {
        let step = self
            .plan
            .steps
            .get(self.next)
            .filter(|_| self.open)
            .ok_or(SegmentError::OutOfOrder)?;
        if self.in_segment != step.length {
            return Err(SegmentError::WrongLength(step.index));
        }
        self.open = false;
        self.next += 1;
        Ok(())
    }

    /// Checks that every segment was read.
    pub fn finish(self) -> Result<(), SegmentError> {
        if self.open || self.next != self.plan.steps.len() || self.position != self.plan.length {
            return Err(SegmentError::OutOfOrder);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
