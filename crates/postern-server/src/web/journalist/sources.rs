//! The sources list, a source's page, and what a journalist can do there: star, mark seen,
//! delete an item or the whole source.

use std::collections::HashSet;
use std::sync::Arc;

use anyhow::Result;
use axum::extract::Path as UrlPath;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use postern_spool::designation::designation;
use postern_spool::ids::{ItemId, SourceId};
use serde::Deserialize;

use super::pages::{self, ItemRow, SourceRow, SourceView};
use super::{CsrfForm, Journalist, JournalistApp, Posted, Shared, WithCsrf, html};
use crate::storage::index::SourceInfo;
use crate::web::kit::error::WebResult;

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

impl WithCsrf for ConfirmForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn short(id: &SourceId) -> String {
    id.to_string().chars().take(8).collect()
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
    st.states.with(name, |state| {
        let mut rows: Vec<(bool, u32, SourceRow)> = all
            .iter()
            .map(|s| {
                let new = s.items.iter().filter(|i| !state.has_seen(&i.id)).count();
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
                        items: s.items.len(),
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
    let (items, starred) = who
        .st
        .states
        .with(&who.name, |state| {
            let items: Vec<ItemRow> = info
                .items
                .iter()
                .rev()
                .map(|i| ItemRow {
                    id: i.id.to_string(),
                    kind: i.kind.to_string(),
                    size: i.size,
                    day: i.day.to_string(),
                    new: !state.has_seen(&i.id),
                })
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
        .update(&who.name, |s| {
            s.seen.extend(info.items.iter().map(|i| i.id))
        })
        .map_err(|_| who.server_error())?;
    Ok(back_to(&info))
}

pub(super) async fn delete_item(
    UrlPath((sid, iid)): UrlPath<(String, String)>,
    Posted(who, _): Posted<CsrfForm>,
) -> WebResult {
    let (Some(source), Some(item)) = (SourceId::parse(&sid), ItemId::parse(&iid)) else {
        return Err(who.not_found());
    };
    let st2 = who.st.clone();
    let done = tokio::task::spawn_blocking(move || -> Result<bool> {
        let existed = st2.index.delete_item(&source, &item)?;
        st2.states.forget(&HashSet::from([item]), None)?;
        Ok(existed)
    })
    .await;
    match done {
        Ok(Ok(true)) => {
            tracing::info!("a journalist deleted an item");
            match source_info(&who.st, &sid).await {
                Some(info) => render_source(&who, &info, Some(&who.t("j-notice-item-deleted"))),
                None => Ok(Redirect::to("/sources").into_response()),
            }
        }
        Ok(Ok(false)) => Err(who.not_found()),
        _ => Err(who.server_error()),
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
