//! Resumable uploads (tus 1.0) end to end: the harness (a source on the API, a relay that cuts
//! connections, the reviewer's view), and one module per topic.

mod crash;
mod cuts;
mod foreign;
mod interruptions;
mod postern_send;
mod protocol;
mod seized;

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine;

use crate::http::{Resp, request};
use crate::support::{Reviewer, Server};

pub use postern_send::postern_send_over_tor;

pub const TUS: (&str, &str) = ("Tus-Resumable", "1.0.0");

pub fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// A source on the API: a fresh codename (through the web form), then an API token.
pub struct ApiSource {
    pub port: u16,
    pub codename: String,
    pub auth: String,
}

impl ApiSource {
    pub fn new(port: u16) -> ApiSource {
        let mut b = crate::http::Browser::new(port, "test");
        let landing = b.get("/en/");
        let page = b.post_form(
            "/en/generate",
            &[("csrf", &crate::http::csrf_of(&landing.text()))],
        );
        assert_eq!(page.status, 200);
        let codename = crate::http::codename_of(&page.text());
        let auth = login(port, &codename);
        ApiSource {
            port,
            codename,
            auth,
        }
    }

    pub fn req(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let auth = format!("Bearer {}", self.auth);
        let mut h = vec![TUS, ("Authorization", auth.as_str())];
        h.extend_from_slice(headers);
        request(self.port, method, path, &h, body)
    }

    pub fn create(&self, length: u64, name: &str) -> String {
        let meta = format!(
            "filename {},filetype {}",
            b64(name.as_bytes()),
            b64(b"video/mp4")
        );
        let r = self.req(
            "POST",
            "/api/v1/uploads",
            &[
                ("Upload-Length", &length.to_string()),
                ("Upload-Metadata", &meta),
            ],
            b"",
        );
        assert_eq!(r.status, 201, "{r:?}");
        assert!(
            r.header("upload-expires")
                .is_some_and(|v| v.ends_with("GMT"))
        );
        let loc = r.header("location").unwrap().to_owned();
        assert!(loc.starts_with("/api/v1/uploads/"), "{loc}");
        loc
    }

    pub fn patch(&self, loc: &str, offset: u64, body: &[u8], extra: &[(&str, &str)]) -> Resp {
        let mut h = vec![
            ("Content-Type", "application/offset+octet-stream"),
            (
                "Upload-Offset",
                &*Box::leak(offset.to_string().into_boxed_str()),
            ),
        ];
        h.extend_from_slice(extra);
        self.req("PATCH", loc, &h, body)
    }

    pub fn offset(&self, loc: &str) -> u64 {
        let r = self.req("HEAD", loc, &[], b"");
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.header("cache-control"), Some("no-store"));
        r.header("upload-offset").unwrap().parse().unwrap()
    }
}

pub fn login(port: u16, codename: &str) -> String {
    let r = request(port, "POST", "/api/v1/login", &[], codename.as_bytes());
    assert_eq!(r.status, 200, "{r:?}");
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let token = v["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 64);
    assert!(!r.text().contains(codename));
    token
}

/// Imports the server's spool into the reviewer and extracts everything into a fresh folder;
/// returns the extracted files' contents by name (without the day `extract` puts before it).
pub fn review(reviewer: &Reviewer, server: &Server) -> Vec<(String, Vec<u8>)> {
    let out = reviewer.receive(server, "Imported");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                crate::support::undated(&e.file_name().to_string_lossy()).to_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// A TCP relay that forwards to `port` and cuts each connection after a random number of
/// upstream bytes (from `cuts`, in order); counts the bytes it forwarded upstream.
pub struct Relay {
    pub port: u16,
    pub forwarded: Arc<AtomicU64>,
    pub cuts_done: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    /// Every byte sent upstream (what the server saw).
    pub seen: Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Relay {
    pub fn start(target: u16, cuts: Vec<u64>) -> Relay {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let forwarded = Arc::new(AtomicU64::new(0));
        let cuts_done = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let cuts = Arc::new(std::sync::Mutex::new(VecDeque::from(cuts)));
        // Only request bodies (PATCH) are cut; logins and HEADs pass.
        let (f, c, st) = (forwarded.clone(), cuts_done.clone(), stop.clone());
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sn = seen.clone();
        std::thread::spawn(move || {
            for conn in l.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                let up = TcpStream::connect(("127.0.0.1", target)).unwrap();
                let (f, c, cuts, sn) = (f.clone(), c.clone(), cuts.clone(), sn.clone());
                std::thread::spawn(move || pipe(client, up, &cuts, f, c, &sn));
            }
        });
        Relay {
            port,
            forwarded,
            cuts_done,
            stop,
            seen,
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// The upstream byte budgets of the next PATCH connections, in order.
type Budgets = std::sync::Mutex<VecDeque<u64>>;

fn pipe(
    client: TcpStream,
    up: TcpStream,
    budgets: &Budgets,
    fwd: Arc<AtomicU64>,
    cuts: Arc<AtomicU64>,
    seen: &std::sync::Mutex<Vec<u8>>,
) {
    let (mut c_r, mut u_w) = (client.try_clone().unwrap(), up.try_clone().unwrap());
    let (mut u_r, mut c_w) = (up, client);
    let back = std::thread::spawn(move || {
        let _ = std::io::copy(&mut u_r, &mut c_w);
        let _ = c_w.shutdown(std::net::Shutdown::Both);
    });
    let mut left = u64::MAX;
    // The budget this connection took, if it is a PATCH; given back if the connection ends
    // before it is spent (the server answered early, say 409 or 423 while it still commits the
    // previous cut), so that every budget makes a cut.
    let mut budget = None;
    let mut first = true;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match c_r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if first {
            first = false;
            if buf[..n].starts_with(b"PATCH ") {
                budget = budgets.lock().unwrap().pop_front();
                left = budget.unwrap_or(u64::MAX);
            }
        }
        let take = (n as u64).min(left) as usize;
        if u_w.write_all(&buf[..take]).is_err() {
            break;
        }
        fwd.fetch_add(take as u64, Ordering::SeqCst);
        if fwd.load(Ordering::SeqCst) < 64 << 20 {
            seen.lock().unwrap().extend_from_slice(&buf[..take]);
        }
        left -= take as u64;
        if left == 0 {
            cuts.fetch_add(1, Ordering::SeqCst);
            // Let the server see the bytes before the connection drops.
            std::thread::sleep(Duration::from_millis(100));
            break;
        }
    }
    if let (Some(b), true) = (budget, left > 0) {
        budgets.lock().unwrap().push_front(b);
    }
    let _ = u_w.shutdown(std::net::Shutdown::Both);
    let _ = c_r.shutdown(std::net::Shutdown::Both);
    let _ = back.join();
}

pub fn send_bin() -> PathBuf {
    let p = crate::support::bin("postern");
    let send = p.parent().unwrap().join("postern-send");
    assert!(send.exists(), "postern-send not built");
    send
}
