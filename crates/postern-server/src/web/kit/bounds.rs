//! Bounds on request bodies, applied before any handler buffers a byte:
//!
//! - [`MinRate`]: an upload body must bring at least `min_bytes` in every window of `window`,
//!   or it ends with an error (a body trickled at one byte every few seconds can't stay pinned,
//!   which a per-frame idle timeout alone allows).
//! - [`MultipartScan`]: a multipart body's preamble, each part's header block and the number of
//!   parts are bounded while the bytes stream past, so that the parser behind it (multer, which
//!   keeps everything before the first boundary and an unfinished header block, and rescans it)
//!   never holds more than these bounds.
//!
//! Both are body wrappers put in place by [`bound_upload`] (a middleware) and end the body with
//! an error, which the handlers already treat as a client that went away.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use futures_util::Stream;

/// Longest preamble before the first boundary.
pub const MAX_PREAMBLE: u64 = 1024;
/// Longest header block of one part (`Content-Disposition`, `Content-Type` and the blank line).
pub const MAX_PART_HEADERS: u64 = 4096;

/// Why a body was cut off. Carries nothing the client sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyBound {
    TooSlow,
    Preamble,
    PartHeaders,
    TooManyParts,
}

impl std::fmt::Display for BodyBound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BodyBound::TooSlow => "body slower than the minimum rate",
            BodyBound::Preamble => "multipart preamble too long",
            BodyBound::PartHeaders => "multipart part headers too long",
            BodyBound::TooManyParts => "too many multipart parts",
        })
    }
}

impl std::error::Error for BodyBound {}

/// The limits [`bound_upload`] applies.
#[derive(Clone, Copy, Debug)]
pub struct UploadBounds {
    /// At least this many bytes in every window…
    pub min_bytes: u64,
    /// … of this length.
    pub window: Duration,
    /// Most multipart parts (only for `multipart/form-data` bodies).
    pub max_parts: u64,
}

/// Middleware: wraps the request body in [`MinRate`] and, for a multipart body, in
/// [`MultipartScan`].
pub async fn bound_upload(bounds: UploadBounds, req: Request, next: Next) -> Response {
    let boundary = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok());
    let (parts, body) = req.into_parts();
    let stream = MinRate::new(body.into_data_stream(), bounds.min_bytes, bounds.window);
    let body = match boundary {
        Some(b) => Body::from_stream(Scanned {
            inner: stream,
            scan: MultipartScan::new(&b, bounds.max_parts),
            failed: false,
            unyielded: 0,
        }),
        None => Body::from_stream(stream),
    };
    next.run(Request::from_parts(parts, body)).await
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A body stream that must keep a minimum rate.
pub struct MinRate<S> {
    inner: S,
    min: u64,
    window: Duration,
    got: u64,
    deadline: Pin<Box<tokio::time::Sleep>>,
    failed: bool,
}

impl<S> MinRate<S> {
    pub fn new(inner: S, min: u64, window: Duration) -> MinRate<S> {
        MinRate {
            inner,
            min,
            window,
            got: 0,
            deadline: Box::pin(tokio::time::sleep(window)),
            failed: false,
        }
    }
}

impl<S, E> Stream for MinRate<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<BoxError>,
{
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.failed {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(b))) => {
                this.got = this.got.saturating_add(b.len() as u64);
                if this.got >= this.min {
                    this.got = 0;
                    let next = tokio::time::Instant::now() + this.window;
                    this.deadline.as_mut().reset(next);
                }
                return Poll::Ready(Some(Ok(b)));
            }
            Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => {}
        }
        if this.deadline.as_mut().poll(cx).is_ready() {
            this.failed = true;
            return Poll::Ready(Some(Err(Box::new(BodyBound::TooSlow))));
        }
        Poll::Pending
    }
}

struct Scanned<S> {
    inner: S,
    scan: MultipartScan,
    failed: bool,
    /// Bytes handed out since the body last had nothing ready.
    unyielded: usize,
}

/// Most bytes a multipart body hands out in one go before it yields once. multer's buffer takes
/// every chunk that is ready before it parses any, so a fast client would otherwise fill it
/// with whatever the socket holds; this keeps it at about one of hyper's reads (16 KiB once
/// many connections are open, `listen.rs`). The upload's own buffers (its envelope frame and
/// age chunk, 64 KiB each) are the rest of its memory at full speed (`docs/benchmarks.md`).
const MULTIPART_RUN: usize = 16 * 1024;

impl<S> Stream for Scanned<S>
where
    S: Stream<Item = Result<Bytes, BoxError>> + Unpin,
{
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.failed {
            return Poll::Ready(None);
        }
        if this.unyielded >= MULTIPART_RUN {
            this.unyielded = 0;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Pending => {
                this.unyielded = 0;
                Poll::Pending
            }
            Poll::Ready(Some(Ok(b))) => match this.scan.feed(&b) {
                Ok(()) => {
                    this.unyielded = this.unyielded.saturating_add(b.len());
                    Poll::Ready(Some(Ok(b)))
                }
                Err(e) => {
                    this.failed = true;
                    Poll::Ready(Some(Err(Box::new(e))))
                }
            },
            other => other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Before the first delimiter.
    Preamble,
    /// Just after a delimiter: `--` ends the body, anything else starts a part's headers.
    AfterDelimiter,
    /// In a part's header block, up to the blank line.
    Headers,
    /// In a part's content, up to the next delimiter.
    Data,
    /// After the closing delimiter: nothing more is looked at (the parser stops reading).
    Done,
}

/// Watches a multipart body go by and checks its bounds, in time linear in its length and
/// memory bounded by the delimiter's length.
pub struct MultipartScan {
    /// `--boundary`.
    first: Vec<u8>,
    /// `\r\n--boundary`.
    delimiter: Vec<u8>,
    stage: Stage,
    /// The tail of what was fed that may start a pattern cut by a chunk end.
    carry: Vec<u8>,
    /// Stream offset of `carry[0]`.
    carry_at: u64,
    /// Stream offset where the current stage began.
    stage_at: u64,
    parts: u64,
    max_parts: u64,
}

impl MultipartScan {
    pub fn new(boundary: &str, max_parts: u64) -> MultipartScan {
        let first = format!("--{boundary}").into_bytes();
        let delimiter = format!("\r\n--{boundary}").into_bytes();
        MultipartScan {
            first,
            delimiter,
            stage: Stage::Preamble,
            carry: Vec::new(),
            carry_at: 0,
            stage_at: 0,
            parts: 0,
            max_parts,
        }
    }

    /// Parts seen so far.
    pub fn parts(&self) -> u64 {
        self.parts
    }

    /// Checks the next bytes of the body.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), BodyBound> {
        if self.stage == Stage::Done {
            return Ok(());
        }
        let mut buf = std::mem::take(&mut self.carry);
        buf.extend_from_slice(chunk);
        let base = self.carry_at;
        let mut pos = 0usize;
        loop {
            let rest = buf.get(pos..).unwrap_or(&[]);
            let at = base + pos as u64;
            let (pattern, limit, bound): (&[u8], Option<u64>, BodyBound) = match self.stage {
                Stage::Done => return Ok(()),
                Stage::AfterDelimiter => {
                    let Some(two) = rest.get(..2) else {
                        break;
                    };
                    if two == b"--" {
                        self.stage = Stage::Done;
                        return Ok(());
                    }
                    self.parts += 1;
                    if self.parts > self.max_parts {
                        return Err(BodyBound::TooManyParts);
                    }
                    self.stage = Stage::Headers;
                    self.stage_at = at;
                    continue;
                }
                Stage::Preamble => (&self.first, Some(MAX_PREAMBLE), BodyBound::Preamble),
                Stage::Headers => (b"\r\n\r\n", Some(MAX_PART_HEADERS), BodyBound::PartHeaders),
                Stage::Data => (&self.delimiter, None, BodyBound::TooManyParts),
            };
            match memchr::memmem::find(rest, pattern) {
                Some(i) => {
                    let found_at = at + i as u64;
                    if limit.is_some_and(|l| found_at - self.stage_at > l) {
                        return Err(bound);
                    }
                    pos += i + pattern.len();
                    self.stage = match self.stage {
                        Stage::Preamble | Stage::Data => Stage::AfterDelimiter,
                        _ => Stage::Data,
                    };
                    self.stage_at = base + pos as u64;
                }
                None => {
                    let end = base + buf.len() as u64;
                    if limit.is_some_and(|l| end - self.stage_at > l) {
                        return Err(bound);
                    }
                    // Keep what could be the start of the pattern.
                    let keep = pattern.len().saturating_sub(1).min(rest.len());
                    pos = buf.len() - keep;
                    break;
                }
            }
        }
        self.carry_at = base + pos as u64;
        self.carry = buf.get(pos..).map(<[u8]>::to_vec).unwrap_or_default();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fast_multipart_body_yields_after_one_run() {
        let body = {
            let mut b = b"--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n".to_vec();
            b.resize(1 << 20, b'a');
            b
        };
        let chunks: Vec<Result<Bytes, BoxError>> = body
            .chunks(16 * 1024)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let mut s = Scanned {
            inner: futures_util::stream::iter(chunks),
            scan: MultipartScan::new("XyZ", 10),
            failed: false,
            unyielded: 0,
        };
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut runs = Vec::new();
        let mut run = 0;
        let mut total = 0;
        loop {
            match Pin::new(&mut s).poll_next(&mut cx) {
                Poll::Ready(Some(Ok(b))) => {
                    run += b.len();
                    total += b.len();
                }
                Poll::Ready(None) => break,
                Poll::Ready(Some(Err(e))) => panic!("{e}"),
                Poll::Pending => runs.push(std::mem::take(&mut run)),
            }
        }
        assert_eq!(total, body.len(), "every byte came through");
        assert_eq!(runs.len(), (1 << 20) / MULTIPART_RUN, "one pause per run");
        assert!(runs.iter().all(|r| *r == MULTIPART_RUN), "{runs:?}");
    }

    fn body(parts: usize) -> Vec<u8> {
        let mut b = Vec::new();
        for i in 0..parts {
            b.extend_from_slice(
                format!(
                    "--XyZ\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nvalue {i} --XY\r\n"
                )
                .as_bytes(),
            );
        }
        b.extend_from_slice(b"--XyZ--\r\n");
        b
    }

    fn scan_in(chunk: usize, data: &[u8], max_parts: u64) -> Result<u64, BodyBound> {
        let mut s = MultipartScan::new("XyZ", max_parts);
        for c in data.chunks(chunk) {
            s.feed(c)?;
        }
        Ok(s.parts())
    }

    #[test]
    fn parts_are_counted_whatever_the_chunking() {
        let data = body(5);
        for chunk in [1, 2, 3, 7, 64, 10_000] {
            assert_eq!(scan_in(chunk, &data, 5), Ok(5), "chunk {chunk}");
            assert_eq!(
                scan_in(chunk, &data, 4),
                Err(BodyBound::TooManyParts),
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn a_long_preamble_or_endless_part_headers_are_cut_off() {
        let mut long = vec![b'a'; 2000];
        long.extend_from_slice(&body(1));
        for chunk in [1, 100, 5000] {
            assert_eq!(scan_in(chunk, &long, 5), Err(BodyBound::Preamble));
        }
        let mut headers = b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n".to_vec();
        headers.extend(std::iter::repeat_n(b'x', 5000));
        for chunk in [1, 100, 10_000] {
            assert_eq!(scan_in(chunk, &headers, 5), Err(BodyBound::PartHeaders));
        }
        // Within the bounds: fine.
        let mut short = vec![b'a'; 500];
        short.extend_from_slice(b"\r\n");
        short.extend_from_slice(&body(2));
        assert_eq!(scan_in(3, &short, 5), Ok(2));
    }

    #[test]
    fn big_content_is_not_a_bound() {
        let mut b = b"--XyZ\r\nContent-Disposition: form-data; name=\"files\"\r\n\r\n".to_vec();
        b.extend(std::iter::repeat_n(b'-', 1 << 20));
        b.extend_from_slice(b"\r\n--XyZ--\r\n");
        assert_eq!(scan_in(65_536, &b, 1), Ok(1));
    }

    #[tokio::test]
    async fn a_trickled_body_ends_after_a_window() {
        use futures_util::StreamExt;
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
        let inner = tokio_stream_from(rx);
        let mut s = MinRate::new(inner, 100, Duration::from_millis(200));
        tx.send(Ok(Bytes::from_static(b"0123456789")))
            .await
            .unwrap();
        assert!(matches!(s.next().await, Some(Ok(_))));
        // Nothing more within the window: an error, then the end.
        let r = s.next().await;
        assert!(matches!(r, Some(Err(_))), "{r:?}");
        assert!(s.next().await.is_none());
        drop(tx);
    }

    fn tokio_stream_from<T: Send + 'static>(
        mut rx: tokio::sync::mpsc::Receiver<T>,
    ) -> Pin<Box<dyn Stream<Item = T> + Send>> {
        Box::pin(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)))
    }
}
