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
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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
use postern_spool::envelope::{Header, Kind, SegmentInfo, seal, seal_async};
use postern_spool::ids::{ItemId, SourceId, UploadId};
use postern_spool::record::SourceRecord;
use postern_spool::segments::{MAX_SEGMENTS, Manifest, SegmentEntry};
use sha2::Digest;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_sessions::Session;

use super::SharedState;
use super::ingest::{BlockingSink, TempGuard, disk_ok, truncate_utf8};
use super::source::current_source;
use super::tus_state::{self as state, UploadState};

/// Check free space again after this many bytes of a body.
const DISK_CHECK_EVERY: u64 = 8 << 20;
const TUS_VERSION: &str = "1.0.0";
const EXTENSIONS: &str = "creation,termination,checksum,expiration";
const ALGORITHMS: &str = "sha1,sha256";

/// Bearer tokens of the API login, and per-upload locks: in memory only.
pub struct Tus {
    tokens: Mutex<HashMap<[u8; 32], TokenEntry>>,
    max_tokens: usize,
    idle: Duration,
    locks: Mutex<HashMap<UploadId, Arc<tokio::sync::Mutex<()>>>>,
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
            locks: Mutex::new(HashMap::new()),
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

    fn lock(&self, id: UploadId) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        let m = {
            let mut map = self.locks.lock().ok()?;
            map.retain(|_, l| Arc::strong_count(l) > 1);
            map.entry(id).or_default().clone()
        };
        m.try_lock_owned().ok()
    }
}

pub fn routes(st: &SharedState) -> Router<SharedState> {
    let idle = Duration::from_secs(st.limits.upload_idle_seconds);
    Router::new()
        .route("/api/v1/login", post(api_login))
        .route("/api/v1/uploads", options(opts).post(create))
        .route(
            "/api/v1/uploads/{id}",
            options(opts).head(head).patch(patch).delete(terminate),
        )
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyTimeoutLayer::new(idle))
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
fn refuse(status: StatusCode, reason: &'static str) -> Response {
    tracing::info!(status = status.as_u16(), reason, "upload request refused");
    tus(status, &[])
}

fn version_ok(headers: &HeaderMap) -> bool {
    headers
        .get("tus-resumable")
        .is_some_and(|v| v.as_bytes() == TUS_VERSION.as_bytes())
}

fn version_refused() -> Response {
    tus(
        StatusCode::PRECONDITION_FAILED,
        &[(hn("tus-version"), TUS_VERSION.into())],
    )
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

fn today() -> Day {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Day::from_unix_seconds(secs)
}

/// The source behind a request: a bearer token from `/api/v1/login`, or a logged-in browser
/// session.
async fn who(
    st: &SharedState,
    session: &Session,
    headers: &HeaderMap,
) -> Option<(SourceId, String)> {
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let token = auth.to_str().ok()?.strip_prefix("Bearer ")?;
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
async fn api_login(State(st): State<SharedState>, body: axum::body::Bytes) -> Response {
    if body.len() > 1024 {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "login body too large");
    }
    let typed = zeroize::Zeroizing::new(String::from_utf8_lossy(&body).into_owned());
    let Ok(codename) = Codename::parse(&typed) else {
        return refuse(StatusCode::BAD_REQUEST, "not a codename");
    };
    if st.login_limiter.check().is_err() {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "login rate limit");
    }
    let Ok(keys) = st.kdf.derive(codename).await else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "derivation queue full");
    };
    let Some(token) = st.tus.issue(
        keys.id,
        keys.reply_recipient_for(&st.recipients).to_string(),
    ) else {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "token map");
    };
    (
        StatusCode::OK,
        [super::content_type("application/json")],
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
    if !version_ok(&headers) {
        return version_refused();
    }
    let Some((source, reply)) = who(&st, &session, &headers).await else {
        return refuse(StatusCode::UNAUTHORIZED, "not logged in");
    };
    if headers.contains_key("upload-defer-length") {
        return refuse(StatusCode::BAD_REQUEST, "deferred length not supported");
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
    if !disk_ok(&st, length) {
        return refuse(StatusCode::INSUFFICIENT_STORAGE, "disk reserve");
    }
    let st2 = st.clone();
    let result = tokio::task::spawn_blocking(move || {
        // The global cap: what open uploads still may send, plus this one.
        let mut open = 0u64;
        for id in state::list(&st2.spool).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)? {
            if let Ok(Some(s)) = state::load(&st2.spool, &id) {
                open = open.saturating_add(s.length - s.offset);
            }
        }
        if open.saturating_add(length) > st2.limits.max_uploads_total_bytes {
            return Err(StatusCode::INSUFFICIENT_STORAGE);
        }
        let id = UploadId::random(&mut rand::rng());
        let mut h = Header::new(Kind::Manifest, ItemId::from_bytes(*id.as_bytes()), today());
        h.name = name;
        h.content_type = ctype;
        let sealer =
            seal(&st2.recipients, &h, Vec::new()).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        let meta = sealer
            .finish()
            .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        let expires = Day(today().0.saturating_add(st2.limits.upload_expire_days));
        let s = UploadState {
            source,
            length,
            content,
            offset: 0,
            expires,
            checksum: true,
            encrypted,
            meta,
            segments: Vec::new(),
        };
        if length == 0 {
            // Nothing will follow: the (empty) upload is complete at once.
            let record = SourceRecord {
                source,
                reply,
                day: today(),
            };
            st2.spool
                .ensure_source(&mut rand::rng(), &record, &st2.signing_key)
                .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
            complete(&st2, id, &s, today()).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        } else {
            state::store(&st2.spool, &id, &s).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        }
        Ok((id, expires))
    })
    .await;
    match result {
        Ok(Ok((id, expires))) => tus(
            StatusCode::CREATED,
            &[
                (header::LOCATION, location(&id)),
                (hn("upload-expires"), http_date(expires)),
            ],
        ),
        Ok(Err(status)) => refuse(status, "cannot create the upload"),
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "task failed"),
    }
}

/// The upload `id` of `source`, or the response to give: 404 for an unknown id or another
/// source's upload (which therefore looks exactly like a missing one), 410 once expired.
async fn owned(
    st: &SharedState,
    id: &str,
    source: &SourceId,
) -> Result<(UploadId, UploadState), Response> {
    let Some(id) = UploadId::parse(id) else {
        return Err(refuse(StatusCode::NOT_FOUND, "unknown upload"));
    };
    let spool = st.spool.clone();
    let loaded = tokio::task::spawn_blocking(move || state::load(&spool, &id))
        .await
        .map_err(|_| refuse(StatusCode::INTERNAL_SERVER_ERROR, "task failed"))?;
    match loaded {
        Ok(Some(s)) if s.source == *source => {
            if s.expires < today() {
                return Err(refuse(StatusCode::GONE, "expired"));
            }
            Ok((id, s))
        }
        Ok(_) => Err(refuse(StatusCode::NOT_FOUND, "unknown upload")),
        Err(_) => Err(refuse(StatusCode::INTERNAL_SERVER_ERROR, "damaged state")),
    }
}

async fn head(
    State(st): State<SharedState>,
    session: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !version_ok(&headers) {
        return version_refused();
    }
    let Some((source, _)) = who(&st, &session, &headers).await else {
        return refuse(StatusCode::UNAUTHORIZED, "not logged in");
    };
    match owned(&st, &id, &source).await {
        Ok((_, s)) => tus(
            StatusCode::OK,
            &[
                (hn("upload-offset"), s.offset.to_string()),
                (hn("upload-length"), s.length.to_string()),
                (hn("upload-expires"), http_date(s.expires)),
                (header::CACHE_CONTROL, "no-store".into()),
            ],
        ),
        Err(r) => r,
    }
}

async fn terminate(
    State(st): State<SharedState>,
    session: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !version_ok(&headers) {
        return version_refused();
    }
    let Some((source, _)) = who(&st, &session, &headers).await else {
        return refuse(StatusCode::UNAUTHORIZED, "not logged in");
    };
    let (id, s) = match owned(&st, &id, &source).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(_guard) = st.tus.lock(id) else {
        return refuse(StatusCode::LOCKED, "upload busy");
    };
    let spool = st.spool.clone();
    match tokio::task::spawn_blocking(move || state::discard(&spool, &id, &s)).await {
        Ok(Ok(())) => tus(StatusCode::NO_CONTENT, &[]),
        _ => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot remove the upload",
        ),
    }
}

enum Checksum {
    Sha1(sha1::Sha1, Vec<u8>),
    Sha256(sha2::Sha256, Vec<u8>),
}

impl Checksum {
    #[allow(clippy::result_large_err)] // The error is the response itself.
    fn parse(headers: &HeaderMap) -> Result<Option<Checksum>, Response> {
        let Some(v) = headers.get("upload-checksum") else {
            return Ok(None);
        };
        let bad = || refuse(StatusCode::BAD_REQUEST, "bad checksum header");
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

async fn patch(
    State(st): State<SharedState>,
    session: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    if !version_ok(&headers) {
        return version_refused();
    }
    let Some((source, reply)) = who(&st, &session, &headers).await else {
        return refuse(StatusCode::UNAUTHORIZED, "not logged in");
    };
    if headers
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes() != b"application/offset+octet-stream")
    {
        return refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, "wrong content type");
    }
    let Some(offset) = header_u64(&headers, "upload-offset") else {
        return refuse(StatusCode::BAD_REQUEST, "no upload offset");
    };
    let checksum = match Checksum::parse(&headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let (id, s) = match owned(&st, &id, &source).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(guard) = st.tus.lock(id) else {
        return refuse(StatusCode::LOCKED, "upload busy");
    };
    // Read again under the lock: another request may have committed meanwhile.
    drop(s);
    let s = match owned(&st, &id.to_string(), &source).await {
        Ok((_, s)) => s,
        Err(r) => return r,
    };
    if s.encrypted && checksum.is_none() {
        // A cut-off body of a client-sealed upload would be a broken age file: all or nothing.
        return refuse(StatusCode::BAD_REQUEST, "encrypted upload without checksum");
    }
    if s.offset != offset {
        return tus(
            StatusCode::CONFLICT,
            &[(hn("upload-offset"), s.offset.to_string())],
        );
    }
    if header_u64(&headers, "content-length").is_some_and(|n| n > s.length - s.offset) {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body beyond the upload length",
        );
    }
    if s.segments.len() as u64 >= MAX_SEGMENTS {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "too many segments");
    }
    if !disk_ok(&st, header_u64(&headers, "content-length").unwrap_or(0)) {
        return refuse(StatusCode::INSUFFICIENT_STORAGE, "disk reserve");
    }
    // The body is received and committed in a task of its own: if this handler is dropped (the
    // server shutting down), a committed segment is never left half-recorded.
    let task = tokio::spawn(receive(st, id, s, source, reply, checksum, body, guard));
    match task.await {
        Ok(r) => r,
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "task failed"),
    }
}

#[allow(clippy::too_many_arguments)]
async fn receive(
    st: SharedState,
    id: UploadId,
    mut s: UploadState,
    source: SourceId,
    reply: String,
    mut checksum: Option<Checksum>,
    body: Body,
    _guard: tokio::sync::OwnedMutexGuard<()>,
) -> Response {
    let had_checksum = checksum.is_some();
    let item = ItemId::random(&mut rand::rng());
    let index = s.segments.len() as u64;
    let day = today();
    let mut header = Header::new(Kind::Segment, item, day);
    header.segment = Some(SegmentInfo {
        upload_id: id,
        index,
        offset: s.offset,
    });
    let Ok((file, tmp)) = st.spool.temp_file(&mut rand::rng()) else {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "cannot stage");
    };
    let tmp = TempGuard::new(tmp);
    let mut sink = BlockingSink::new(file);
    let Ok(mut sealer) = seal_async(&st.recipients, &header, &mut sink).await else {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "cannot seal");
    };
    let room = s.length - s.offset;
    let mut got = 0u64;
    let mut since_check = 0u64;
    let mut cut = false;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            // Disconnected or stalled: keep what arrived, unless a checksum was promised.
            cut = true;
            break;
        };
        let n = chunk.len() as u64;
        got += n;
        if got > room {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body beyond the upload length",
            );
        }
        since_check += n;
        if since_check >= DISK_CHECK_EVERY {
            since_check = 0;
            if !disk_ok(&st, 0) {
                return refuse(StatusCode::INSUFFICIENT_STORAGE, "disk reserve");
            }
        }
        if let Some(c) = checksum.as_mut() {
            c.update(&chunk);
        }
        if sealer.write_all(&chunk).await.is_err() {
            return refuse(StatusCode::INTERNAL_SERVER_ERROR, "cannot seal");
        }
    }
    if cut && had_checksum {
        return refuse(
            StatusCode::BAD_REQUEST,
            "cut off; checksummed body discarded",
        );
    }
    if let Some(c) = checksum
        && !c.matches()
    {
        return refuse(
            StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST),
            "checksum mismatch; body discarded",
        );
    }
    if got == 0 {
        // Nothing to commit: an empty segment would only add noise.
        return patched(&s);
    }
    if sealer.finish().await.is_err() {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "cannot seal");
    }
    let Some((file, sha256, size)) = sink.into_parts() else {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "cannot seal");
    };
    let st2 = st.clone();
    let committed = tokio::task::spawn_blocking(move || -> Result<UploadState, &'static str> {
        file.sync_all().map_err(|_| "fsync")?;
        let mut rng = rand::rng();
        let record = SourceRecord { source, reply, day };
        st2.spool
            .ensure_source(&mut rng, &record, &st2.signing_key)
            .map_err(|_| "source record")?;
        let path = tmp.path().cloned().ok_or("staging")?;
        st2.spool
            .commit_staged(
                &mut rng,
                &path,
                item,
                &source,
                Kind::Segment,
                day,
                size,
                sha256,
                &st2.recipients,
                &st2.signing_key,
            )
            .map_err(|_| "commit")?;
        let mut tmp = tmp;
        tmp.disarm();
        s.segments.push(SegmentEntry {
            index,
            item,
            offset: s.offset,
            length: got,
            sha256,
        });
        s.offset += got;
        s.checksum &= had_checksum;
        s.expires = Day(day.0.saturating_add(st2.limits.upload_expire_days));
        if s.offset == s.length {
            complete(&st2, id, &s, day)?;
        } else {
            state::store(&st2.spool, &id, &s).map_err(|_| "state")?;
        }
        Ok(s)
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
            patched(&s)
        }
        Ok(Err(what)) => {
            tracing::error!(what, "cannot commit a segment");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "commit failed")
        }
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "task failed"),
    }
}

fn patched(s: &UploadState) -> Response {
    tus(
        StatusCode::NO_CONTENT,
        &[
            (hn("upload-offset"), s.offset.to_string()),
            (hn("upload-expires"), http_date(s.expires)),
        ],
    )
}

/// Seals and commits the manifest of a complete upload, then removes its state.
fn complete(st: &SharedState, id: UploadId, s: &UploadState, day: Day) -> Result<(), &'static str> {
    let m = Manifest {
        upload: id,
        length: s.length,
        content: s.content,
        encrypted: s.encrypted,
        meta: s.meta.clone(),
        segments: s.segments.clone(),
    };
    let mut rng = rand::rng();
    let header = Header::new(Kind::Manifest, ItemId::from_bytes([0; 16]), day);
    st.spool
        .store(
            &mut rng,
            &st.signing_key,
            &st.recipients,
            &s.source,
            header,
            &mut m.encode().as_bytes(),
        )
        .map_err(|_| "manifest")?;
    state::remove(&st.spool, &id).map_err(|_| "state")?;
    tracing::info!("resumable upload complete");
    Ok(())
}
