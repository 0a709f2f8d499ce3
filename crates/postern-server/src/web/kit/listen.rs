//! Listeners and the accept loop: TCP on loopback, unix sockets, or sockets passed by systemd;
//! one task per connection, HTTP/1.1 only, a header-read timeout against slowloris, and no
//! `Date` header.

use std::time::Duration;

use anyhow::{Context, Result};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tower::ServiceExt;

use crate::config::Listen;

/// A bound listening socket: the source interface and the journalist interface each get one,
/// never the same.
pub enum Listener {
    Tcp(tokio::net::TcpListener),
    Unix(tokio::net::UnixListener),
}

impl Listener {
    /// Binds `listen`; `what` names the interface in the log line (never an address of a peer).
    pub async fn bind(listen: Listen, what: &'static str) -> Result<Listener> {
        match listen {
            Listen::Tcp(addr) => {
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen on {addr}"))?;
                tracing::info!(%addr, "{what} listening");
                Ok(Listener::Tcp(listener))
            }
            Listen::Unix(path) => {
                if path.exists() {
                    std::fs::remove_file(&path)
                        .with_context(|| format!("removing the stale socket {}", path.display()))?;
                }
                let listener = tokio::net::UnixListener::bind(&path)
                    .with_context(|| format!("cannot listen on {}", path.display()))?;
                tracing::info!("{what} listening on a unix socket");
                Ok(Listener::Unix(listener))
            }
            Listen::Systemd(name) => {
                let std_listener = crate::systemd::take_unix_listener(&name)?;
                let listener = tokio::net::UnixListener::from_std(std_listener)
                    .with_context(|| format!("the socket `{name}` passed by systemd"))?;
                tracing::info!("{what} listening on a socket passed by systemd");
                Ok(Listener::Unix(listener))
            }
        }
    }

    /// Accepts connections forever, each served on its own task.
    pub async fn serve(self, app: Router, header_timeout: Duration) {
        match self {
            Listener::Tcp(listener) => loop {
                match listener.accept().await {
                    // The peer address is dropped here: it is always tor, and never logged.
                    Ok((stream, _peer)) => spawn_connection(stream, app.clone(), header_timeout),
                    Err(_) => accept_backoff().await,
                }
            },
            Listener::Unix(listener) => loop {
                match listener.accept().await {
                    Ok((stream, _)) => spawn_connection(stream, app.clone(), header_timeout),
                    Err(_) => accept_backoff().await,
                }
            },
        }
    }
}

/// After a failed accept (out of file descriptors, say), wait a little rather than spin.
async fn accept_backoff() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}

pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
}

/// Serves one HTTP/1.1 connection, with a header-read timeout against slowloris and no `Date`
/// header (the server's clock can fingerprint an onion host).
fn spawn_connection<S>(stream: S, app: Router, header_timeout: Duration)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let service =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let app = app.clone();
                async move { app.oneshot(req.map(axum::body::Body::new)).await }
            });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .auto_date_header(false)
            .max_buf_size(64 * 1024);
        let _ = builder
            .serve_connection(TokioIo::new(stream), service)
            .await;
    });
}
