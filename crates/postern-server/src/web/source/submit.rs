//! Streaming submissions from the form: each multipart field goes straight into the staging
//! pipeline ([`crate::storage::staging`]): an envelope sealed to the newsroom, in a temporary
//! file in the spool. Nothing is committed until the whole request has arrived within its
//! limits; then every item of the request is committed. A refused, cut-off or crashed upload
//! leaves nothing visible: temporaries are removed on the spot, or by the startup sweep after a
//! crash.
//!
//! What is checked before a byte is stored: the session (a logged-in source), the CSRF token (the
//! form's first field), the declared length against the request limit, and free disk space
//! against the reserve. What is enforced while streaming: the per-file, per-request and message
//! limits, the reserve again at every item and every few MiB, and the number of files per
//! request and per source. Empty file parts are skipped before anything is staged. The body
//! itself is bounded before it reaches the parser (`web::kit::bounds`: a minimum rate, the
//! multipart preamble, part headers and part count).

use axum::extract::Multipart;
use axum::extract::multipart::Field;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use postern_spool::envelope::{Header, Kind};
use postern_spool::ids::{ItemId, SourceId};
use postern_spool::record::SourceRecord;
use tower_sessions::Session;

use super::extract::{SignedIn, error_page};
use super::i18n::t;
use super::pages::{self, Ctx};
use super::{SharedState, current_source, home_refused, home_view_for, html, submitted_redirect};
use crate::storage::staging::{StageError, Staged};
use crate::web::kit::csrf::{csrf_ok, csrf_token};

/// Why an upload was refused. Each maps to a page; none carries anything the source sent.
enum Refusal {
    Expired,
    Csrf,
    BadRequest,
    TooLarge,
    MessageTooLong,
    /// More files than a request or the source may have.
    TooMany,
    DiskFull,
    /// The client went away or stalled; nobody is there to read a page.
    Gone,
    Server,
}

impl Refusal {
    fn as_str(&self) -> &'static str {
        match self {
            Refusal::Expired => "session expired",
            Refusal::Csrf => "csrf",
            Refusal::BadRequest => "malformed form",
            Refusal::TooLarge => "too large",
            Refusal::MessageTooLong => "message too long",
            Refusal::TooMany => "too many items",
            Refusal::DiskFull => "disk reserve",
            Refusal::Gone => "client disconnected or stalled",
            Refusal::Server => "server error",
        }
    }
}

pub async fn submit(
    s: SignedIn,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let SignedIn {
        visit: v,
        source,
        id: source_id,
    } = s;
    let (st, session, lang) = (&v.st, &v.session, v.lang);
    let ctx = Ctx {
        org: st.org.clone(),
        csrf: csrf_token(session).await,
        logged_in: true,
        ..Ctx::bare(lang, "home")
    };
    let Ok(reply) = source.reply.parse::<postern_spool::recipients::Recipient>() else {
        return error_page(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-server").into_response();
    };
    let Ok(multipart) = multipart else {
        return error_page(&ctx, StatusCode::BAD_REQUEST, "error-bad-request").into_response();
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > st.limits.max_request_bytes.saturating_add(64 * 1024)) {
        return home_refused(
            st,
            session,
            &source_id,
            &ctx,
            "error-too-large",
            String::new(),
        )
        .await;
    }
    // The declared length is only a first check (a chunked body declares none); staging
    // checks the free space again at every item and every few MiB written.
    if !st.store.disk_ok(declared.unwrap_or(0)) {
        return error_page(&ctx, StatusCode::INSUFFICIENT_STORAGE, "error-disk-full")
            .into_response();
    }
    // The message typed, kept to be put back into the form if the upload is refused.
    let mut kept = zeroize::Zeroizing::new(String::new());
    match receive(st, session, multipart, &mut kept).await {
        Ok(staged) if staged.is_empty() => {
            let notice = t(lang, "notice-nothing-sent");
            let mut view = home_view_for(st, session, &source_id, Some(notice)).await;
            view.notice_warning = true;
            html(StatusCode::BAD_REQUEST, pages::home(&ctx, &view))
        }
        Ok(staged) => {
            let files = staged.iter().filter(|s| s.kind == Kind::File).count();
            let message = staged.iter().any(|s| s.kind == Kind::Message);
            match commit(st, source_id, reply, staged).await {
                Ok(()) if submitted_redirect(&headers) => {
                    super::after_submission(session, lang, files, message).await
                }
                Ok(()) => html(StatusCode::OK, pages::submitted(&ctx, files, message)),
                Err(()) => error_page(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-server")
                    .into_response(),
            }
        }
        Err(r) => {
            let reason = r.as_str();
            let (status, id) = match r {
                Refusal::Expired => return v.not_logged_in().await.into_response(),
                Refusal::Csrf => (StatusCode::FORBIDDEN, "error-csrf"),
                Refusal::BadRequest => (StatusCode::BAD_REQUEST, "error-bad-request"),
                Refusal::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "error-too-large"),
                Refusal::MessageTooLong => {
                    (StatusCode::PAYLOAD_TOO_LARGE, "error-message-too-long")
                }
                Refusal::TooMany => (StatusCode::PAYLOAD_TOO_LARGE, "error-too-large"),
                Refusal::DiskFull => (StatusCode::INSUFFICIENT_STORAGE, "error-disk-full"),
                Refusal::Gone => (StatusCode::BAD_REQUEST, "error-bad-request"),
                Refusal::Server => (StatusCode::INTERNAL_SERVER_ERROR, "error-server"),
            };
            tracing::info!(
                status = status.as_u16(),
                reason,
                "upload refused; nothing was stored"
            );
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                let message = std::mem::take(&mut *kept);
                return home_refused(st, session, &source_id, &ctx, id, message).await;
            }
            error_page(&ctx, status, id).into_response()
        }
    }
}

/// Reads the whole multipart body into staged items.
async fn receive(
    st: &SharedState,
    session: &Session,
    mut mp: Multipart,
    kept: &mut String,
) -> Result<Vec<Staged>, Refusal> {
    // The first field must be the CSRF token: nothing is stored for a forged request.
    let first = mp.next_field().await.map_err(gone)?;
    let Some(mut first) = first else {
        return Err(Refusal::BadRequest);
    };
    if first.name() != Some("csrf") {
        return Err(Refusal::Csrf);
    }
    let token = read_small(&mut first, 256).await?;
    // multer allows one live field at a time.
    drop(first);
    if !csrf_ok(session, &String::from_utf8_lossy(&token)).await {
        return Err(Refusal::Csrf);
    }
    // Items the source may still add (`max_items_per_source`, counted in the spool).
    let room = match current_source(session).await.and_then(|s| s.source_id()) {
        Some(id) => {
            let store = st.store.clone();
            let have = tokio::task::spawn_blocking(move || {
                store.spool.items(&id).map(|v| v.len() as u64).unwrap_or(0)
            })
            .await
            .map_err(|_| Refusal::Server)?;
            st.limits.max_items_per_source.saturating_sub(have)
        }
        None => return Err(Refusal::Expired),
    };
    let mut staged = Vec::new();
    let mut files = 0u64;
    let mut request_bytes = 0u64;
    while let Some(mut field) = mp.next_field().await.map_err(gone)? {
        match field.name() {
            Some("message") => {
                let max_bytes = st.limits.max_message_chars.saturating_mul(4);
                let bytes = read_small(&mut field, max_bytes)
                    .await
                    .map_err(|r| match r {
                        Refusal::TooLarge => Refusal::MessageTooLong,
                        other => other,
                    })?;
                let text = String::from_utf8(bytes).map_err(|_| Refusal::BadRequest)?;
                if text.chars().count() > st.limits.max_message_chars {
                    return Err(Refusal::MessageTooLong);
                }
                if !text.trim().is_empty() {
                    if room == 0 {
                        return Err(Refusal::TooMany);
                    }
                    request_bytes += text.len() as u64;
                    if request_bytes > st.limits.max_request_bytes {
                        return Err(Refusal::TooLarge);
                    }
                    let header =
                        Header::new(Kind::Message, ItemId::from_bytes([0; 16]), st.store.today());
                    let mut item = st
                        .store
                        .stage(header, st.limits.max_file_bytes)
                        .await
                        .map_err(refusal)?;
                    item.write(text.as_bytes()).await.map_err(refusal)?;
                    kept.clone_from(&text);
                    staged.push(item.finish().await.map_err(refusal)?);
                }
            }
            Some("files") => {
                let name = truncate_utf8(
                    field.file_name().unwrap_or(""),
                    postern_spool::envelope::MAX_NAME_LEN,
                );
                let ctype: String = field
                    .content_type()
                    .unwrap_or("")
                    .chars()
                    .filter(|c| (' '..='~').contains(c))
                    .take(postern_spool::envelope::MAX_TYPE_LEN)
                    .collect();
                // An empty part (a file input left empty, or a flood of empty named parts)
                // is skipped: nothing is staged before its first byte.
                let mut first = None;
                while let Some(chunk) = field.chunk().await.map_err(gone)? {
                    if !chunk.is_empty() {
                        first = Some(chunk);
                        break;
                    }
                }
                let Some(first) = first else {
                    continue;
                };
                files += 1;
                if files > st.limits.max_items_per_request || files > room {
                    return Err(Refusal::TooMany);
                }
                let mut header =
                    Header::new(Kind::File, ItemId::from_bytes([0; 16]), st.store.today());
                header.name = name;
                header.content_type = ctype;
                let mut item = st
                    .store
                    .stage(header, st.limits.max_file_bytes)
                    .await
                    .map_err(refusal)?;
                let mut next = Some(first);
                while let Some(chunk) = next {
                    request_bytes += chunk.len() as u64;
                    if request_bytes > st.limits.max_request_bytes {
                        return Err(Refusal::TooLarge);
                    }
                    item.write(&chunk).await.map_err(refusal)?;
                    // Dropped before the parser reads on: its buffer is then unshared and is
                    // reused in place, instead of a new one allocated for every chunk.
                    drop(chunk);
                    next = field.chunk().await.map_err(gone)?;
                }
                staged.push(item.finish().await.map_err(refusal)?);
            }
            _ => return Err(Refusal::BadRequest),
        }
    }
    Ok(staged)
}

/// A body that could not be read: the client went away, stalled, or sent broken multipart.
fn gone(_: axum::extract::multipart::MultipartError) -> Refusal {
    // The error's text can quote client-chosen field names: it is not logged.
    Refusal::Gone
}

/// Reads a small field whole, refusing more than `max` bytes.
async fn read_small(field: &mut Field<'_>, max: usize) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(gone)? {
        if out.len() + chunk.len() > max {
            return Err(Refusal::TooLarge);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// What a staging failure means for the form.
fn refusal(e: StageError) -> Refusal {
    match e {
        StageError::TooLarge => Refusal::TooLarge,
        StageError::DiskFull => Refusal::DiskFull,
        _ => Refusal::Server,
    }
}

/// Commits every staged item of a request, creating the source's record first if this is its
/// first submission.
async fn commit(
    st: &SharedState,
    source: SourceId,
    reply: postern_spool::recipients::Recipient,
    staged: Vec<Staged>,
) -> Result<(), ()> {
    let store = st.store.clone();
    tokio::task::spawn_blocking(move || {
        let day = staged
            .first()
            .map(|s| s.day)
            .unwrap_or_else(|| store.today());
        let record = SourceRecord {
            source,
            reply: reply.to_string(),
            day,
        };
        store.commit(&record, staged).map(|_| ()).map_err(|e| {
            tracing::error!(error = %e, "cannot commit a submission");
        })
    })
    .await
    .map_err(|_| ())?
}

/// `s` cut to at most `max` bytes, at a character boundary.
pub fn truncate_utf8(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("").to_owned()
}
