//! `read` and `extract`: decrypting items, safely.
//!
//! Content is never trusted before the envelope verified to its end (age's final chunk, the end
//! record, the padding). `read` holds a message in memory (bounded) until then, and frames it so
//! that its lines cannot pass for the frame; `extract` writes to an unnamed temporary in the
//! opened destination folder (`dest`) and gives it its final name only afterwards, with a link
//! that never replaces an existing file. A failure or an interrupt leaves no file behind.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use postern_spool::designation::designation;
use postern_spool::envelope::{Kind, open};
use postern_spool::ids::{ItemId, SourceId};
use postern_spool::record::ItemRecord;
use postern_spool::spool::Spool;

use crate::dest::Dest;
use crate::list::short;
use crate::ui::{byte_bar, user_error};
use postern_spool::sanitize;

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
) -> Result<postern_spool::envelope::Opened<BufReader<File>>> {
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

/// The lines `read` prints for a message: a header line, every line of the (neutralised) text
/// behind a bar, and an end line with the number of lines. Content can start no line of its own
/// (a newline in it always starts a new barred line; other line breaks are escaped), so a message
/// that carries its own `--- end ---` or a fake header shows it behind the bar.
pub fn frame(header: &str, text: &str) -> Vec<String> {
    let mut out = vec![format!("--- {header} ---")];
    let body = text.strip_suffix('\n').unwrap_or(text);
    let mut n = 0usize;
    for line in body.split('\n') {
        out.push(format!("\u{2502} {line}"));
        n += 1;
    }
    out.push(format!("--- end ({n} line(s)) ---"));
    out
}

/// Where an item was extracted to.
pub struct Extracted {
    pub path: PathBuf,
    pub len: u64,
}

/// Decrypts one file or message item into `dest`, its name after `prefix` (empty, or the day for
/// the by-source layout). A message (or reply) is written neutralised
/// (`sanitize::for_terminal`: escapes, invisible and format characters shown as `\u{…}`, invalid
/// UTF-8 as U+FFFD) under `message-<id>.txt`; when that changed anything, the exact bytes are kept
/// beside it as `message-<id>.raw`.
pub fn extract_item(
    store: &Spool,
    source: &SourceId,
    rec: &ItemRecord,
    identities: &Identities,
    dest: &Dest,
    prefix: &str,
) -> Result<Extracted> {
    let mut reader = open_item(store, source, rec, identities)?;
    let fallback = format!("file-{}", short(&rec.item));
    let wanted = match rec.kind {
        Kind::File => format!(
            "{prefix}{}",
            sanitize::file_name(&reader.header().name, &fallback)
        ),
        Kind::Message => format!("{prefix}message-{}.txt", short(&rec.item)),
        Kind::Reply => format!("{prefix}reply-{}.txt", short(&rec.item)),
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
    let temp = dest.temp()?;
    let bar = byte_bar(rec.size, "decrypting");
    // Decrypting on this thread, writing (with background flushes) on another.
    let (copied, written) =
        crate::pipeline::write_behind(bar.wrap_write(&temp.file), Some(&temp.file), |out| {
            reader.copy_to(out)
        });
    written.context("writing the decrypted file failed (disk full?)")?;
    let len = copied.map_err(|e| match e {
        postern_spool::envelope::CopyError::Open(e) => user_error(
            format!("item {}: {e}", short(&rec.item)),
            "no file was written for it; import it again from a fresh bundle",
        ),
        postern_spool::envelope::CopyError::Write(e) => {
            anyhow::Error::new(e).context("writing the decrypted file failed (disk full?)")
        }
    })?;
    bar.finish_and_clear();
    if !matches!(rec.kind, Kind::Message | Kind::Reply) {
        let name = dest.finish(temp, &wanted)?;
        return Ok(Extracted {
            path: dest.shown(&name),
            len,
        });
    }
    // A message: the neutralised text under the usual name, the raw bytes beside it if they
    // differ.
    let mut raw = &temp.file;
    raw.seek(SeekFrom::Start(0))?;
    let clean = dest.temp()?;
    let mut w = BufWriter::new(&clean.file);
    let changed = neutralise(BufReader::new(raw), &mut w)
        .context("writing the decrypted message failed (disk full?)")?;
    w.into_inner().map_err(|e| e.into_error())?;
    let name = dest.finish(clean, &wanted)?;
    if changed {
        let stem = wanted.strip_suffix(".txt").unwrap_or(&wanted);
        dest.finish(temp, &format!("{stem}.raw"))?;
    } else {
        dest.discard(temp)?;
    }
    Ok(Extracted {
        path: dest.shown(&name),
        len,
    })
}

/// The folder of a source in the by-source layout: its designation and short id
/// (`quiet-harbor-1a2b3c4d`), one safe path component.
pub fn source_folder(id: &SourceId) -> String {
    let name = format!("{}-{}", designation(id).replace(' ', "-"), short(id));
    sanitize::file_name(&name, &format!("source-{}", short(id)))
}

/// The name prefix of an item in the by-source layout: its day (`2026-12-01_`).
pub fn day_prefix(day: postern_spool::day::Day) -> String {
    format!("{day}_")
}

/// Where the by-source `extract` records what it extracted: `<home>/extracted`, one item id a
/// line (a file's, a message's, or an upload's manifest).
const EXTRACTED: &str = "extracted";

/// What earlier by-source extracts wrote (empty if none).
pub fn extracted(home: &Path) -> HashSet<ItemId> {
    crate::home::read_bounded(&home.join(EXTRACTED), 64 << 20)
        .ok()
        .map(|b| {
            String::from_utf8_lossy(&b)
                .lines()
                .filter_map(ItemId::parse)
                .collect()
        })
        .unwrap_or_default()
}

/// Records that `item` was extracted (appended and fsynced, so that an interrupted run keeps
/// what it finished).
pub fn remember_extracted(home: &Path, item: &ItemId) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(home.join(EXTRACTED))
        .context("cannot record what was extracted in the reviewer's home")?;
    f.write_all(format!("{item}\n").as_bytes())?;
    f.sync_all()?;
    Ok(())
}

/// Copies text through the terminal sanitizer, streaming (invalid UTF-8 becomes U+FFFD). Returns
/// whether anything was changed.
pub fn neutralise(mut r: impl Read, w: &mut impl Write) -> io::Result<bool> {
    let mut changed = false;
    let mut emit = |s: &str, w: &mut dyn Write| -> io::Result<()> {
        let t = sanitize::for_terminal(s);
        changed |= t != s;
        w.write_all(t.as_bytes())
    };
    let mut buf = vec![0u8; 1 << 16];
    let mut carry: Vec<u8> = Vec::new();
    let mut invalid = false;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        carry.extend_from_slice(buf.get(..n).unwrap_or(&[]));
        let mut start = 0;
        loop {
            let rest = carry.get(start..).unwrap_or(&[]);
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    emit(text, w)?;
                    start = carry.len();
                    break;
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    let good = rest
                        .get(..valid)
                        .and_then(|b| std::str::from_utf8(b).ok())
                        .unwrap_or("");
                    emit(good, w)?;
                    match e.error_len() {
                        Some(bad) => {
                            w.write_all("\u{fffd}".as_bytes())?;
                            invalid = true;
                            start += valid + bad;
                        }
                        None => {
                            start += valid; // an incomplete character: wait for more
                            break;
                        }
                    }
                }
            }
        }
        carry.drain(..start.min(carry.len()));
    }
    if !carry.is_empty() {
        w.write_all("\u{fffd}".as_bytes())?;
        invalid = true;
    }
    Ok(changed || invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out one byte per read: every character boundary is a chunk boundary.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((b, rest)), Some(slot)) => {
                    *slot = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn neutralise_streams_across_character_boundaries() {
        let cases: [(&[u8], &str, bool); 5] = [
            ("Привет, мир 🙂\n".as_bytes(), "Привет, мир 🙂\n", false),
            (b"a\x1b[2Jb", "a\\u{1b}[2Jb", true),
            ("x\u{2060}y".as_bytes(), "x\\u{2060}y", true),
            (b"bad \xff\xfe end", "bad \u{fffd}\u{fffd} end", true),
            (b"cut \xd0", "cut \u{fffd}", true),
        ];
        for (input, want, changed) in cases {
            for trickle in [false, true] {
                let mut out = Vec::new();
                let got = if trickle {
                    neutralise(Trickle(input), &mut out)
                } else {
                    neutralise(input, &mut out)
                }
                .unwrap();
                assert_eq!(String::from_utf8(out).unwrap(), want, "{input:?}");
                assert_eq!(got, changed, "{input:?}");
            }
        }
    }

    #[test]
    fn the_frame_holds_whatever_the_text() {
        let lines = frame("message", "a\n--- end (1 line(s)) ---\n");
        assert_eq!(
            lines,
            vec![
                "--- message ---",
                "\u{2502} a",
                "\u{2502} --- end (1 line(s)) ---",
                "--- end (2 line(s)) ---"
            ]
        );
    }
}
