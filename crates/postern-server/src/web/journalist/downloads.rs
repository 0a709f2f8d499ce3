//! Downloads: one item's ciphertext, or a signed bundle of a source's items (or of everything
//! new), streamed as it is written so that memory stays flat whatever its size.

use std::io::{self, Write};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Path as UrlPath;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use bytes::Bytes;
use postern_spool::ids::{ItemId, SourceId};
use serde::Deserialize;

use super::sources::source_info;
use super::{Journalist, Posted, WithCsrf};
use crate::storage::index::SourceInfo;
use crate::web::kit::error::WebResult;

#[derive(Deserialize)]
pub(super) struct BundleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    source: String,
}

impl WithCsrf for BundleForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn attachment(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

pub(super) async fn download_item(
    who: Journalist,
    UrlPath((sid, iid)): UrlPath<(String, String)>,
) -> WebResult {
    let (Some(source), Some(item)) = (SourceId::parse(&sid), ItemId::parse(&iid)) else {
        return Err(who.not_found());
    };
    let (age, rec) = who.st.index.spool().item_paths(&source, &item);
    // Only committed items (with a record) are served.
    if !rec.is_file() {
        return Err(who.not_found());
    }
    let Ok(file) = tokio::fs::File::open(&age).await else {
        return Err(who.not_found());
    };
    let len = file.metadata().await.map(|m| m.len()).ok();
    who.st
        .states
        .update(&who.name, |s| {
            s.seen.insert(item);
        })
        .map_err(|_| who.server_error())?;
    let mut res = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 1 << 16))
        .into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        attachment(&format!("{item}.age")),
    );
    if let Some(len) = len {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    Ok(res)
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

pub(super) async fn bundle(Posted(who, form): Posted<BundleForm>) -> WebResult {
    let st = who.st.clone();
    // One source (all its items), or every source (what is new for this journalist).
    let selection: Vec<(Arc<SourceInfo>, Vec<ItemId>)> = if form.source.is_empty() {
        let index = st.index.clone();
        let Ok(Ok(all)) = tokio::task::spawn_blocking(move || index.sources()).await else {
            return Err(who.server_error());
        };
        let Ok(sel) = st.states.with(&who.name, |state| {
            all.into_iter()
                .map(|s| {
                    let new: Vec<ItemId> = s
                        .items
                        .iter()
                        .filter(|i| !state.has_seen(&i.id))
                        .map(|i| i.id)
                        .collect();
                    (s, new)
                })
                .filter(|(_, new)| !new.is_empty())
                .collect()
        }) else {
            return Err(who.server_error());
        };
        sel
    } else {
        let Some(info) = source_info(&st, &form.source).await else {
            return Err(who.not_found());
        };
        let items = info.items.iter().map(|i| i.id).collect();
        vec![(info, items)]
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(4);
    let st2 = st.clone();
    let name = who.name.clone();
    tokio::task::spawn_blocking(move || {
        let writer = ChannelWriter {
            tx,
            buf: Vec::with_capacity(CHUNK),
            finished: false,
        };
        match st2.index.write_bundle(writer, &selection) {
            Ok((writer, written)) => {
                if writer.finish().is_ok() {
                    // Everything reached the connection: these items are now seen.
                    if st2
                        .states
                        .update(&name, |s| s.seen.extend(written.iter().copied()))
                        .is_err()
                    {
                        tracing::warn!("could not record downloaded items as seen");
                    }
                    tracing::info!(items = written.len(), "a journalist downloaded a bundle");
                }
            }
            Err(_) => tracing::warn!("a bundle download failed"),
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let mut res = Body::from_stream(stream).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-tar"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        attachment(&format!("postern-bundle-{}.tar", st.clock.today())),
    );
    Ok(res)
}
