//! Resumable uploads (tus 1.0) end to end: the protocol with a raw client, cut-off and killed
//! requests, the reviewer's reassembly, `postern-send` through a connection-cutting relay, and a
//! tus client that is not ours (curl driving the raw protocol).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use sha2::Digest;

use crate::http::{Resp, request};
use crate::support::{Reviewer, Server, content, run, stderr, stdout};

const TUS: (&str, &str) = ("Tus-Resumable", "1.0.0");

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// A source on the API: a fresh codename (through the web form), then an API token.
struct ApiSource {
    port: u16,
    codename: String,
    auth: String,
}

impl ApiSource {
    fn new(port: u16) -> ApiSource {
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

    fn req(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let auth = format!("Bearer {}", self.auth);
        let mut h = vec![TUS, ("Authorization", auth.as_str())];
        h.extend_from_slice(headers);
        request(self.port, method, path, &h, body)
    }

    fn create(&self, length: u64, name: &str) -> String {
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

    fn patch(&self, loc: &str, offset: u64, body: &[u8], extra: &[(&str, &str)]) -> Resp {
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

    fn offset(&self, loc: &str) -> u64 {
        let r = self.req("HEAD", loc, &[], b"");
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.header("cache-control"), Some("no-store"));
        r.header("upload-offset").unwrap().parse().unwrap()
    }
}

fn login(port: u16, codename: &str) -> String {
    let r = request(port, "POST", "/api/v1/login", &[], codename.as_bytes());
    assert_eq!(r.status, 200, "{r:?}");
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let token = v["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 64);
    assert!(!r.text().contains(codename));
    token
}

/// Imports the server's spool into the reviewer and extracts everything into a fresh folder;
/// returns the extracted files' contents by name.
fn review(reviewer: &Reviewer, server: &Server) -> Vec<(String, Vec<u8>)> {
    reviewer.ok(&["trust", &server.signing_pub()]);
    reviewer.ok(&["import", server.spool().to_str().unwrap()]);
    let out = tempfile::tempdir().unwrap();
    reviewer.ok(&["extract", "--all", "--to", out.path().to_str().unwrap()]);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            all_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn tus_core_creation_checksum_termination_and_ownership() {
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| c);
    let port = server.port;

    // OPTIONS: the server's capabilities, without authentication.
    let r = request(port, "OPTIONS", "/api/v1/uploads", &[], b"");
    assert_eq!(r.status, 204);
    assert_eq!(r.header("tus-version"), Some("1.0.0"));
    let ext = r.header("tus-extension").unwrap();
    for e in ["creation", "termination", "checksum", "expiration"] {
        assert!(ext.contains(e), "{ext}");
    }
    assert_eq!(r.header("tus-checksum-algorithm"), Some("sha1,sha256"));
    assert_eq!(r.header("tus-max-size"), Some("214748364800"));
    assert_eq!(
        r.header("x-frame-options"),
        Some("DENY"),
        "security headers too"
    );

    // No login, a wrong token, a codename that is not one: refused.
    let r = request(
        port,
        "POST",
        "/api/v1/uploads",
        &[TUS, ("Upload-Length", "10")],
        b"",
    );
    assert_eq!(r.status, 401);
    let r = request(
        port,
        "POST",
        "/api/v1/uploads",
        &[
            TUS,
            ("Upload-Length", "10"),
            ("Authorization", &format!("Bearer {}", "ab".repeat(32))),
        ],
        b"",
    );
    assert_eq!(r.status, 401);
    let r = request(port, "POST", "/api/v1/login", &[], b"not a codename at all");
    assert_eq!(r.status, 400);

    let a = ApiSource::new(port);
    let b = ApiSource::new(port);
    // Version, length and limits.
    let r = request(
        port,
        "POST",
        "/api/v1/uploads",
        &[
            ("Tus-Resumable", "0.2.2"),
            ("Authorization", &format!("Bearer {}", a.auth)),
            ("Upload-Length", "10"),
        ],
        b"",
    );
    assert_eq!(r.status, 412);
    assert_eq!(r.header("tus-version"), Some("1.0.0"));
    let r = a.req("POST", "/api/v1/uploads", &[], b"");
    assert_eq!(r.status, 400, "no Upload-Length");
    let r = a.req(
        "POST",
        "/api/v1/uploads",
        &[("Upload-Length", "214748364801")],
        b"",
    );
    assert_eq!(r.status, 413);

    let data = content(300_000, 61);
    let loc = a.create(data.len() as u64, "секретный архив.mp4");
    assert_eq!(a.offset(&loc), 0);

    // Another source sees nothing: the upload does not exist for it.
    assert_eq!(b.req("HEAD", &loc, &[], b"").status, 404);
    assert_eq!(b.patch(&loc, 0, &data[..10], &[]).status, 404);
    assert_eq!(b.req("DELETE", &loc, &[], b"").status, 404);

    // Wrong content type, wrong offset.
    let r = a.req(
        "PATCH",
        &loc,
        &[
            ("Content-Type", "application/octet-stream"),
            ("Upload-Offset", "0"),
        ],
        &data[..10],
    );
    assert_eq!(r.status, 415);
    let r = a.patch(&loc, 5, &data[..10], &[]);
    assert_eq!(r.status, 409);
    assert_eq!(a.offset(&loc), 0);

    // A checksum mismatch: 460, the body discarded, the offset unchanged.
    let wrong = b64(&sha2::Sha256::digest(b"something else"));
    let r = a.patch(
        &loc,
        0,
        &data[..100_000],
        &[("Upload-Checksum", &format!("sha256 {wrong}"))],
    );
    assert_eq!(r.status, 460);
    assert_eq!(a.offset(&loc), 0);
    assert_eq!(
        server.item_count(),
        0,
        "nothing committed for a bad checksum"
    );
    // An unknown algorithm: 400.
    let r = a.patch(&loc, 0, &data[..10], &[("Upload-Checksum", "md5 AAAA")]);
    assert_eq!(r.status, 400);

    // Good checksums, sha1 and sha256.
    let part = &data[..100_000];
    let sum = b64(&sha1::Sha1::digest(part));
    let r = a.patch(
        &loc,
        0,
        part,
        &[("Upload-Checksum", &format!("sha1 {sum}"))],
    );
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(r.header("upload-offset"), Some("100000"));
    assert!(r.header("upload-expires").is_some());
    let part = &data[100_000..250_000];
    let sum = b64(&sha2::Sha256::digest(part));
    let r = a.patch(
        &loc,
        100_000,
        part,
        &[("Upload-Checksum", &format!("sha256 {sum}"))],
    );
    assert_eq!(r.status, 204);
    // A body beyond the declared length is refused.
    let r = a.patch(&loc, 250_000, &content(60_000, 1), &[]);
    assert_eq!(r.status, 413);
    assert_eq!(a.offset(&loc), 250_000);
    // The browser session works too (same source, logged in with the same codename).
    let mut br = crate::http::Browser::new(port, "test");
    let login_page = br.get("/en/login");
    let r = br.post_form(
        "/en/login",
        &[
            ("csrf", &crate::http::csrf_of(&login_page.text())),
            ("codename", &a.codename),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let r = br.send(
        "PATCH",
        &loc,
        &[
            TUS,
            ("Content-Type", "application/offset+octet-stream"),
            ("Upload-Offset", "250000"),
        ],
        &data[250_000..],
    );
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(r.header("upload-offset"), Some("300000"));
    // Complete: the state is gone, the manifest is there.
    assert_eq!(a.req("HEAD", &loc, &[], b"").status, 404);
    assert_eq!(server.item_count(), 4, "three segments and a manifest");

    // Termination: an upload of source b, removed with its segments.
    let loc_b = b.create(1000, "b.bin");
    assert_eq!(b.patch(&loc_b, 0, &content(400, 2), &[]).status, 204);
    assert_eq!(server.item_count(), 5);
    assert_eq!(
        a.req("DELETE", &loc_b, &[], b"").status,
        404,
        "not a's upload"
    );
    assert_eq!(b.req("DELETE", &loc_b, &[], b"").status, 204);
    assert_eq!(b.req("HEAD", &loc_b, &[], b"").status, 404);
    assert_eq!(server.item_count(), 4);

    // The reviewer gets exactly the bytes, under the sealed name.
    let files = review(&reviewer, &server);
    assert_eq!(
        files.len(),
        1,
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert_eq!(files[0].0, "секретный архив.mp4");
    assert!(files[0].1 == data, "byte-identical");
    let list = reviewer.ok(&["list"]);
    let sid = list
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let listing = reviewer.ok(&["list", &sid]);
    assert!(listing.contains("upload"), "{listing}");
    assert!(listing.contains("3 segment(s)"), "{listing}");

    // Nothing identifying on the server's disk or in its log.
    let mut files = Vec::new();
    all_files(&server.data(), &mut files);
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        for needle in [
            "секретный".as_bytes(),
            b"video/mp4",
            a.codename.as_bytes(),
            a.auth.as_bytes(),
            &data[1000..1032],
        ] {
            assert!(!contains(&bytes, needle), "{} holds a secret", f.display());
        }
    }
    let log = server.log_text();
    assert!(!log.contains(&a.auth) && !log.contains(&loc[16..]), "{log}");
}

/// Sends a PATCH with a declared length of `declared` but only `sent` bytes, then hangs up.
fn cut_patch(
    port: u16,
    auth: &str,
    loc: &str,
    offset: u64,
    body: &[u8],
    declared: usize,
    extra: &str,
) {
    let mut s = crate::http::connect(port);
    let head = format!(
        "PATCH {loc} HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nAuthorization: Bearer {auth}\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: {offset}\r\nContent-Length: {declared}\r\n{extra}\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    s.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    drop(s);
}

fn wait_until(mut f: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_cut_off_patch_keeps_what_arrived_unless_checksummed_and_sigkill_loses_no_committed_byte() {
    let reviewer = Reviewer::new();
    let mut server = Server::new(&reviewer.recipient, |c| c);
    let port = server.port;
    let a = ApiSource::new(port);
    let data = content(3_000_000, 62);
    let loc = a.create(data.len() as u64, "cut.bin");

    // Cut off without a checksum: what arrived is committed (tus: store as much as possible).
    cut_patch(port, &a.auth, &loc, 0, &data[..700_000], 1_000_000, "");
    wait_until(|| a.offset(&loc) > 0, "the cut-off body is committed");
    let off = a.offset(&loc);
    assert!(off <= 700_000 && off > 0, "{off}");
    assert!(server.temporaries().is_empty());

    // Cut off with a checksum: discarded, offset unchanged.
    let sum = b64(&sha2::Sha256::digest(
        &data[off as usize..off as usize + 500_000],
    ));
    cut_patch(
        port,
        &a.auth,
        &loc,
        off,
        &data[off as usize..off as usize + 300_000],
        500_000,
        &format!("Upload-Checksum: sha256 {sum}\r\n"),
    );
    wait_until(
        || server.temporaries().is_empty(),
        "the checksummed body is dropped",
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(a.offset(&loc), off);

    // SIGKILL in the middle of a PATCH: after the restart every committed byte is there, the
    // temporary is swept, and the upload resumes.
    let items_before = server.item_count();
    let mut s = crate::http::connect(port);
    let head = format!(
        "PATCH {loc} HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nAuthorization: Bearer {}\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: {off}\r\nContent-Length: 1000000\r\n\r\n",
        a.auth
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&data[off as usize..off as usize + 600_000])
        .unwrap();
    s.flush().unwrap();
    wait_until(
        || !server.temporaries().is_empty(),
        "the segment is being written",
    );
    // A second PATCH to the same upload meanwhile is refused: one writer per upload.
    let r = a.patch(&loc, off, &data[off as usize..off as usize + 1000], &[]);
    assert_eq!(r.status, 423, "{r:?}");
    server.kill();
    drop(s);
    server.start();
    assert!(
        server.temporaries().is_empty(),
        "startup removes the temporary"
    );
    assert_eq!(server.item_count(), items_before);
    // Tokens live in memory: log in again, and resume where the server says.
    let auth = login(port, &a.codename);
    let a = ApiSource { auth, ..a };
    assert_eq!(a.offset(&loc), off, "no committed byte lost");
    let r = a.patch(&loc, off, &data[off as usize..], &[]);
    assert_eq!(r.status, 204, "{r:?}");
    let files = review(&reviewer, &server);
    assert_eq!(files.len(), 1);
    assert!(
        files[0].1 == data,
        "byte-identical after cut, discard, kill and resume"
    );
}

/// A TCP relay that forwards to `port` and cuts each connection after a random number of
/// upstream bytes (from `cuts`, in order); counts the bytes it forwarded upstream.
struct Relay {
    port: u16,
    forwarded: Arc<AtomicU64>,
    cuts_done: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    /// Every byte sent upstream (what the server saw).
    seen: Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Relay {
    fn start(target: u16, cuts: Vec<u64>) -> Relay {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let forwarded = Arc::new(AtomicU64::new(0));
        let cuts_done = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let cuts = Arc::new(std::sync::Mutex::new(cuts.into_iter()));
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

type Budgets = std::sync::Mutex<std::vec::IntoIter<u64>>;

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
                left = budgets.lock().unwrap().next().unwrap_or(u64::MAX);
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

/// `postern-send` through a relay that cuts the connection at `cuts` random points: it resumes
/// each time (a new process for some of them, from its state file), and the reviewer's output is
/// byte-identical. Size via POSTERN_TUS_E2E_MIB (default 64).
#[test]
fn postern_send_survives_many_cuts_and_restarts_byte_identical() {
    let mib: u64 = std::env::var("POSTERN_TUS_E2E_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let cuts_wanted: usize = 50;
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| c);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("archive.tar");
    {
        let mut f = std::fs::File::create(&file).unwrap();
        let block = content(1 << 20, 63);
        for i in 0..mib {
            let mut b = block.clone();
            b[..8].copy_from_slice(&i.to_be_bytes());
            f.write_all(&b).unwrap();
        }
    }
    let len = mib << 20;
    // Cut points spread over the whole transfer, as upstream byte budgets per connection.
    let mut rng_state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        rng_state
    };
    // About 64 request bodies for any size; each of the first 50 PATCH connections is cut at a
    // random point inside its body (its budget is below the body's size), so the 50 cuts use
    // about 40 % of the file and the rest goes through whole.
    let segment_mib = (mib / 64).max(1);
    let seg = segment_mib << 20;
    let cuts: Vec<u64> = (0..cuts_wanted)
        .map(|_| (64 << 10) + next() % (seg - (64 << 10)))
        .collect();
    let relay = Relay::start(server.port, cuts);
    let a = ApiSource::new(server.port);
    let codename_file = dir.path().join("codename");
    std::fs::write(&codename_file, &a.codename).unwrap();
    let state = dir.path().join("state");
    let started = Instant::now();
    let mut runs = 0;
    loop {
        runs += 1;
        assert!(runs < 200, "postern-send never finished");
        // Every few cuts the process itself is restarted: resume from the state file.
        let out = run(Command::new(send_bin())
            .args([
                "--to",
                &format!("http://127.0.0.1:{}", relay.port),
                "--direct",
            ])
            .arg("--codename-file")
            .arg(&codename_file)
            .arg("--state-dir")
            .arg(&state)
            .args([
                "--segment-mib",
                &segment_mib.to_string(),
                "--max-retries",
                "3",
                "--retry-base-ms",
                "50",
            ])
            .arg(&file));
        if out.status.success() {
            assert!(stdout(&out).contains("sent"), "{}", stdout(&out));
            break;
        }
        let err = stderr(&out);
        assert!(err.contains("retries"), "an unexpected failure: {err}");
    }
    let secs = started.elapsed().as_secs_f64();
    let cuts_done = relay.cuts_done.load(Ordering::SeqCst);
    let forwarded = relay.forwarded.load(Ordering::SeqCst);
    eprintln!(
        "{mib} MiB in {secs:.1} s with {cuts_done} cuts over {runs} process runs; {forwarded} bytes forwarded ({:.1} KiB re-sent or overhead per cut)",
        (forwarded.saturating_sub(len)) as f64 / 1024.0 / cuts_done.max(1) as f64
    );
    assert!(
        cuts_done >= cuts_wanted as u64,
        "only {cuts_done} cuts happened"
    );
    assert!(runs > 1, "the process was restarted at least once");
    let state_text: Vec<PathBuf> = std::fs::read_dir(&state)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    assert!(
        state_text.is_empty(),
        "the state file is removed when done: {state_text:?}"
    );
    let files = review(&reviewer, &server);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].0, "archive.tar");
    let original = std::fs::read(&file).unwrap();
    assert!(files[0].1 == original, "byte-identical");
}

/// A tus client that is not ours: Python's `tuspy` (installed by `.ci/run`), with sha1 checksums
/// on every chunk, stopped halfway and resumed by a second uploader from the upload's address.
#[test]
fn a_foreign_tus_client_tuspy_uploads_and_resumes() {
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| c);
    let a = ApiSource::new(server.port);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("leak.bin");
    let data = content(1_234_567, 64);
    std::fs::write(&file, &data).unwrap();
    let script = r#"
import sys
try:
    from tusclient import client
except ImportError:
    sys.exit("tuspy is not installed: .ci/run installs it (pip install tuspy)")
url, token, path = sys.argv[1], sys.argv[2], sys.argv[3]
c = client.TusClient(url + "/api/v1/uploads", headers={"Authorization": "Bearer " + token})
up = c.uploader(path, chunk_size=200000, upload_checksum=True,
                metadata={"filename": "from-tuspy.bin", "filetype": "application/x-test"})
up.upload(stop_at=600000)
first = up.offset
again = c.uploader(path, url=up.url, chunk_size=300000, upload_checksum=True)
start = again.offset
again.upload()
print(first, start, again.offset)
"#;
    // The python3 on PATH: the one `.ci/run` installed tuspy into with `python3 -m pip`.
    let out = run(Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(format!("http://127.0.0.1:{}", server.port))
        .arg(&a.auth)
        .arg(&file));
    assert!(out.status.success(), "tuspy: {}", stderr(&out));
    let nums: Vec<u64> = stdout(&out)
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(nums.len(), 3, "{}", stdout(&out));
    assert!(
        nums[0] >= 600_000 && nums[0] < data.len() as u64,
        "{nums:?}"
    );
    assert_eq!(
        nums[1], nums[0],
        "the second uploader resumed at the server's offset"
    );
    assert_eq!(nums[2], data.len() as u64);
    let files = review(&reviewer, &server);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].0, "from-tuspy.bin");
    assert!(files[0].1 == data, "byte-identical");
}

/// A SOCKS5 relay in front of tor's SOCKS port that records the username of every connection
/// (RFC 1929) and otherwise forwards bytes untouched. With tor's IsolateSOCKSAuth (on by
/// default), distinct usernames mean distinct circuits.
struct SocksObserver {
    addr: String,
    users: Arc<std::sync::Mutex<Vec<String>>>,
}

impl SocksObserver {
    fn start(tor_socks: &str) -> SocksObserver {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        let users = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (u, target) = (users.clone(), tor_socks.to_owned());
        std::thread::spawn(move || {
            for conn in l.incoming() {
                let Ok(mut client) = conn else { continue };
                let mut up = TcpStream::connect(&target).unwrap();
                let u = u.clone();
                std::thread::spawn(move || {
                    let (mut up_r, mut c_w) =
                        (up.try_clone().unwrap(), client.try_clone().unwrap());
                    let back = std::thread::spawn(move || {
                        let _ = std::io::copy(&mut up_r, &mut c_w);
                    });
                    // Greeting: version, n methods, methods.
                    let mut g = [0u8; 2];
                    client.read_exact(&mut g).unwrap();
                    let mut methods = vec![0u8; usize::from(g[1])];
                    client.read_exact(&mut methods).unwrap();
                    up.write_all(&g).unwrap();
                    up.write_all(&methods).unwrap();
                    if methods.contains(&2) {
                        // Username/password: version, ulen, user, plen, pass.
                        let mut h = [0u8; 2];
                        client.read_exact(&mut h).unwrap();
                        let mut user = vec![0u8; usize::from(h[1])];
                        client.read_exact(&mut user).unwrap();
                        let mut pl = [0u8; 1];
                        client.read_exact(&mut pl).unwrap();
                        let mut pass = vec![0u8; usize::from(pl[0])];
                        client.read_exact(&mut pass).unwrap();
                        u.lock()
                            .unwrap()
                            .push(String::from_utf8_lossy(&user).into_owned());
                        up.write_all(&h).unwrap();
                        up.write_all(&user).unwrap();
                        up.write_all(&pl).unwrap();
                        up.write_all(&pass).unwrap();
                    } else {
                        u.lock().unwrap().push(String::new());
                    }
                    let _ = std::io::copy(&mut client, &mut up);
                    let _ = up.shutdown(std::net::Shutdown::Both);
                    let _ = back.join();
                });
            }
        });
        SocksObserver { addr, users }
    }
}

/// Called by the onion-service test (`tor.rs`), on its private Tor network: `postern-send`
/// uploads through tor's SOCKS port to the onion service in front of the server, with a fresh
/// circuit per request (distinct SOCKS credentials, seen by a relay in front of tor), and the
/// reviewer gets the exact bytes.
pub fn postern_send_over_tor(
    socks: &str,
    onion: &str,
    codename: &str,
    server: &Server,
    reviewer: &Reviewer,
) {
    let observer = SocksObserver::start(socks);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tor-archive.bin");
    let data = content(6 << 20, 65);
    std::fs::write(&file, &data).unwrap();
    let codename_file = dir.path().join("codename");
    std::fs::write(&codename_file, codename).unwrap();
    let t = Instant::now();
    let out = run(Command::new(send_bin())
        .args([
            "--to",
            &format!("http://{onion}"),
            "--socks",
            &observer.addr,
        ])
        .arg("--codename-file")
        .arg(&codename_file)
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .args(["--segment-mib", "1"])
        .arg(&file));
    assert!(
        out.status.success(),
        "postern-send over tor: {}",
        stderr(&out)
    );
    eprintln!("postern-send over tor: 6 MiB in {:.1?}", t.elapsed());
    let users = observer.users.lock().unwrap().clone();
    let distinct: std::collections::HashSet<&String> = users.iter().collect();
    // login, create, HEAD, then 6 PATCHes of 1 MiB: each on its own SOCKS identity.
    assert!(users.len() >= 9, "{users:?}");
    assert_eq!(
        distinct.len(),
        users.len(),
        "every connection its own circuit: {users:?}"
    );
    assert!(users.iter().all(|u| u.len() == 16), "{users:?}");
    // Direct connections are refused without --direct.
    let out = run(Command::new(send_bin())
        .args(["--to", "http://127.0.0.1:1", "--codename-file"])
        .arg(&codename_file)
        .arg(&file));
    assert!(!out.status.success());
    assert!(stderr(&out).contains(".onion"), "{}", stderr(&out));
    let files = review(reviewer, server);
    let got = files
        .iter()
        .find(|(n, _)| n == "tor-archive.bin")
        .expect("the upload");
    assert!(got.1 == data, "byte-identical over tor");
}

/// `postern-send --encrypt`: the pieces are sealed on the source's side to the keys whose
/// fingerprints the source was given; the server never sees the file's name or a byte of its
/// content, keeps every piece whole or not at all through cuts, and the reviewer opens both
/// layers to the exact bytes. Wrong fingerprints send nothing.
#[test]
fn postern_send_encrypts_on_the_client_and_the_server_sees_only_ciphertext() {
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| c);
    let a = ApiSource::new(server.port);
    let dir = tempfile::tempdir().unwrap();
    let name = "client-sealed секрет.bin";
    let file = dir.path().join(name);
    let data = content((5 << 20) + 12_345, 66);
    std::fs::write(&file, &data).unwrap();
    let codename_file = dir.path().join("codename");
    std::fs::write(&codename_file, &a.codename).unwrap();
    let fp = postern_spool::recipients::fingerprint(&reviewer.recipient.parse().unwrap());
    let send = |relay: &Relay, fps: &[&str]| {
        let mut cmd = Command::new(send_bin());
        cmd.args([
            "--to",
            &format!("http://127.0.0.1:{}", relay.port),
            "--direct",
            "--encrypt",
        ])
        .arg("--codename-file")
        .arg(&codename_file)
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .args([
            "--segment-mib",
            "1",
            "--max-retries",
            "3",
            "--retry-base-ms",
            "50",
        ]);
        for f in fps {
            cmd.args(["--fingerprint", f]);
        }
        run(cmd.arg(&file))
    };
    // A key the source was not told about: nothing is sent.
    let relay = Relay::start(server.port, Vec::new());
    let other = age::x25519::Identity::generate().to_public();
    let wrong = postern_spool::recipients::fingerprint(&other.into());
    let out = send(&relay, &[&wrong]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("do not match"), "{}", stderr(&out));
    assert_eq!(server.item_count(), 0);

    // The right fingerprint (any spacing), through a relay that cuts 8 pieces halfway.
    let cuts: Vec<u64> = (0..8).map(|i| 200_000 + i * 50_000).collect();
    let relay = Relay::start(server.port, cuts);
    let spaced = fp.to_uppercase();
    let mut runs = 0;
    loop {
        runs += 1;
        assert!(runs < 20, "postern-send --encrypt never finished");
        let out = send(&relay, &[&spaced]);
        if out.status.success() {
            break;
        }
        assert!(stderr(&out).contains("retries"), "{}", stderr(&out));
    }
    assert!(relay.cuts_done.load(Ordering::SeqCst) >= 8);
    let seen = relay.seen.lock().unwrap().clone();
    assert!(
        seen.len() > data.len(),
        "the capture holds the whole upload"
    );
    assert!(
        !contains(&seen, name.as_bytes()),
        "the name went out in clear"
    );
    assert!(!contains(&seen, b64(name.as_bytes()).as_bytes()));
    for at in [0usize, 1 << 20, 3 << 20, data.len() - 64] {
        assert!(
            !contains(&seen, &data[at..at + 32]),
            "plaintext at {at} went out"
        );
    }
    let files = review(&reviewer, &server);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].0, name);
    assert!(files[0].1 == data, "byte-identical through both layers");
}
