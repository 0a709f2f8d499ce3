//! Listeners and the accept loop: TCP on loopback, unix sockets, or sockets passed by systemd;
//! one task per connection, HTTP/1.1 only, a header-read timeout against slowloris, and no
//! `Date` header. Each listener has a connection cap (a connection over it is closed at once,
//! before a byte is read) and a write timeout (a client that never reads its response loses
//! the connection). A request hyper refuses by itself (400, 414, 431) gets no answer, only a
//! closed connection ([`OwnErrorsClosed`]): hyper's own answers would lack the header set.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
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

    /// Accepts connections forever, each served on its own task, at most `conn.max` at a time
    /// (and, with `conn.proxy`, at most `conn.per_circuit` of one tor circuit).
    pub async fn serve(self, app: Router, conn: ConnLimits) {
        let permits = Arc::new(tokio::sync::Semaphore::new(conn.max.max(1)));
        let circuits = CircuitCounts::default();
        match self {
            Listener::Tcp(listener) => loop {
                match listener.accept().await {
                    // The peer address is dropped here: it is always tor, and never logged.
                    Ok((stream, _peer)) => {
                        if let Ok(permit) = permits.clone().try_acquire_owned() {
                            accept_one(stream, app.clone(), conn, permit, &circuits);
                        }
                    }
                    Err(_) => accept_backoff().await,
                }
            },
            Listener::Unix(listener) => loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        if let Ok(permit) = permits.clone().try_acquire_owned() {
                            accept_one(stream, app.clone(), conn, permit, &circuits);
                        }
                    }
                    Err(_) => accept_backoff().await,
                }
            },
        }
    }
}

/// Serves an accepted connection: at once, or after its PROXY header if the listener wants one.
fn accept_one<S>(
    stream: S,
    app: Router,
    conn: ConnLimits,
    permit: tokio::sync::OwnedSemaphorePermit,
    circuits: &CircuitCounts,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    if conn.proxy {
        spawn_proxied_connection(stream, app, conn, permit, circuits.clone());
    } else {
        spawn_connection(stream, app, conn, permit);
    }
}

/// The tor circuit a request came over: the low 32 bits of the source address in tor's PROXY
/// header (`HiddenServiceExportCircuitID haproxy`). A request extension on listeners with
/// `proxy_protocol`; never logged or stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Circuit(pub u32);

/// The one circuit of every `PROXY UNKNOWN` connection (local health checks; never tor).
pub const UNKNOWN_CIRCUIT: Circuit = Circuit(0);

/// The longest PROXY protocol v1 line, CRLF included (the protocol's own bound).
pub const PROXY_V1_MAX: usize = 107;

/// Parses a PROXY protocol v1 line without its CRLF, as tor writes it:
/// `PROXY TCP6 fc00:dead:beef:4dad::XXXX:XXXX ::1 65535 443`. Strict: one space between
/// fields, family `TCP6`, valid addresses and ports. The circuit id is the low 32 bits of the
/// source address (tor sets the upper 96 bits to a fixed prefix, ignored here).
pub fn parse_proxy_v1(line: &[u8]) -> Option<Circuit> {
    let text = std::str::from_utf8(line).ok()?;
    // What a local health check sends over a unix socket (`curl --haproxy-protocol`): no
    // address. tor never does; such connections share one bucket.
    if text == "PROXY UNKNOWN" {
        return Some(UNKNOWN_CIRCUIT);
    }
    let mut fields = text.split(' ');
    let (proxy, family) = (fields.next()?, fields.next()?);
    let (src, dst) = (fields.next()?, fields.next()?);
    let (sport, dport) = (fields.next()?, fields.next()?);
    if fields.next().is_some() || proxy != "PROXY" || family != "TCP6" {
        return None;
    }
    let src: std::net::Ipv6Addr = src.parse().ok()?;
    let _: std::net::Ipv6Addr = dst.parse().ok()?;
    for port in [sport, dport] {
        // Decimal digits only: no sign, no leading zero but for 0 itself.
        if port.is_empty()
            || !port.bytes().all(|b| b.is_ascii_digit())
            || (port.len() > 1 && port.starts_with('0'))
        {
            return None;
        }
        let _: u16 = port.parse().ok()?;
    }
    let [.., a, b, c, d] = src.octets();
    Some(Circuit(u32::from_be_bytes([a, b, c, d])))
}

/// Reads the PROXY v1 line at the start of `stream`, one byte at a time (so nothing of the
/// request after it is consumed), at most [`PROXY_V1_MAX`] bytes and within `timeout`.
pub async fn read_proxy_header<S>(stream: &mut S, timeout: Duration) -> Option<Circuit>
where
    S: tokio::io::AsyncRead + Unpin,
{
    use tokio::io::AsyncReadExt;
    let read = async {
        let mut line = Vec::with_capacity(PROXY_V1_MAX);
        while line.len() < PROXY_V1_MAX {
            let mut b = [0u8; 1];
            if stream.read(&mut b).await.ok()? == 0 {
                return None;
            }
            let [byte] = b;
            line.push(byte);
            if let Some(text) = line.strip_suffix(b"\r\n") {
                return parse_proxy_v1(text);
            }
        }
        None
    };
    tokio::time::timeout(timeout, read).await.ok().flatten()
}

/// Open connections per circuit, for the per-circuit cap. Entries go when their last
/// connection does, so the map never holds more than the listener's connection cap.
#[derive(Clone, Default)]
pub struct CircuitCounts(Arc<std::sync::Mutex<std::collections::HashMap<u32, usize>>>);

/// One connection's place in [`CircuitCounts`], given back when dropped.
pub struct CircuitSlot {
    counts: CircuitCounts,
    circuit: u32,
}

impl CircuitCounts {
    /// A slot for one more connection of `circuit`, unless it already has `max`.
    pub fn enter(&self, circuit: Circuit, max: usize) -> Option<CircuitSlot> {
        let mut map = self.0.lock().ok()?;
        let n = map.entry(circuit.0).or_insert(0);
        if *n >= max.max(1) {
            return None;
        }
        *n += 1;
        Some(CircuitSlot {
            counts: self.clone(),
            circuit: circuit.0,
        })
    }
}

impl Drop for CircuitSlot {
    fn drop(&mut self) {
        if let Ok(mut map) = self.counts.0.lock()
            && let Some(n) = map.get_mut(&self.circuit)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.circuit);
            }
        }
    }
}

/// Serves a connection that must begin with tor's PROXY header: read within the header
/// timeout, or the connection is closed unanswered; then the circuit's cap (over it, closed
/// unanswered); then HTTP, with the circuit on every request.
fn spawn_proxied_connection<S>(
    mut stream: S,
    app: Router,
    conn: ConnLimits,
    permit: tokio::sync::OwnedSemaphorePermit,
    circuits: CircuitCounts,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let _permit = permit;
        let Some(circuit) = read_proxy_header(&mut stream, conn.header_timeout).await else {
            return;
        };
        let Some(_slot) = circuits.enter(circuit, conn.per_circuit) else {
            return;
        };
        serve_http(stream, app, conn, Some(circuit)).await;
    });
}

/// The per-connection limits of a listener.
#[derive(Clone, Copy, Debug)]
pub struct ConnLimits {
    /// Most open connections; more are closed at once.
    pub max: usize,
    /// Time a client has to send its request headers.
    pub header_timeout: Duration,
    /// Time a write may wait for the client to read.
    pub write_timeout: Duration,
    /// Whether every connection must begin with tor's PROXY header.
    pub proxy: bool,
    /// With `proxy`: most open connections of one circuit.
    pub per_circuit: usize,
}

/// Descriptors one connection may hold at once: its socket, an upload's temporary and its
/// second handle for background flushes, and a spool file being read or committed.
pub const FDS_PER_CONNECTION: u64 = 4;
/// Descriptors the server holds besides connections (listeners, runtime, logs, spool).
pub const FDS_BASE: u64 = 64;

/// Raises the soft descriptor limit to the hard one and logs the budget: `listeners` listeners
/// of `max_connections` each, at [`FDS_PER_CONNECTION`], plus [`FDS_BASE`]. Returns the soft
/// limit in effect and the budget.
pub fn raise_fd_limit(listeners: u64, max_connections: usize) -> (u64, u64) {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut lim = getrlimit(Resource::Nofile);
    if lim.current != lim.maximum {
        lim.current = lim.maximum;
        if setrlimit(Resource::Nofile, lim).is_err() {
            tracing::warn!("cannot raise the descriptor limit to the hard limit");
        }
    }
    let soft = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
    let budget = listeners
        .saturating_mul(max_connections as u64)
        .saturating_mul(FDS_PER_CONNECTION)
        .saturating_add(FDS_BASE);
    if budget > soft {
        tracing::warn!(
            soft_limit = soft,
            budget,
            "the descriptor budget (connections x descriptors each) is above the limit: lower max_connections or raise LimitNOFILE"
        );
    } else {
        tracing::info!(soft_limit = soft, budget, "descriptor budget");
    }
    (soft, budget)
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

/// Serves one HTTP/1.1 connection, with a header-read timeout against slowloris, a write
/// timeout, and no `Date` header (the server's clock can fingerprint an onion host). The
/// permit is held until the connection ends.
fn spawn_connection<S>(
    stream: S,
    app: Router,
    conn: ConnLimits,
    permit: tokio::sync::OwnedSemaphorePermit,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let _permit = permit;
        serve_http(stream, app, conn, None).await;
    });
}

/// HTTP/1.1 on one connection (see [`spawn_connection`]); `circuit`, if known, goes into every
/// request's extensions.
async fn serve_http<S>(stream: S, app: Router, conn: ConnLimits, circuit: Option<Circuit>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let answered = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let stream = WriteTimeout::new(
        OwnErrorsClosed::new(stream, answered.clone()),
        conn.write_timeout,
    );
    let header_timeout = conn.header_timeout;
    let service =
        hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            let app = app.clone();
            answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if let Some(c) = circuit {
                req.extensions_mut().insert(c);
            }
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
}

/// A stream that closes the connection instead of sending hyper's own error responses.
///
/// hyper answers a request it cannot parse (400, 414, 431) by itself, before any layer runs, so
/// those answers would lack the security headers. Every other response head on a connection
/// answers a request the app was given, and hyper writes each head at the start of a write. So
/// this stream counts the requests handed to the app (`answered`, counted by the service) and
/// the response heads written (writes that begin with `HTTP/1.`, interim `100 Continue` aside);
/// a head beyond the count is hyper's own, and the write fails instead, which closes the
/// connection without an answer. (Pages and downloads never begin a body write with
/// `HTTP/1.`: they are HTML, CSS, JSON, text or age ciphertext.)
pub struct OwnErrorsClosed<S> {
    inner: S,
    answered: Arc<std::sync::atomic::AtomicU64>,
    heads: u64,
}

impl<S> OwnErrorsClosed<S> {
    pub fn new(inner: S, answered: Arc<std::sync::atomic::AtomicU64>) -> OwnErrorsClosed<S> {
        OwnErrorsClosed {
            inner,
            answered,
            heads: 0,
        }
    }

    /// Whether a write that begins with `start` begins a final response head.
    fn is_head(start: &[u8]) -> bool {
        start.starts_with(b"HTTP/1.") && start.get(9..13) != Some(b"100 ".as_slice())
    }

    /// Whether that head answers no request the app was given.
    fn unasked(&self, start: &[u8]) -> bool {
        Self::is_head(start)
            && self.heads >= self.answered.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Counts a head once its write went (at least partly) out: a pending write is retried
    /// with the same bytes.
    fn wrote(&mut self, start: &[u8], result: &Poll<std::io::Result<usize>>) {
        if matches!(result, Poll::Ready(Ok(n)) if *n > 0) && Self::is_head(start) {
            self.heads += 1;
        }
    }
}

fn own_error() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        "a request that did not parse: closed unanswered",
    )
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for OwnErrorsClosed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for OwnErrorsClosed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.unasked(buf) {
            return Poll::Ready(Err(own_error()));
        }
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.wrote(buf, &result);
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let first = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map(|b| &b[..])
            .unwrap_or(&[]);
        if self.unasked(first) {
            return Poll::Ready(Err(own_error()));
        }
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.wrote(first, &result);
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A stream whose writes fail once the client has read nothing for `timeout`.
pub struct WriteTimeout<S> {
    inner: S,
    timeout: Duration,
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> WriteTimeout<S> {
    pub fn new(inner: S, timeout: Duration) -> WriteTimeout<S> {
        WriteTimeout {
            inner,
            timeout,
            stalled: None,
        }
    }

    /// After a write that could not proceed: fails once the stall lasted `timeout`.
    fn pending<T>(&mut self, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<T>> {
        let timeout = self.timeout;
        let sleep = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        if sleep.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client read nothing for too long",
            )));
        }
        Poll::Pending
    }
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for WriteTimeout<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for WriteTimeout<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Pending => self.pending(cx),
            ready => {
                self.stalled = None;
                ready
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Pending => self.pending(cx),
            ready => {
                self.stalled = None;
                ready
            }
        }
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.inner).poll_shutdown(cx) {
            Poll::Pending => self.pending(cx),
            ready => ready,
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write_vectored(cx, bufs) {
            Poll::Pending => self.pending(cx),
            ready => {
                self.stalled = None;
                ready
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_v1_lines_as_tor_writes_them_and_nothing_else() {
        let ok = b"PROXY TCP6 fc00:dead:beef:4dad::1234:abcd ::1 65535 443";
        assert_eq!(parse_proxy_v1(ok), Some(Circuit(0x1234_abcd)));
        // The upper 96 bits are ignored.
        let other = b"PROXY TCP6 fc00:dead:beef:4dad:1:2:1234:abcd ::1 1 80";
        assert_eq!(parse_proxy_v1(other), Some(Circuit(0x1234_abcd)));
        assert_eq!(parse_proxy_v1(b"PROXY UNKNOWN"), Some(UNKNOWN_CIRCUIT));
        for bad in [
            &b""[..],
            b"PROXY",
            b"PROXY UNKNOWN extra",
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2",
            b"PROXY TCP6 fc00::1 ::1 65535",
            b"PROXY TCP6 fc00::1 ::1 65535 443 extra",
            b"PROXY TCP6  fc00::1 ::1 65535 443",
            b"PROXY TCP6 fc00::1 ::1 65536 443",
            b"PROXY TCP6 fc00::1 ::1 +1 443",
            b"PROXY TCP6 fc00::1 ::1 01 443",
            b"PROXY TCP6 nonsense ::1 1 443",
            b"proxy TCP6 fc00::1 ::1 1 443",
            b"PROXY TCP6 fc00::1 ::1 1 443\r",
            b"\xffPROXY TCP6 fc00::1 ::1 1 443",
        ] {
            assert_eq!(
                parse_proxy_v1(bad),
                None,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[tokio::test]
    async fn the_header_is_read_to_its_crlf_bounded_and_timed() {
        let (mut client, mut server) = tokio::io::duplex(4096);
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        client
            .write_all(b"PROXY TCP6 fc00::7 ::1 1 80\r\nGET / HTTP/1.1\r\n")
            .await
            .unwrap();
        let c = read_proxy_header(&mut server, Duration::from_secs(1)).await;
        assert_eq!(c, Some(Circuit(7)));
        // Nothing after the CRLF was consumed.
        let mut rest = [0u8; 3];
        server.read_exact(&mut rest).await.unwrap();
        assert_eq!(&rest, b"GET");
        // No CRLF within the bound: refused once the bound is reached, not later.
        let (mut client, mut server) = tokio::io::duplex(4096);
        client.write_all(&[b'A'; 200]).await.unwrap();
        assert_eq!(
            read_proxy_header(&mut server, Duration::from_secs(1)).await,
            None
        );
        // Silence: refused at the timeout.
        let (_client, mut server) = tokio::io::duplex(4096);
        let start = std::time::Instant::now();
        assert_eq!(
            read_proxy_header(&mut server, Duration::from_millis(200)).await,
            None
        );
        assert!(start.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn a_circuit_gets_at_most_its_share_of_connections() {
        let counts = CircuitCounts::default();
        let a: Vec<_> = (0..3).map(|_| counts.enter(Circuit(1), 3)).collect();
        assert!(a.iter().all(Option::is_some));
        assert!(
            counts.enter(Circuit(1), 3).is_none(),
            "the fourth of one circuit"
        );
        assert!(
            counts.enter(Circuit(2), 3).is_some(),
            "another circuit is unaffected"
        );
        drop(a);
        assert!(counts.enter(Circuit(1), 3).is_some(), "slots come back");
        assert!(counts.0.lock().unwrap().len() <= 1, "empty entries go");
    }
}
