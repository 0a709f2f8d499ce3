//! Downloads: signed bundles, in parts, that resume.
//!
//! A journalist chooses a selection (everything new, one source, one upload, a date range); the
//! link names it by a [`Token`] (no table on the server: the selection is built again from the
//! token on every request, so links survive a restart), and its page shows the total size and
//! the number of parts before anything downloads. Each part is a signed bundle of its own, at
//! `GET /bundle/<selection>/<n>`, whose bytes are a pure function of the selection: the answer
//! carries `Accept-Ranges`, a content-derived `ETag`, and honours `Range` (206, or 416 for a range
//! outside the part) and `If-Range`, so a browser or `curl -C -` resumes a cut download. One item
//! downloads the same way, as a one-item bundle the reviewer imports. All of this is on the
//! journalist listener only: the source interface sends no validator and no ranges.
//!
//! A part is streamed as it is read from the spool (flat memory whatever its size). Its items
//! count as seen for the journalist once a response has reached the part's last byte.

use std::io::{self, Write};
use std::ops::Range;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Path as UrlPath;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use bytes::Bytes;
use postern_spool::bundle::PartLayout;
use postern_spool::ids::{ItemId, SourceId};
use serde::Deserialize;

use super::pages::{self, PartRow, SelectionView};
use super::sources::source_info;
use super::{Journalist, Posted, WithCsrf};
use crate::clock::parse_day;
use crate::storage::selection::{Selection, Spec, Token};
use crate::web::kit::error::{WebError, WebResult};
use crate::web::kit::headers::RangeValidator;

#[derive(Deserialize)]
pub(super) struct BundleForm {
    #[serde(default)]
    csrf: String,
    /// One source (its id), or empty for every source.
    #[serde(default)]
    source: String,
    /// A date range (`YYYY-MM-DD`, inclusive). With neither, "everything new".
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
}

impl WithCsrf for BundleForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Sizes in readable units: B, KiB, MiB, GiB, TiB (one decimal from KiB on).
pub fn readable(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS.get(unit).copied().unwrap_or("TiB"))
}

fn attachment(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

fn part_file_name(sel: &Selection, part: u32) -> String {
    let id = sel.id.to_string();
    format!(
        "postern-{}-part-{part}-of-{}.tar",
        id.get(..12).unwrap_or(&id),
        sel.parts()
    )
}

/// What a `Range` header asks of a body of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
enum Ranged {
    /// No range (or one this server ignores, as RFC 9110 allows): the whole body.
    Whole,
    /// One satisfiable range.
    Part(Range<u64>),
    /// A range outside the body: 416.
    Unsatisfiable,
}

/// One `bytes=` range (`a-b`, `a-`, `-n`); several ranges, other units or a malformed header are
/// ignored (the whole body is sent).
fn parse_range(value: &str, len: u64) -> Ranged {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Ranged::Whole;
    };
    if spec.contains(',') {
        return Ranged::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Ranged::Whole;
    };
    let num = |s: &str| -> Option<u64> {
        if s.is_empty() || s.len() > 20 || !s.bytes().all(|c| c.is_ascii_digit()) {
            None
        } else {
            s.parse().ok()
        }
    };
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ranged::Whole,
        (true, false) => match num(b) {
            None => Ranged::Whole,
            Some(0) => Ranged::Unsatisfiable,
            Some(n) => Ranged::Part(len.saturating_sub(n)..len),
        },
        (false, _) => {
            let Some(start) = num(a) else {
                return Ranged::Whole;
            };
            let end = if b.is_empty() {
                len
            } else {
                match num(b) {
                    None => return Ranged::Whole,
                    Some(e) if e < start => return Ranged::Whole,
                    Some(e) => e.saturating_add(1).min(len),
                }
            };
            if start >= len {
                Ranged::Unsatisfiable
            } else {
                Ranged::Part(start..end)
            }
        }
    }
}

/// A `Write` that hands the bundle to the response body in 64 KiB chunks. If it is dropped
/// before [`ChannelWriter::finish`], the body ends with an error, so that the client sees a
/// failed download rather than a shorter bundle that looks complete.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<io::Result<Bytes>>,
    buf: Vec<u8>,
    finished: bool,
}

const CHUNK: usize = 64 * 1024;

impl ChannelWriter {
    fn send_buf(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the download was abandoned"))
    }

    fn finish(mut self) -> io::Result<()> {
        self.send_buf()?;
        self.finished = true;
        Ok(())
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send_buf()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for ChannelWriter {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self
                .tx
                .blocking_send(Err(io::Error::other("the bundle could not be completed")));
        }
    }
}

/// `POST /bundle`: names the selection and sends the browser to its page. "Everything new" gets
/// a fresh mark from the journalist's state, so that its set stays fixed while it downloads.
pub(super) async fn bundle(Posted(who, form): Posted<BundleForm>) -> WebResult {
    let st = who.st.clone();
    let day = |s: &str| {
        if s.trim().is_empty() {
            Ok(None)
        } else {
            parse_day(s.trim()).map(Some).ok_or_else(|| {
                who.message(StatusCode::BAD_REQUEST, "j-date-bad-title", "j-date-bad")
            })
        }
    };
    let (since, until) = (day(&form.since)?, day(&form.until)?);
    let source = if form.source.is_empty() {
        None
    } else {
        match source_info(&st, &form.source).await {
            Some(info) => Some(info.id),
            None => return Err(who.not_found()),
        }
    };
    let spec = match (since.is_some() || until.is_some(), source) {
        (true, source) => Spec::Days {
            since,
            until,
            source,
        },
        (false, Some(s)) => Spec::Source(s),
        (false, None) => {
            let mut mark = 0;
            st.states
                .update(&who.name, |s| mark = s.next_mark())
                .map_err(|_| who.server_error())?;
            Spec::New {
                day: st.clock.today(),
                mark,
            }
        }
    };
    let token = Token {
        spec,
        content: None,
    };
    Err(WebError::redirect(format!("/bundle/{token}")))
}

/// Builds the selection a token names, now (blocking work off the async threads). A token that
/// does not parse, or a "new" mark this journalist never had, is not found; a token whose
/// content id differs from what the spool now holds is "changed".
async fn resolve(who: &Journalist, token: &str) -> WebResult<(Token, Arc<Selection>)> {
    let Some(token) = Token::parse(token) else {
        return Err(who.not_found());
    };
    let snapshot = match token.spec {
        Spec::New { mark, .. } => {
            let st = who
                .st
                .states
                .with(&who.name, |s| s.clone())
                .map_err(|_| who.server_error())?;
            if mark == 0 || mark > st.mark() {
                return Err(who.not_found());
            }
            Some((st, mark))
        }
        _ => None,
    };
    let (st, spec, part_size) = (who.st.clone(), token.spec, who.st.part_size);
    let built = tokio::task::spawn_blocking(move || {
        let is_new = |i: &ItemId| snapshot.as_ref().is_none_or(|(s, m)| s.new_at(i, *m));
        spec.build(&st.index, &is_new, part_size)
    })
    .await
    .map_err(|_| who.server_error())?
    .map_err(|_| who.server_error())?;
    let Some(sel) = built else {
        if matches!(token.spec, Spec::Source(_) | Spec::Upload(..)) {
            // No such source, or no such upload of it.
            return Err(who.not_found());
        }
        return Err(who.message(StatusCode::OK, "j-bundle-none-title", "j-bundle-none"));
    };
    if token.content.is_some_and(|c| c != sel.id) {
        return Err(who.message(
            StatusCode::CONFLICT,
            "j-selection-changed-title",
            "j-selection-changed",
        ));
    }
    Ok((token, Arc::new(sel)))
}

/// Lays out every part (reads each record once) for the page's sizes.
async fn layouts(who: &Journalist, sel: &Arc<Selection>) -> WebResult<Vec<PartLayout>> {
    let (st, sel) = (who.st.clone(), sel.clone());
    tokio::task::spawn_blocking(move || {
        (1..=sel.parts())
            .map(|n| sel.layout(&st.index, &st.signer, n))
            .collect::<anyhow::Result<Vec<_>>>()
    })
    .await
    .map_err(|_| who.server_error())?
    .map_err(|_| {
        who.message(
            StatusCode::CONFLICT,
            "j-selection-changed-title",
            "j-selection-changed",
        )
    })
}

/// `GET /bundle/<token>`: the total size and the parts, with their links (which carry the
/// content's selection id).
pub(super) async fn selection_page(who: Journalist, UrlPath(sel): UrlPath<String>) -> WebResult {
    let (token, sel) = resolve(&who, &sel).await?;
    let layouts = layouts(&who, &sel).await?;
    let id = sel.id.to_string();
    let link = token.with_content(sel.id);
    let rows: Vec<PartRow> = layouts
        .iter()
        .zip(1u32..)
        .map(|(l, n)| PartRow {
            number: n,
            items: sel.part_entries(n).map(|e| e.len()).unwrap_or(0),
            size: readable(l.len()),
            href: format!("/bundle/{link}/{n}"),
            file: part_file_name(&sel, n),
        })
        .collect();
    let total: u64 = layouts.iter().map(|l| l.len()).sum();
    let html = pages::selection(
        &who.layout(),
        &SelectionView {
            id: &id,
            items: sel.entries().len(),
            total: &readable(total),
            part_size: &readable(sel.part_size),
            parts: &rows,
        },
    );
    Ok(super::html(StatusCode::OK, html))
}

/// `GET /bundle/<token>/<n>`: one part. The page's links carry the content's selection id, so
/// a part of a selection whose content changed since is refused ("changed") rather than mixed
/// with the parts already downloaded; without one, the part is of the content as it is now.
pub(super) async fn download_part(
    who: Journalist,
    headers: HeaderMap,
    UrlPath((sel, part)): UrlPath<(String, String)>,
) -> WebResult {
    let (_, sel) = resolve(&who, &sel).await?;
    let Some(part) = part
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=sel.parts()).contains(n) && n.to_string() == part)
    else {
        return Err(who.not_found());
    };
    serve_part(who, &headers, sel, part).await
}

/// `GET /sources/<sid>/items/<iid>`: one item, as a one-item signed bundle.
pub(super) async fn download_item(
    who: Journalist,
    headers: HeaderMap,
    UrlPath((sid, iid)): UrlPath<(String, String)>,
) -> WebResult {
    let (Some(_), Some(item)) = (SourceId::parse(&sid), ItemId::parse(&iid)) else {
        return Err(who.not_found());
    };
    let Some(info) = source_info(&who.st, &sid).await else {
        return Err(who.not_found());
    };
    if !info.items.iter().any(|i| i.id == item) {
        return Err(who.not_found());
    }
    let index = who.st.index.clone();
    let chosen = vec![(info, vec![item])];
    let sel = tokio::task::spawn_blocking(move || {
        // One item is one part, whatever its size.
        Selection::build_exact(&index, &chosen, u64::MAX)
    })
    .await
    .map_err(|_| who.server_error())?
    .map_err(|_| who.server_error())?
    .ok_or_else(|| who.not_found())?;
    serve_part(who, &headers, Arc::new(sel), 1).await
}

async fn serve_part(
    who: Journalist,
    headers: &HeaderMap,
    sel: Arc<Selection>,
    part: u32,
) -> WebResult {
    let (st, sel2) = (who.st.clone(), sel.clone());
    let layout = tokio::task::spawn_blocking(move || sel2.layout(&st.index, &st.signer, part))
        .await
        .map_err(|_| who.server_error())?
        .map_err(|_| {
            who.message(
                StatusCode::CONFLICT,
                "j-selection-changed-title",
                "j-selection-changed",
            )
        })?;
    let len = layout.len();
    let etag = format!("\"{}\"", layout.etag());
    // If-Range: resume only if the part is still the one the client has (strong comparison).
    let if_range_ok = headers
        .get(header::IF_RANGE)
        .is_none_or(|v| v.to_str().is_ok_and(|v| v.trim() == etag));
    let ranged = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(v) if if_range_ok => parse_range(v, len),
        _ => Ranged::Whole,
    };
    let range = match ranged {
        Ranged::Whole => 0..len,
        Ranged::Part(r) => r,
        Ranged::Unsatisfiable => {
            let mut res = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            let h = res.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                h.insert(header::CONTENT_RANGE, v);
            }
            h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
            return Ok(res);
        }
    };
    let partial = range != (0..len);
    let reaches_end = range.end == len;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(4);
    let (st, name, r) = (who.st.clone(), who.name.clone(), range.clone());
    let items: Vec<ItemId> = sel
        .part_entries(part)
        .unwrap_or(&[])
        .iter()
        .map(|e| e.item)
        .collect();
    tokio::task::spawn_blocking(move || {
        let mut writer = ChannelWriter {
            tx,
            buf: Vec::with_capacity(CHUNK),
            finished: false,
        };
        let sent = Selection::write_range(&st.index, &layout, r, &mut writer)
            .and_then(|()| writer.finish());
        match sent {
            Ok(()) if reaches_end => {
                // The part's last byte reached the connection: its items are now seen.
                if st
                    .states
                    .update(&name, |s| s.mark_seen(items.iter().copied()))
                    .is_err()
                {
                    tracing::warn!("could not record downloaded items as seen");
                }
                tracing::info!(items = items.len(), "a journalist downloaded a bundle part");
            }
            Ok(()) => {}
            Err(_) => tracing::info!("a bundle part download ended early"),
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let mut res = Body::from_stream(stream).into_response();
    if partial {
        *res.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-tar"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        attachment(&part_file_name(&sel, part)),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(range.end - range.start),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    res.extensions_mut().insert(RangeValidator);
    let h = res.headers_mut();
    if partial
        && let Ok(v) = HeaderValue::from_str(&format!(
            "bytes {}-{}/{len}",
            range.start,
            range.end.saturating_sub(1)
        ))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_parsed_as_rfc_9110_says() {
        let len = 1000;
        assert_eq!(parse_range("bytes=0-99", len), Ranged::Part(0..100));
        assert_eq!(parse_range("bytes=900-", len), Ranged::Part(900..1000));
        assert_eq!(parse_range("bytes=900-5000", len), Ranged::Part(900..1000));
        assert_eq!(parse_range("bytes=-100", len), Ranged::Part(900..1000));
        assert_eq!(parse_range("bytes=-5000", len), Ranged::Part(0..1000));
        assert_eq!(parse_range("bytes=999-999", len), Ranged::Part(999..1000));
        assert_eq!(parse_range("bytes=1000-", len), Ranged::Unsatisfiable);
        assert_eq!(parse_range("bytes=5000-6000", len), Ranged::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", len), Ranged::Unsatisfiable);
        for ignored in [
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=5-1",
            "bytes=-",
            "bytes=+1-2",
            "bytes=1-2x",
            "bytes=99999999999999999999999-",
            "",
        ] {
            assert_eq!(parse_range(ignored, len), Ranged::Whole, "{ignored}");
        }
    }

    #[test]
    fn sizes_are_readable() {
        assert_eq!(readable(0), "0 B");
        assert_eq!(readable(1023), "1023 B");
        assert_eq!(readable(1024), "1.0 KiB");
        assert_eq!(readable(1536), "1.5 KiB");
        assert_eq!(readable(300 << 20), "300.0 MiB");
        assert_eq!(readable(1 << 30), "1.0 GiB");
        assert_eq!(readable(100 << 30), "100.0 GiB");
        assert_eq!(readable(3 << 40), "3.0 TiB");
    }
}
