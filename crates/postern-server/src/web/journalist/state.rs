//! What each journalist has seen and starred.
//!
//! One small file per journalist, `<data>/journalist-state/NAME.toml`, written atomically. It
//! names only item and source ids that the spool already holds (nothing about sources beyond
//! that), and ids of deleted items are dropped whenever it is written.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::Read;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use postern_spool::ids::{ItemId, SourceId};
use serde::{Deserialize, Serialize};

use crate::accounts::{sync_dir, valid_name, write_atomic};

pub const STATE_DIR: &str = "journalist-state";
/// Largest state file read: 64 hex digits per id, far more ids than any newsroom keeps.
const MAX_STATE_FILE: u64 = 64 << 20;

/// One journalist's view state, in memory.
#[derive(Clone, Debug, Default)]
pub struct JournalistState {
    /// Items this journalist downloaded or marked seen.
    pub seen: HashSet<ItemId>,
    /// Sources this journalist starred.
    pub starred: HashSet<SourceId>,
}

/// The same on disk: sorted id lists.
#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile {
    #[serde(default)]
    seen: Vec<String>,
    #[serde(default)]
    starred: Vec<String>,
}

impl JournalistState {
    pub fn has_seen(&self, item: &ItemId) -> bool {
        self.seen.contains(item)
    }

    pub fn is_starred(&self, source: &SourceId) -> bool {
        self.starred.contains(source)
    }

    fn from_file(f: StateFile) -> JournalistState {
        JournalistState {
            seen: f.seen.iter().filter_map(|s| ItemId::parse(s)).collect(),
            starred: f
                .starred
                .iter()
                .filter_map(|s| SourceId::parse(s))
                .collect(),
        }
    }

    fn to_file(&self) -> StateFile {
        let mut seen: Vec<String> = self.seen.iter().map(ToString::to_string).collect();
        seen.sort();
        let mut starred: Vec<String> = self.starred.iter().map(ToString::to_string).collect();
        starred.sort();
        StateFile { seen, starred }
    }
}

#[derive(Clone, Debug)]
pub struct StateStore {
    dir: PathBuf,
}

impl StateStore {
    pub fn new(data_dir: &Path) -> StateStore {
        StateStore {
            dir: data_dir.join(STATE_DIR),
        }
    }

    fn path(&self, name: &str) -> Option<PathBuf> {
        valid_name(name).then(|| self.dir.join(format!("{name}.toml")))
    }

    pub fn load(&self, name: &str) -> Result<JournalistState> {
        let Some(path) = self.path(name) else {
            return Ok(JournalistState::default());
        };
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(JournalistState::default());
            }
            Err(e) => return Err(e).context("reading a journalist's state"),
        };
        let mut text = String::new();
        file.take(MAX_STATE_FILE)
            .read_to_string(&mut text)
            .context("reading a journalist's state")?;
        let file: StateFile =
            toml::from_str(&text).context("a journalist's state file is damaged")?;
        Ok(JournalistState::from_file(file))
    }

    /// Writes the state of `name` atomically.
    pub fn save(&self, name: &str, st: &JournalistState) -> Result<()> {
        let Some(path) = self.path(name) else {
            anyhow::bail!("invalid account name");
        };
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .context("creating the journalist state folder")?;
        let text = toml::to_string(&st.to_file()).context("encoding a journalist's state")?;
        write_atomic(&path, text.as_bytes())
    }

    pub fn remove(&self, name: &str) -> Result<()> {
        let Some(path) = self.path(name) else {
            return Ok(());
        };
        match fs::remove_file(&path) {
            Ok(()) => sync_dir(&self.dir),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).context("removing a journalist's state"),
        }
    }
}
