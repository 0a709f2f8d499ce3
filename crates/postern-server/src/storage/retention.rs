//! Retention: an optional policy that deletes items older than N days (off by default).
//!
//! With `retention_days = N` in the config, every item whose signed record says it was stored
//! more than N days before today is deleted (record, then ciphertext, then the folder is
//! fsynced). `postern serve` runs it at startup before anything listens, and then once a day.
//! Sources stay (with no items) so that a returning source still finds its replies.

use std::collections::HashSet;

use anyhow::Result;
use postern_spool::day::Day;
use postern_spool::ids::ItemId;

use crate::storage::index::SpoolIndex;
use crate::storage::journalist_state::JournalistStates;

/// Deletes what is older than `days`; returns the number of items deleted.
pub fn apply(
    index: &SpoolIndex,
    days: u32,
    now: Day,
    forget: &dyn Fn(&HashSet<ItemId>) -> Result<()>,
) -> Result<usize> {
    let mut old = HashSet::new();
    for s in index.sources()? {
        for item in &s.items {
            if now.0.saturating_sub(item.day.0) > days && index.delete_item(&s.id, &item.id)? {
                old.insert(item.id);
            }
        }
    }
    if !old.is_empty() {
        forget(&old)?;
        tracing::info!(items = old.len(), days, "retention deleted old items");
    }
    Ok(old.len())
}

/// Applies the policy once, on the spool behind `index`, and removes what it deleted from every
/// journalist's state.
pub fn run(index: &SpoolIndex, states: &JournalistStates, days: u32, now: Day) -> Result<usize> {
    apply(index, days, now, &|items| states.forget(items, None))
}
