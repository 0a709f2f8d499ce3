//! A TCP relay that cuts connections on a plan, for any end-to-end test that must survive a bad
//! network (a dropped Tor circuit).
//!
//! ```ignore
//! let relay = CutRelay::start(server.port, Plan::new(vec![
//!     Cut::Up(100_000),          // the next matching connection: cut after 100,000 bytes upstream
//!     Cut::Down(10),             // the one after: cut after 10 bytes of the answer
//!     Cut::DropResponse,         // the one after: the whole request reaches the server, the
//!                                // client never hears its answer
//! ]).only(b"PATCH "));
//! // point the client at relay.port(); afterwards:
//! relay.cuts_done(); relay.up_bytes(); relay.down_bytes();
//! ```
//!
//! [`Cut::Pass`] spaces cuts out (a client's backoff grows with failures in a row), and
//! [`Plan::drop_response_when`] drops the answer to the one request that matches (say, the PATCH
//! that ends the file: "the last response is lost").
//!
//! Connections are planned in the order they arrive. With [`Plan::only`], only connections whose
//! first bytes start with that prefix (a method, say) take a cut from the plan; the others pass
//! untouched. A connection that ends before its cut happened (the server answered early) gives
//! the cut back to the front of the plan, so that every planned cut really happens. Once the plan
//! is used up, everything passes.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One planned cut of one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// After this many bytes from the client: the client's connection is closed, and the
    /// server's gets its end after those bytes (as when a circuit drops in the middle of a
    /// request: the server reads what was sent, then the end).
    Up(u64),
    /// Close both ways after this many bytes of the server's answer reached the client.
    Down(u64),
    /// Relay the whole request, then close the client's side as soon as the server starts to
    /// answer, relaying nothing of the answer: the request took effect, the client never knows.
    DropResponse,
    /// No cut: this connection passes (to space cuts out).
    Pass,
}

/// Whether a connection's first bytes (its request head) are the one whose answer to drop.
pub type Matcher = Box<dyn Fn(&[u8]) -> bool + Send + Sync>;

/// The cuts, in order, and which connections they apply to.
pub struct Plan {
    cuts: VecDeque<Cut>,
    only: Option<Vec<u8>>,
    drop_when: Option<Matcher>,
}

impl Plan {
    pub fn new(cuts: Vec<Cut>) -> Plan {
        Plan {
            cuts: cuts.into(),
            only: None,
            drop_when: None,
        }
    }

    /// Besides the plan: the answer to the first connection whose first bytes satisfy `m` is
    /// dropped ([`Cut::DropResponse`]), once. For "the last response is lost".
    pub fn drop_response_when(mut self, m: impl Fn(&[u8]) -> bool + Send + Sync + 'static) -> Plan {
        self.drop_when = Some(Box::new(m));
        self
    }

    /// Only connections whose first bytes start with `prefix` take cuts.
    pub fn only(mut self, prefix: &[u8]) -> Plan {
        self.only = Some(prefix.to_vec());
        self
    }
}

#[derive(Default)]
struct Stats {
    up: AtomicU64,
    down: AtomicU64,
    cuts: AtomicU64,
}

/// A running relay to `127.0.0.1:<target>`; stops when dropped.
pub struct CutRelay {
    port: u16,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
}

impl CutRelay {
    pub fn start(target: u16, plan: Plan) -> CutRelay {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let stats = Arc::new(Stats::default());
        let stop = Arc::new(AtomicBool::new(false));
        let only = Arc::new(plan.only);
        let cuts = Arc::new(Mutex::new(plan.cuts));
        let drop_when = Arc::new(Mutex::new(plan.drop_when));
        let (st, sp) = (stats.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in l.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                let Ok(up) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let (st, cuts, only, dw) =
                    (st.clone(), cuts.clone(), only.clone(), drop_when.clone());
                std::thread::spawn(move || relay(client, up, &cuts, only.as_deref(), &dw, &st));
            }
        });
        CutRelay { port, stats, stop }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        ([127, 0, 0, 1], self.port).into()
    }

    /// Cuts that happened so far.
    pub fn cuts_done(&self) -> u64 {
        self.stats.cuts.load(Ordering::SeqCst)
    }

    /// Bytes relayed from clients to the server.
    pub fn up_bytes(&self) -> u64 {
        self.stats.up.load(Ordering::SeqCst)
    }

    /// Bytes relayed from the server to clients.
    pub fn down_bytes(&self) -> u64 {
        self.stats.down.load(Ordering::SeqCst)
    }
}

impl Drop for CutRelay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn relay(
    client: TcpStream,
    up: TcpStream,
    cuts: &Mutex<VecDeque<Cut>>,
    only: Option<&[u8]>,
    drop_when: &Mutex<Option<Matcher>>,
    stats: &Arc<Stats>,
) {
    let mut c_r = client.try_clone().unwrap();
    let mut u_w = up.try_clone().unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let n = match c_r.read(&mut buf) {
        Ok(0) | Err(_) => return,
        Ok(n) => n,
    };
    let head = &buf[..n];
    let dropped = {
        let mut m = drop_when.lock().unwrap();
        let hit = m.as_ref().is_some_and(|f| f(head));
        if hit {
            *m = None;
        }
        hit
    };
    let cut = if dropped {
        Some(Cut::DropResponse)
    } else if only.is_none_or(|p| head.starts_with(p)) {
        cuts.lock().unwrap().pop_front().filter(|c| *c != Cut::Pass)
    } else {
        None
    };
    let done = Arc::new(AtomicBool::new(false));
    // The answer, server to client.
    let back = {
        let (mut u_r, mut c_w) = (up.try_clone().unwrap(), client.try_clone().unwrap());
        let (stats, done) = (stats.clone(), done.clone());
        std::thread::spawn(move || {
            let mut left = match cut {
                Some(Cut::Down(n)) => n,
                Some(Cut::DropResponse) => 0,
                _ => u64::MAX,
            };
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match u_r.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let take = (n as u64).min(left) as usize;
                if take > 0 && c_w.write_all(&buf[..take]).is_err() {
                    break;
                }
                stats.down.fetch_add(take as u64, Ordering::SeqCst);
                left -= take as u64;
                if left == 0 {
                    done.store(true, Ordering::SeqCst);
                    stats.cuts.fetch_add(1, Ordering::SeqCst);
                    break;
                }
            }
            let _ = c_w.shutdown(Shutdown::Both);
            let _ = u_r.shutdown(Shutdown::Both);
        })
    };
    // The request, client to server.
    let mut left = match cut {
        Some(Cut::Up(n)) => n,
        _ => u64::MAX,
    };
    let mut chunk = n;
    loop {
        let take = (chunk as u64).min(left) as usize;
        // Counted before it is written: once the server has the bytes it may answer, and the
        // client may see the end of that answer before this thread runs again.
        stats.up.fetch_add(take as u64, Ordering::SeqCst);
        if u_w.write_all(&buf[..take]).is_err() {
            break;
        }
        left -= take as u64;
        if left == 0 {
            done.store(true, Ordering::SeqCst);
            stats.cuts.fetch_add(1, Ordering::SeqCst);
            // Cut as a dropped circuit ends a stream: the client's side goes at once (so that
            // nothing of an answer can reach it), and the server gets the bytes that were
            // sent, then the end (a FIN: every byte before it is read, unlike after a reset).
            let _ = c_r.shutdown(Shutdown::Both);
            let _ = u_w.shutdown(Shutdown::Write);
            break;
        }
        chunk = match c_r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
    }
    if matches!(cut, Some(Cut::Up(_))) {
        let _ = c_r.shutdown(Shutdown::Both);
        // The server has read to the end once it closes its side (the answer thread then
        // ends); a server that never does is cut off after 10 s.
        let _ = u_w.shutdown(Shutdown::Write);
        let until = std::time::Instant::now() + Duration::from_secs(10);
        while !back.is_finished() && std::time::Instant::now() < until {
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = u_w.shutdown(Shutdown::Both);
    } else {
        // The client finished sending (or hung up): let the answer run its course.
        let _ = u_w.shutdown(Shutdown::Write);
    }
    let _ = back.join();
    if let Some(c) = cut
        && !done.load(Ordering::SeqCst)
        && !dropped
    {
        // The connection ended before its cut: the next one gets it.
        cuts.lock().unwrap().push_front(c);
    }
}

#[test]
fn cutrelay_cuts_each_way_and_drops_a_response_as_planned() {
    // An echo server that answers "ok:<n>" after reading a 10-byte request.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = l.local_addr().unwrap().port();
    let seen = Arc::new(AtomicU64::new(0));
    let s2 = seen.clone();
    std::thread::spawn(move || {
        for c in l.incoming() {
            let mut c = c.unwrap();
            let s2 = s2.clone();
            std::thread::spawn(move || {
                let mut req = [0u8; 10];
                if c.read_exact(&mut req).is_ok() {
                    s2.fetch_add(1, Ordering::SeqCst);
                    let _ = c.write_all(b"ok:0123456789");
                }
            });
        }
    });
    let relay = CutRelay::start(
        target,
        Plan::new(vec![Cut::Up(4), Cut::Pass, Cut::Down(3), Cut::DropResponse])
            .only(b"PUT")
            .drop_response_when(|head| head.ends_with(b"last")),
    );
    let ask = |req: &[u8]| {
        let mut s = TcpStream::connect(relay.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = s.write_all(req);
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        out
    };
    assert_eq!(ask(b"GET 567890"), b"ok:0123456789", "not planned: passes");
    assert_eq!(ask(b"PUT 567890"), b"", "cut upstream after 4 bytes");
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1,
        "the server never got that request"
    );
    assert_eq!(ask(b"PUT 567890"), b"ok:0123456789", "a planned pass");
    assert_eq!(
        ask(b"PUT 567890"),
        b"ok:",
        "cut after 3 bytes of the answer"
    );
    assert_eq!(ask(b"PUT 567890"), b"", "the answer is dropped");
    assert_eq!(seen.load(Ordering::SeqCst), 4, "but the request arrived");
    assert_eq!(ask(b"PUT 567890"), b"ok:0123456789", "the plan is used up");
    assert_eq!(ask(b"GET 56last"), b"", "the matched answer is dropped");
    assert_eq!(seen.load(Ordering::SeqCst), 6);
    assert_eq!(ask(b"GET 56last"), b"ok:0123456789", "once");
    assert_eq!(relay.cuts_done(), 4);
    assert_eq!(
        relay.down_bytes(),
        4 * 13 + 3,
        "four whole answers and three bytes"
    );
    assert_eq!(
        relay.up_bytes(),
        7 * 10 + 4,
        "seven whole requests and four bytes"
    );
}
