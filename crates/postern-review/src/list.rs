//! Reading the store: sources, items, and finding an item by a prefix of its id.

use anyhow::Result;
use postern_spool::designation::designation;
use postern_spool::ids::{ItemId, SourceId};
use postern_spool::keys::VerifyingKey;
use postern_spool::record::{ItemRecord, MAX_RECORD_LEN, SourceRecord};
use postern_spool::spool::Spool;

use crate::ui::user_error;
use postern_spool::spool::read_regular as read_bounded;

pub struct SourceEntry {
    pub id: SourceId,
    pub record: SourceRecord,
    pub items: Vec<ItemRecord>,
    /// The newsroom's replies to this source, in (day, id) order (verified with the
    /// reply-signing key; empty when no key is given).
    pub replies: Vec<ItemRecord>,
}

/// Every source in the store with its verified records, items in (day, id) order; its replies
/// too if the newsroom's reply-signing key is given.
pub fn load(
    store: &Spool,
    key: &VerifyingKey,
    newsroom: Option<&VerifyingKey>,
) -> Result<Vec<SourceEntry>> {
    let mut out = Vec::new();
    for id in store.sources()? {
        let bytes = read_bounded(&store.source_record_path(&id), MAX_RECORD_LEN as u64)?;
        let record = SourceRecord::parse_verified(&bytes, key).map_err(|e| {
            user_error(
                format!("a source record in the store does not verify: {e}"),
                "the store was changed after import; re-import from a fresh bundle into a new --home",
            )
        })?;
        let mut items = Vec::new();
        for item in store.items(&id)? {
            let (_, rec_path) = store.item_paths(&id, &item);
            let bytes = read_bounded(&rec_path, MAX_RECORD_LEN as u64)?;
            let rec = ItemRecord::parse_verified(&bytes, key).map_err(|e| {
                user_error(
                    format!("an item record in the store does not verify: {e}"),
                    "the store was changed after import; re-import from a fresh bundle into a new --home",
                )
            })?;
            items.push(rec);
        }
        items.sort_by_key(|r| (r.day, r.item));
        let mut replies = Vec::new();
        if let Some(newsroom) = newsroom {
            for item in store.replies(&id)? {
                let (_, rec_path) = store.reply_paths(&id, &item);
                let bytes = read_bounded(&rec_path, MAX_RECORD_LEN as u64)?;
                let rec = ItemRecord::parse_verified_reply(&bytes, newsroom).map_err(|e| {
                    user_error(
                        format!("a reply record in the store does not verify: {e}"),
                        "the store was changed; check this machine",
                    )
                })?;
                replies.push(rec);
            }
            replies.sort_by_key(|r| (r.day, r.item));
        }
        out.push(SourceEntry {
            id,
            record,
            items,
            replies,
        });
    }
    out.sort_by_key(|s| (std::cmp::Reverse(s.items.last().map(|i| i.day)), s.id));
    Ok(out)
}

/// Short form of an id for listings.
pub fn short(id: &impl ToString) -> String {
    id.to_string().chars().take(8).collect()
}

/// How many leading hex digits tell every id of `ids` apart: at least 8 (what `short` shows), more
/// when two ids share their first 8 (likely from about 65,000 items on).
pub fn unique_len(ids: impl Iterator<Item = String>) -> usize {
    let mut all: Vec<String> = ids.collect();
    all.sort_unstable();
    let mut len = 8;
    for pair in all.windows(2) {
        if let [a, b] = pair {
            let common = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
            len = len.max(common + 1);
        }
    }
    len
}

/// The first `len` characters of an id.
pub fn prefix(id: &impl ToString, len: usize) -> String {
    id.to_string().chars().take(len).collect()
}

/// Finds the one source whose id starts with `prefix`, or whose designation is `prefix`.
pub fn find_source<'a>(sources: &'a [SourceEntry], prefix: &str) -> Result<&'a SourceEntry> {
    let p = prefix.trim().to_lowercase();
    let hits: Vec<_> = sources
        .iter()
        .filter(|s| designation(&s.id) == p || (p.len() >= 4 && s.id.to_string().starts_with(&p)))
        .collect();
    match hits.as_slice() {
        [one] => Ok(one),
        [] => Err(user_error(
            "no source matches",
            "run `postern-review list` to see sources and their ids",
        )),
        _ => Err(user_error(
            "more than one source matches",
            "give more characters of the source id",
        )),
    }
}

/// Finds the one item whose id starts with `prefix` (at least 4 hex digits).
pub fn find_item<'a>(
    sources: &'a [SourceEntry],
    prefix: &str,
) -> Result<(&'a SourceEntry, &'a ItemRecord)> {
    let p = prefix.trim().to_lowercase();
    if p.len() < 4 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(user_error(
            "an item is named by at least 4 hex digits of its id",
            "run `postern-review list SOURCE` to see item ids",
        ));
    }
    let hits: Vec<_> = sources
        .iter()
        .flat_map(|s| s.items.iter().chain(&s.replies).map(move |i| (s, i)))
        .filter(|(_, i)| i.item.to_string().starts_with(&p))
        .collect();
    match hits.as_slice() {
        [one] => Ok(*one),
        [] => Err(user_error(
            "no item matches",
            "run `postern-review list SOURCE` to see item ids",
        )),
        _ => Err(user_error(
            "more than one item matches",
            "give more characters of the item id",
        )),
    }
}

/// Remembers which items the last import brought in (`<home>/last-import`, one id per line).
pub fn remember_new(home: &std::path::Path, new: &[(SourceId, ItemId)]) -> Result<()> {
    use std::io::Write;
    let path = home.join("last-import");
    let tmp = home.join("last-import.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut text = String::new();
    for (_, item) in new {
        text.push_str(&format!("{item}\n"));
    }
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    Ok(())
}

/// The items the last import brought in (empty if unknown).
pub fn last_new(home: &std::path::Path) -> std::collections::HashSet<ItemId> {
    read_bounded(&home.join("last-import"), 1 << 24)
        .ok()
        .map(|b| {
            String::from_utf8_lossy(&b)
                .lines()
                .filter_map(ItemId::parse)
                .collect()
        })
        .unwrap_or_default()
}
