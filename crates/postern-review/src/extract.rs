//! `read` and `extract`: decrypting items, safely.
//!
//! Content is never trusted before the envelope verified to its end (age's final chunk, the end
//! record, the padding). `read` holds a message in memory (bounded) until then; `extract` writes
//! to a temporary in the destination folder and gives it its final name only afterwards, with a
//! hard link that never replaces an existing file. A failure leaves no file behind.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use postern_spool::envelope::{Kind, open};
use postern_spool::ids::SourceId;
use postern_spool::record::ItemRecord;
use postern_spool::spool::Spool;

use crate::list::short;
use crate::sanitize;
use crate::ui::{byte_bar, user_error};

/// Largest message `read` shows.
pub const MAX_READ: u64 = 4 << 20;

type Identities = [Box<dyn age::Identity + Send + Sync>];

fn ids(identities: &Identities) -> impl Iterator<Item = &dyn age::Identity> {
    identities.iter().map(|i| i.as_ref() as &dyn age::Identity)
}

fn open_item(
    store: &Spool,
    source: &SourceId,
    rec: &ItemRecord,
    identities: &Identities,
) -> Result<postern_spool::envelope::EnvelopeReader<age::stream::StreamReader<BufReader<File>>>> {
    let (age_path, _) = if rec.kind == Kind::Reply {
        store.reply_paths(source, &rec.item)
    } else {
        store.item_paths(source, &rec.item)
    };
    let f = File::open(&age_path).context("cannot open the item's ciphertext")?;
    let reader = open(BufReader::with_capacity(1 << 16, f), ids(identities)).map_err(|e| {
        user_error(
            format!("item {}: {e}", short(&rec.item)),
            "if the key does not match, unlock with the right newsroom key (--home); if it is damaged, import it again from a fresh bundle",
        )
    })?;
    let h = reader.header();
    if h.submission_id != rec.item || h.kind != rec.kind || h.day != rec.day {
        return Err(user_error(
            format!(
                "item {}: its envelope does not match its signed record",
                short(&rec.item)
            ),
            "the item was swapped for another; do not trust it, and tell the operator",
        ));
    }
    Ok(reader)
}

/// Decrypts a message or reply and returns its text, neutralised for the terminal.
pub fn read_message(
    store: &Spool,
    source: &SourceId,
    rec: &ItemRecord,
    identities: &Identities,
) -> Result<String> {
    if !matches!(rec.kind, Kind::Message | Kind::Reply) {
        return Err(user_error(
            format!("item {} is a {}, not a message", short(&rec.item), rec.kind),
            "use `postern-review extract ITEM --to FOLDER` for files",
        ));
    }
    let mut reader = open_item(store, source, rec, identities)?;
    let mut buf = Vec::new();
    let mut limited = (&mut reader).take(MAX_READ + 1);
    if let Err(e) = limited.read_to_end(&mut buf) {
        let e = postern_spool::OpenError::from_io(e);
        return Err(user_error(
            format!("item {}: {e}", short(&rec.item)),
            "nothing of it is shown; import it again from a fresh bundle",
        ));
    }
    if buf.len() as u64 > MAX_READ {
        return Err(user_error(
            "the message is too long to show",
            "use `postern-review extract` to save it to a file",
        ));
    }
    let text = String::from_utf8_lossy(&buf);
    Ok(sanitize::for_terminal(&text))
}

/// Where an item was extracted to.
pub struct Extracted {
    pub path: PathBuf,
    pub len: u64,
}

/// Decrypts one file or message item into `dir`.
pub fn extract_item(
    store: &Spool,
    source: &SourceId,
    rec: &ItemRecord,
    identities: &Identities,
    dir: &Path,
) -> Result<Extracted> {
    let mut reader = open_item(store, source, rec, identities)?;
    let fallback = format!("file-{}", short(&rec.item));
    let wanted = match rec.kind {
        Kind::File => sanitize::file_name(&reader.header().name, &fallback),
        Kind::Message => format!("message-{}.txt", short(&rec.item)),
        Kind::Reply => format!("reply-{}.txt", short(&rec.item)),
        other => {
            return Err(user_error(
                format!(
                    "item {} is a {other}; it cannot be extracted on its own",
                    short(&rec.item)
                ),
                "a segment is part of an upload: extract the upload's manifest (listed as `upload`)",
            ));
        }
    };
    let tmp = dir.join(format!(
        ".postern-{}.part",
        postern_spool::ids::ItemId::random(&mut rand::rng())
    ));
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    let result = (|| -> Result<Extracted> {
        let bar = byte_bar(rec.size, "decrypting");
        let mut out = BufWriter::with_capacity(1 << 16, bar.wrap_write(&file));
        let len = reader.copy_to(&mut out).map_err(|e| match e {
            postern_spool::envelope::CopyError::Open(e) => user_error(
                format!("item {}: {e}", short(&rec.item)),
                "no file was written for it; import it again from a fresh bundle",
            ),
            postern_spool::envelope::CopyError::Write(e) => {
                anyhow::Error::new(e).context("writing the decrypted file failed (disk full?)")
            }
        })?;
        out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        bar.finish_and_clear();
        let path = link_unique(&tmp, dir, &wanted)?;
        Ok(Extracted { path, len })
    })();
    let _ = fs::remove_file(&tmp);
    if result.is_ok() {
        File::open(dir).and_then(|d| d.sync_all())?;
    }
    result
}

/// Gives `tmp` the name `wanted` in `dir`, or `stem (2).ext`, `stem (3).ext`…, never replacing
/// a file. Returns the final path.
pub(crate) fn link_unique(tmp: &Path, dir: &Path, wanted: &str) -> Result<PathBuf> {
    let (stem, ext) = match wanted.rfind('.') {
        Some(i) if i > 0 => wanted.split_at(i),
        _ => (wanted, ""),
    };
    for n in 1..10_000u32 {
        let name = if n == 1 {
            wanted.to_owned()
        } else {
            format!("{stem} ({n}){ext}")
        };
        let path = dir.join(&name);
        // `name` has no separator and is not `.` or `..` (see sanitize::file_name); check anyway.
        if path.parent() != Some(dir) {
            anyhow::bail!("refusing a file name that leaves the destination folder");
        }
        match fs::hard_link(tmp, &path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(anyhow::Error::new(e).context("cannot create the extracted file")),
        }
    }
    anyhow::bail!("too many files with the same name in the destination folder")
}

/// Creates the destination folder (mode 0700) if needed.
pub fn prepare_dir(dir: &Path) -> Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create {}", dir.display()))
}

/// Writes a line to stdout, ignoring a closed pipe.
pub fn say(line: &str) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{line}");
}
