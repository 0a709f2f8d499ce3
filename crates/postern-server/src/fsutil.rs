//! The server's file-system helpers: one copy each of create-new, atomic replace, folder sync and
//! bounded reads. Everything the server writes outside the spool library goes through these, so
//! that "nothing half-written" and "bounded before it allocates" hold in one place. (The
//! reviewer keeps its own, in its own trust zone.)

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{Context, Result};

/// Creates `path` (never overwriting), writes `data` and fsyncs it.
pub fn write_new(path: &Path, data: &[u8], mode: u32) -> Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(data)?;
    f.sync_all()?;
    Ok(())
}

/// Writes `data` to `path` through a temporary in the same folder (mode 0600): fsync, rename,
/// fsync the folder. A reader sees the old file or the new one, never a part.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut rnd = [0u8; 8];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut rnd);
    let tmp = dir.join(format!(".tmp-{}", hex::encode(rnd)));
    let result = (|| -> Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.context("writing a file atomically")
}

/// Fsyncs a folder, so that a rename or removal in it is durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .context("syncing a folder")
}

/// Reads at most `max` bytes of `path`; a longer file is an `InvalidData` error, never a
/// truncated read taken for the whole.
pub fn read_bounded(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    File::open(path)?
        .take(max.saturating_add(1))
        .read_to_end(&mut out)?;
    if out.len() as u64 > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "file larger than expected",
        ));
    }
    Ok(out)
}

/// [`read_bounded`] for text.
pub fn read_text_bounded(path: &Path, max: u64) -> io::Result<String> {
    String::from_utf8(read_bounded(path, max)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// Sets an open file's (or folder's) access and modification times to the first second of `day`
/// (UTC), as the spool does for committed items: on disk, no time finer than the day.
pub fn set_day(f: &fs::File, day: postern_spool::day::Day) -> std::io::Result<()> {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(u64::from(day.0) * 86_400);
    f.set_times(fs::FileTimes::new().set_accessed(t).set_modified(t))
}
