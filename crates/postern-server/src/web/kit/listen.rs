//! Listeners and the accept loop: TCP on loopback, unix sockets, or sockets passed by systemd;
//! one task per connection, HTTP/1.1 only, a header-read timeout against slowloris, and no
//! `Date` header. Each listener has a connection cap ([`Connections`]: with tor's circuit ids a
//! newcomer to a full listener takes the place of the longest-idle connection of the circuit
//! holding the most, never of one the server has not looked at yet; otherwise, or when every
//! connection is busy, it is closed at once, before a byte is read) and a write timeout (a
//! client that never reads its response loses the connection). A request hyper refuses by itself (400, 414, 431) gets no answer, only a
//! closed connection ([`OwnErrorsClosed`]): hyper's own answers would lack the header set.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

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
    /// (and, with `conn.proxy`, at most `conn.per_circuit` of one tor circuit). With
    /// `conn.proxy`, a connection that finds the listener full takes the place of the
    /// longest-idle connection of the circuit that holds the most (see [`Connections`]);
    /// without it, or when every connection is busy, it is closed at once.
    pub async fn serve(self, app: Router, conn: ConnLimits) {
        let conns = Connections::new(
            conn.max,
            conn.per_circuit,
            conn.proxy,
            conn.header_timeout.min(IDLE_GRACE),
        );
        match self {
            Listener::Tcp(listener) => loop {
                match listener.accept().await {
                    // The peer address is dropped here: it is always tor, and never logged.
                    Ok((stream, _peer)) => {
                        if let Some(slot) = conns.admit_or_wait().await {
                            accept_one(stream, app.clone(), conn, slot);
                        }
                    }
                    Err(_) => accept_backoff().await,
                }
            },
            Listener::Unix(listener) => loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        if let Some(slot) = conns.admit_or_wait().await {
                            accept_one(stream, app.clone(), conn, slot);
                        }
                    }
                    Err(_) => accept_backoff().await,
                }
            },
        }
    }
}

/// Serves an accepted connection: at once, or after its PROXY header if the listener wants one.
/// Either way the connection ends when its slot is taken for a newcomer.
fn accept_one<S>(stream: S, app: Router, conn: ConnLimits, slot: Slot)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let evicted = slot.evicted.clone();
        let serve = async {
            if conn.proxy {
                serve_proxied(stream, app, conn, &slot).await;
            } else {
                serve_http(stream, app, conn, None, &slot).await;
            }
        };
        tokio::select! {
            () = serve => {}
            () = evicted.notified() => {}
        }
        drop(slot);
    });
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

/// How long a connection keeps its place at least, from its accept, from the reading of its
/// PROXY header, and from the end of each response: long enough for the server to get to a
/// request that came with the connection (tor writes the header as it opens the stream, and a
/// browser its request right after), short enough that a full listener still turns over.
pub const IDLE_GRACE: Duration = Duration::from_secs(1);

/// The open connections of one listener: the global cap, the per-circuit cap, and, when the
/// listener is full, which connection makes room for a newcomer.
///
/// Fairness when full (with circuit ids only). A connection is *unexamined* from its accept
/// until its PROXY header is read (tor writes it at once, so this lasts as long as the server
/// takes to get to it), then *idle* while no request is in flight (a request still being sent
/// counts as idle), *busy* from a request's head to the end of its response body. A connection
/// that has been idle (or unexamined) for at least the grace ([`IDLE_GRACE`]) can make room,
/// and the newcomer takes the place of:
/// 1. the idle connection of the circuit holding the most connections, the one idle longest;
/// 2. else an unexamined connection (a client that sends no PROXY header: never tor, or a
///    server too busy to look), the oldest.
///
/// A busy connection (a page being served, an upload, a download) is never cut, and nor is one
/// within its grace: a connection the server has not yet read, or has just read the header
/// of, may have its request waiting. A flood of idle connections from many circuits therefore
/// churns its own connections, oldest first, and each connection is cut only after every
/// older idle one, and never within its grace. When only connections within their grace are
/// idle, the accept loop waits until the first grace ends ([`Connections::admit_or_wait`]),
/// and newcomers wait in the kernel's backlog, in turn; when every connection is busy, the
/// newcomer is closed at once. Unexamined connections count as circuits of their own (one
/// each): otherwise, during a flood, the newest connections would form the biggest group.
#[derive(Clone)]
pub struct Connections {
    inner: Arc<std::sync::Mutex<Conns>>,
    /// Notified when a connection leaves (what ends a wait early: a connection that is
    /// examined or becomes idle starts a grace).
    changed: Arc<tokio::sync::Notify>,
}

struct Conns {
    max: usize,
    per_circuit: usize,
    evict: bool,
    grace: Duration,
    next: u64,
    open: std::collections::HashMap<u64, Conn>,
    /// Open connections per known circuit.
    per: std::collections::HashMap<u32, usize>,
}

struct Conn {
    /// `None` until the PROXY header is read (unexamined), or on listeners without one.
    circuit: Option<u32>,
    /// Requests in flight (from the request head to the end of its response body).
    busy: u32,
    /// Accepted (unexamined), examined, or last request finished: idle since then.
    since: Instant,
    evicted: Arc<tokio::sync::Notify>,
}

/// Why no slot was given.
#[derive(Debug, PartialEq, Eq)]
pub enum Full {
    /// Every connection is busy (or the listener never evicts): the newcomer is closed.
    Refused,
    /// Only connections within their grace are idle: the first can make room at this time.
    Wait(Instant),
}

/// One connection's place in [`Connections`], given back when dropped.
pub struct Slot {
    conns: Connections,
    id: u64,
    /// Notified when the slot was given to a newcomer: the connection must end.
    pub evicted: Arc<tokio::sync::Notify>,
}

/// A request in flight on a connection (which is then not evicted), until dropped.
pub struct Busy {
    conns: Connections,
    id: u64,
}

impl Conns {
    fn leave(&mut self, id: u64) -> Option<Conn> {
        let c = self.open.remove(&id)?;
        if let Some(circuit) = c.circuit
            && let Some(n) = self.per.get_mut(&circuit)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.per.remove(&circuit);
            }
        }
        Some(c)
    }

    /// The connection that makes room at `now` (see [`Connections`]), or why there is none.
    fn victim(&self, now: Instant) -> Result<u64, Full> {
        let mut first_free: Option<Instant> = None;
        let best = self
            .open
            .iter()
            .filter(|(_, c)| c.busy == 0)
            .filter_map(|(id, c)| {
                let idle_for = now.saturating_duration_since(c.since);
                if idle_for < self.grace {
                    let free = c.since + self.grace;
                    first_free = Some(first_free.map_or(free, |f| f.min(free)));
                    return None;
                }
                let examined = c.circuit.is_some();
                let group = c
                    .circuit
                    .and_then(|k| self.per.get(&k).copied())
                    .unwrap_or(1);
                Some(((examined, group, idle_for, std::cmp::Reverse(*id)), *id))
            })
            .max_by_key(|(key, _)| *key)
            .map(|(_, id)| id);
        match (best, first_free) {
            (Some(id), _) => Ok(id),
            (None, Some(at)) => Err(Full::Wait(at)),
            (None, None) => Err(Full::Refused),
        }
    }
}

impl Connections {
    /// At most `max` connections, `per_circuit` of one circuit; `evict`: make room when full,
    /// never at the cost of a connection unexamined for less than `grace`.
    pub fn new(max: usize, per_circuit: usize, evict: bool, grace: Duration) -> Connections {
        Connections {
            inner: Arc::new(std::sync::Mutex::new(Conns {
                max: max.max(1),
                per_circuit: per_circuit.max(1),
                evict,
                grace,
                next: 0,
                open: std::collections::HashMap::new(),
                per: std::collections::HashMap::new(),
            })),
            changed: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// A slot for a new connection: free, or (with eviction) taken from another connection.
    pub fn admit(&self) -> Result<Slot, Full> {
        self.admit_at(Instant::now())
    }

    fn admit_at(&self, now: Instant) -> Result<Slot, Full> {
        let mut c = self.inner.lock().map_err(|_| Full::Refused)?;
        if c.open.len() >= c.max {
            if !c.evict {
                return Err(Full::Refused);
            }
            let victim = c.victim(now)?;
            if let Some(gone) = c.leave(victim) {
                gone.evicted.notify_one();
            }
        }
        let id = c.next;
        c.next += 1;
        let evicted = Arc::new(tokio::sync::Notify::new());
        c.open.insert(
            id,
            Conn {
                circuit: None,
                busy: 0,
                since: now,
                evicted: evicted.clone(),
            },
        );
        Ok(Slot {
            conns: self.clone(),
            id,
            evicted,
        })
    }

    /// [`Connections::admit`], and when only connections within their grace are idle, waits
    /// until the first grace ends (or something changes) and tries again: a full listener then
    /// takes connections no faster than they can fairly make room, and the others wait in the
    /// kernel's backlog. `None`: every connection is busy, and the newcomer is to be closed.
    pub async fn admit_or_wait(&self) -> Option<Slot> {
        loop {
            // Created before the check, so a change in between is not missed.
            let changed = self.changed.notified();
            match self.admit() {
                Ok(slot) => return Some(slot),
                Err(Full::Refused) => return None,
                Err(Full::Wait(at)) => {
                    let at = tokio::time::Instant::from_std(at);
                    let _ = tokio::time::timeout_at(at, changed).await;
                }
            }
        }
    }

    /// Puts the connection of `slot` on `circuit` (it is examined, and idle from now, within a
    /// new grace), unless that circuit already has its share.
    pub fn enter(&self, slot: &Slot, circuit: Circuit) -> bool {
        self.enter_at(slot, circuit, Instant::now())
    }

    fn enter_at(&self, slot: &Slot, circuit: Circuit, now: Instant) -> bool {
        let Ok(mut c) = self.inner.lock() else {
            return false;
        };
        if c.per.get(&circuit.0).copied().unwrap_or(0) >= c.per_circuit {
            return false;
        }
        let Some(conn) = c.open.get_mut(&slot.id) else {
            return false;
        };
        if conn.circuit.is_some() {
            return false;
        }
        conn.circuit = Some(circuit.0);
        conn.since = now;
        *c.per.entry(circuit.0).or_insert(0) += 1;
        true
    }

    /// Marks a request in flight on `slot`'s connection.
    pub fn busy(&self, slot_id: u64) -> Busy {
        if let Ok(mut c) = self.inner.lock()
            && let Some(conn) = c.open.get_mut(&slot_id)
        {
            conn.busy = conn.busy.saturating_add(1);
        }
        Busy {
            conns: self.clone(),
            id: slot_id,
        }
    }

    /// Open connections now.
    pub fn len(&self) -> usize {
        self.inner.lock().map(|c| c.open.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Slot {
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut c) = self.conns.inner.lock() {
            c.leave(self.id);
        }
        self.conns.changed.notify_waiters();
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        if let Ok(mut c) = self.conns.inner.lock()
            && let Some(conn) = c.open.get_mut(&self.id)
        {
            conn.busy = conn.busy.saturating_sub(1);
            if conn.busy == 0 {
                conn.since = Instant::now();
            }
        }
    }
}

/// Serves a connection that must begin with tor's PROXY header: read within the header
/// timeout, or the connection is closed unanswered; then the circuit's cap (over it, closed
/// unanswered); then HTTP, with the circuit on every request.
async fn serve_proxied<S>(mut stream: S, app: Router, conn: ConnLimits, slot: &Slot)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let Some(circuit) = read_proxy_header(&mut stream, conn.header_timeout).await else {
        return;
    };
    if !slot.conns.enter(slot, circuit) {
        return;
    }
    serve_http(stream, app, conn, Some(circuit), slot).await;
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

/// hyper's read buffer while at most [`FEW_CONNECTIONS`] are open: a single upload is about 15%
/// faster than with [`READ_BUF_MANY`] (four times fewer reads and body chunks per MiB).
const READ_BUF_FEW: usize = 64 * 1024;
/// hyper's read buffer once more connections are open. At full speed a connection can hold more
/// than one (a body chunk is still referenced while the next read needs room): at 64 KiB that was
/// half of each of 100 concurrent uploads' memory (`docs/benchmarks.md`, 2026-12-03).
const READ_BUF_MANY: usize = 16 * 1024;
const FEW_CONNECTIONS: usize = 8;
// hyper refuses a read buffer under 8 KiB.
const _: () = assert!(READ_BUF_MANY >= 8192 && READ_BUF_FEW >= READ_BUF_MANY);

/// The read buffer of a new connection (the bound of each body chunk and of the request head),
/// given the connections open with it.
fn read_buffer(open: usize) -> usize {
    if open <= FEW_CONNECTIONS {
        READ_BUF_FEW
    } else {
        READ_BUF_MANY
    }
}

/// Serves one HTTP/1.1 connection, with a header-read timeout against slowloris, a write
/// timeout, and no `Date` header (the server's clock can fingerprint an onion host); `circuit`,
/// if known, goes into every request's extensions. Each request is marked in flight on `slot`
/// from its head to the end of its response body.
async fn serve_http<S>(
    stream: S,
    app: Router,
    conn: ConnLimits,
    circuit: Option<Circuit>,
    slot: &Slot,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let answered = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let stream = WriteTimeout::new(
        OwnErrorsClosed::new(stream, answered.clone()),
        conn.write_timeout,
    );
    let header_timeout = conn.header_timeout;
    let (conns, id) = (slot.conns.clone(), slot.id);
    let service =
        hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            let app = app.clone();
            let busy = conns.busy(id);
            answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if let Some(c) = circuit {
                req.extensions_mut().insert(c);
            }
            async move {
                let res = app.oneshot(req.map(axum::body::Body::new)).await?;
                // In flight until the body is sent (or dropped): a download is not idle.
                Ok::<_, std::convert::Infallible>(res.map(|body| {
                    axum::body::Body::new(http_body_util::BodyExt::map_frame(body, move |f| {
                        let _in_flight = &busy;
                        f
                    }))
                }))
            }
        });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .auto_date_header(false)
        .max_buf_size(read_buffer(slot.conns.len()));
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
    fn a_connection_among_few_reads_64_kib_at_a_time_among_many_16() {
        assert_eq!(read_buffer(1), 64 * 1024);
        assert_eq!(read_buffer(FEW_CONNECTIONS), 64 * 1024);
        assert_eq!(read_buffer(FEW_CONNECTIONS + 1), 16 * 1024);
        assert_eq!(read_buffer(10_000), 16 * 1024);
    }

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

    const GRACE: Duration = Duration::from_secs(1);

    /// `t` plus `n` tenths of a second.
    fn at(t: Instant, n: u64) -> Instant {
        t + Duration::from_millis(100 * n)
    }

    #[test]
    fn a_circuit_gets_at_most_its_share_of_connections() {
        let conns = Connections::new(100, 3, true, GRACE);
        let a: Vec<_> = (0..3)
            .map(|_| {
                let s = conns.admit().unwrap();
                assert!(conns.enter(&s, Circuit(1)));
                s
            })
            .collect();
        let fourth = conns.admit().unwrap();
        assert!(
            !conns.enter(&fourth, Circuit(1)),
            "the fourth of one circuit"
        );
        assert!(
            conns.enter(&fourth, Circuit(2)),
            "another circuit is unaffected"
        );
        drop(a);
        let again = conns.admit().unwrap();
        assert!(conns.enter(&again, Circuit(1)), "slots come back");
        assert_eq!(conns.len(), 2);
        let c = conns.inner.lock().unwrap();
        assert!(c.per.len() <= 2, "empty entries go");
    }

    #[test]
    fn a_full_listener_evicts_the_longest_idle_connection_of_the_biggest_circuit() {
        let conns = Connections::new(6, 16, true, GRACE);
        let t = Instant::now();
        let on = |c: u32, n: u64| {
            let s = conns.admit_at(at(t, n)).unwrap();
            assert!(conns.enter_at(&s, Circuit(c), at(t, n)));
            s
        };
        // Circuit 1 holds three (the oldest busy), circuit 2 two, circuit 3 one (idle longer
        // than all but circuit 1's).
        let three = on(3, 0);
        let one: Vec<_> = (1..4).map(|n| on(1, n)).collect();
        let busy = conns.busy(one[0].id());
        let two: Vec<_> = (4..6).map(|n| on(2, n)).collect();
        assert_eq!(conns.len(), 6);
        // Full: the newcomer takes the place of circuit 1's longest idle (not the busy one).
        let new = conns.admit_at(at(t, 20)).expect("room is made");
        assert!(!is_notified(&one[0]), "a request in flight is never cut");
        assert!(
            is_notified(&one[1]),
            "the longest idle of the biggest circuit"
        );
        assert!(!is_notified(&one[2]) && !is_notified(&two[0]) && !is_notified(&three));
        assert_eq!(conns.len(), 6);
        assert!(conns.enter_at(&new, Circuit(4), at(t, 20)));
        // Now circuits 1 and 2 hold two each: the longest idle of the two goes (circuit 1's).
        let n2 = conns.admit_at(at(t, 21)).unwrap();
        assert!(is_notified(&one[2]));
        assert!(conns.enter_at(&n2, Circuit(5), at(t, 21)));
        // Circuit 2 holds two: both go before circuit 3's, idle longer but alone.
        let _n3 = conns.admit_at(at(t, 22)).unwrap();
        assert!(is_notified(&two[0]) && !is_notified(&three));
        // Every connection busy: the newcomer is refused, at once.
        let all: Vec<Busy> = (0..100).map(|id| conns.busy(id)).collect();
        assert_eq!(conns.admit_at(at(t, 40)).err(), Some(Full::Refused));
        drop(all);
        drop(busy);
        // Without eviction (no circuit ids), a full listener refuses.
        let plain = Connections::new(2, 16, false, GRACE);
        let _k = (plain.admit().unwrap(), plain.admit().unwrap());
        assert_eq!(plain.admit().err(), Some(Full::Refused));
    }

    #[test]
    fn no_connection_is_cut_within_its_grace_nor_before_an_examined_idle_one() {
        let conns = Connections::new(3, 16, true, GRACE);
        let t = Instant::now();
        // A: accepted first, its PROXY header never read. B and C: examined and idle.
        let a = conns.admit_at(t).unwrap();
        let b = conns.admit_at(t).unwrap();
        let c = conns.admit_at(t).unwrap();
        assert!(conns.enter_at(&b, Circuit(1), at(t, 1)));
        assert!(conns.enter_at(&c, Circuit(2), at(t, 2)));
        // Within their graces, nothing can make room: wait until the first ends (A's).
        assert_eq!(conns.admit_at(at(t, 5)).err(), Some(Full::Wait(t + GRACE)));
        // Then newcomers take the examined idle ones' places, the longest idle first, before
        // A's, which is older.
        let d = conns.admit_at(at(t, 30)).unwrap();
        assert!(is_notified(&b) && !is_notified(&a) && !is_notified(&c));
        let e = conns.admit_at(at(t, 31)).unwrap();
        assert!(is_notified(&c) && !is_notified(&a) && !is_notified(&d));
        // Only unexamined ones left: the oldest past its grace (A) goes, not D, in its grace.
        let f = conns.admit_at(at(t, 35)).unwrap();
        assert!(is_notified(&a) && !is_notified(&d));
        // D examined at once: its grace starts again, and it stays while E and F are younger.
        assert!(conns.enter_at(&d, Circuit(3), at(t, 35)));
        assert_eq!(
            conns.admit_at(at(t, 36)).err(),
            Some(Full::Wait(at(t, 31) + GRACE))
        );
        assert!(!is_notified(&d) && !is_notified(&e) && !is_notified(&f));
    }

    #[test]
    fn a_fresh_connection_outlasts_every_older_idle_one() {
        // The flood: one idle connection on each of many circuits, replaced as fast as the
        // listener allows. The source's connection, examined at `src`, goes only after every
        // connection older than it has: a whole round of the cap.
        let cap = 32u64;
        let conns = Connections::new(cap as usize, 16, true, GRACE);
        let t = Instant::now();
        let mut flood = Vec::new();
        for i in 0..cap {
            let s = conns.admit_at(at(t, i)).unwrap();
            assert!(conns.enter_at(&s, Circuit(100 + i as u32), at(t, i)));
            flood.push(s);
        }
        let src = at(t, cap + 10);
        let source = conns.admit_at(src).unwrap();
        assert!(conns.enter_at(&source, Circuit(7), src));
        for i in 1..cap {
            let now = at(t, cap + 10 + i);
            let s = conns.admit_at(now).unwrap();
            assert!(conns.enter_at(&s, Circuit(1000 + i as u32), now));
            assert!(!is_notified(&source), "the source lost its place after {i}");
            flood.push(s);
        }
        let _last = conns.admit_at(at(t, 2 * cap + 20)).unwrap();
        assert!(is_notified(&source), "then it is the longest idle");
    }

    #[tokio::test]
    async fn the_accept_loop_waits_for_a_grace_to_end_rather_than_cut_it_short() {
        let grace = Duration::from_millis(300);
        let conns = Connections::new(1, 16, true, grace);
        let a = conns.admit().unwrap();
        let start = Instant::now();
        let waiter = tokio::spawn({
            let conns = conns.clone();
            async move { conns.admit_or_wait().await.map(|s| s.id()) }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!waiter.is_finished(), "waits while A is in its grace");
        assert!(!is_notified(&a));
        // Its header read, A is idle and makes room once its grace is over, not before.
        assert!(conns.enter(&a, Circuit(1)));
        let got = waiter.await.unwrap();
        let took = start.elapsed();
        assert!(got.is_some() && is_notified(&a));
        assert!(
            took >= Duration::from_millis(390) && took < Duration::from_secs(2),
            "{took:?}"
        );
        drop(a);
        // A connection leaving ends the wait at once.
        let b = conns.admit_or_wait().await.unwrap();
        let waiter = tokio::spawn({
            let conns = conns.clone();
            async move { conns.admit_or_wait().await.map(|s| s.id()) }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let start = Instant::now();
        drop(b);
        assert!(waiter.await.unwrap().is_some());
        assert!(start.elapsed() < Duration::from_millis(200));
        // All busy: closed at once.
        let c = conns.admit_or_wait().await.unwrap();
        let _busy = conns.busy(c.id());
        let start = Instant::now();
        assert!(conns.admit_or_wait().await.is_none());
        assert!(start.elapsed() < Duration::from_millis(100));
    }

    /// Whether `slot` was told to end (consumes the notification).
    fn is_notified(slot: &Slot) -> bool {
        use std::future::Future;
        let n = slot.evicted.notified();
        let mut n = std::pin::pin!(n);
        let mut cx = TaskContext::from_waker(std::task::Waker::noop());
        n.as_mut().poll(&mut cx).is_ready()
    }
}
