//! Resumable uploads: tus 1.0 (core, creation, termination, checksum, expiration) under
//! `/api/v1/uploads`, and the API login that gives a bearer token.
//!
//! No secret survives between requests. Each PATCH body streams into its own age file (an envelope
//! of kind segment: upload id, index, offset), sealed to the newsroom as it arrives, fsynced and
//! committed as an ordinary item of the source before `204` reports the new offset. The file's
//! name and type, which come only with the creation request, are sealed at once into a small
//! envelope that only the newsroom can open; the server keeps that ciphertext with the upload's
//! non-secret state (`tus_state`). On the last byte a manifest item lists the segments with their
//! ciphertext hashes (spool-format §13).
//!
//! A client that disconnects keeps what arrived (tus: "store as much as possible"), unless it sent
//! `Upload-Checksum`: then the body is discarded and the offset stays (`460` on a mismatch). A
//! crash leaves a temporary that the startup sweep removes. Concurrent PATCHes to one upload are
//! refused with `423`. Logs carry the route, the status and a reason, never an id, a name or a
//! token.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Mutex;
use std::time::{Duration, Instant, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{options, post};
use base64::Engine;
use futures_util::StreamExt;
use postern_spool::codename::Codename;
use postern_spool::day::Day;
use postern_spool::envelope::{Header, Kind, SegmentInfo};
use postern_spool::ids::{ItemId, SourceId, UploadId};
use postern_spool::record::SourceRecord;
use postern_spool::segments::MAX_SEGMENTS;
use sha2::Digest;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_sessions::Session;

use super::submit::truncate_utf8;
use super::{SharedState, current_source};
use crate::storage::staging::{StageError, Staged};
use crate::storage::uploads::{self as state, NewUpload, Progress};
use crate::web::kit::bounds::{UploadBounds, bound_upload};
use crate::web::kit::error::{WebError, WebResult};
use crate::web::kit::headers::content_type;
use crate::web::kit::listen::Circuit;
const TUS_VERSION: &str = "1.0.0";
const EXTENSIONS: &str = "creation,termination,checksum,expiration";
const ALGORITHMS: &str = "sha1,sha256";

/// Bearer tokens of the API login, in memory only (the per-upload locks are the shared
/// [`state::Uploads`]'s).
pub struct Tus {
    tokens: Mutex<HashMap<[u8; 32], TokenEntry>>,
    max_tokens: usize,
    idle: Duration,
}

struct TokenEntry {
    source: SourceId,
    reply: String,
    last_used: Instant,
}

impl Tus {
    pub fn new(max_tokens: usize, idle: Duration) -> Tus {
        Tus {
            tokens: Mutex::new(HashMap::new()),
            max_tokens: max_tokens.max(1),
            idle,
        }
    }

    /// A fresh token bound to `source`; the least recently used goes when the map is full.
    fn issue(&self, source: SourceId, reply: String) -> Option<String> {
        let mut raw = [0u8; 32];
        rand::Rng::fill_bytes(&mut rand::rng(), &mut raw);
        let mut map = self.tokens.lock().ok()?;
        let now = Instant::now();
        map.retain(|_, e| now.duration_since(e.last_used) < self.idle);
        if map.len() >= self.max_tokens
            && let Some(oldest) = map.iter().min_by_key(|(_, e)| e.last_used).map(|(k, _)| *k)
        {
            map.remove(&oldest);
        }
        map.insert(
            raw,
            TokenEntry {
                source,
                reply,
                last_used: now,
            },
        );
        Some(hex::encode(raw))
    }

    fn check(&self, token: &str) -> Option<(SourceId, String)> {
        let mut raw = [0u8; 32];
        hex::decode_to_slice(token, &mut raw).ok()?;
        let mut map = self.tokens.lock().ok()?;
        let now = Instant::now();
        let e = map.get_mut(&raw)?;
        if now.duration_since(e.last_used) >= self.idle {
            map.remove(&raw);
            return None;
        }
        e.last_used = now;
        Some((e.source, e.reply.clone()))
    }
}

/// The API login's largest body: a codename is well under it.
pub const LOGIN_MAX_BYTES: usize = 1024;

pub fn routes(st: &SharedState) -> Router<SharedState> {
    let idle = Duration::from_secs(st.limits.upload_idle_seconds);
    let deadline = Duration::from_secs(st.limits.form_deadline_seconds);
    let small = || TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, deadline);
    let bounds = upload_bounds(&st.limits, 0);
    Router::new()
        // The login body is limited while it is read, and the whole request has a deadline.
        .route(
            "/api/v1/login",
            post(api_login)
                .layer::<_, Infallible>(DefaultBodyLimit::max(LOGIN_MAX_BYTES))
                .layer::<_, Infallible>(small()),
        )
        .route(
            "/api/v1/uploads",
            options(opts).post(create).layer::<_, Infallible>(small()),
        )
        // Everything but PATCH is small; PATCH must keep a minimum rate (the layer applies to
        // the methods routed before it).
        .route(
            "/api/v1/uploads/{id}",
            options(opts)
                .head(head)
                .delete(terminate)
                .layer::<_, Infallible>(small())
                .patch(patch)
                .layer::<_, Infallible>(axum::middleware::from_fn(move |req, next| {
                    bound_upload(bounds, req, next)
                })),
        )
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyTimeoutLayer::new(idle))
}

/// The body bounds of uploads, with at most `max_parts` multipart parts.
pub fn upload_bounds(limits: &crate::config::Limits, max_parts: u64) -> UploadBounds {
    UploadBounds {
        min_bytes: limits.upload_min_window_bytes,
        window: Duration::from_secs(limits.upload_rate_window_seconds.max(1)),
        max_parts,
    }
}

/// `Tus-Resumable` on every response under `/api/`, whatever answered it (a 404 or 405 of the
/// router, the cross-origin check's 403, a timeout, the login), as tus 1.0 asks.
pub async fn api_version_header(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let mut res = next.run(req).await;
    if api {
        res.headers_mut().insert(
            HeaderName::from_static("tus-resumable"),
            HeaderValue::from_static(TUS_VERSION),
        );
    }
    res
}

/// Headers on every tus response.
fn tus(status: StatusCode, extra: &[(HeaderName, String)]) -> Response {
    let mut res = status.into_response();
    let h = res.headers_mut();
    h.insert(
        HeaderName::from_static("tus-resumable"),
        HeaderValue::from_static(TUS_VERSION),
    );
    for (k, v) in extra {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(k.clone(), v);
        }
    }
    res
}

fn hn(name: &'static str) -> HeaderName {
    HeaderName::from_static(name)
}

/// A refused request: logged with a fixed reason, answered with no body.
fn refused(status: StatusCode, reason: &'static str) -> WebError {
    tracing::info!(status = status.as_u16(), reason, "upload request refused");
    WebError::empty(status).with_header(hn("tus-resumable"), TUS_VERSION)
}

/// [`refused`], as a response.
fn refuse(status: StatusCode, reason: &'static str) -> Response {
    refused(status, reason).into_response()
}

fn version_ok(headers: &HeaderMap) -> bool {
    headers
        .get("tus-resumable")
        .is_some_and(|v| v.as_bytes() == TUS_VERSION.as_bytes())
}

/// The source behind a request of this protocol version: `412` (with `Tus-Version`) for another
/// version, `401` without a login.
async fn caller(
    st: &SharedState,
    session: &Session,
    headers: &HeaderMap,
) -> WebResult<(SourceId, String)> {
    if !version_ok(headers) {
        return Err(WebError::empty(StatusCode::PRECONDITION_FAILED)
            .with_header(hn("tus-resumable"), TUS_VERSION)
            .with_header(hn("tus-version"), TUS_VERSION));
    }
    who(st, session, headers).await.ok_or_else(|| {
        refused(StatusCode::UNAUTHORIZED, "not logged in")
            .with_header(header::WWW_AUTHENTICATE, "Bearer realm=\"postern\"")
    })
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    let v = headers.get(name)?.to_str().ok()?;
    let canonical = !v.is_empty()
        && v.len() <= 20
        && v.bytes().all(|b| b.is_ascii_digit())
        && (v == "0" || !v.starts_with('0'));
    if canonical { v.parse().ok() } else { None }
}

/// The HTTP date at which an upload expiring after `day` is removed.
fn http_date(day: Day) -> String {
    let secs = (u64::from(day.0) + 1) * 86_400;
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs))
}

/// The source behind a request: a bearer token from `/api/v1/login`, or a logged-in browser
/// session.
async fn who(
    st: &SharedState,
    session: &Session,
    headers: &HeaderMap,
) -> Option<(SourceId, String)> {
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        // The scheme is case-insensitive (RFC 9110 §11.1): `Bearer`, `bearer`, `BEARER`.
        let (scheme, token) = auth.to_str().ok()?.trim().split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        return st.tus.check(token.trim());
    }
    let s = current_source(session).await?;
    Some((s.source_id()?, s.reply))
}

async fn opts(State(st): State<SharedState>) -> Response {
    let mut res = tus(
        StatusCode::NO_CONTENT,
        &[
            (hn("tus-version"), TUS_VERSION.into()),
            (hn("tus-extension"), EXTENSIONS.into()),
            (hn("tus-max-size"), st.limits.max_upload_bytes.to_string()),
            (hn("tus-checksum-algorithm"), ALGORITHMS.into()),
        ],
    );
    res.headers_mut().remove("tus-resumable");
    res
}

/// `POST /api/v1/login`: the codename as the body (text), through the same rate limit and
/// Argon2 queue as the web login. Answers a bearer token bound in memory to the source.
async fn api_login(
    State(st): State<SharedState>,
    circuit: Option<axum::Extension<Circuit>>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    // Read through a limit of `LOGIN_MAX_BYTES`: a larger body is refused when that many
    // bytes have arrived, not after the whole of it was buffered.
    let Ok(body) = body else {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "login body too large");
    };
    if body.len() > LOGIN_MAX_BYTES {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "login body too large");
    }
    let typed = zeroize::Zeroizing::new(String::from_utf8_lossy(&body).into_owned());
    let Ok(codename) = Codename::parse(&typed) else {
        return refuse(StatusCode::BAD_REQUEST, "not a codename");
    };
    // The circuit's own budget first (the web login's), then the global one.
    if let Some(axum::Extension(c)) = circuit
        && !st.circuit_limiter.check(c)
    {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "login rate limit");
    }
    if st.login_limiter.check().is_err() {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "login rate limit");
    }
    let Ok(keys) = st.kdf.derive(codename).await else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "derivation queue full");
    };
    let Some(token) = st.tus.issue(
        keys.id,
        keys.reply_recipient_for(&st.store.recipients).to_string(),
    ) else {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "token map");
    };
    (
        StatusCode::OK,
        [content_type("application/json")],
        serde_json::json!({ "token": token }).to_string(),
    )
        .into_response()
}

/// What `Upload-Metadata` declares.
#[derive(Default)]
struct Metadata {
    name: String,
    ctype: String,
    /// `postern-content-length`: the file's length before the client's padding.
    content: Option<u64>,
    /// `postern-encrypted` = `1`: the client seals each request body itself.
    encrypted: bool,
}

/// Parses `Upload-Metadata`: `key base64,key base64`.
fn metadata(headers: &HeaderMap) -> Option<Metadata> {
    let Some(v) = headers.get("upload-metadata") else {
        return Some(Metadata::default());
    };
    let v = v.to_str().ok()?;
    let mut m = Metadata::default();
    for pair in v.split(',') {
        let mut it = pair.trim().splitn(2, ' ');
        let key = it.next()?;
        let value = base64::engine::general_purpose::STANDARD
            .decode(it.next().unwrap_or("").trim())
            .ok()?;
        let text = String::from_utf8_lossy(&value);
        match key {
            "filename" | "name" => {
                m.name = truncate_utf8(&text, postern_spool::envelope::MAX_NAME_LEN);
            }
            "filetype" | "type" => {
                m.ctype = text
                    .chars()
                    .filter(|c| (' '..='~').contains(c))
                    .take(postern_spool::envelope::MAX_TYPE_LEN)
                    .collect();
            }
            "postern-content-length" => m.content = Some(text.parse().ok()?),
            "postern-encrypted" => m.encrypted = text == "1",
            _ => {}
        }
    }
    Some(m)
}

fn location(id: &UploadId) -> String {
    format!("/api/v1/uploads/{id}")
}

async fn create(State(st): State<SharedState>, session: Session, headers: HeaderMap) -> Response {
    let (source, reply) = match caller(&st, &session, &headers).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    if headers.contains_key("upload-defer-length") {
        return refuse(StatusCode::BAD_REQUEST, "deferred length not supported");
    }
    // Parallel pieces (concatenation) are not offered: each would be committed as an item of
    // its own. Refused before anything is written.
    if headers.contains_key("upload-concat") {
        return refuse(StatusCode::BAD_REQUEST, "concatenation not supported");
    }
    // A body with the creation request (creation-with-upload) is not offered either: refused,
    // never dropped, so a client cannot believe those bytes arrived.
    if has_body(&headers) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "creation with a body not supported",
        );
    }
    let Some(length) = header_u64(&headers, "upload-length") else {
        return refuse(StatusCode::BAD_REQUEST, "no upload length");
    };
    if length > st.limits.max_upload_bytes {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "upload too large");
    }
    let Some(Metadata {
        name,
        ctype,
        content,
        encrypted,
    }) = metadata(&headers)
    else {
        return refuse(StatusCode::BAD_REQUEST, "bad metadata");
    };
    let content = content.unwrap_or(length);
    if content > length || (encrypted && content != length) {
        return refuse(StatusCode::BAD_REQUEST, "content longer than upload");
    }
    if !st.store.disk_ok(length) {
        return refuse(StatusCode::INSUFFICIENT_STORAGE, "disk reserve");
    }
    let store = st.store.clone();
    let new = NewUpload {
        source,
        reply,
        length,
        content,
        encrypted,
        name,
        ctype,
        max_open_bytes: st.limits.max_uploads_total_bytes,
        max_open_per_source: st.limits.max_open_uploads_per_source,
        max_open: st.limits.max_open_uploads,
        expire_days: st.limits.upload_expire_days,
    };
    let st2 = st.clone();
    match tokio::task::spawn_blocking(move || st2.uploads.create(&store, new)).await {
        Ok(Ok((id, expires))) => tus(
            StatusCode::CREATED,
            &[
                (header::LOCATION, location(&id)),
                (hn("upload-expires"), http_date(expires)),
            ],
        ),
        Ok(Err(state::CreateError::TooMany)) => {
            refuse(StatusCode::TOO_MANY_REQUESTS, "too many open uploads")
        }
        Ok(Err(state::CreateError::Full)) => {
            refuse(StatusCode::INSUFFICIENT_STORAGE, "cannot create the upload")
        }
        Ok(Err(_)) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot create the upload",
        ),
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "task failed"),
    }
}

/// Whether a request declares a body (a length other than 0, or a chunked one).
fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0")
}

/// The upload `id` of `source`, from the in-memory index, or the response to give: 404 for an
/// unknown id or another source's upload (which therefore looks exactly like a missing one), 410
/// once expired. A complete upload is still found until its day.
fn owned(st: &SharedState, id: &str, source: &SourceId) -> WebResult<(UploadId, Progress)> {
    let Some(id) = UploadId::parse(id) else {
        return Err(refused(StatusCode::NOT_FOUND, "unknown upload"));
    };
    match st.uploads.progress(&id) {
        Some(s) if s.source == *source => {
            if s.expires < st.store.today() {
                return Err(refused(StatusCode::GONE, "expired"));
            }
            Ok((id, s))
        }
        _ => Err(refused(StatusCode::NOT_FOUND, "unknown upload")),
    }
}

async fn head(
    State(st): State<SharedState>,
    session: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> WebResult {
    let (source, _) = caller(&st, &session, &headers).await?;
    let (id, _) = owned(&st, &id, &source)?;
    // A PATCH cut off a moment ago may still be committing what arrived: wait for it (briefly),
    // so that the offset given is the one the client should resume from. Otherwise the client
    // resends from an older offset, to a 409, and pushes a body for nothing.
    let _guard = st.uploads.lock_within(id, Duration::from_secs(5)).await;
    let (_, s) = owned(&st, &id.to_string(), &source)?;
    Ok(tus(
        StatusCode::OK,
        &[
            (hn("upload-offset"), s.offset.to_string()),
            (hn("upload-length"), s.length.to_string()),
            (hn("upload-expires"), http_date(s.expires)),
            (header::CACHE_CONTROL, "no-store".into()),
        ],
    ))
}

async fn terminate(
    State(st): State<SharedState>,
    session: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> WebResult {
    let (source, _) = caller(&st, &session, &headers).await?;
    let (id, s) = owned(&st, &id, &source)?;
    if s.complete() {
        // Delivered: the segments and the manifest are the newsroom's now.
        return Err(refused(StatusCode::FORBIDDEN, "upload already delivered"));
    }
    let _guard = st
        .uploads
        .lock(id)
        .ok_or_else(|| refused(StatusCode::LOCKED, "upload busy"))?;
    let st2 = st.clone();
    match tokio::task::spawn_blocking(move || st2.uploads.discard(&st2.store.spool, &id)).await {
        Ok(Ok(())) => Ok(tus(StatusCode::NO_CONTENT, &[])),
        _ => Err(refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot remove the upload",
        )),
    }
}

enum Checksum {
    Sha1(sha1::Sha1, Vec<u8>),
    Sha256(sha2::Sha256, Vec<u8>),
}

impl Checksum {
    fn parse(headers: &HeaderMap) -> WebResult<Option<Checksum>> {
        let Some(v) = headers.get("upload-checksum") else {
            return Ok(None);
        };
        let bad = || refused(StatusCode::BAD_REQUEST, "bad checksum header");
        let v = v.to_str().map_err(|_| bad())?;
        let (algo, b64) = v.split_once(' ').ok_or_else(bad)?;
        let want = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|_| bad())?;
        match algo {
            "sha1" if want.len() == 20 => Ok(Some(Checksum::Sha1(sha1::Sha1::new(), want))),
            "sha256" if want.len() == 32 => Ok(Some(Checksum::Sha256(sha2::Sha256::new(), want))),
            _ => Err(bad()),
        }
    }
    fn update(&mut self, data: &[u8]) {
        match self {
            Checksum::Sha1(h, _) => h.update(data),
            Checksum::Sha256(h, _) => h.update(data),
        }
    }
    fn matches(self) -> bool {
        use subtle::ConstantTimeEq;
        match self {
            Checksum::Sha1(h, want) => bool::from(h.finalize().as_slice().ct_eq(&want)),
            Checksum::Sha256(h, want) => bool::from(h.finalize().as_slice().ct_eq(&want)),
        }
    }
}

/// One PATCH, checked and locked: what the body task needs.
struct Patch {
    id: UploadId,
    state: Progress,
    record: SourceRecord,
    checksum: Option<Checksum>,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

async fn patch(
    State(st): State<SharedState>,
    session: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> WebResult {
    let (source, reply) = caller(&st, &session, &headers).await?;
    if headers
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes() != b"application/offset+octet-stream")
    {
        return Err(refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "wrong content type",
        ));
    }
    let offset = header_u64(&headers, "upload-offset")
        .ok_or_else(|| refused(StatusCode::BAD_REQUEST, "no upload offset"))?;
    if headers.contains_key("upload-concat") {
        return Err(refused(
            StatusCode::BAD_REQUEST,
            "concatenation not supported",
        ));
    }
    let checksum = Checksum::parse(&headers)?;
    let (id, _) = owned(&st, &id, &source)?;
    let guard = st
        .uploads
        .lock(id)
        .ok_or_else(|| refused(StatusCode::LOCKED, "upload busy"))?;
    // Read again under the lock: another request may have committed meanwhile.
    let (_, s) = owned(&st, &id.to_string(), &source)?;
    if s.offset == s.length && offset == s.length && !has_body(&headers) {
        // The last response may have been lost: an empty PATCH at the end is answered as the
        // last one was (and writes a manifest a failed request left unwritten), so the client
        // never sends the file again.
        let st2 = st.clone();
        let done = tokio::task::spawn_blocking(move || {
            let _guard = guard;
            st2.uploads.finish_due(&st2.store, id)
        })
        .await;
        return match done {
            Ok(Ok(p)) if p.complete() => Ok(patched(&p)),
            _ => Err(refused(
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot complete",
            )),
        };
    }
    if s.encrypted && checksum.is_none() {
        // A cut-off body of a client-sealed upload would be a broken age file: all or nothing.
        return Err(refused(
            StatusCode::BAD_REQUEST,
            "encrypted upload without checksum",
        ));
    }
    if s.offset != offset {
        return Ok(tus(
            StatusCode::CONFLICT,
            &[(hn("upload-offset"), s.offset.to_string())],
        ));
    }
    if header_u64(&headers, "content-length").is_some_and(|n| n > s.length - s.offset) {
        return Err(refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body beyond the upload length",
        ));
    }
    if s.segments >= MAX_SEGMENTS {
        return Err(refused(StatusCode::PAYLOAD_TOO_LARGE, "too many segments"));
    }
    if !st
        .store
        .disk_ok(header_u64(&headers, "content-length").unwrap_or(0))
    {
        return Err(refused(StatusCode::INSUFFICIENT_STORAGE, "disk reserve"));
    }
    let day = st.store.today();
    let p = Patch {
        id,
        state: s,
        record: SourceRecord { source, reply, day },
        checksum,
        _guard: guard,
    };
    // The body is received and committed in a task of its own: if this handler is dropped (the
    // server shutting down), a committed segment is never left half-recorded.
    match tokio::spawn(receive(st, p, body)).await {
        Ok(r) => r,
        Err(_) => Err(refused(StatusCode::INTERNAL_SERVER_ERROR, "task failed")),
    }
}

/// Why a body could not be staged, for the log.
fn stage_refused(e: StageError) -> WebError {
    match e {
        StageError::TooLarge => refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body beyond the upload length",
        ),
        StageError::DiskFull => refused(StatusCode::INSUFFICIENT_STORAGE, "disk reserve"),
        _ => refused(StatusCode::INTERNAL_SERVER_ERROR, "cannot seal"),
    }
}

async fn receive(st: SharedState, p: Patch, body: Body) -> WebResult {
    let Patch {
        id,
        state: s,
        record,
        mut checksum,
        _guard,
    } = p;
    let had_checksum = checksum.is_some();
    let index = s.segments;
    let mut header = Header::new(Kind::Segment, ItemId::from_bytes([0; 16]), record.day);
    header.segment = Some(SegmentInfo {
        upload_id: id,
        index,
        offset: s.offset,
    });
    let mut staging = st
        .store
        .stage(header, s.length - s.offset)
        .await
        .map_err(stage_refused)?;
    let mut cut = false;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            // Disconnected or stalled: keep what arrived, unless a checksum was promised.
            cut = true;
            break;
        };
        if let Some(c) = checksum.as_mut() {
            c.update(&chunk);
        }
        staging.write(&chunk).await.map_err(stage_refused)?;
    }
    if cut && had_checksum {
        return Err(refused(
            StatusCode::BAD_REQUEST,
            "cut off; checksummed body discarded",
        ));
    }
    if let Some(c) = checksum
        && !c.matches()
    {
        return Err(refused(
            StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST),
            "checksum mismatch; body discarded",
        ));
    }
    let got = staging.content_len();
    if got == 0 {
        // Nothing to commit: an empty segment would only add noise.
        return Ok(patched(&s));
    }
    let staged: Staged = staging.finish().await.map_err(stage_refused)?;
    let expire_days = st.limits.upload_expire_days;
    let st2 = st.clone();
    let committed = tokio::task::spawn_blocking(move || {
        st2.uploads
            .record_segment(&st2.store, id, &record, staged, had_checksum, expire_days)
    })
    .await;
    match committed {
        Ok(Ok(s)) => {
            if cut {
                tracing::info!(
                    reason = "client cut off; what arrived was committed",
                    "upload request ended early"
                );
            }
            Ok(patched(&s))
        }
        Ok(Err(e)) => {
            tracing::error!(what = %e, "cannot commit a segment");
            Err(refused(StatusCode::INTERNAL_SERVER_ERROR, "commit failed"))
        }
        Err(_) => Err(refused(StatusCode::INTERNAL_SERVER_ERROR, "task failed")),
    }
}

fn patched(s: &Progress) -> Response {
    tus(
        StatusCode::NO_CONTENT,
        &[
            (hn("upload-offset"), s.offset.to_string()),
            (hn("upload-expires"), http_date(s.expires)),
        ],
    )
}
