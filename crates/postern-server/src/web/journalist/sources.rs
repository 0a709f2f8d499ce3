//! The sources list, a source's page, and what a journalist can do there: star, mark seen,
//! delete an item or the whole source.

use std::collections::HashSet;
use std::sync::Arc;

use anyhow::Result;
use axum::extract::Path as UrlPath;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use postern_spool::designation::designation;
use postern_spool::envelope::Kind;
use postern_spool::ids::{ItemId, SourceId, UploadId};
use serde::Deserialize;

use super::pages::{self, Confirm, ItemRow, SourceRow, SourceView, readable};
use super::{CsrfForm, Journalist, JournalistApp, Posted, Shared, WithCsrf, html};
use crate::storage::index::{Entry, EntryKey, SourceInfo, SpoolIndex, UploadStatus};
use crate::storage::journalist_state::JournalistState;
use crate::storage::selection::{Spec, Token};
use crate::web::kit::error::WebResult;
use crate::web::kit::i18n::{self, Arg, Lang};

#[derive(Deserialize)]
pub(super) struct StarForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    on: String,
}

impl WithCsrf for StarForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

#[derive(Deserialize)]
pub(super) struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: String,
}

/// A deletion: without `confirm=yes`, it only shows the confirmation page.
#[derive(Deserialize)]
pub(super) struct DeleteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: String,
}

impl WithCsrf for DeleteForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl WithCsrf for ConfirmForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn short(id: &impl ToString) -> String {
    id.to_string().chars().take(8).collect()
}

/// An entry is new for a journalist while any of its parts is unseen.
fn is_new(e: &Entry, state: &JournalistState) -> bool {
    e.parts.iter().any(|p| !state.has_seen(p))
}

/// The entries of a source (blocking: reads `uploads/`).
fn entries_of(st: &JournalistApp, info: &SourceInfo) -> Result<Vec<Entry>> {
    let uploads = st.index.upload_files()?;
    let files = uploads.get(&info.id).map(Vec::as_slice).unwrap_or(&[]);
    Ok(SpoolIndex::entries(info, files, st.clock.today()))
}

fn percent(offset: u64, length: u64) -> u64 {
    if length == 0 {
        100
    } else {
        u64::try_from(u128::from(offset) * 100 / u128::from(length)).unwrap_or(100)
    }
}

/// What the state column says, in `lang`.
fn state_text(e: &Entry, lang: Lang) -> String {
    let progress = |id: &str, offset: u64, length: u64| {
        i18n::t_args(
            lang,
            id,
            &[
                ("have", Arg::Str(readable(offset))),
                ("total", Arg::Str(readable(length))),
                ("percent", Arg::Num(percent(offset, length))),
            ],
        )
    };
    match e.upload {
        None => String::new(),
        Some(UploadStatus::Complete) => i18n::t(lang, "j-state-complete"),
        Some(UploadStatus::InProgress { offset, length }) => {
            progress("j-state-in-progress", offset, length)
        }
        Some(UploadStatus::Expired { offset, length }) => {
            progress("j-state-expired", offset, length)
        }
        Some(UploadStatus::PartsMissing) => i18n::t(lang, "j-state-parts-missing"),
        Some(UploadStatus::Unindexed) => i18n::t(lang, "j-state-unindexed"),
    }
}

fn entry_name(e: &Entry, lang: Lang) -> String {
    match e.key {
        EntryKey::Item(id) => format!("{id}.age"),
        EntryKey::Upload(id) => {
            i18n::t_args(lang, "j-upload-name", &[("id", Arg::Str(short(&id)))])
        }
        EntryKey::Unindexed => i18n::t(lang, "j-upload-parts"),
    }
}

/// The kind as the record names it (`upload` for an upload, whatever its parts).
fn kind_text(e: &Entry) -> &'static str {
    match e.kind {
        Kind::Manifest | Kind::Segment => "upload",
        other => other.as_str(),
    }
}

fn entry_row(source: &SourceId, e: &Entry, new: bool, lang: Lang) -> ItemRow {
    let (link, delete) = match e.key {
        EntryKey::Item(id) => (
            Some(format!("/sources/{source}/items/{id}")),
            format!("/sources/{source}/items/{id}/delete"),
        ),
        // An upload downloads as its own selection (exactly its segments and manifest), from
        // the page that shows its size and parts.
        EntryKey::Upload(id) => (
            Some(format!(
                "/bundle/{}",
                Token {
                    spec: Spec::Upload(*source, id),
                    content: None,
                }
            )),
            format!("/sources/{source}/uploads/{id}/delete"),
        ),
        EntryKey::Unindexed => (None, format!("/sources/{source}/uploads/unindexed/delete")),
    };
    ItemRow {
        name: entry_name(e, lang),
        link,
        kind: kind_text(e).to_owned(),
        size: readable(e.size),
        day: e.day.to_string(),
        state: state_text(e, lang),
        delete,
        new,
    }
}

pub(super) async fn sources(who: Journalist) -> WebResult {
    let st = who.st.clone();
    let name = who.name.clone();
    let rows = tokio::task::spawn_blocking(move || source_rows(&st, &name)).await;
    match rows {
        Ok(Ok((rows, total_new))) => Ok(html(
            StatusCode::OK,
            pages::sources(&who.layout(), None, &rows, total_new),
        )),
        _ => Err(who.server_error()),
    }
}

/// The rows of the sources list: starred first, then by last active day (latest first).
pub fn source_rows(st: &JournalistApp, name: &str) -> Result<(Vec<SourceRow>, usize)> {
    let all = st.index.sources()?;
    let uploads = st.index.upload_files()?;
    let today = st.clock.today();
    st.states.with(name, |state| {
        let mut rows: Vec<(bool, u32, SourceRow)> = all
            .iter()
            .map(|s| {
                let files = uploads.get(&s.id).map(Vec::as_slice).unwrap_or(&[]);
                let entries = SpoolIndex::entries(s, files, today);
                let new = entries.iter().filter(|e| is_new(e, state)).count();
                let starred = state.is_starred(&s.id);
                let last = s.last_day();
                (
                    starred,
                    last.0,
                    SourceRow {
                        id: s.id.to_string(),
                        short: short(&s.id),
                        designation: designation(&s.id),
                        new,
                        items: entries.len(),
                        last_day: last.to_string(),
                        starred,
                    },
                )
            })
            .collect();
        rows.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
        let total_new = rows.iter().map(|r| r.2.new).sum();
        (rows.into_iter().map(|r| r.2).collect(), total_new)
    })
}

/// The source `sid` (hex) from the index, if it exists and verifies.
pub(super) async fn source_info(st: &Shared, sid: &str) -> Option<Arc<SourceInfo>> {
    let id = SourceId::parse(sid)?;
    let index = st.index.clone();
    tokio::task::spawn_blocking(move || index.source(&id))
        .await
        .ok()?
        .ok()
        .flatten()
}

/// The source `sid`, or the not-found page.
async fn found(who: &Journalist, sid: &str) -> WebResult<Arc<SourceInfo>> {
    source_info(&who.st, sid)
        .await
        .ok_or_else(|| who.not_found())
}

pub(super) async fn source_page(who: Journalist, UrlPath(sid): UrlPath<String>) -> WebResult {
    let info = found(&who, &sid).await?;
    render_source(&who, &info, None)
}

fn render_source(who: &Journalist, info: &SourceInfo, notice: Option<&str>) -> WebResult {
    let entries = entries_of(&who.st, info).map_err(|_| who.server_error())?;
    let (items, starred) = who
        .st
        .states
        .with(&who.name, |state| {
            let items: Vec<ItemRow> = entries
                .iter()
                .map(|e| entry_row(&info.id, e, is_new(e, state), who.lang))
                .collect();
            (items, state.is_starred(&info.id))
        })
        .map_err(|_| who.server_error())?;
    let id = info.id.to_string();
    let short = short(&info.id);
    let designation = designation(&info.id);
    let first_day = info.first_day.to_string();
    Ok(html(
        StatusCode::OK,
        pages::source(
            &who.layout(),
            notice,
            &SourceView {
                id: &id,
                short: &short,
                designation: &designation,
                first_day: &first_day,
                starred,
                items: &items,
            },
        ),
    ))
}

/// The confirmation page of deleting `e` (nothing is deleted yet).
fn confirm_page(who: &Journalist, info: &SourceInfo, e: &Entry, action: &str) -> WebResult {
    let lang = who.lang;
    let kind = i18n::t(lang, &format!("j-kind-{}", kind_text(e)));
    let state = state_text(e, lang);
    let what = format!(
        "{kind} {} ({}, {}{})",
        entry_name(e, lang),
        readable(e.size),
        i18n::date(lang, &e.day.to_string()),
        if state.is_empty() {
            String::new()
        } else {
            format!(", {state}")
        }
    );
    let designation = designation(&info.id);
    let back = format!("/sources/{}", info.id);
    Ok(html(
        StatusCode::OK,
        pages::confirm(
            &who.layout(),
            &Confirm {
                designation: &designation,
                back: &back,
                action,
                what: &what,
            },
        ),
    ))
}

/// The entry `key` of source `sid`, or the not-found page.
async fn found_entry(
    who: &Journalist,
    sid: &str,
    key: EntryKey,
) -> WebResult<(Arc<SourceInfo>, Entry)> {
    let info = found(who, sid).await?;
    let st = who.st.clone();
    let info2 = info.clone();
    let entries = tokio::task::spawn_blocking(move || entries_of(&st, &info2))
        .await
        .map_err(|_| who.server_error())?
        .map_err(|_| who.server_error())?;
    let entry = entries
        .into_iter()
        .find(|e| e.key == key)
        .ok_or_else(|| who.not_found())?;
    Ok((info, entry))
}

fn back_to(info: &SourceInfo) -> Response {
    Redirect::to(&format!("/sources/{}", info.id)).into_response()
}

pub(super) async fn star(
    UrlPath(sid): UrlPath<String>,
    Posted(who, form): Posted<StarForm>,
) -> WebResult {
    let info = found(&who, &sid).await?;
    let on = form.on == "1";
    who.st
        .states
        .update(&who.name, |s| {
            if on {
                s.starred.insert(info.id);
            } else {
                s.starred.remove(&info.id);
            }
        })
        .map_err(|_| who.server_error())?;
    Ok(back_to(&info))
}

pub(super) async fn mark_seen(
    UrlPath(sid): UrlPath<String>,
    Posted(who, _): Posted<CsrfForm>,
) -> WebResult {
    let info = found(&who, &sid).await?;
    who.st
        .states
        .update(&who.name, |s| s.mark_seen(info.items.iter().map(|i| i.id)))
        .map_err(|_| who.server_error())?;
    Ok(back_to(&info))
}

/// `POST /sources/{sid}/items/{iid}/delete`: a message or file (never a part of an upload), after
/// the confirmation page.
pub(super) async fn delete_item(
    UrlPath((sid, iid)): UrlPath<(String, String)>,
    Posted(who, form): Posted<DeleteForm>,
) -> WebResult {
    let Some(item) = ItemId::parse(&iid) else {
        return Err(who.not_found());
    };
    let (info, entry) = found_entry(&who, &sid, EntryKey::Item(item)).await?;
    if form.confirm != "yes" {
        let action = format!("/sources/{}/items/{item}/delete", info.id);
        return confirm_page(&who, &info, &entry, &action);
    }
    let st2 = who.st.clone();
    let source = info.id;
    let done = tokio::task::spawn_blocking(move || -> Result<bool> {
        let existed = st2.index.delete_item(&source, &item)?;
        st2.states.forget(&HashSet::from([item]), None)?;
        Ok(existed)
    })
    .await;
    match done {
        Ok(Ok(true)) => {
            tracing::info!("a journalist deleted an item");
            after_delete(&who, &sid, &who.t("j-notice-item-deleted")).await
        }
        Ok(Ok(false)) => Err(who.not_found()),
        _ => Err(who.server_error()),
    }
}

/// `POST /sources/{sid}/uploads/{uid}/delete`: a whole upload, every part of it, after the
/// confirmation page. `unindexed` names the parts the server cannot group.
pub(super) async fn delete_upload(
    UrlPath((sid, uid)): UrlPath<(String, String)>,
    Posted(who, form): Posted<DeleteForm>,
) -> WebResult {
    let key = if uid == "unindexed" {
        EntryKey::Unindexed
    } else {
        match UploadId::parse(&uid) {
            Some(u) => EntryKey::Upload(u),
            None => return Err(who.not_found()),
        }
    };
    let (info, entry) = found_entry(&who, &sid, key).await?;
    if form.confirm != "yes" {
        let action = format!("/sources/{}/uploads/{uid}/delete", info.id);
        return confirm_page(&who, &info, &entry, &action);
    }
    // A resumable upload still open leaves the uploads' index first (a later HEAD or PATCH
    // gets 404, a request in flight commits nothing), then its files go under its lock, once
    // a request still holding it ends (or after a short wait: it can commit nothing now).
    let tus = who.st.tus_uploads.get().cloned();
    let _guard = match (key, &tus) {
        (EntryKey::Upload(u), Some(t)) => {
            t.deleted(&u);
            t.lock_within(u, std::time::Duration::from_secs(10)).await
        }
        _ => None,
    };
    let st2 = who.st.clone();
    let source = info.id;
    let done = tokio::task::spawn_blocking(move || -> Result<bool> {
        let items: HashSet<ItemId> = match key {
            EntryKey::Upload(u) => match st2.index.delete_upload(&source, &u)? {
                Some(items) => items,
                None => return Ok(false),
            },
            _ => {
                for p in &entry.parts {
                    st2.index.delete_item(&source, p)?;
                }
                entry.parts.iter().copied().collect()
            }
        };
        st2.states.forget(&items, None)?;
        Ok(true)
    })
    .await;
    match done {
        Ok(Ok(true)) => {
            tracing::info!("a journalist deleted an upload");
            after_delete(&who, &sid, &who.t("j-notice-upload-deleted")).await
        }
        Ok(Ok(false)) => Err(who.not_found()),
        _ => Err(who.server_error()),
    }
}

async fn after_delete(who: &Journalist, sid: &str, notice: &str) -> WebResult {
    match source_info(&who.st, sid).await {
        Some(info) => render_source(who, &info, Some(notice)),
        None => Ok(Redirect::to("/sources").into_response()),
    }
}

pub(super) async fn delete_source(
    UrlPath(sid): UrlPath<String>,
    Posted(who, form): Posted<ConfirmForm>,
) -> WebResult {
    let info = found(&who, &sid).await?;
    if form.confirm.trim() != designation(&info.id) {
        return render_source(&who, &info, Some(&who.t("j-notice-not-confirmed")));
    }
    let st2 = who.st.clone();
    let done = tokio::task::spawn_blocking(move || -> Result<()> {
        let items: HashSet<ItemId> = info.items.iter().map(|i| i.id).collect();
        st2.index.delete_source(&info.id)?;
        st2.states.forget(&items, Some(info.id))
    })
    .await;
    if !matches!(done, Ok(Ok(()))) {
        return Err(who.server_error());
    }
    tracing::info!("a journalist deleted a source");
    let st3 = who.st.clone();
    let name = who.name.clone();
    match tokio::task::spawn_blocking(move || source_rows(&st3, &name)).await {
        Ok(Ok((rows, total_new))) => Ok(html(
            StatusCode::OK,
            pages::sources(
                &who.layout(),
                Some(&who.t("j-notice-source-deleted")),
                &rows,
                total_new,
            ),
        )),
        _ => Err(who.server_error()),
    }
}
