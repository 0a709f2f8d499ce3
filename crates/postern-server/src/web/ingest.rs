//! Streaming ingest: each multipart field goes straight into an envelope sealed to the newsroom,
//! then to a temporary file in the spool. Nothing is committed until the whole request has
//! arrived within its limits; then every item of the request is committed. A refused, cut-off or
//! crashed upload leaves nothing visible: temporaries are removed on the spot, or by the startup
//! sweep after a crash.
//!
//! What is checked before a byte is stored: the session (a logged-in source), the CSRF token (the
//! form's first field), the declared length against the request limit, and free disk space
//! against the reserve. What is enforced while streaming: the per-file, per-request and message
//! limits, and the reserve again every few MiB.

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::multipart::Field;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use futures_io::AsyncWrite;
use postern_spool::envelope::{Header, Kind, seal_async};
use postern_spool::ids::{ItemId, SourceId};
use postern_spool::record::SourceRecord;
use sha2::{Digest, Sha256};
use tower_sessions::Session;

use super::SharedState;
use super::i18n::{Lang, t};
use super::pages::{self, Ctx};
use super::source::{csrf_ok, current_source, error_page, home_view_for, html, not_logged_in};

/// Check free space again after this many bytes of a file.
const DISK_CHECK_EVERY: u64 = 8 << 20;

/// A sealed item waiting in `tmp/` for the request to complete.
struct Staged {
    item: ItemId,
    kind: Kind,
    day: postern_spool::day::Day,
    size: u64,
    sha256: [u8; 32],
    tmp: TempGuard,
}

/// Removes a temporary file when dropped, unless it was committed.
pub(super) struct TempGuard(Option<PathBuf>);

impl TempGuard {
    pub(super) fn new(path: PathBuf) -> TempGuard {
        TempGuard(Some(path))
    }
    pub(super) fn path(&self) -> Option<&PathBuf> {
        self.0.as_ref()
    }
    pub(super) fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Why an upload was refused. Each maps to a page; none carries anything the source sent.
enum Refusal {
    Expired,
    Csrf,
    BadRequest,
    TooLarge,
    MessageTooLong,
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
            Refusal::DiskFull => "disk reserve",
            Refusal::Gone => "client disconnected or stalled",
            Refusal::Server => "server error",
        }
    }
}

pub async fn submit(
    State(st): State<SharedState>,
    session: Session,
    headers: HeaderMap,
    Path(code): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let Some(lang) = Lang::from_code(&code) else {
        return error_page(
            &Ctx::bare(Lang::En, ""),
            StatusCode::NOT_FOUND,
            "error-not-found",
        );
    };
    let ctx = Ctx {
        org: st.org.clone(),
        csrf: super::source::csrf_token(&session).await,
        logged_in: true,
        ..Ctx::bare(lang, "home")
    };
    let Some(source) = current_source(&session).await else {
        return not_logged_in(&st, &session, &headers, lang).await;
    };
    let (Some(source_id), Ok(reply)) = (
        source.source_id(),
        source.reply.parse::<postern_spool::recipients::Recipient>(),
    ) else {
        return error_page(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-server");
    };
    let Ok(multipart) = multipart else {
        return error_page(&ctx, StatusCode::BAD_REQUEST, "error-bad-request");
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > st.limits.max_request_bytes.saturating_add(64 * 1024)) {
        return error_page(&ctx, StatusCode::PAYLOAD_TOO_LARGE, "error-too-large");
    }
    if !disk_ok(&st, declared.unwrap_or(0)) {
        return error_page(&ctx, StatusCode::INSUFFICIENT_STORAGE, "error-disk-full");
    }
    match receive(&st, &session, multipart).await {
        Ok(staged) if staged.is_empty() => {
            let notice = t(lang, "notice-nothing-sent");
            let view = home_view_for(&st, &session, &source_id, Some(notice)).await;
            html(StatusCode::BAD_REQUEST, pages::home(&ctx, &view))
        }
        Ok(staged) => {
            let files = staged.iter().filter(|s| s.kind == Kind::File).count();
            let message = staged.iter().any(|s| s.kind == Kind::Message);
            match commit(&st, source_id, reply, staged).await {
                Ok(()) => html(StatusCode::OK, pages::submitted(&ctx, files, message)),
                Err(()) => error_page(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-server"),
            }
        }
        Err(r) => {
            let reason = r.as_str();
            let (status, id) = match r {
                Refusal::Expired => return not_logged_in(&st, &session, &headers, lang).await,
                Refusal::Csrf => (StatusCode::FORBIDDEN, "error-csrf"),
                Refusal::BadRequest => (StatusCode::BAD_REQUEST, "error-bad-request"),
                Refusal::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "error-too-large"),
                Refusal::MessageTooLong => {
                    (StatusCode::PAYLOAD_TOO_LARGE, "error-message-too-long")
                }
                Refusal::DiskFull => (StatusCode::INSUFFICIENT_STORAGE, "error-disk-full"),
                Refusal::Gone => (StatusCode::BAD_REQUEST, "error-bad-request"),
                Refusal::Server => (StatusCode::INTERNAL_SERVER_ERROR, "error-server"),
            };
            tracing::info!(
                status = status.as_u16(),
                reason,
                "upload refused; nothing was stored"
            );
            error_page(&ctx, status, id)
        }
    }
}

/// Reads the whole multipart body into staged items.
async fn receive(
    st: &SharedState,
    session: &Session,
    mut mp: Multipart,
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
    if current_source(session).await.is_none() {
        return Err(Refusal::Expired);
    }
    let mut staged = Vec::new();
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
                    request_bytes += text.len() as u64;
                    if request_bytes > st.limits.max_request_bytes {
                        return Err(Refusal::TooLarge);
                    }
                    let header =
                        Header::new(Kind::Message, ItemId::from_bytes([0; 16]), st.today());
                    let (item, _) = stage(
                        st,
                        header,
                        Body::Bytes(text.into_bytes()),
                        &mut request_bytes,
                    )
                    .await?;
                    staged.push(item);
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
                let nameless = name.is_empty();
                let mut header = Header::new(Kind::File, ItemId::from_bytes([0; 16]), st.today());
                header.name = name;
                header.content_type = ctype;
                let (item, content_len) =
                    stage(st, header, Body::Field(&mut field), &mut request_bytes).await?;
                // A file input left empty still sends an empty, nameless part: skip it (its
                // temporary goes with `item`).
                if nameless && content_len == 0 {
                    continue;
                }
                staged.push(item);
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

enum Body<'a, 'b> {
    Bytes(Vec<u8>),
    Field(&'a mut Field<'b>),
}

/// Seals one item into a temporary file, streaming. Returns it with its content length.
async fn stage(
    st: &SharedState,
    mut header: Header,
    body: Body<'_, '_>,
    request_bytes: &mut u64,
) -> Result<(Staged, u64), Refusal> {
    let item = ItemId::random(&mut rand::rng());
    header.submission_id = item;
    let (kind, day) = (header.kind, header.day);
    let (file, tmp) = st
        .spool
        .temp_file(&mut rand::rng())
        .map_err(|_| Refusal::Server)?;
    let tmp = TempGuard(Some(tmp));
    let mut sink = BlockingSink::new(file);
    let mut sealer = seal_async(&st.recipients, &header, &mut sink)
        .await
        .map_err(|_| Refusal::Server)?;
    let mut content_len = 0u64;
    match body {
        Body::Bytes(b) => {
            sealer.write_all(&b).await.map_err(|_| Refusal::Server)?;
            content_len = b.len() as u64;
        }
        Body::Field(field) => {
            let mut since_check = 0u64;
            while let Some(chunk) = field.chunk().await.map_err(gone)? {
                let n = chunk.len() as u64;
                content_len += n;
                *request_bytes += n;
                if content_len > st.limits.max_file_bytes
                    || *request_bytes > st.limits.max_request_bytes
                {
                    return Err(Refusal::TooLarge);
                }
                since_check += n;
                if since_check >= DISK_CHECK_EVERY {
                    since_check = 0;
                    if !disk_ok(st, 0) {
                        return Err(Refusal::DiskFull);
                    }
                }
                sealer
                    .write_all(&chunk)
                    .await
                    .map_err(|_| Refusal::Server)?;
            }
        }
    }
    sealer.finish().await.map_err(|_| Refusal::Server)?;
    let (file, sha256, size) = sink.into_parts().ok_or(Refusal::Server)?;
    tokio::task::spawn_blocking(move || file.sync_all())
        .await
        .map_err(|_| Refusal::Server)?
        .map_err(|_| Refusal::Server)?;
    Ok((
        Staged {
            item,
            kind,
            day,
            size,
            sha256,
            tmp,
        },
        content_len,
    ))
}

/// Commits every staged item of a request, creating the source's record first if this is its
/// first submission.
async fn commit(
    st: &SharedState,
    source: SourceId,
    reply: postern_spool::recipients::Recipient,
    staged: Vec<Staged>,
) -> Result<(), ()> {
    let st = st.clone();
    tokio::task::spawn_blocking(move || {
        let mut rng = rand::rng();
        let day = staged.first().map(|s| s.day).unwrap_or_else(|| st.today());
        let record = SourceRecord {
            source,
            reply: reply.to_string(),
            day,
        };
        st.spool
            .ensure_source(&mut rng, &record, &st.signing_key)
            .map_err(|e| {
                tracing::error!(error = %e, "cannot write a source record");
            })?;
        for mut s in staged {
            let Some(path) = s.tmp.path().cloned() else {
                return Err(());
            };
            st.spool
                .commit_staged(
                    &mut rng,
                    &path,
                    s.item,
                    &source,
                    s.kind,
                    s.day,
                    s.size,
                    s.sha256,
                    &st.recipients,
                    &st.signing_key,
                )
                .map_err(|e| {
                    tracing::error!(error = %e, "cannot commit an item");
                })?;
            s.tmp.disarm();
        }
        Ok(())
    })
    .await
    .map_err(|_| ())?
}

/// Whether the spool's file system has room for `extra` bytes above the reserve.
pub(super) fn disk_ok(st: &SharedState, extra: u64) -> bool {
    match rustix::fs::statvfs(st.spool.root()) {
        Ok(s) => {
            let avail = s.f_bavail.saturating_mul(s.f_frsize);
            avail >= st.limits.disk_reserve_bytes.saturating_add(extra)
        }
        Err(_) => false,
    }
}

pub(super) fn truncate_utf8(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("").to_owned()
}

/// Bytes gathered before they are handed to the blocking threads.
const SINK_BUF: usize = 256 * 1024;
/// After this many bytes written since the last flush started, another flush to disk is started
/// in the background, so that the fsync at the end of an upload has only the tail left to do.
const EARLY_SYNC: u64 = 8 << 20;

/// One buffer in flight: written by one blocking task and hashed by another, at the same time.
struct SinkJob {
    data: Arc<Vec<u8>>,
    write: Option<tokio::task::JoinHandle<io::Result<std::fs::File>>>,
    hash: Option<tokio::task::JoinHandle<Sha256>>,
    file: Option<std::fs::File>,
    hasher: Option<Sha256>,
}

/// The file end of an upload: gathers ciphertext into 256 KiB buffers and hands each to two
/// blocking tasks, one writing it and one hashing it (SHA-256, for the record), while the
/// connection's task goes on parsing and encrypting the next one. One buffer is in flight at a
/// time, so memory stays at two buffers, allocated only as data arrives.
pub(super) struct BlockingSink {
    idle: Option<(std::fs::File, Sha256)>,
    job: Option<SinkJob>,
    buf: Vec<u8>,
    spare: Vec<u8>,
    len: u64,
    /// The same open file, for background flushes (`fdatasync` while writing goes on).
    flusher: Option<Arc<std::fs::File>>,
    /// A background flush in flight. Its error is the upload's error: after a failed flush the
    /// kernel may not report the loss again to the final fsync.
    flush: Option<tokio::task::JoinHandle<io::Result<()>>>,
    unflushed: u64,
}

impl BlockingSink {
    pub(super) fn new(file: std::fs::File) -> BlockingSink {
        // Without a second handle there are no background flushes; the final fsync does all.
        let flusher = file.try_clone().ok().map(Arc::new);
        BlockingSink {
            idle: Some((file, Sha256::new())),
            job: None,
            buf: Vec::new(),
            spare: Vec::new(),
            len: 0,
            flusher,
            flush: None,
            unflushed: 0,
        }
    }

    /// Collects a finished background flush; `Pending` while one runs.
    fn poll_flushed(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(handle) = self.flush.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        match Pin::new(handle).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(r) => {
                self.flush = None;
                Poll::Ready(r.map_err(|_| io::Error::other("flush task failed"))?)
            }
        }
    }

    /// Starts a background flush when enough was written since the last one (and none runs).
    fn maybe_flush(&mut self, cx: &mut Context<'_>, written: usize) -> io::Result<()> {
        self.unflushed += written as u64;
        if let Poll::Ready(r) = self.poll_flushed(cx) {
            r?;
        }
        if self.unflushed >= EARLY_SYNC
            && self.flush.is_none()
            && let Some(f) = &self.flusher
        {
            let f = f.clone();
            self.flush = Some(tokio::task::spawn_blocking(move || f.sync_data()));
            self.unflushed = 0;
        }
        Ok(())
    }

    /// Waits for the buffer in flight, if any.
    fn poll_job(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(job) = self.job.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        if let Some(handle) = job.write.as_mut() {
            match Pin::new(handle).poll(cx) {
                Poll::Pending => {}
                Poll::Ready(r) => {
                    job.write = None;
                    job.file = Some(r.map_err(|_| io::Error::other("write task failed"))??);
                }
            }
        }
        if let Some(handle) = job.hash.as_mut() {
            match Pin::new(handle).poll(cx) {
                Poll::Pending => {}
                Poll::Ready(r) => {
                    job.hash = None;
                    job.hasher = Some(r.map_err(|_| io::Error::other("hash task failed"))?);
                }
            }
        }
        if job.write.is_some() || job.hash.is_some() {
            return Poll::Pending;
        }
        let (Some(file), Some(hasher)) = (job.file.take(), job.hasher.take()) else {
            return Poll::Ready(Err(io::Error::other("sink in an impossible state")));
        };
        let data = std::mem::take(&mut job.data);
        self.job = None;
        // Both tasks are done, so the buffer is ours again: reuse it.
        if let Ok(mut old) = Arc::try_unwrap(data) {
            old.clear();
            self.spare = old;
        }
        self.idle = Some((file, hasher));
        Poll::Ready(Ok(()))
    }

    /// Hands the gathered bytes over (after the previous buffer is done).
    fn poll_hand_over(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Poll::Ready(r) = self.poll_job(cx) {
            r?;
        } else {
            return Poll::Pending;
        }
        if self.buf.is_empty() {
            return Poll::Ready(Ok(()));
        }
        let Some((mut file, mut hasher)) = self.idle.take() else {
            return Poll::Ready(Err(io::Error::other("sink in an impossible state")));
        };
        let data = Arc::new(std::mem::replace(
            &mut self.buf,
            std::mem::take(&mut self.spare),
        ));
        // Data handed over before now is written by the time the next buffer goes: flush it
        // in the background.
        self.maybe_flush(cx, data.len())?;
        let for_write = data.clone();
        let for_hash = data.clone();
        self.job = Some(SinkJob {
            data,
            write: Some(tokio::task::spawn_blocking(move || {
                use std::io::Write as _;
                file.write_all(&for_write)?;
                Ok(file)
            })),
            hash: Some(tokio::task::spawn_blocking(move || {
                hasher.update(&*for_hash);
                hasher
            })),
            file: None,
            hasher: None,
        });
        Poll::Ready(Ok(()))
    }

    /// The file, the SHA-256 of everything written and its length; call after closing.
    pub(super) fn into_parts(self) -> Option<(std::fs::File, [u8; 32], u64)> {
        let (file, hasher) = self.idle?;
        Some((file, hasher.finalize().into(), self.len))
    }
}

impl AsyncWrite for BlockingSink {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.buf.len() >= SINK_BUF {
            match this.poll_hand_over(cx) {
                Poll::Ready(Ok(())) => {}
                other => return other.map(|r| r.map(|()| 0)),
            }
        }
        let room = SINK_BUF.saturating_sub(this.buf.len()).max(1);
        let take = room.min(data.len());
        this.buf.extend_from_slice(data.get(..take).unwrap_or(data));
        this.len += take as u64;
        Poll::Ready(Ok(take))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            match this.poll_hand_over(cx) {
                Poll::Ready(Ok(())) => {}
                other => return other,
            }
            if this.buf.is_empty() {
                return match this.poll_job(cx) {
                    Poll::Ready(Ok(())) => this.poll_flushed(cx),
                    other => other,
                };
            }
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}
