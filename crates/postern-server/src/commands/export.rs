//! `postern export`: the operator's way to the air gap without the web interface. Writes the
//! same signed bundle as the journalist interface (every item, or those of `--since` on) to a
//! new file in a folder, for a USB stick. Nothing is marked seen.

use std::fs::{self, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use postern_spool::day::Day;
use postern_spool::ids::ItemId;
use postern_spool::spool::Spool;

use crate::clock::{Clock, SystemClock, parse_day};
use crate::config::Config;
use crate::storage::index::{SourceInfo, SpoolIndex};

/// Writes the bundle and returns its path and the number of items in it.
pub fn export(cfg: &Config, to: &Path, since: Option<&str>) -> Result<(PathBuf, usize)> {
    let since: Option<Day> = match since {
        Some(s) => Some(parse_day(s).context("--since takes a day as YYYY-MM-DD")?),
        None => None,
    };
    if !to.is_dir() {
        bail!("{} is not a folder", to.display());
    }
    let spool = Spool::open(&cfg.spool_dir()).context("opening the spool")?;
    let index = SpoolIndex::new(spool, cfg.signing_key.verifying_key());
    let selection: Vec<(Arc<SourceInfo>, Vec<ItemId>)> = index
        .sources()?
        .into_iter()
        .map(|s| {
            let items = s
                .items
                .iter()
                .filter(|i| since.is_none_or(|d| i.day >= d))
                .map(|i| i.id)
                .collect();
            (s, items)
        })
        .collect();
    let mut rnd = [0u8; 4];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut rnd);
    let name = format!(
        "postern-bundle-{}-{}.tar",
        SystemClock.today(),
        hex::encode(rnd)
    );
    let dest = to.join(&name);
    let tmp = to.join(format!(".{name}.partial"));
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("cannot create {}", tmp.display()))?;
    let result = (|| -> Result<usize> {
        let (w, written) = index.write_bundle(BufWriter::new(file), &selection)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&tmp, &dest)?;
        crate::fsutil::sync_dir(to)?;
        Ok(written.len())
    })();
    match result {
        Ok(n) => Ok((dest, n)),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e).context("writing the bundle")
        }
    }
}

pub fn print_summary(path: &Path, items: usize) {
    let _ = writeln!(
        std::io::stdout(),
        "Wrote {items} item(s) to {}.\nOn the air-gapped machine: postern-review import {}",
        path.display(),
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
}
