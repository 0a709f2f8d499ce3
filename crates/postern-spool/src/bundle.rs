//! Bundles: a selection of spool items with their signed records, as one tar stream.
//!
//! ```text
//! postern-bundle/BUNDLE                              "postern-bundle 1\n"   (first entry)
//! postern-bundle/sources/<source id>/source.rec      then, per source, its record,
//! postern-bundle/sources/<source id>/items/<id>.rec  and per item its record
//! postern-bundle/sources/<source id>/items/<id>.age  immediately followed by its ciphertext
//! ```
//!
//! The reader is strict: only regular files, only these exact names, in this order, each source
//! once, each item once and inside its own source, records no larger than
//! [`crate::record::MAX_RECORD_LEN`]. The tar stream itself is parsed by Postern's own bounded
//! reader (`tarstream`): an extension header (GNU long name, PAX) over 4 KiB is refused before a
//! byte of it is read, and no error quotes a byte of the input. Each entry is checked before the visitor sees it, but entries
//! are handed over as they are read: a later entry can still fail, so a visitor must stage what it
//! gets and commit only once [`read_bundle`] returned `Ok` (the reviewer's import does). The reader
//! never writes anything itself; no name from a bundle is ever joined to a path before it parsed
//! as a canonical id. A bundle does not sign its own contents list: dropping whole items or
//! sources on the way cannot be detected from the bundle alone.

use std::collections::HashSet;
use std::fmt;
use std::io::{self, Read, Write};

use crate::ids::{ItemId, SourceId};
use crate::record::MAX_RECORD_LEN;
use crate::tarstream::TarReader;

const ROOT: &str = "postern-bundle/";
/// Content of the `BUNDLE` entry.
pub const BUNDLE_TEXT: &str = "postern-bundle 1\n";

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
    },
    /// The visitor refused entry number `index`.
    Refused {
        /// Position of the entry in the stream, from 1.
        index: usize,
        /// The visitor's reason.
        why: String,
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
            BundleError::BadEntry { index, why } => write!(f, "bundle entry {index}: {why}"),
            BundleError::Refused { index, why } => write!(f, "bundle entry {index}: {why}"),
        }
    }
}

impl std::error::Error for BundleError {}

impl From<io::Error> for BundleError {
    fn from(e: io::Error) -> Self {
        BundleError::Io(e)
    }
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

/// Reads a bundle, checking names, types, sizes and order, and calls `visit` for every entry
/// after the marker with its name, its size and a reader of exactly that many bytes.
pub fn read_bundle<R: Read>(
    input: R,
    mut visit: impl FnMut(EntryName, u64, &mut dyn Read) -> Result<(), String>,
) -> Result<(), BundleError> {
    let mut tar = TarReader::new(input);
    let mut seen_sources: HashSet<SourceId> = HashSet::new();
    let mut seen_items: HashSet<ItemId> = HashSet::new();
    let mut current_source: Option<SourceId> = None;
    let mut expect_data: Option<(SourceId, ItemId)> = None;
    let mut index = 0usize;
    while let Some(header) = tar.next_entry()? {
        index += 1;
        let bad = |why| BundleError::BadEntry { index, why };
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
            if name != "postern-bundle/BUNDLE" {
                return Err(BundleError::NotABundle);
            }
            if size != BUNDLE_TEXT.len() as u64 {
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
        let parsed = parse_entry_name(name).ok_or(bad("unexpected name"))?;
        match (parsed, expect_data) {
            (EntryName::ItemData(s, i), Some((es, ei))) if s == es && i == ei => {
                expect_data = None;
            }
            (_, Some(_)) => return Err(bad("an item record is not followed by its ciphertext")),
            (EntryName::ItemData(..), None) => {
                return Err(bad("ciphertext without a record before it"));
            }
            (EntryName::SourceRecord(s), None) => {
                if !seen_sources.insert(s) {
                    return Err(bad("source appears twice"));
                }
                if size > MAX_RECORD_LEN as u64 {
                    return Err(bad("record too large"));
                }
                current_source = Some(s);
            }
            (EntryName::ItemRecord(s, i), None) => {
                if current_source != Some(s) {
                    return Err(bad("item outside its source's section"));
                }
                if !seen_items.insert(i) {
                    return Err(bad("item appears twice"));
                }
                if size > MAX_RECORD_LEN as u64 {
                    return Err(bad("record too large"));
                }
                expect_data = Some((s, i));
            }
        }
        let mut data = tar.data();
        visit(parsed, size, &mut data).map_err(|why| BundleError::Refused { index, why })?;
        // The visitor may stop early; the tar reader skips the rest of the entry itself.
    }
    if index == 0 {
        return Err(BundleError::NotABundle);
    }
    if expect_data.is_some() {
        return Err(BundleError::BadEntry {
            index: index + 1,
            why: "bundle ends after an item record, without its ciphertext",
        });
    }
    Ok(())
}

/// Writes a bundle. Add each source's record, then its items, then [`BundleWriter::finish`].
pub struct BundleWriter<W: Write> {
    tar: tar::Builder<W>,
}

impl<W: Write> BundleWriter<W> {
    /// Starts a bundle and writes its marker.
    pub fn new(out: W) -> io::Result<Self> {
        let mut w = BundleWriter {
            tar: tar::Builder::new(out),
        };
        w.append(
            "postern-bundle/BUNDLE",
            BUNDLE_TEXT.len() as u64,
            &mut BUNDLE_TEXT.as_bytes(),
        )?;
        Ok(w)
    }

    fn append(&mut self, name: &str, size: u64, data: &mut dyn Read) -> io::Result<()> {
        // Fixed metadata: no owner, no time, mode 0600. The bundle says nothing about the host.
        let mut h = tar::Header::new_gnu();
        h.set_size(size);
        h.set_mode(0o600);
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        h.set_entry_type(tar::EntryType::Regular);
        self.tar.append_data(&mut h, name, data.take(size))
    }

    /// Adds a source record.
    pub fn add_source(&mut self, source: &SourceId, record: &[u8]) -> io::Result<()> {
        self.append(
            &format!("{ROOT}sources/{source}/source.rec"),
            record.len() as u64,
            &mut &*record,
        )
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
        let base = format!("{ROOT}sources/{source}/items/{item}");
        self.append(&format!("{base}.rec"), record.len() as u64, &mut &*record)?;
        self.append(&format!("{base}.age"), size, data)
    }

    /// Writes the end-of-archive marker and returns the writer.
    pub fn finish(self) -> io::Result<W> {
        self.tar.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every tar-level fault vector (`tests/vectors/bundle/`, made by its `make.py`) is refused
    /// with the expected words, and no error text carries a control or format character.
    #[test]
    fn tar_fault_vectors_are_refused_in_fixed_words() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/bundle");
        let expected = std::fs::read_to_string(dir.join("expected.txt")).unwrap();
        let key = crate::keys::SigningKey::from_secret_text(include_str!(
            "../../../tests/vectors/server-signing.key"
        ))
        .unwrap()
        .verifying_key();
        let mut n = 0;
        for line in expected.lines().filter(|l| !l.starts_with('#')) {
            let (file, words) = line.split_once('\t').unwrap();
            let bytes = std::fs::read(dir.join(file)).unwrap();
            let err = if file.starts_with("replies-") {
                crate::replies::read_reply_bundle(&bytes[..], &key, |_| Ok(()))
                    .map(|_| ())
                    .unwrap_err()
            } else {
                read_bundle(&bytes[..], |_, _, r| {
                    std::io::copy(r, &mut std::io::sink()).map_err(|e| e.to_string())?;
                    Ok(())
                })
                .unwrap_err()
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
        ] {
            assert_eq!(parse_entry_name(&bad), None, "{bad}");
        }
    }
}
