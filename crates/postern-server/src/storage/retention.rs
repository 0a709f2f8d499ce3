//! Retention: an optional policy that deletes items older than N days (off by default).
//!
//! With `retention_days = N` in the config, every entry stored more than N days before today
//! (by its signed records) is deleted: a message or file (record, then ciphertext, then the
//! folder is fsynced), or a whole resumable upload (recorded first, like a journalist's
//! deletion). `postern serve` runs it at startup before anything listens, and then once a day.
//! Sources stay (with no items) so that a returning source still finds its replies.

use std::collections::{HashMap, HashSet};

use anyhow::Result;
use postern_spool::day::Day;
use postern_spool::ids::ItemId;

use crate::storage::index::{EntryKey, SpoolIndex, UploadStatus};
use crate::storage::journalist_state::JournalistStates;

/// Deletes what is older than `days`; returns the number of items deleted.
///
/// It goes by entry, as a journalist sees them: a message or file by its day, a resumable
/// upload by the day of its newest part, and then whole, through the same recorded,
/// crash-safe deletion as a journalist's ([`SpoolIndex::delete_upload`]), never part by part
/// (which would leave a broken upload behind). An upload still open (in progress, or past its
/// expiry day) is left to the uploads' own expiry, which removes it with its segments. Parts
/// the server cannot place in an upload go one by one, by their own day.
pub fn apply(
    index: &SpoolIndex,
    days: u32,
    now: Day,
    forget: &dyn Fn(&HashSet<ItemId>) -> Result<()>,
) -> Result<usize> {
    let too_old = |d: Day| now.0.saturating_sub(d.0) > days;
    let mut old = HashSet::new();
    let uploads = index.upload_files()?;
    for s in index.sources()? {
        let files = uploads.get(&s.id).map(Vec::as_slice).unwrap_or(&[]);
        let day_of: HashMap<ItemId, Day> = s.items.iter().map(|i| (i.id, i.day)).collect();
        for e in SpoolIndex::entries(&s, files, now) {
            match (e.key, e.upload) {
                (EntryKey::Item(item), _) => {
                    if too_old(e.day) && index.delete_item(&s.id, &item)? {
                        old.insert(item);
                    }
                }
                (
                    EntryKey::Upload(_),
                    Some(UploadStatus::InProgress { .. } | UploadStatus::Expired { .. }),
                ) => {}
                (EntryKey::Upload(upload), _) => {
                    if too_old(e.day)
                        && let Some(items) = index.delete_upload(&s.id, &upload)?
                    {
                        old.extend(items);
                    }
                }
                (EntryKey::Unindexed, _) => {
                    for part in &e.parts {
                        if day_of.get(part).is_some_and(|d| too_old(*d))
                            && index.delete_item(&s.id, part)?
                        {
                            old.insert(*part);
                        }
                    }
                }
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
