//! Retention: an optional policy that deletes items older than N days (off by default).
//!
//! With `retention_days = N` in the config, every item whose signed record says it was stored
//! more than N days before today is deleted (record, then ciphertext, then the folder is
//! fsynced), at startup before anything listens, and then once a day while the server runs.
//! Sources stay (with no items) so that a returning source still finds its replies.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use postern_spool::day::Day;
use postern_spool::ids::ItemId;

use crate::accounts::AccountStore;
use crate::config::Config;
use crate::spoolview::{SpoolIndex, today};
use crate::web::journalist::state::StateStore;
use crate::web::journalist::{Shared, forget_in};

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

/// Applies the policy now (an error stops the server from starting) and schedules it daily.
pub fn start(cfg: &Config, index: Arc<SpoolIndex>, journalist: Option<Shared>) -> Result<()> {
    let Some(days) = cfg.file.retention_days else {
        return Ok(());
    };
    let states = StateStore::new(&cfg.file.data_dir);
    let accounts = AccountStore::new(&cfg.file.data_dir);
    let forget = move |items: &HashSet<ItemId>| -> Result<()> {
        match &journalist {
            Some(app) => app.forget(items, None),
            None => forget_in(&states, &accounts, items, None),
        }
    };
    apply(&index, days, today(), &forget)?;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(24 * 3600));
        tick.tick().await; // the first tick is immediate: that run was done above
        loop {
            tick.tick().await;
            let index = index.clone();
            let forget = forget.clone();
            let run = tokio::task::spawn_blocking(move || apply(&index, days, today(), &forget));
            if !matches!(run.await, Ok(Ok(_))) {
                tracing::warn!("the daily retention run failed; it will be tried again tomorrow");
            }
        }
    });
    Ok(())
}
