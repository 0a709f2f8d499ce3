//! `postern export`: the operator's way to the air gap without the web interface, for the
//! biggest leaks. Writes the same signed bundle parts as the journalist interface (every item, or
//! one source's, one upload's, or those of `--since` on) into a folder, for a USB disk. Nothing is
//! marked seen.
//!
//! Part files are named by the selection and their number, and their bytes are a pure function
//! of the selection, so a run that was cut short is restarted by running it again: a part already
//! in the folder is compared with what it must hold, byte for byte, and skipped only if it is
//! whole and identical (its name alone is not trusted); anything else is written again (to a
//! temporary, fsynced, renamed). Progress goes to stderr.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use postern_spool::bundle::{MIN_PART_SIZE, PartLayout};
use postern_spool::day::Day;
use postern_spool::envelope::Kind;
use postern_spool::ids::{ItemId, SourceId, UploadId};
use postern_spool::sanitize::for_terminal;
use postern_spool::spool::Spool;

use crate::clock::parse_day;
use crate::config::Config;
use crate::storage::index::{SourceInfo, SpoolIndex};
use crate::storage::selection::Selection;
use crate::storage::uploads;

/// What to export.
#[derive(Default)]
pub struct Choice<'a> {
    /// Only items of this day or later (`YYYY-MM-DD`).
    pub since: Option<&'a str>,
    /// Only this source (its id).
    pub source: Option<&'a str>,
    /// Only one upload: its upload id (while the server still keeps its log), or the item id of
    /// one of its segments or its manifest.
    pub upload: Option<&'a str>,
    /// Part size (`1GiB`, `512MiB`, `4096`), else the config's.
    pub part_size: Option<&'a str>,
}

/// What an export did.
pub struct Summary {
    pub dir: PathBuf,
    pub items: usize,
    pub parts: Vec<PathBuf>,
    pub skipped: usize,
}

/// Parses a size: a number of bytes, optionally followed by KiB, MiB, GiB or TiB.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    if num.is_empty() || num.len() > 20 {
        return None;
    }
    let n: u64 = num.parse().ok()?;
    let shift = match unit.trim() {
        "" | "B" => 0,
        "KiB" | "K" => 10,
        "MiB" | "M" => 20,
        "GiB" | "G" => 30,
        "TiB" | "T" => 40,
        _ => return None,
    };
    n.checked_mul(1u64 << shift)
}

/// The items of upload `id` (its segments, then its manifest once complete), from the server's
/// upload log; `None` if there is no log (no such upload, or its log expired).
fn upload_items(index: &SpoolIndex, id: &UploadId) -> Result<Option<(SourceId, Vec<ItemId>)>> {
    let all = uploads::read_all(index.spool()).context("reading the upload logs")?;
    let Some((_, p)) = all.into_iter().find(|(u, _)| u == id) else {
        return Ok(None);
    };
    let mut items: Vec<ItemId> = uploads::segment_items(index.spool(), id)
        .context("reading an upload log")?
        .into_iter()
        .map(|s| s.item)
        .collect();
    items.extend(p.manifest);
    Ok(Some((p.source, items)))
}

/// Sources with the items chosen of each.
type Chosen = Vec<(Arc<SourceInfo>, Vec<ItemId>)>;

/// Chooses the items to export; `true` if they are exactly one upload's (no closure needed).
fn choose(index: &SpoolIndex, c: &Choice<'_>) -> Result<(Chosen, bool)> {
    if let Some(id) = c.upload.and_then(UploadId::parse)
        && let Some((source, items)) = upload_items(index, &id)?
    {
        let info = index
            .source(&source)?
            .context("the upload's source is not in the spool")?;
        return Ok((vec![(info, items)], true));
    }
    let since: Option<Day> = match c.since {
        Some(s) => Some(parse_day(s).context("--since takes a day as YYYY-MM-DD")?),
        None => None,
    };
    let source = match c.source {
        Some(s) => Some(SourceId::parse(s).context("--source takes a source id (64 hex digits)")?),
        None => None,
    };
    let upload = match c.upload {
        Some(s) => Some(ItemId::parse(s).context(
            "--upload takes an upload id, or the item id of a segment or manifest (32 hex digits)",
        )?),
        None => None,
    };
    let mut out = Vec::new();
    for s in index.sources()? {
        if source.is_some_and(|id| id != s.id) {
            continue;
        }
        if let Some(u) = upload {
            // The server cannot see which upload a segment belongs to: the selection keeps every
            // segment and manifest of the source that holds this one (Selection::build).
            match s.items.iter().find(|i| i.id == u) {
                Some(i) if matches!(i.kind, Kind::Segment | Kind::Manifest) => {
                    out.push((s.clone(), vec![u]));
                }
                Some(_) => bail!("--upload names an item that is not part of an upload"),
                None => {}
            }
            continue;
        }
        let items = s
            .items
            .iter()
            .filter(|i| since.is_none_or(|d| i.day >= d))
            .map(|i| i.id)
            .collect();
        out.push((s, items));
    }
    if source.is_some() && out.is_empty() {
        bail!("there is no such source in the spool");
    }
    if upload.is_some() && out.is_empty() {
        bail!("there is no such upload or item in the spool");
    }
    Ok((out, false))
}

/// Writes the parts of the chosen selection into `to` and returns what it did.
pub fn export(cfg: &Config, to: &Path, c: &Choice<'_>) -> Result<Summary> {
    let part_size = match c.part_size {
        Some(s) => parse_size(s)
            .context("--part-size takes a size such as 1GiB, 512MiB or a number of bytes")?,
        None => cfg.file.limits.bundle_part_bytes,
    };
    if part_size < MIN_PART_SIZE {
        bail!("--part-size must be at least 1MiB");
    }
    if !to.is_dir() {
        bail!(
            "{} is not a folder",
            for_terminal(&to.display().to_string())
        );
    }
    let spool = Spool::open(&cfg.spool_dir()).context("opening the spool")?;
    let index = SpoolIndex::new(spool, cfg.signing_key.verifying_key());
    let (chosen, exact) = choose(&index, c)?;
    let mut summary = Summary {
        dir: to.to_owned(),
        items: 0,
        parts: Vec::new(),
        skipped: 0,
    };
    let built = if exact {
        Selection::build_exact(&index, &chosen, part_size)?
    } else {
        Selection::build(&index, &chosen, part_size)?
    };
    let Some(sel) = built else {
        return Ok(summary);
    };
    summary.items = sel.entries().len();
    let id = sel.id.to_string();
    let short = id.get(..12).unwrap_or(&id);
    let n = sel.parts();
    for part in 1..=n {
        let layout = sel
            .layout(&index, &cfg.signing_key, part)
            .context("an item changed while the export ran; run it again")?;
        let name = format!("postern-{short}-part-{part}-of-{n}.tar");
        let dest = to.join(&name);
        let label = format!("part {part} of {n}");
        if is_whole(&index, &layout, &dest, &label)? {
            progress(&format!("{label}: already whole, skipped\n"));
            summary.skipped += 1;
        } else {
            write_part(&index, &layout, to, &name, &label)?;
        }
        summary.parts.push(dest);
    }
    Ok(summary)
}

fn progress(text: &str) {
    let _ = io::stderr().write_all(for_terminal(text).as_bytes());
}

/// Shows "label: 12.0 MiB of 1.0 GiB" as bytes pass, at most every 64 MiB.
struct Progress<'a, W> {
    inner: W,
    done: u64,
    shown: u64,
    total: u64,
    label: &'a str,
}

impl<W: Write> Write for Progress<'_, W> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(b)?;
        self.done += n as u64;
        if self.done - self.shown >= 64 << 20 || self.done == self.total {
            self.shown = self.done;
            progress(&format!(
                "\r{}: {} of {}",
                self.label,
                crate::web::journalist::readable(self.done),
                crate::web::journalist::readable(self.total)
            ));
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Whether `path` holds exactly this part: same length, and the same bytes, compared as they
/// are produced (the name alone proves nothing).
fn is_whole(index: &SpoolIndex, layout: &PartLayout, path: &Path, label: &str) -> Result<bool> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e).context("reading a part already in the folder"),
    };
    if !file.metadata()?.is_file() || file.metadata()?.len() != layout.len() {
        return Ok(false);
    }
    let mut cmp = Compare {
        file: BufReader::with_capacity(1 << 16, file),
        same: true,
        buf: vec![0; 1 << 16],
    };
    let mut p = Progress {
        inner: &mut cmp,
        done: 0,
        shown: 0,
        total: layout.len(),
        label: &format!("{label}, checking"),
    };
    Selection::write_range(index, layout, 0..layout.len(), &mut p).context("reading the spool")?;
    progress("\n");
    Ok(cmp.same)
}

/// A writer that compares what it is given with a file.
struct Compare<R> {
    file: R,
    same: bool,
    buf: Vec<u8>,
}

impl<R: Read> Write for Compare<R> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        if self.same {
            let n = b.len().min(self.buf.len());
            let mine = self.buf.get_mut(..n).unwrap_or(&mut []);
            if self.file.read_exact(mine).is_err() || mine != b.get(..n).unwrap_or(&[]) {
                self.same = false;
            }
            return Ok(n);
        }
        Ok(b.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn write_part(
    index: &SpoolIndex,
    layout: &PartLayout,
    to: &Path,
    name: &str,
    label: &str,
) -> Result<()> {
    let dest = to.join(name);
    let tmp = to.join(format!(".{name}.partial"));
    // A temporary left by an export that was killed: it is ours, and incomplete.
    match fs::remove_file(&tmp) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            return Err(e).context("removing an earlier temporary");
        }
        _ => {}
    }
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("cannot create {}", for_terminal(&tmp.display().to_string())))?;
    let result = (|| -> Result<()> {
        let mut p = Progress {
            inner: BufWriter::with_capacity(1 << 20, file),
            done: 0,
            shown: 0,
            total: layout.len(),
            label,
        };
        Selection::write_range(index, layout, 0..layout.len(), &mut p)?;
        progress("\n");
        let file = p.inner.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&tmp, &dest)?;
        crate::fsutil::sync_dir(to)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.context("writing a bundle part")
}

pub fn print_summary(s: &Summary) {
    let mut out = format!(
        "Wrote {} item(s) in {} part(s) to {}",
        s.items,
        s.parts.len(),
        s.dir.display()
    );
    if s.skipped > 0 {
        out.push_str(&format!(" ({} already whole, skipped)", s.skipped));
    }
    out.push_str(".\n");
    if !s.parts.is_empty() {
        out.push_str("On the air-gapped machine, import every part, in any order:\n");
        for p in &s.parts {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push_str(&format!("  postern-review import {name}\n"));
        }
    }
    let _ = io::stdout().write_all(for_terminal(&out).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units_only() {
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("1GiB"), Some(1 << 30));
        assert_eq!(parse_size("512MiB"), Some(512 << 20));
        assert_eq!(parse_size("2 MiB"), Some(2 << 20));
        assert_eq!(parse_size("1T"), Some(1 << 40));
        for bad in ["", "GiB", "1GB", "-1", "1.5GiB", "99999999999999999999TiB"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }
}
