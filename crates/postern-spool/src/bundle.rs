//! Bundles: a selection of spool items with their signed records, as one tar stream, with a
//! manifest signed by the server that says what the bundle holds.
//!
//! ```text
//! postern-bundle/BUNDLE                              "postern-bundle 2\n"   (first entry)
//! postern-bundle/MANIFEST                            the signed manifest    (second entry)
//! postern-bundle/sources/<source id>/source.rec      then, per source, its record,
//! postern-bundle/sources/<source id>/items/<id>.rec  and per item its record
//! postern-bundle/sources/<source id>/items/<id>.age  immediately followed by its ciphertext
//! ```
//!
//! The manifest ([`BundleManifest`]) lists every item of the bundle in stream order, and which
//! part of how many of one selection the bundle is. The reader checks each entry against it, so an
//! item added, dropped, reordered or a bundle cut at an entry boundary is refused, and the error
//! names what is missing. A big selection travels as several parts (spool-format §8.2): each part
//! is a bundle of its own, importable alone and in any order.
//!
//! The reader is strict: only regular files, only these exact names, in this order, each source
//! once, each item once and inside its own source, records no larger than
//! [`crate::record::MAX_RECORD_LEN`]. The tar stream itself is parsed by Postern's own bounded
//! reader (`tarstream`): an extension header (GNU long name, PAX) over 4 KiB is refused before a
//! byte of it is read, and no error quotes a byte of the input. Each entry is checked before the
//! visitor sees it, but entries are handed over as they are read: a later entry can still fail, so
//! a visitor must stage what it gets and commit only once [`read_bundle`] returned `Ok` (the
//! reviewer's import does). The reader never writes anything itself; no name from a bundle is
//! ever joined to a path before it parsed as a canonical id.
//!
//! The bytes of a part are a pure function of its selection: [`PartLayout`] lays a part out
//! without reading any ciphertext (fixed tar metadata, sources and items in the order given), so
//! that a server can answer a byte range of it, and a cut download resumes.

use std::collections::HashSet;
use std::fmt;
use std::io::{self, Read, Write};
use std::ops::Range;

use sha2::{Digest, Sha256};

use crate::ids::{ItemId, SelectionId, SourceId};
use crate::keys::{Domain, SigningKey, VerifyingKey};
use crate::record::{
    MAX_RECORD_LEN, RecordError, parse_canonical_u32, sign_body, split_signed_max,
};
use crate::tarstream::TarReader;

const ROOT: &str = "postern-bundle/";
const MARKER_NAME: &str = "postern-bundle/BUNDLE";
const MANIFEST_NAME: &str = "postern-bundle/MANIFEST";
/// Content of the `BUNDLE` entry.
pub const BUNDLE_TEXT: &str = "postern-bundle 2\n";
/// Largest manifest a reader accepts, in bytes.
pub const MAX_MANIFEST_LEN: usize = 1 << 20;
/// Most items one bundle (one part) may hold: 8192 lines of 103 bytes stay under
/// [`MAX_MANIFEST_LEN`].
pub const MAX_PART_ITEMS: usize = 8192;
/// Most parts one selection may have.
pub const MAX_PARTS: u32 = 100_000;
/// The part size when none is configured: 1 GiB.
pub const DEFAULT_PART_SIZE: u64 = 1 << 30;
/// Smallest part size accepted: 1 MiB.
pub const MIN_PART_SIZE: u64 = 1 << 20;

/// The kind of fault of a [`BundleError::BadEntry`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryFault {
    /// A signature does not verify with the pinned key (another signer, or altered).
    NotSigned,
    /// An entry differs from what its signed record says (size or digest).
    Altered,
    /// The stream ends before what its signed manifest lists (or before the manifest).
    CutShort,
    /// Any other fault of the structure: names, order, types, sizes, versions.
    Malformed,
}

/// A bundle could not be read, or the visitor refused an entry.
#[derive(Debug)]
#[non_exhaustive]
pub enum BundleError {
    /// Reading the stream failed, or it is not a tar stream.
    Io(io::Error),
    /// The stream does not start with a Postern bundle marker.
    NotABundle,
    /// A bundle of a version this build does not know.
    UnknownVersion,
    /// Entry number `index` (from 1) is not allowed here; `why` says what is wrong with it.
    BadEntry {
        /// Position of the entry in the stream, from 1.
        index: usize,
        /// What is wrong.
        why: &'static str,
        /// Which kind of fault it is, for callers that sort faults (never by `why`'s words).
        fault: EntryFault,
    },
    /// The visitor refused entry number `index`.
    Refused {
        /// Position of the entry in the stream, from 1.
        index: usize,
        /// The visitor's reason.
        why: String,
    },
    /// The stream ended cleanly before every item its signed manifest lists.
    Incomplete {
        /// Items of the manifest that arrived whole.
        have: usize,
        /// Items the manifest lists.
        want: usize,
        /// The first item that is missing.
        first_missing: (SourceId, ItemId),
    },
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BundleError::Io(e) => write!(
                f,
                "reading the bundle failed (truncated or not a tar stream?): {e}"
            ),
            BundleError::NotABundle => f.write_str("not a Postern bundle"),
            BundleError::UnknownVersion => {
                f.write_str("bundle version not supported by this build")
            }
            BundleError::BadEntry { index, why, .. } => write!(f, "bundle entry {index}: {why}"),
            BundleError::Refused { index, why } => write!(f, "bundle entry {index}: {why}"),
            BundleError::Incomplete {
                have,
                want,
                first_missing: (source, item),
            } => write!(
                f,
                "the bundle is cut short: it holds {have} of the {want} items its signed manifest \
                 lists; {} missing, the first item {item} of source {source}",
                want.saturating_sub(*have)
            ),
        }
    }
}

impl std::error::Error for BundleError {}

impl From<io::Error> for BundleError {
    fn from(e: io::Error) -> Self {
        BundleError::Io(e)
    }
}

/// The signed list of what one bundle holds.
///
/// ```text
/// postern-bundle-manifest 1
/// selection <32 hex>
/// part <n>                      1 ≤ n ≤ parts
/// parts <m>                     1 ≤ m ≤ MAX_PARTS
/// item <source id>/<item id>    1 to MAX_PART_ITEMS lines, in stream order
/// sig <128 hex>
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleManifest {
    /// The selection this bundle is (a part of).
    pub selection: SelectionId,
    /// Which part, from 1.
    pub part: u32,
    /// Of how many.
    pub parts: u32,
    /// Every item, in the order of the stream: each source's items in one run.
    pub items: Vec<(SourceId, ItemId)>,
}

impl BundleManifest {
    fn body(&self) -> String {
        let mut s = format!(
            "postern-bundle-manifest 1\nselection {}\npart {}\nparts {}\n",
            self.selection, self.part, self.parts
        );
        for (source, item) in &self.items {
            s.push_str(&format!("item {source}/{item}\n"));
        }
        s
    }

    /// Checks the rules a reader checks; `None` if a writer was about to break one.
    fn check(&self) -> Option<()> {
        if self.part == 0 || self.part > self.parts || self.parts > MAX_PARTS {
            return None;
        }
        if self.items.is_empty() || self.items.len() > MAX_PART_ITEMS {
            return None;
        }
        let mut items = HashSet::new();
        let mut sources = HashSet::new();
        let mut current = None;
        for (s, i) in &self.items {
            if !items.insert(*i) {
                return None;
            }
            if current != Some(*s) {
                if !sources.insert(*s) {
                    return None; // a source's items must be one run
                }
                current = Some(*s);
            }
        }
        Some(())
    }

    /// The signed text, or `None` if the manifest breaks a rule of the format (no item, too many,
    /// an item twice, a source's items not in one run, a part number out of range).
    pub fn sign(&self, key: &SigningKey) -> Option<String> {
        self.check()?;
        Some(sign_body(self.body(), Domain::BundleManifest, key))
    }

    /// Parses and verifies a manifest with the pinned server key.
    pub fn parse_verified(bytes: &[u8], key: &VerifyingKey) -> Result<Self, RecordError> {
        let (body, mut lines) = split_signed_max(
            bytes,
            MAX_MANIFEST_LEN,
            "postern-bundle-manifest",
            Domain::BundleManifest,
            key,
        )?;
        let selection =
            SelectionId::parse(lines.field("selection")?).ok_or(RecordError::Malformed)?;
        let part = parse_canonical_u32(lines.field("part")?)?;
        let parts = parse_canonical_u32(lines.field("parts")?)?;
        let mut items = Vec::new();
        while let Some(v) = lines.optional("item")? {
            if items.len() >= MAX_PART_ITEMS {
                return Err(RecordError::Malformed);
            }
            let (s, i) = v.split_once('/').ok_or(RecordError::Malformed)?;
            items.push((
                SourceId::parse(s).ok_or(RecordError::Malformed)?,
                ItemId::parse(i).ok_or(RecordError::Malformed)?,
            ));
        }
        lines.end()?;
        let m = BundleManifest {
            selection,
            part,
            parts,
            items,
        };
        m.check().ok_or(RecordError::Malformed)?;
        if m.body().as_bytes() != body {
            return Err(RecordError::Malformed);
        }
        Ok(m)
    }
}

/// The id of a selection: SHA-256 over its part size and every item with the record digest of its
/// ciphertext, in order, cut to 16 bytes. The same items in the same order with the same part size
/// always get the same id; anything else gets another.
pub fn selection_id(part_size: u64, items: &[(SourceId, ItemId, [u8; 32])]) -> SelectionId {
    let mut h = Sha256::new();
    h.update(b"postern/v1/selection\0");
    h.update(part_size.to_be_bytes());
    h.update((items.len() as u64).to_be_bytes());
    for (s, i, sha) in items {
        h.update(s.as_bytes());
        h.update(i.as_bytes());
        h.update(sha);
    }
    let d: [u8; 32] = h.finalize().into();
    let mut id = [0u8; 16];
    id.copy_from_slice(d.get(..16).unwrap_or(&[0; 16]));
    SelectionId::from_bytes(id)
}

/// Cuts a selection of items of these ciphertext sizes into parts: consecutive runs, each as
/// large as fits in `part_size` (counting 2 KiB per item for headers and records) and at most
/// [`MAX_PART_ITEMS`] items. An item larger than `part_size` is a part of its own: items are never
/// split, but an upload's segments may fall into different parts.
pub fn plan_parts(sizes: &[u64], part_size: u64) -> Vec<Range<usize>> {
    let mut parts = Vec::new();
    let mut start = 0usize;
    let mut used = 0u64;
    for (i, size) in sizes.iter().enumerate() {
        let cost = size.saturating_add(2048);
        let count = i - start;
        if count > 0 && (used.saturating_add(cost) > part_size || count >= MAX_PART_ITEMS) {
            parts.push(start..i);
            start = i;
            used = 0;
        }
        used = used.saturating_add(cost);
    }
    if start < sizes.len() {
        parts.push(start..sizes.len());
    }
    parts
}

/// One entry of a bundle, as handed to the visitor of [`read_bundle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryName {
    /// A source's record.
    SourceRecord(SourceId),
    /// An item's record.
    ItemRecord(SourceId, ItemId),
    /// An item's ciphertext; always right after its record.
    ItemData(SourceId, ItemId),
}

/// Parses an entry name; `None` for anything that is not exactly one of the allowed forms.
pub fn parse_entry_name(name: &str) -> Option<EntryName> {
    let rest = name.strip_prefix(ROOT)?.strip_prefix("sources/")?;
    let (sid, rest) = rest.split_once('/')?;
    let sid = SourceId::parse(sid)?;
    if rest == "source.rec" {
        return Some(EntryName::SourceRecord(sid));
    }
    let file = rest.strip_prefix("items/")?;
    if let Some(iid) = file.strip_suffix(".rec").and_then(ItemId::parse) {
        return Some(EntryName::ItemRecord(sid, iid));
    }
    file.strip_suffix(".age")
        .and_then(ItemId::parse)
        .map(|iid| EntryName::ItemData(sid, iid))
}

/// The entries a manifest promises, in order, after the marker and the manifest.
fn expected_entries(m: &BundleManifest) -> Vec<EntryName> {
    let mut out = Vec::with_capacity(m.items.len() * 3);
    let mut current = None;
    for (s, i) in &m.items {
        if current != Some(*s) {
            out.push(EntryName::SourceRecord(*s));
            current = Some(*s);
        }
        out.push(EntryName::ItemRecord(*s, *i));
        out.push(EntryName::ItemData(*s, *i));
    }
    out
}

/// Reads a bundle, checking names, types, sizes and order against its manifest signed by `key`,
/// and calls `visit` for every entry after the manifest with its name, its size and a reader of
/// exactly that many bytes. Returns the manifest.
pub fn read_bundle<R: Read>(
    input: R,
    key: &VerifyingKey,
    mut visit: impl FnMut(EntryName, u64, &mut dyn Read) -> Result<(), String>,
) -> Result<BundleManifest, BundleError> {
    let mut tar = TarReader::new(input);
    let mut manifest: Option<(BundleManifest, Vec<EntryName>, HashSet<ItemId>)> = None;
    let mut next = 0usize; // index into the expected entries
    let mut index = 0usize;
    while let Some(header) = tar.next_entry()? {
        index += 1;
        let bad_as = |fault, why| BundleError::BadEntry { index, why, fault };
        let bad = |why| bad_as(EntryFault::Malformed, why);
        if !header.is_regular() {
            return Err(if index == 1 {
                BundleError::NotABundle
            } else {
                bad("not a regular file")
            });
        }
        let size = header.size;
        let name = std::str::from_utf8(&header.name).map_err(|_| bad("name is not UTF-8"))?;
        if index == 1 {
            if name != MARKER_NAME || size != BUNDLE_TEXT.len() as u64 {
                return Err(BundleError::NotABundle);
            }
            let mut marker = Vec::new();
            tar.data().take(64).read_to_end(&mut marker)?;
            if marker != BUNDLE_TEXT.as_bytes() {
                return Err(if marker.starts_with(b"postern-bundle ") {
                    BundleError::UnknownVersion
                } else {
                    BundleError::NotABundle
                });
            }
            continue;
        }
        let Some((m, expected, listed)) = &manifest else {
            if name != MANIFEST_NAME {
                return Err(bad(
                    "unexpected name where the signed manifest must be (second entry)",
                ));
            }
            if size > MAX_MANIFEST_LEN as u64 {
                return Err(bad("manifest too large"));
            }
            let mut text = Vec::new();
            tar.data()
                .take(MAX_MANIFEST_LEN as u64)
                .read_to_end(&mut text)?;
            let m = BundleManifest::parse_verified(&text, key).map_err(|e| match e {
                RecordError::BadSignature => {
                    bad_as(EntryFault::NotSigned, "the manifest does not verify with the pinned server key (signed by another server, or altered)")
                }
                RecordError::UnknownVersion => bad("manifest version not supported"),
                _ => bad("the manifest is malformed"),
            })?;
            let expected = expected_entries(&m);
            let listed = m.items.iter().map(|(_, i)| *i).collect();
            manifest = Some((m, expected, listed));
            continue;
        };
        let parsed = parse_entry_name(name).ok_or(bad("unexpected name"))?;
        if expected.get(next) != Some(&parsed) {
            return Err(bad_as(
                EntryFault::Altered,
                match parsed {
                    EntryName::ItemRecord(_, i) | EntryName::ItemData(_, i)
                        if !listed.contains(&i) =>
                    {
                        "an item its signed manifest does not list (added on the way)"
                    }
                    EntryName::SourceRecord(s) if !m.items.iter().any(|(ms, _)| *ms == s) => {
                        "a source its signed manifest does not list (added on the way)"
                    }
                    _ => {
                        "entry out of its signed manifest's order (reordered, repeated, or entries removed on the way)"
                    }
                },
            ));
        }
        next += 1;
        if matches!(
            parsed,
            EntryName::SourceRecord(_) | EntryName::ItemRecord(..)
        ) && size > MAX_RECORD_LEN as u64
        {
            return Err(bad("record too large"));
        }
        let mut data = tar.data();
        visit(parsed, size, &mut data).map_err(|why| BundleError::Refused { index, why })?;
        // The visitor may stop early; the tar reader skips the rest of the entry itself.
    }
    let Some((m, expected, _)) = manifest else {
        return Err(if index == 0 {
            BundleError::NotABundle
        } else {
            BundleError::BadEntry {
                index: index + 1,
                why: "the bundle ends before its signed manifest",
                fault: EntryFault::CutShort,
            }
        });
    };
    if next < expected.len() {
        // Items whose ciphertext arrived are whole; the first missing one is the next.
        let have = expected
            .get(..next)
            .unwrap_or(&[])
            .iter()
            .filter(|e| matches!(e, EntryName::ItemData(..)))
            .count();
        let first_missing = m
            .items
            .get(have)
            .copied()
            .unwrap_or((SourceId::from_bytes([0; 32]), ItemId::from_bytes([0; 16])));
        return Err(BundleError::Incomplete {
            have,
            want: m.items.len(),
            first_missing,
        });
    }
    Ok(m)
}

/// Writes a bundle from readers. Start it with its signed manifest, add each source's record,
/// then its items, exactly in the manifest's order, then [`BundleWriter::finish`].
pub struct BundleWriter<W: Write> {
    tar: tar::Builder<W>,
}

/// Fixed metadata: no owner, no time, mode 0600. The bundle says nothing about the host.
fn entry_header(size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_size(size);
    h.set_mode(0o600);
    h.set_mtime(0);
    h.set_uid(0);
    h.set_gid(0);
    h.set_entry_type(tar::EntryType::Regular);
    h
}

fn source_entry(source: &SourceId) -> String {
    format!("{ROOT}sources/{source}/source.rec")
}

fn item_entry(source: &SourceId, item: &ItemId, ext: &str) -> String {
    format!("{ROOT}sources/{source}/items/{item}.{ext}")
}

impl<W: Write> BundleWriter<W> {
    /// Starts a bundle: writes its marker and its signed manifest.
    pub fn new(out: W, manifest: &str) -> io::Result<Self> {
        let mut w = BundleWriter {
            tar: tar::Builder::new(out),
        };
        w.append(
            MARKER_NAME,
            BUNDLE_TEXT.len() as u64,
            &mut BUNDLE_TEXT.as_bytes(),
        )?;
        w.append(
            MANIFEST_NAME,
            manifest.len() as u64,
            &mut manifest.as_bytes(),
        )?;
        Ok(w)
    }

    fn append(&mut self, name: &str, size: u64, data: &mut dyn Read) -> io::Result<()> {
        let mut h = entry_header(size);
        self.tar.append_data(&mut h, name, data.take(size))
    }

    /// Adds a source record.
    pub fn add_source(&mut self, source: &SourceId, record: &[u8]) -> io::Result<()> {
        self.append(&source_entry(source), record.len() as u64, &mut &*record)
    }

    /// Adds an item: its record, then `size` bytes of ciphertext from `data`.
    pub fn add_item(
        &mut self,
        source: &SourceId,
        item: &ItemId,
        record: &[u8],
        size: u64,
        data: &mut dyn Read,
    ) -> io::Result<()> {
        self.append(
            &item_entry(source, item, "rec"),
            record.len() as u64,
            &mut &*record,
        )?;
        self.append(&item_entry(source, item, "age"), size, data)
    }

    /// Writes the end-of-archive marker and returns the writer.
    pub fn finish(self) -> io::Result<W> {
        self.tar.into_inner()
    }
}

/// One source of a part, with its record and its items in order.
#[derive(Clone, Debug)]
pub struct PartSection {
    /// The source.
    pub source: SourceId,
    /// Its signed record, exactly as stored.
    pub record: Vec<u8>,
    /// Its items in this part: id, signed record, ciphertext size.
    pub items: Vec<(ItemId, Vec<u8>, u64)>,
}

#[derive(Clone, Debug)]
enum Piece {
    Bytes(Vec<u8>),
    Zeros(u64),
    Data(SourceId, ItemId, u64),
}

impl Piece {
    fn len(&self) -> u64 {
        match self {
            Piece::Bytes(b) => b.len() as u64,
            Piece::Zeros(n) | Piece::Data(_, _, n) => *n,
        }
    }
}

/// How [`PartLayout::write_range`] reads an item's ciphertext: `(source, item, offset)` to a
/// reader from that offset on.
pub type OpenItem<'a> = dyn FnMut(&SourceId, &ItemId, u64) -> io::Result<Box<dyn Read>> + 'a;

/// The exact bytes of one bundle, laid out before any ciphertext is read: headers, records and
/// padding in memory, and where each item's ciphertext goes. The same input gives the same bytes
/// (and the same [`PartLayout::etag`]), byte for byte what [`BundleWriter`] writes.
#[derive(Clone, Debug)]
pub struct PartLayout {
    pieces: Vec<(u64, Piece)>,
    len: u64,
}

/// The bytes of the header(s) the tar writer emits for an entry of this name and size.
fn header_bytes(name: &str, size: u64) -> io::Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = entry_header(size);
    // An empty reader: the builder writes the header(s) (a long-name entry first if the name needs
    // one) and no data.
    b.append_data(&mut h, name, io::empty())?;
    let bytes = b.get_ref().clone();
    Ok(bytes)
}

fn padding(size: u64) -> u64 {
    (512 - size % 512) % 512
}

impl PartLayout {
    /// Lays out the bundle of this signed manifest and these sections (which must be in the
    /// manifest's order: [`read_bundle`] would refuse anything else).
    pub fn new(manifest: &str, sections: &[PartSection]) -> io::Result<PartLayout> {
        let mut l = PartLayout {
            pieces: Vec::new(),
            len: 0,
        };
        l.small(MARKER_NAME, BUNDLE_TEXT.as_bytes())?;
        l.small(MANIFEST_NAME, manifest.as_bytes())?;
        for s in sections {
            l.small(&source_entry(&s.source), &s.record)?;
            for (item, record, size) in &s.items {
                l.small(&item_entry(&s.source, item, "rec"), record)?;
                l.push(Piece::Bytes(header_bytes(
                    &item_entry(&s.source, item, "age"),
                    *size,
                )?));
                l.push(Piece::Data(s.source, *item, *size));
                l.push(Piece::Zeros(padding(*size)));
            }
        }
        l.push(Piece::Zeros(1024));
        Ok(l)
    }

    fn push(&mut self, p: Piece) {
        let n = p.len();
        if n > 0 {
            self.pieces.push((self.len, p));
            self.len += n;
        }
    }

    fn small(&mut self, name: &str, data: &[u8]) -> io::Result<()> {
        let mut b = header_bytes(name, data.len() as u64)?;
        b.extend_from_slice(data);
        b.resize(b.len() + padding(data.len() as u64) as usize, 0);
        self.push(Piece::Bytes(b));
        Ok(())
    }

    /// The length of the bundle in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether it is empty (never: a bundle has at least its marker).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A validator derived from the content: SHA-256 of the headers, records (which hold each
    /// ciphertext's digest) and the layout, as 32 hex digits.
    pub fn etag(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"postern/v1/part-etag\0");
        for (start, p) in &self.pieces {
            h.update(start.to_be_bytes());
            match p {
                Piece::Bytes(b) => h.update(b),
                Piece::Zeros(n) => h.update(n.to_be_bytes()),
                Piece::Data(s, i, n) => {
                    h.update(s.as_bytes());
                    h.update(i.as_bytes());
                    h.update(n.to_be_bytes());
                }
            }
        }
        let d: [u8; 32] = h.finalize().into();
        hex::encode(d.get(..16).unwrap_or(&[]))
    }

    /// Writes bytes `range` of the bundle to `out`. `open(source, item, offset)` gives a reader of
    /// an item's ciphertext from `offset` on; a ciphertext shorter than its size fails the write.
    pub fn write_range(
        &self,
        range: Range<u64>,
        out: &mut dyn Write,
        open: &mut OpenItem<'_>,
    ) -> io::Result<()> {
        let end = range.end.min(self.len);
        let mut pos = range.start;
        let mut buf = vec![0u8; 1 << 16];
        for (start, piece) in &self.pieces {
            let pend = start + piece.len();
            if pend <= pos || *start >= end {
                continue;
            }
            let from = pos - start;
            let to = end.min(pend) - start;
            match piece {
                Piece::Bytes(b) => {
                    let slice = b.get(from as usize..to as usize).ok_or_else(|| {
                        io::Error::new(io::ErrorKind::InvalidInput, "range outside a piece")
                    })?;
                    out.write_all(slice)?;
                }
                Piece::Zeros(_) => {
                    io::copy(&mut io::repeat(0).take(to - from), out)?;
                }
                Piece::Data(s, i, _) => {
                    let mut r = open(s, i, from)?.take(to - from);
                    let mut n = 0u64;
                    loop {
                        let k = match r.read(&mut buf) {
                            Ok(0) => break,
                            Ok(k) => k,
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                            Err(e) => return Err(e),
                        };
                        out.write_all(buf.get(..k).unwrap_or(&[]))?;
                        n += k as u64;
                    }
                    if n != to - from {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "an item is shorter than its record",
                        ));
                    }
                }
            }
            pos = end.min(pend);
            if pos >= end {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector_key() -> SigningKey {
        SigningKey::from_secret_text(include_str!("../../../tests/vectors/server-signing.key"))
            .unwrap()
    }

    fn vectors_dir() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/bundle")
    }

    /// Reads every entry to its end and returns the names handed over.
    fn read_all(bytes: &[u8], key: &VerifyingKey) -> Result<Vec<EntryName>, BundleError> {
        let mut got = Vec::new();
        read_bundle(bytes, key, |name, _, r| {
            std::io::copy(r, &mut std::io::sink()).map_err(|e| e.to_string())?;
            got.push(name);
            Ok(())
        })?;
        Ok(got)
    }

    /// A part of `n_sources` sources with `per_source` items each (fake records: the reader
    /// checks the manifest, the importer the records), written by `BundleWriter`.
    struct Made {
        bytes: Vec<u8>,
        sections: Vec<PartSection>,
        manifest: String,
        content: std::collections::HashMap<ItemId, Vec<u8>>,
    }

    fn make(key: &SigningKey, n_sources: u8, per_source: u8, part: u32, parts: u32) -> Made {
        let mut sections = Vec::new();
        let mut items = Vec::new();
        let mut content = std::collections::HashMap::new();
        for s in 0..n_sources {
            let source = SourceId::from_bytes([s + 1; 32]);
            let mut sec = PartSection {
                source,
                record: format!("source record {s}\n").into_bytes(),
                items: Vec::new(),
            };
            for i in 0..per_source {
                let item = ItemId::from_bytes([s * 16 + i + 1; 16]);
                // Sizes around block boundaries: 511, 512, 513, ...
                let data = vec![i ^ 0x5a; 500 + usize::from(i) * 13];
                sec.items.push((
                    item,
                    format!("item record {i}\n").into_bytes(),
                    data.len() as u64,
                ));
                items.push((source, item));
                content.insert(item, data);
            }
            sections.push(sec);
        }
        let manifest = BundleManifest {
            selection: SelectionId::from_bytes([7; 16]),
            part,
            parts,
            items,
        }
        .sign(key)
        .unwrap();
        let mut w = BundleWriter::new(Vec::new(), &manifest).unwrap();
        for sec in &sections {
            w.add_source(&sec.source, &sec.record).unwrap();
            for (item, rec, size) in &sec.items {
                w.add_item(&sec.source, item, rec, *size, &mut &content[item][..])
                    .unwrap();
            }
        }
        Made {
            bytes: w.finish().unwrap(),
            sections,
            manifest,
            content,
        }
    }

    /// Every tar-level fault vector (`tests/vectors/bundle/`, made by its `make.py`) is refused
    /// with the expected words, and no error text carries a control or format character.
    #[test]
    fn tar_fault_vectors_are_refused_in_fixed_words() {
        let dir = vectors_dir();
        let expected = std::fs::read_to_string(dir.join("expected.txt")).unwrap();
        let key = vector_key().verifying_key();
        let mut n = 0;
        for line in expected.lines().filter(|l| !l.starts_with('#')) {
            let (file, words) = line.split_once('\t').unwrap();
            let bytes = std::fs::read(dir.join(file)).unwrap();
            let err = if file.starts_with("replies-") {
                crate::replies::read_reply_bundle(&bytes[..], &key, |_| Ok(()))
                    .map(|_| ())
                    .unwrap_err()
            } else {
                read_all(&bytes, &key).unwrap_err()
            };
            let text = err.to_string();
            assert!(text.contains(words), "{file}: {text}");
            assert!(
                !text.chars().any(crate::sanitize::is_dangerous),
                "{file}: {text:?}"
            );
            n += 1;
        }
        assert!(n >= 18, "only {n} vectors");
    }

    /// Where each entry of `m` starts (its GNU long-name header, if it has one).
    fn entry_bounds(m: &Made) -> Vec<usize> {
        let mut bounds = Vec::new();
        let mut pos = 0u64;
        let lay = PartLayout::new(&m.manifest, &m.sections).unwrap();
        for (start, p) in &lay.pieces {
            if let Piece::Bytes(bytes) = p
                && (bytes.starts_with(b"././@LongLink") || bytes.starts_with(b"postern-bundle/"))
            {
                bounds.push(*start as usize);
            }
            pos = start + p.len();
        }
        assert_eq!(pos, lay.len());
        bounds
    }

    /// `m` cut before its entry `n`, the archive then ended cleanly.
    fn cut_at(m: &Made, bounds: &[usize], n: usize) -> Vec<u8> {
        let mut v = m.bytes.get(..bounds[n]).unwrap().to_vec();
        v.extend_from_slice(&[0; 1024]);
        v
    }

    /// The `bundle` fuzz seeds: (file name, bytes, whether the reader accepts it). The smallest
    /// one (`seed-empty.tar`) is a current-format marker and a signed manifest of one item,
    /// then the end of the archive: refused as cut short, after the manifest was verified.
    fn fuzz_seeds() -> Vec<(&'static str, Vec<u8>, bool)> {
        let key = vector_key();
        let one = make(&key, 1, 1, 1, 1);
        let empty = cut_at(&one, &entry_bounds(&one), 2);
        vec![
            ("seed-empty.tar", empty, false),
            ("seed-one-item.tar", one.bytes, true),
            ("seed-two-sources.tar", make(&key, 2, 2, 2, 3).bytes, true),
        ]
    }

    /// The manifest fault vectors: a bundle whose entries differ from its signed manifest.
    fn manifest_vectors() -> Vec<(&'static str, Vec<u8>, &'static str)> {
        let key = vector_key();
        let good = make(&key, 2, 3, 1, 1);
        let b = &good.bytes;
        // Entry boundaries: marker, manifest, then source, (rec, age) x3, source, (rec, age) x3.
        let bounds = entry_bounds(&good);
        let cut = |n: usize| cut_at(&good, &bounds, n);
        // bounds: 0 marker, 1 manifest, 2 source A, 3 rec A1, 4 age A1, 5 rec A2, 6 age A2, 7 rec
        // A3, 8 age A3, 9 source B, 10 rec B1, ...
        let drop_range = |from: usize, to: usize| {
            let mut v = b.get(..bounds[from]).unwrap().to_vec();
            v.extend_from_slice(b.get(bounds[to]..).unwrap());
            v
        };
        let swap = {
            // A1 and A2 swapped (record and ciphertext each).
            let mut v = b.get(..bounds[3]).unwrap().to_vec();
            v.extend_from_slice(b.get(bounds[5]..bounds[7]).unwrap());
            v.extend_from_slice(b.get(bounds[3]..bounds[5]).unwrap());
            v.extend_from_slice(b.get(bounds[7]..).unwrap());
            v
        };
        let extra = {
            // A fourth item in source B that the manifest does not list.
            let mut w = BundleWriter::new(Vec::new(), &good.manifest).unwrap();
            for sec in &good.sections {
                w.add_source(&sec.source, &sec.record).unwrap();
                for (item, rec, size) in &sec.items {
                    w.add_item(&sec.source, item, rec, *size, &mut &good.content[item][..])
                        .unwrap();
                }
            }
            let s = good.sections[1].source;
            w.add_item(
                &s,
                &ItemId::from_bytes([0xee; 16]),
                b"r\n",
                1,
                &mut &b"x"[..],
            )
            .unwrap();
            w.finish().unwrap()
        };
        let other_key = {
            let other = SigningKey::from_secret_text(
                "POSTERN-ED25519-SECRET-KEY:0101010101010101010101010101010101010101010101010101010101010101",
            )
            .unwrap();
            make(&other, 2, 3, 1, 1).bytes
        };
        let no_manifest = {
            let mut v = b.get(..bounds[1]).unwrap().to_vec();
            v.extend_from_slice(b.get(bounds[2]..).unwrap());
            v
        };
        let v1 = {
            let mut v = b.clone();
            let at = v
                .windows(17)
                .position(|w| w == BUNDLE_TEXT.as_bytes())
                .unwrap();
            v[at + 15] = b'1';
            v
        };
        vec![
            (
                "manifest-cut-after-item.tar",
                cut(7),
                "cut short: it holds 2 of the 6 items",
            ),
            (
                "manifest-cut-after-source.tar",
                cut(10),
                "cut short: it holds 3 of the 6 items",
            ),
            (
                "manifest-cut-after-manifest.tar",
                cut(2),
                "cut short: it holds 0 of the 6 items",
            ),
            (
                "manifest-item-dropped.tar",
                drop_range(5, 7),
                "out of its signed manifest's order",
            ),
            (
                "manifest-source-dropped.tar",
                drop_range(2, 9),
                "out of its signed manifest's order",
            ),
            (
                "manifest-items-swapped.tar",
                swap,
                "out of its signed manifest's order",
            ),
            (
                "manifest-item-added.tar",
                extra,
                "does not list (added on the way)",
            ),
            (
                "manifest-other-key.tar",
                other_key,
                "does not verify with the pinned server key",
            ),
            (
                "manifest-missing.tar",
                no_manifest,
                "where the signed manifest must be",
            ),
            ("manifest-v1-marker.tar", v1, "version not supported"),
        ]
    }

    /// Rewrites the manifest fault vectors and the `bundle` fuzz seeds (signed with the
    /// test-vector key): `cargo test -p postern-spool --lib -- --ignored write_bundle_vectors`.
    #[test]
    #[ignore]
    fn write_bundle_vectors() {
        let dir = vectors_dir();
        let mut list = String::from(
            "# vector<TAB>words the reader's error must contain (made by bundle::tests::write_bundle_vectors)\n",
        );
        for (name, bytes, words) in manifest_vectors() {
            std::fs::write(dir.join(name), bytes).unwrap();
            list.push_str(&format!("{name}\t{words}\n"));
        }
        std::fs::write(dir.join("manifest-expected.txt"), list).unwrap();
        let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/bundle");
        let key = vector_key();
        for (name, bytes, _) in fuzz_seeds() {
            std::fs::write(seeds.join(name), bytes).unwrap();
        }
        // Manifest bodies without their `sig` line: the target signs them.
        let seeds =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/bundle_manifest");
        std::fs::create_dir_all(&seeds).unwrap();
        let text = make(&key, 2, 3, 2, 3).manifest;
        let body = text.rsplit_once("sig ").unwrap().0;
        std::fs::write(seeds.join("seed-two-sources"), body).unwrap();
    }

    #[test]
    fn manifest_fault_vectors_are_refused_naming_what_is_wrong() {
        let dir = vectors_dir();
        let key = vector_key().verifying_key();
        let list = std::fs::read_to_string(dir.join("manifest-expected.txt")).unwrap();
        let mut n = 0;
        for line in list.lines().filter(|l| !l.starts_with('#')) {
            let (file, words) = line.split_once('\t').unwrap();
            let bytes = std::fs::read(dir.join(file)).unwrap();
            let text = read_all(&bytes, &key).unwrap_err().to_string();
            assert!(text.contains(words), "{file}: {text}");
            assert!(!text.chars().any(crate::sanitize::is_dangerous));
            n += 1;
        }
        assert_eq!(n, manifest_vectors().len());
        // The stored vectors are what the code makes today (the format did not drift).
        for (name, bytes, _) in manifest_vectors() {
            assert_eq!(
                std::fs::read(dir.join(name)).unwrap(),
                bytes,
                "{name}: rewrite it"
            );
        }
    }

    #[test]
    fn the_fuzz_seeds_are_in_the_current_format() {
        let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/bundle");
        let key = vector_key().verifying_key();
        let made = fuzz_seeds();
        let mut stored: Vec<String> = std::fs::read_dir(&seeds)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with("seed-"))
            .collect();
        stored.sort();
        let names: Vec<&str> = made.iter().map(|(n, _, _)| *n).collect();
        assert_eq!(stored, names, "every stored seed is made here");
        for (name, bytes, accepted) in made {
            let on_disk = std::fs::read(seeds.join(name)).unwrap();
            assert!(
                on_disk == bytes,
                "{name}: rewrite it (write_bundle_vectors)"
            );
            match read_all(&on_disk, &key) {
                Ok(_) => assert!(accepted, "{name} is accepted"),
                Err(e) => {
                    assert!(!accepted, "{name}: {e}");
                    // Refused past the marker and the manifest, not at the version.
                    assert!(e.to_string().contains("cut short"), "{name}: {e}");
                }
            }
        }
    }

    #[test]
    fn round_trip_names_the_entries_of_the_manifest_in_order() {
        let key = vector_key();
        let m = make(&key, 2, 3, 2, 5);
        let mut got = Vec::new();
        let manifest = read_bundle(&m.bytes[..], &key.verifying_key(), |name, size, r| {
            let mut v = Vec::new();
            r.read_to_end(&mut v).map_err(|e| e.to_string())?;
            assert_eq!(v.len() as u64, size);
            if let EntryName::ItemData(_, i) = name {
                assert_eq!(v, m.content[&i]);
            }
            got.push(name);
            Ok(())
        })
        .unwrap();
        assert_eq!((manifest.part, manifest.parts), (2, 5));
        assert_eq!(got.len(), 2 + 2 * 3 * 2);
        assert_eq!(got, expected_entries(&manifest));
    }

    /// The layout is byte for byte what the streaming writer writes, and any range of it is the
    /// same slice of those bytes: a download cut anywhere resumes with a range request.
    #[test]
    fn the_layout_is_the_writers_bytes_and_ranges_are_slices() {
        let key = vector_key();
        let m = make(&key, 2, 4, 1, 1);
        let lay = PartLayout::new(&m.manifest, &m.sections).unwrap();
        assert_eq!(lay.len(), m.bytes.len() as u64);
        let mut open = |_: &SourceId, i: &ItemId, off: u64| -> io::Result<Box<dyn Read>> {
            let data = m.content[i].get(off as usize..).unwrap().to_vec();
            Ok(Box::new(io::Cursor::new(data)))
        };
        let mut all = Vec::new();
        lay.write_range(0..lay.len(), &mut all, &mut open).unwrap();
        assert_eq!(all, m.bytes);
        let len = lay.len();
        let mut x = 12345u64;
        for _ in 0..300 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let a = (x >> 33) % len;
            let b = a + (x >> 13) % (len - a + 1);
            let mut out = Vec::new();
            lay.write_range(a..b, &mut out, &mut open).unwrap();
            assert_eq!(out, m.bytes[a as usize..b as usize], "{a}..{b}");
        }
        // The validator follows the content.
        let again = PartLayout::new(&m.manifest, &m.sections).unwrap();
        assert_eq!(lay.etag(), again.etag());
        let mut other = m.sections.clone();
        other[0].items[0].1 = b"another record\n".to_vec();
        assert_ne!(
            PartLayout::new(&m.manifest, &other).unwrap().etag(),
            lay.etag()
        );
        // A ciphertext shorter than its record fails the write instead of a short answer.
        let mut short = |_: &SourceId, _: &ItemId, _: u64| -> io::Result<Box<dyn Read>> {
            Ok(Box::new(io::Cursor::new(vec![0u8; 3])))
        };
        let err = lay
            .write_range(0..len, &mut Vec::new(), &mut short)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn every_cut_of_a_bundle_is_refused() {
        let key = vector_key();
        let m = make(&key, 1, 2, 1, 1);
        let vk = key.verifying_key();
        assert!(read_all(&m.bytes, &vk).is_ok());
        // Every cut at a 512-byte block, without an end of archive.
        for at in (0..m.bytes.len() - 1024).step_by(512) {
            assert!(read_all(&m.bytes[..at], &vk).is_err(), "cut at {at}");
        }
        // Every cut at an entry boundary, with a clean end of archive after it: what a tar stream
        // alone cannot tell from a complete one. (A cut inside a ciphertext padded with zeros
        // is caught by the importer's digest check against the item's signed record.)
        let lay = PartLayout::new(&m.manifest, &m.sections).unwrap();
        let mut n = 0;
        for (start, p) in &lay.pieces {
            if let Piece::Bytes(b) = p
                && (b.starts_with(b"postern-bundle/") || b.starts_with(b"././@LongLink"))
            {
                let mut v = m.bytes[..*start as usize].to_vec();
                v.extend_from_slice(&[0; 1024]);
                assert!(read_all(&v, &vk).is_err(), "cut at entry boundary {start}");
                n += 1;
            }
        }
        assert_eq!(n, 2 + 1 + 2 * 2);
    }

    #[test]
    fn manifests_are_canonical_and_bounded() {
        let key = vector_key();
        let vk = key.verifying_key();
        let a = SourceId::from_bytes([1; 32]);
        let b = SourceId::from_bytes([2; 32]);
        let i = |n: u8| ItemId::from_bytes([n; 16]);
        let m = |part, parts, items: Vec<(SourceId, ItemId)>| BundleManifest {
            selection: SelectionId::from_bytes([3; 16]),
            part,
            parts,
            items,
        };
        let ok = m(1, 2, vec![(a, i(1)), (a, i(2)), (b, i(3))]);
        let text = ok.sign(&key).unwrap();
        assert_eq!(
            BundleManifest::parse_verified(text.as_bytes(), &vk).unwrap(),
            ok
        );
        for bad in [
            m(0, 2, vec![(a, i(1))]),
            m(3, 2, vec![(a, i(1))]),
            m(1, MAX_PARTS + 1, vec![(a, i(1))]),
            m(1, 1, vec![]),
            m(1, 1, vec![(a, i(1)), (b, i(1))]),
            m(1, 1, vec![(a, i(1)), (b, i(2)), (a, i(3))]),
            m(
                1,
                1,
                (0..=MAX_PART_ITEMS)
                    .map(|n| {
                        (
                            a,
                            ItemId::from_bytes([
                                (n % 256) as u8,
                                (n / 256) as u8,
                                1,
                                1,
                                1,
                                1,
                                1,
                                1,
                                1,
                                1,
                                1,
                                1,
                                1,
                                1,
                                1,
                                1,
                            ]),
                        )
                    })
                    .collect(),
            ),
        ] {
            assert_eq!(bad.sign(&key), None, "{bad:?}");
            // Signed anyway (a hostile or broken server): the reader refuses it.
            let forged = sign_body(bad.body(), Domain::BundleManifest, &key);
            assert!(BundleManifest::parse_verified(forged.as_bytes(), &vk).is_err());
        }
        // Non-canonical numbers, an item-record signature, and another key.
        let padded = text.replacen("part 1\n", "part 01\n", 1);
        let body = padded.rsplit_once("sig ").unwrap().0.to_owned();
        let resigned = sign_body(body.clone(), Domain::BundleManifest, &key);
        assert!(BundleManifest::parse_verified(resigned.as_bytes(), &vk).is_err());
        let wrong_domain = sign_body(ok.body(), Domain::ItemRecord, &key);
        assert!(matches!(
            BundleManifest::parse_verified(wrong_domain.as_bytes(), &vk),
            Err(RecordError::BadSignature)
        ));
        let big = vec![b'x'; MAX_MANIFEST_LEN + 1];
        assert!(matches!(
            BundleManifest::parse_verified(&big, &vk),
            Err(RecordError::TooLarge)
        ));
    }

    #[test]
    fn parts_are_runs_within_the_size_and_never_split_an_item() {
        assert_eq!(plan_parts(&[], 1 << 20), Vec::<Range<usize>>::new());
        let mib = 1u64 << 20;
        // 10 items of 0.4 MiB in parts of 1 MiB: two per part.
        let sizes = vec![mib * 4 / 10; 10];
        let parts = plan_parts(&sizes, mib);
        assert_eq!(parts.len(), 5);
        assert!(parts.iter().all(|r| r.len() == 2));
        // A huge item is a part of its own; neighbours are not merged into it.
        let parts = plan_parts(&[10, 5 * mib, 10], mib);
        assert_eq!(parts, vec![0..1, 1..2, 2..3]);
        // The item cap.
        let parts = plan_parts(&vec![1; MAX_PART_ITEMS + 1], u64::MAX);
        assert_eq!(
            parts,
            vec![0..MAX_PART_ITEMS, MAX_PART_ITEMS..MAX_PART_ITEMS + 1]
        );
        // Runs tile the input in order.
        let sizes: Vec<u64> = (0..100).map(|n| (n * 7919 % 300) * 1024).collect();
        let parts = plan_parts(&sizes, mib);
        let mut next = 0;
        for r in &parts {
            assert_eq!(r.start, next);
            assert!(!r.is_empty());
            let cost: u64 = sizes[r.clone()].iter().map(|s| s + 2048).sum();
            assert!(r.len() == 1 || cost <= mib);
            next = r.end;
        }
        assert_eq!(next, sizes.len());
    }

    #[test]
    fn selection_ids_follow_content_and_part_size() {
        let a = (
            SourceId::from_bytes([1; 32]),
            ItemId::from_bytes([2; 16]),
            [3; 32],
        );
        let b = (
            SourceId::from_bytes([1; 32]),
            ItemId::from_bytes([4; 16]),
            [3; 32],
        );
        let id = selection_id(1 << 30, &[a, b]);
        assert_eq!(id, selection_id(1 << 30, &[a, b]));
        assert_ne!(id, selection_id(1 << 20, &[a, b]));
        assert_ne!(id, selection_id(1 << 30, &[b, a]));
        assert_ne!(id, selection_id(1 << 30, &[a]));
    }

    #[test]
    fn entry_names_are_strict() {
        let s = "a".repeat(64);
        let i = "b".repeat(32);
        assert!(parse_entry_name(&format!("postern-bundle/sources/{s}/source.rec")).is_some());
        assert!(parse_entry_name(&format!("postern-bundle/sources/{s}/items/{i}.age")).is_some());
        for bad in [
            format!("postern-bundle/sources/{s}/items/../{i}.age"),
            format!("postern-bundle/sources/{s}/items/{i}.age/"),
            format!("/postern-bundle/sources/{s}/source.rec"),
            format!("postern-bundle/sources/{s}/../{s}/source.rec"),
            format!("postern-bundle//sources/{s}/source.rec"),
            format!("postern-bundle/sources/{s}/items/{i}.txt"),
            format!("postern-bundle/sources/{}/source.rec", s.to_uppercase()),
            "postern-bundle/MANIFEST".to_owned(),
        ] {
            assert_eq!(parse_entry_name(&bad), None, "{bad}");
        }
    }
}
