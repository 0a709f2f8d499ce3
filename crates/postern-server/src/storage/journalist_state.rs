//! What each journalist has seen and starred.
//!
//! One small file per journalist, `<data>/journalist-state/NAME.toml`, written atomically. It
//! names only item and source ids that the spool already holds (nothing about sources beyond
//! that), and ids of deleted items are dropped whenever it is written. [`JournalistStates`] keeps
//! the states of logged-in journalists in memory, and removes deleted items and sources from
//! every state, on disk and in memory, so that no state file keeps a trace of what was deleted.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::Read;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, anyhow};
use postern_spool::ids::{ItemId, SourceId};
use serde::{Deserialize, Serialize};

use crate::fsutil::{sync_dir, write_atomic};
use crate::storage::accounts::{AccountStore, valid_name};

pub const STATE_DIR: &str = "journalist-state";
/// Largest state file read: 64 hex digits per id, far more ids than any newsroom keeps.
const MAX_STATE_FILE: u64 = 64 << 20;

/// One journalist's view state, in memory.
///
/// "Everything new" must stay one fixed set while its parts download, although downloading a
/// part marks its items seen: so each seen item keeps the *mark* that was current when it was
/// seen, and a "new" selection carries the mark it was made at ([`JournalistState::next_mark`]).
/// It holds the items not seen before that mark ([`JournalistState::new_at`]), whatever is
/// downloaded or marked seen after it.
#[derive(Clone, Debug, Default)]
pub struct JournalistState {
    /// Items this journalist downloaded or marked seen, with the mark current then.
    seen: HashMap<ItemId, u64>,
    /// Sources this journalist starred.
    pub starred: HashSet<SourceId>,
    /// The latest mark handed to a "new" selection.
    mark: u64,
}

/// The same on disk: sorted id lists (a seen item as `<id>` for mark 0, else `<id>@<mark>`).
#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile {
    #[serde(default)]
    seen: Vec<String>,
    #[serde(default)]
    starred: Vec<String>,
    #[serde(default)]
    mark: u64,
}

/// `<id>` or `<id>@<mark>` (canonical decimal, not 0).
fn parse_seen(s: &str) -> Option<(ItemId, u64)> {
    match s.split_once('@') {
        None => Some((ItemId::parse(s)?, 0)),
        Some((id, m)) => {
            let mark: u64 = m.parse().ok()?;
            (mark != 0 && mark.to_string() == m).then_some(())?;
            Some((ItemId::parse(id)?, mark))
        }
    }
}

impl JournalistState {
    pub fn has_seen(&self, item: &ItemId) -> bool {
        self.seen.contains_key(item)
    }

    /// Marks items seen (at the current mark; an item seen already keeps its mark).
    pub fn mark_seen(&mut self, items: impl IntoIterator<Item = ItemId>) {
        for i in items {
            self.seen.entry(i).or_insert(self.mark);
        }
    }

    /// Hands out a fresh mark for a "new" selection made now.
    pub fn next_mark(&mut self) -> u64 {
        self.mark = self.mark.saturating_add(1);
        self.mark
    }

    /// The latest mark handed out.
    pub fn mark(&self) -> u64 {
        self.mark
    }

    /// Whether `item` belongs to the "new" selection made at `mark`: not seen, or seen at that
    /// mark or after it (a mark from the future is refused by the caller).
    pub fn new_at(&self, item: &ItemId, mark: u64) -> bool {
        self.seen.get(item).is_none_or(|m| *m >= mark)
    }

    /// Forgets deleted items.
    pub fn forget_items(&mut self, items: &HashSet<ItemId>) {
        self.seen.retain(|i, _| !items.contains(i));
    }

    /// How many items are seen.
    pub fn seen_count(&self) -> usize {
        self.seen.len()
    }

    pub fn is_starred(&self, source: &SourceId) -> bool {
        self.starred.contains(source)
    }

    fn from_file(f: StateFile) -> JournalistState {
        JournalistState {
            seen: f.seen.iter().filter_map(|s| parse_seen(s)).collect(),
            starred: f
                .starred
                .iter()
                .filter_map(|s| SourceId::parse(s))
                .collect(),
            mark: f.mark,
        }
    }

    fn to_file(&self) -> StateFile {
        let mut seen: Vec<String> = self
            .seen
            .iter()
            .map(|(i, m)| {
                if *m == 0 {
                    i.to_string()
                } else {
                    format!("{i}@{m}")
                }
            })
            .collect();
        seen.sort();
        let mut starred: Vec<String> = self.starred.iter().map(ToString::to_string).collect();
        starred.sort();
        StateFile {
            seen,
            starred,
            mark: self.mark,
        }
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

/// Removes `items` and `source` from every journalist's state file.
pub fn forget_in(
    states: &StateStore,
    accounts: &AccountStore,
    items: &HashSet<ItemId>,
    source: Option<SourceId>,
) -> Result<()> {
    for name in accounts.names()? {
        let mut st = states.load(&name)?;
        let before = (st.seen_count(), st.starred.len());
        st.forget_items(items);
        if let Some(s) = source {
            st.starred.remove(&s);
        }
        if before != (st.seen_count(), st.starred.len()) {
            states.save(&name, &st)?;
        }
    }
    Ok(())
}

/// Every journalist's state: on disk, and cached in memory for those who use it.
pub struct JournalistStates {
    store: StateStore,
    accounts: AccountStore,
    cache: Mutex<HashMap<String, JournalistState>>,
}

impl JournalistStates {
    pub fn new(data_dir: &Path) -> JournalistStates {
        JournalistStates {
            store: StateStore::new(data_dir),
            accounts: AccountStore::new(data_dir),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Runs `f` on the journalist's state, loading it first if needed.
    pub fn with<T>(&self, name: &str, f: impl FnOnce(&JournalistState) -> T) -> Result<T> {
        let mut cache = self
            .cache
            .lock()
            .map_err(|_| anyhow!("state lock poisoned"))?;
        Ok(f(self.cached(&mut cache, name)?))
    }

    /// Changes the journalist's state and writes it to disk.
    pub fn update(&self, name: &str, f: impl FnOnce(&mut JournalistState)) -> Result<()> {
        let mut cache = self
            .cache
            .lock()
            .map_err(|_| anyhow!("state lock poisoned"))?;
        let st = self.cached(&mut cache, name)?;
        f(st);
        self.store.save(name, st)
    }

    /// The cached state of `name`, loaded from disk on first use.
    fn cached<'a>(
        &self,
        cache: &'a mut HashMap<String, JournalistState>,
        name: &str,
    ) -> Result<&'a mut JournalistState> {
        if !cache.contains_key(name) {
            cache.insert(name.to_owned(), self.store.load(name)?);
        }
        cache.get_mut(name).context("state just loaded")
    }

    /// Drops the cached copy of `name`'s state: the next use reads it fresh from disk.
    pub fn reload(&self, name: &str) {
        if let Ok(mut c) = self.cache.lock() {
            c.remove(name);
        }
    }

    /// Removes deleted items (and a deleted source) from every journalist's state, on disk and
    /// in memory.
    pub fn forget(&self, items: &HashSet<ItemId>, source: Option<SourceId>) -> Result<()> {
        let mut cache = self
            .cache
            .lock()
            .map_err(|_| anyhow!("state lock poisoned"))?;
        forget_in(&self.store, &self.accounts, items, source)?;
        cache.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_new_selection_stays_the_same_set_while_its_items_are_seen() {
        let (a, b, c) = (
            ItemId::from_bytes([1; 16]),
            ItemId::from_bytes([2; 16]),
            ItemId::from_bytes([3; 16]),
        );
        let mut st = JournalistState::default();
        st.mark_seen([a]); // seen long ago
        let m = st.next_mark();
        st.mark_seen([b]); // downloaded as part of the selection made at m
        assert!(!st.new_at(&a, m));
        assert!(st.new_at(&b, m) && st.new_at(&c, m));
        // A later "new" selection leaves out what was seen meanwhile.
        let m2 = st.next_mark();
        assert!(!st.new_at(&b, m2) && st.new_at(&c, m2));
        // The marks survive a round trip through the file, and old files (no marks) still read.
        let back = JournalistState::from_file(
            toml::from_str(&toml::to_string(&st.to_file()).unwrap()).unwrap(),
        );
        assert_eq!(back.mark(), m2);
        assert!(!back.new_at(&a, m) && back.new_at(&b, m) && !back.new_at(&b, m2));
        let old: StateFile = toml::from_str(&format!("seen = [\"{a}\"]")).unwrap();
        let old = JournalistState::from_file(old);
        assert!(old.has_seen(&a) && old.mark() == 0);
        for bad in [
            format!("{a}@0"),
            format!("{a}@01"),
            format!("{a}@x"),
            "x".into(),
        ] {
            assert_eq!(parse_seen(&bad), None, "{bad}");
        }
    }
}
