//! The journalist interface against the real `postern` binary: accounts made with
//! `postern journalist add`, the authentication matrix, the routes reachable without a session,
//! the bundle round trip through `postern-review import`, deletion, retention, export, headers
//! and log hygiene.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use postern_spool::day::Day;
use postern_spool::envelope::{Header, Kind};
use postern_spool::ids::{ItemId, SourceId};
use postern_spool::keys::SigningKey;
use postern_spool::recipients::Recipients;
use postern_spool::record::SourceRecord;
use postern_spool::spool::Spool;

use crate::http::{Browser, Multipart, Resp, codename_of, csrf_of, request, urlencode};
use crate::support::{Reviewer, Server, bin, content, free_port, run, stderr, stdout};

const UA: &str = "Mozilla/5.0 (PosternJournalistUA-5d1e) Gecko/20100101";
const COOKIE: &str = "postern_j";
const LOGIN_FAILED: &str = "Login failed. Check your username, passphrase and two-factor code";

/// A valid-looking client-auth file, so that the server starts before the first `add`.
const PLACEHOLDER_AUTH: &str =
    "descriptor:x25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";

/// What `postern journalist add` printed.
pub struct Creds {
    pub name: String,
    pub passphrase: String,
    pub secret: String,
    pub private_key: String,
    pub last_step: u64,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

impl Creds {
    fn code_at_step(&self, step: u64) -> String {
        let secret = data_encoding::BASE32_NOPAD
            .decode(self.secret.as_bytes())
            .unwrap();
        let totp = totp_rs::Builder::new()
            .with_secret(secret)
            .with_step_duration(30)
            .with_digits(6)
            .with_skew(1)
            .build()
            .unwrap();
        totp.generate(step * 30).to_string()
    }

    /// A code the server accepts now and has not seen: the earliest unused step in the window
    /// of one step either way, waiting for the clock when the window is used up, and never
    /// within two seconds of a step boundary.
    fn fresh_code(&mut self) -> String {
        self.fresh_code_lasting(2)
    }

    /// Like [`Creds::fresh_code`], valid for at least `secs` more seconds.
    fn fresh_code_lasting(&mut self, secs: u64) -> String {
        loop {
            let t = now();
            if t % 30 >= 30 - secs {
                std::thread::sleep(Duration::from_millis(500));
                continue;
            }
            let step = (self.last_step + 1).max(t / 30 - 1);
            if step > t / 30 + 1 {
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
            self.last_step = step;
            return self.code_at_step(step);
        }
    }

    /// A code the server must refuse as wrong (not of any step in the window).
    fn wrong_code(&self) -> String {
        let t = now() / 30;
        let window: Vec<String> = (t - 2..=t + 2).map(|s| self.code_at_step(s)).collect();
        (0..1_000_000)
            .map(|n| format!("{n:06}"))
            .find(|c| !window.contains(c))
            .unwrap()
    }
}

/// A server with a journalist interface on its own loopback port.
pub struct JServer {
    pub server: Server,
    pub jport: u16,
    pub auth_dir: PathBuf,
}

fn base_tweak(c: String, jport: u16, auth_dir: &Path, extra: &str) -> String {
    let c = c
        .replace("argon2_m_kib = 65536", "argon2_m_kib = 64")
        .replace("argon2_t = 3", "argon2_t = 1")
        .replace("argon2_p = 4", "argon2_p = 1");
    format!(
        "{c}\n[journalist]\nlisten = \"127.0.0.1:{jport}\"\ncookie_secure = false\nauthorized_clients_dir = \"{}\"\nlockout_seconds = 2\n{extra}",
        auth_dir.display()
    )
}

impl JServer {
    pub fn new(extra: &str) -> (JServer, Reviewer) {
        Self::with_top(extra, "")
    }

    /// `extra`: more lines for the [journalist] section; `top`: top-level lines.
    pub fn with_top(extra: &str, top: &str) -> (JServer, Reviewer) {
        let reviewer = Reviewer::new();
        let jport = free_port();
        let auth_root = tempfile::tempdir().unwrap().keep();
        let auth_dir = auth_root.join("authorized_clients");
        fs::create_dir(&auth_dir).unwrap();
        fs::write(auth_dir.join("placeholder.auth"), PLACEHOLDER_AUTH).unwrap();
        let ad = auth_dir.clone();
        let extra = extra.to_owned();
        let top = top.to_owned();
        let server = Server::new(&reviewer.recipient, move |c| {
            format!("{top}{}", base_tweak(c, jport, &ad, &extra))
        });
        wait_port(jport, &server);
        (
            JServer {
                server,
                jport,
                auth_dir,
            },
            reviewer,
        )
    }

    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        run(Command::new(bin("postern"))
            .args(args)
            .arg("--config")
            .arg(&self.server.config))
    }

    pub fn add(&self, name: &str) -> Creds {
        let out = self.cli(&["journalist", "add", name]);
        assert!(out.status.success(), "journalist add: {}", stderr(&out));
        parse_creds(name, &stdout(&out))
    }

    pub fn client(&self) -> JClient {
        JClient {
            port: self.jport,
            cookie: None,
        }
    }

    pub fn restart(&mut self) {
        self.server.kill();
        self.server.start();
        wait_port(self.jport, &self.server);
    }
}

fn wait_port(port: u16, server: &Server) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "journalist interface did not start: {}",
            server.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn line_after<'a>(text: &'a str, label: &str) -> &'a str {
    let at = text
        .find(label)
        .unwrap_or_else(|| panic!("no {label:?} in {text}"));
    text[at + label.len()..].lines().next().unwrap().trim()
}

pub fn parse_creds(name: &str, out: &str) -> Creds {
    let passphrase = line_after(out, "Passphrase:\n").to_owned();
    assert_eq!(passphrase.split(' ').count(), 7, "{out}");
    let secret = line_after(out, "secret: ").to_owned();
    assert_eq!(secret.len(), 32, "{out}");
    let private_key = line_after(out, "private key: ").to_owned();
    assert_eq!(private_key.len(), 52, "{out}");
    let uri = line_after(out, "  otpauth://");
    assert!(uri.contains(&format!("secret={secret}")), "{out}");
    assert!(out.contains(":descriptor:x25519:"), "{out}");
    Creds {
        name: name.to_owned(),
        passphrase,
        secret,
        private_key,
        last_step: 0,
    }
}

/// A journalist's browser: the session cookie, raw requests.
pub struct JClient {
    pub port: u16,
    pub cookie: Option<String>,
}

impl JClient {
    pub fn send(&mut self, method: &str, path: &str, extra: &[(&str, &str)], body: &[u8]) -> Resp {
        let mut headers: Vec<(&str, &str)> =
            vec![("User-Agent", UA), ("X-Forwarded-For", "198.51.100.23")];
        let cookie = self.cookie.clone().map(|c| format!("{COOKIE}={c}"));
        if let Some(c) = &cookie {
            headers.push(("Cookie", c));
        }
        headers.extend_from_slice(extra);
        let mut resp = request(self.port, method, path, &headers, body);
        if resp.header("transfer-encoding") == Some("chunked") {
            resp.body = dechunk(&resp.body);
        }
        if let Some(sc) = resp.header("set-cookie") {
            for line in sc.lines() {
                if let Some(v) = line.strip_prefix(&format!("{COOKIE}=")) {
                    let v = v.split(';').next().unwrap_or("");
                    self.cookie = (!v.is_empty() && !line.contains("Max-Age=0")).then(|| v.into());
                }
            }
        }
        resp
    }

    pub fn get(&mut self, path: &str) -> Resp {
        self.send("GET", path, &[], b"")
    }

    pub fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        self.send(
            "POST",
            path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            body.join("&").as_bytes(),
        )
    }

    /// The CSRF token of the first form on `path`.
    pub fn csrf(&mut self, path: &str) -> String {
        let page = self.get(path);
        assert_eq!(page.status, 200, "{path}: {}", page.text());
        csrf_of(&page.text())
    }

    pub fn try_login(&mut self, user: &str, passphrase: &str, code: &str) -> Resp {
        let csrf = self.csrf("/login");
        self.post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", user),
                ("passphrase", passphrase),
                ("code", code),
            ],
        )
    }

    pub fn login(&mut self, c: &mut Creds) {
        let code = c.fresh_code();
        let r = self.try_login(&c.name, &c.passphrase.clone(), &code);
        assert_eq!(r.status, 303, "login: {}", r.text());
        assert_eq!(r.header("location"), Some("/sources"));
    }
}

/// Decodes an HTTP/1.1 chunked body; panics on a malformed one or one without its last chunk
/// (which is how the server aborts a download that failed).
fn dechunk(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let rest = &raw[at..];
        let eol = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size line (the body was cut off)");
        let size_line = std::str::from_utf8(&rest[..eol]).unwrap();
        let size = usize::from_str_radix(size_line.split(';').next().unwrap().trim(), 16).unwrap();
        at += eol + 2;
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[at..at + size]);
        at += size + 2;
    }
}

fn assert_failed(r: &Resp, what: &str) {
    assert_eq!(r.status, 401, "{what}: {}", r.text());
    assert!(r.text().contains(LOGIN_FAILED), "{what}: {}", r.text());
}

/// A source submits `files` and a message through the source interface; returns the codename.
fn source_submits(server: &Server, message: &str, files: &[(&str, Vec<u8>)]) -> String {
    let mut b = Browser::new(server.port, UA);
    let landing = b.get("/en/");
    let page = b.post_form("/en/generate", &[("csrf", &csrf_of(&landing.text()))]);
    let codename = codename_of(&page.text());
    let home = b.get("/en/home");
    let mut mp = Multipart::new()
        .text("csrf", &csrf_of(&home.text()))
        .text("message", message);
    for (name, data) in files {
        mp = mp.file("files", name, data);
    }
    let r = b.post_multipart("/en/submit", mp);
    assert_eq!(r.status, 200, "{}", r.text());
    codename
}

fn spool_sources(server: &Server) -> Vec<SourceId> {
    Spool::open(&server.spool()).unwrap().sources().unwrap()
}

fn all_items(server: &Server) -> Vec<(SourceId, ItemId)> {
    let spool = Spool::open(&server.spool()).unwrap();
    let mut out = Vec::new();
    for s in spool.sources().unwrap() {
        for i in spool.items(&s).unwrap() {
            out.push((s, i));
        }
    }
    out
}

#[test]
fn journalist_authentication_matrix() {
    let (js, _reviewer) = JServer::new("");
    let mut alice = js.add("alice");
    let mut c = js.client();

    // Every kind of failure gets the same answer.
    let right_code = alice.fresh_code();
    assert_failed(
        &c.try_login("alice", "wrong words entirely", &right_code),
        "wrong passphrase",
    );
    assert_failed(
        &c.try_login("alice", &alice.passphrase.clone(), &alice.wrong_code()),
        "wrong code",
    );
    assert_failed(
        &c.try_login("nobody", &alice.passphrase.clone(), &right_code),
        "unknown name",
    );
    assert_failed(
        &c.try_login("../alice", &alice.passphrase.clone(), &right_code),
        "bad name",
    );
    // Missing or wrong CSRF token: refused before anything is checked.
    let code = alice.fresh_code();
    let r = c.post(
        "/login",
        &[
            ("username", "alice"),
            ("passphrase", &alice.passphrase.clone()),
            ("code", &code),
        ],
    );
    assert_eq!(r.status, 403, "no csrf: {}", r.text());
    let r = c.post(
        "/login",
        &[
            ("csrf", &"0".repeat(64)),
            ("username", "alice"),
            ("passphrase", &alice.passphrase.clone()),
            ("code", &code),
        ],
    );
    assert_eq!(r.status, 403, "wrong csrf: {}", r.text());
    // That code was never accepted, so it still works: session fixation check around it.
    let pre_login = c.cookie.clone().expect("a pre-login session cookie");
    let r = c.try_login("alice", &alice.passphrase.clone(), &code);
    assert_eq!(r.status, 303, "{}", r.text());
    let post_login = c.cookie.clone().unwrap();
    assert_ne!(pre_login, post_login, "the session id is cycled at login");
    let mut fixated = JClient {
        port: js.jport,
        cookie: Some(pre_login),
    };
    let r = fixated.get("/sources");
    assert_eq!(r.status, 401, "a pre-login id is useless: {}", r.text());
    assert_eq!(c.get("/sources").status, 200);

    // Logout needs the CSRF token and a POST.
    assert_eq!(c.post("/logout", &[]).status, 403);
    assert_eq!(c.post("/logout", &[("csrf", &"1".repeat(64))]).status, 403);
    assert_eq!(c.get("/logout").status, 405);
    assert_eq!(c.get("/sources").status, 200, "still logged in");
    let csrf = c.csrf("/sources");
    let r = c.post("/logout", &[("csrf", &csrf)]);
    assert_eq!(r.status, 200, "{}", r.text());
    let r = c.get("/sources");
    assert!(
        r.status == 401 || r.status == 303,
        "logged out: {}",
        r.status
    );
    // The replayed code (its step was accepted) is refused, with the same answer.
    let mut c = js.client();
    assert_failed(
        &c.try_login("alice", &alice.passphrase.clone(), &code),
        "replayed code",
    );

    // Throttling: after five failures even the right credentials are refused, and attempts
    // during the pause do not count. After the pause (2 s here), they work again.
    let mut t = js.client();
    let good = alice.fresh_code_lasting(8);
    for _ in 0..5 {
        assert_failed(
            &t.try_login("alice", "wrong words entirely", "000000"),
            "failure",
        );
    }
    assert_failed(
        &t.try_login("alice", &alice.passphrase.clone(), &good),
        "right credentials while paused",
    );
    std::thread::sleep(Duration::from_millis(2500));
    let r = t.try_login("alice", &alice.passphrase.clone(), &good);
    assert_eq!(
        r.status,
        303,
        "after the pause; the code refused unchecked during it still works: {}",
        r.text()
    );
    assert_eq!(t.get("/sources").status, 200);
    // Removing the account ends its sessions at once.
    let out = js.cli(&["journalist", "remove", "alice"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!js.auth_dir.join("alice.auth").exists());
    assert_eq!(
        t.get("/sources").status,
        401,
        "a removed account's session ends"
    );
}

#[test]
fn journalist_sessions_expire_when_idle() {
    let (js, _r) = JServer::new("session_idle_seconds = 2\n");
    let mut alice = js.add("alice");
    let mut c = js.client();
    c.login(&mut alice);
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(800));
        assert_eq!(c.get("/sources").status, 200, "activity keeps it alive");
    }
    std::thread::sleep(Duration::from_millis(3000));
    let r = c.get("/sources");
    assert_eq!(r.status, 401, "{}", r.text());
    assert!(r.text().contains("Session ended"), "{}", r.text());
}

#[test]
fn journalist_routes_reachable_without_a_session_are_pinned() {
    let (js, _r) = JServer::new("");
    source_submits(&js.server, "hello", &[("a.txt", b"abc".to_vec())]);
    let (sid, iid) = all_items(&js.server)[0];
    let before = all_items(&js.server).len();
    let routes: Vec<(&str, String)> = vec![
        ("GET", "/".into()),
        ("GET", "/login".into()),
        ("POST", "/login".into()),
        ("POST", "/logout".into()),
        ("GET", "/static/style.css".into()),
        ("GET", "/sources".into()),
        ("GET", format!("/sources/{sid}")),
        ("POST", format!("/sources/{sid}/star")),
        ("POST", format!("/sources/{sid}/seen")),
        ("POST", format!("/sources/{sid}/delete")),
        ("GET", format!("/sources/{sid}/items/{iid}")),
        ("POST", format!("/sources/{sid}/items/{iid}/delete")),
        ("POST", "/bundle".into()),
        ("POST", "/replies".into()),
        ("GET", "/nonexistent".into()),
    ];
    let mut open = Vec::new();
    for (method, path) in &routes {
        // Without any cookie, and with a cookie of no session.
        for cookie in [None, Some("x".repeat(22))] {
            let mut c = js.client();
            c.cookie = cookie.clone();
            let r = c.send(
                method,
                path,
                &[("Content-Type", "application/x-www-form-urlencoded")],
                b"csrf=whatever&confirm=x&on=1&source=",
            );
            assert_headers(&r, &format!("{method} {path}"));
            if r.status / 100 == 2 {
                open.push(format!("{method} {path}"));
                continue;
            }
            match r.status {
                303 => assert!(
                    r.header("location") == Some("/login")
                        || (path == "/" && r.header("location") == Some("/sources")),
                    "{method} {path} -> {:?}",
                    r.header("location")
                ),
                401 => assert!(cookie.is_some(), "{method} {path}: 401 without a cookie"),
                403 | 404 => {}
                s => panic!("{method} {path}: unexpected {s}"),
            }
            assert!(
                !r.text().contains(&sid.to_string()) && !r.text().contains(&iid.to_string()),
                "{method} {path} leaks ids"
            );
        }
    }
    open.sort();
    open.dedup();
    assert_eq!(open, vec!["GET /login", "GET /static/style.css"]);
    assert_eq!(all_items(&js.server).len(), before, "nothing was deleted");
}

/// The exact header set of the source interface (`web::SECURITY_HEADERS`).
fn assert_headers(r: &Resp, what: &str) {
    let expected = [
        (
            "content-security-policy",
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        ("referrer-policy", "no-referrer"),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-embedder-policy", "require-corp"),
        ("cross-origin-resource-policy", "same-origin"),
        ("origin-agent-cluster", "?1"),
        (
            "permissions-policy",
            "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()",
        ),
        ("cache-control", "no-store"),
    ];
    for (name, value) in expected {
        assert_eq!(r.header(name), Some(value), "{what}: header {name}");
    }
    for name in ["server", "x-powered-by", "etag", "last-modified", "date"] {
        assert!(r.header(name).is_none(), "{what}: unexpected header {name}");
    }
}

fn sid_of_page(page: &str) -> String {
    let at = page.find("href=\"/sources/").expect("a source link") + "href=\"/sources/".len();
    page[at..at + 64].to_owned()
}

#[test]
fn journalist_bundle_round_trip_through_the_reviewer() {
    let (js, reviewer) = JServer::new("");
    let mut alice = js.add("alice");
    let file = content(300_000, 9);
    let message = "MARKER-J-MESSAGE-6a1c for the journalists";
    let codename = source_submits(
        &js.server,
        message,
        &[("MARKER-J-FILE-31b7.bin", file.clone())],
    );
    let mut c = js.client();
    c.login(&mut alice);
    let list = c.get("/sources").text();
    assert!(
        list.contains("1 source(s), 2 new item(s) for you."),
        "{list}"
    );
    let sid = sid_of_page(&list);
    let source_id = SourceId::parse(&sid).unwrap();
    let designation = postern_spool::designation::designation(&source_id);
    assert!(list.contains(&designation), "{list}");
    let page = c.get(&format!("/sources/{sid}")).text();
    assert_eq!(page.matches("(new)").count(), 2, "{page}");
    assert!(
        !page.contains(&codename) && !page.contains("MARKER-J"),
        "{page}"
    );

    // The bundle of everything new, streamed.
    let csrf = c.csrf("/sources");
    let r = c.post("/bundle", &[("csrf", &csrf), ("source", "")]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/x-tar"));
    assert_eq!(r.header("transfer-encoding"), Some("chunked"), "streamed");
    assert_headers(&r, "bundle");
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle.tar");
    fs::write(&bundle, &r.body).unwrap();
    // Downloaded items are seen now.
    let list = c.get("/sources").text();
    assert!(list.contains("0 new item(s) for you."), "{list}");

    reviewer.ok(&["trust", &js.server.signing_pub()]);
    let imported = reviewer.ok(&["import", bundle.to_str().unwrap()]);
    assert!(
        imported.contains("Imported 2 new item(s) from 1 source(s)"),
        "{imported}"
    );
    let out = tempfile::tempdir().unwrap();
    reviewer.ok(&["extract", "--all", "--to", out.path().to_str().unwrap()]);
    assert!(fs::read(out.path().join("MARKER-J-FILE-31b7.bin")).unwrap() == file);

    // One item, downloaded alone: exactly the spool's ciphertext.
    let (_, iid) = all_items(&js.server)[0];
    let r = c.get(&format!("/sources/{sid}/items/{iid}"));
    assert_eq!(r.status, 200);
    let spool = Spool::open(&js.server.spool()).unwrap();
    let (age, _) = spool.item_paths(&source_id, &iid);
    assert!(r.body == fs::read(&age).unwrap());

    // A bundle altered in transit is refused: a flipped byte deep inside a ciphertext.
    let mut altered = r_body_of(&bundle);
    let at = altered.len() / 2;
    altered[at] ^= 0x01;
    let bad = dir.path().join("altered.tar");
    fs::write(&bad, &altered).unwrap();
    let fresh = Reviewer::new();
    fresh.ok(&["trust", &js.server.signing_pub()]);
    let o = fresh.cmd(&["import", bad.to_str().unwrap()]);
    assert!(!o.status.success(), "an altered bundle must be refused");
    assert!(
        fresh.ok(&["list"]).contains("No sources"),
        "nothing was imported"
    );

    // The operator's export writes the same kind of bundle.
    let exp = tempfile::tempdir().unwrap();
    let o = js.cli(&["export", "--to", exp.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let files: Vec<PathBuf> = fs::read_dir(exp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let imported = fresh.ok(&["import", files[0].to_str().unwrap()]);
    assert!(
        imported.contains("Imported 2 new item(s) from 1 source(s)"),
        "{imported}"
    );
    // --since a future day: an empty bundle.
    let o = js.cli(&[
        "export",
        "--to",
        exp.path().to_str().unwrap(),
        "--since",
        "2999-01-01",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Wrote 0 item(s)"), "{}", stdout(&o));

    // Log hygiene: nothing identifying in the server's log.
    let log = js.server.log_text();
    assert!(log.contains("a journalist logged in"), "{log}");
    for secret in [
        codename.as_str(),
        alice.passphrase.as_str(),
        alice.secret.as_str(),
        "alice",
        sid.as_str(),
        &iid.to_string(),
        &designation,
        "MARKER-J",
        "PosternJournalistUA",
        "198.51.100.23",
        "127.0.0.1:",
    ] {
        // The listening address is logged once at startup, never a peer's.
        if secret == "127.0.0.1:" {
            assert!(log.matches(secret).count() <= 2, "{log}");
            continue;
        }
        assert!(!log.contains(secret), "the log holds {secret:?}:\n{log}");
    }
}

fn r_body_of(p: &Path) -> Vec<u8> {
    fs::read(p).unwrap()
}

#[test]
fn journalist_star_seen_and_delete() {
    let (js, _r) = JServer::new("");
    let mut alice = js.add("alice");
    let mut bob = js.add("bob");
    source_submits(&js.server, "first", &[("a.bin", content(1000, 1))]);
    source_submits(&js.server, "second", &[]);
    let mut a = js.client();
    a.login(&mut alice);
    let list = a.get("/sources").text();
    assert!(
        list.contains("2 source(s), 3 new item(s) for you."),
        "{list}"
    );
    let sources = spool_sources(&js.server);
    let (two, one) = {
        let spool = Spool::open(&js.server.spool()).unwrap();
        if spool.items(&sources[0]).unwrap().len() == 2 {
            (sources[0], sources[1])
        } else {
            (sources[1], sources[0])
        }
    };
    // Star the one-item source: it is listed first.
    let csrf = a.csrf(&format!("/sources/{one}"));
    let r = a.post(
        &format!("/sources/{one}/star"),
        &[("csrf", &csrf), ("on", "1")],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let list = a.get("/sources").text();
    assert_eq!(sid_of_page(&list), one.to_string(), "starred first");
    assert!(list.contains("class=\"starred\""));
    // Mark seen: per journalist.
    let r = a.post(&format!("/sources/{two}/seen"), &[("csrf", &csrf)]);
    assert_eq!(r.status, 303);
    assert!(a.get("/sources").text().contains("1 new item(s) for you."));
    let mut b = js.client();
    b.login(&mut bob);
    let list = b.get("/sources").text();
    assert!(list.contains("3 new item(s) for you."), "{list}");
    assert!(
        !list.contains("class=\"starred\""),
        "stars are per journalist"
    );

    // Delete one item: its ciphertext and record leave the spool.
    let spool = Spool::open(&js.server.spool()).unwrap();
    let items = spool.items(&two).unwrap();
    let (age, rec) = spool.item_paths(&two, &items[0]);
    assert!(age.exists() && rec.exists());
    let r = a.post(
        &format!("/sources/{two}/items/{}/delete", items[0]),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("The item was deleted."));
    assert!(
        !age.exists() && !rec.exists(),
        "ciphertext and record are gone"
    );
    assert_eq!(spool.items(&two).unwrap().len(), 1);
    // No state file keeps the deleted item's id.
    for f in fs::read_dir(js.server.data().join("journalist-state")).unwrap() {
        let text = fs::read_to_string(f.unwrap().path()).unwrap();
        assert!(!text.contains(&items[0].to_string()), "{text}");
    }
    // Deleting a source needs its designation typed.
    let r = a.post(
        &format!("/sources/{one}/delete"),
        &[("csrf", &csrf), ("confirm", "wrong")],
    );
    assert!(r.text().contains("Nothing was deleted"), "{}", r.text());
    assert!(spool.source_dir(&one).exists());
    let d = postern_spool::designation::designation(&one);
    let r = a.post(
        &format!("/sources/{one}/delete"),
        &[("csrf", &csrf), ("confirm", &d)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        !spool.source_dir(&one).exists(),
        "the source's folder is gone"
    );
    assert_eq!(spool_sources(&js.server), vec![two]);
    for f in fs::read_dir(js.server.data().join("journalist-state")).unwrap() {
        let text = fs::read_to_string(f.unwrap().path()).unwrap();
        assert!(!text.contains(&one.to_string()), "{text}");
    }
    // Without the CSRF token nothing happens.
    let left = spool.items(&two).unwrap();
    let r = a.post(&format!("/sources/{two}/items/{}/delete", left[0]), &[]);
    assert_eq!(r.status, 403);
    assert_eq!(spool.items(&two).unwrap(), left);
}

#[test]
fn retention_deletes_exactly_what_is_older_than_n_days() {
    let (mut js, reviewer) = JServer::new("");
    let data = js.server.data();
    let key =
        SigningKey::from_secret_text(&fs::read_to_string(data.join("spool-signing.key")).unwrap())
            .unwrap();
    let spool = Spool::open(&js.server.spool()).unwrap();
    let today = Day::from_unix_seconds(now());
    let recipients = Recipients::parse([&reviewer.recipient]).unwrap();
    let mut rng = rand::rng();
    let source = SourceId::from_bytes([7; 32]);
    let rec = SourceRecord {
        source,
        reply: reviewer.recipient.clone(),
        day: Day(today.0 - 10),
    };
    spool.ensure_source(&mut rng, &rec, &key).unwrap();
    let mut by_age: HashMap<u32, ItemId> = HashMap::new();
    for age in 0..=6u32 {
        let h = Header::new(
            Kind::Message,
            ItemId::from_bytes([0; 16]),
            Day(today.0 - age),
        );
        let r = spool
            .store(
                &mut rng,
                &key,
                &recipients,
                &source,
                h,
                &mut &b"old news"[..],
            )
            .unwrap();
        by_age.insert(age, r.item);
    }
    // Retention off: nothing goes at a restart.
    js.restart();
    assert_eq!(spool.items(&source).unwrap().len(), 7);
    // Three days: exactly the items of 4, 5 and 6 days ago go.
    let text = fs::read_to_string(&js.server.config).unwrap();
    fs::write(&js.server.config, format!("retention_days = 3\n{text}")).unwrap();
    js.restart();
    let left = spool.items(&source).unwrap();
    for (age, item) in &by_age {
        assert_eq!(left.contains(item), *age <= 3, "item of age {age}");
        let (ciphertext, _) = spool.item_paths(&source, item);
        assert_eq!(ciphertext.exists(), *age <= 3, "ciphertext of age {age}");
    }
    assert!(js.server.log_text().contains("retention deleted old items"));
}

#[test]
fn journalist_listener_fails_closed() {
    let (js, _r) = JServer::new("");
    let cfg = js.server.config.clone();
    let text = fs::read_to_string(&cfg).unwrap();
    let serve = |text: &str| {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("postern.toml");
        fs::write(&c, text).unwrap();
        let mut child = Command::new(bin("postern"))
            .arg("serve")
            .arg("--config")
            .arg(&c)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if let Some(status) = child.try_wait().unwrap() {
                let mut err = String::new();
                std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
                return (status.success(), err);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        child.kill().unwrap();
        panic!("the server started with a dangerous config");
    };
    // The same port as the source interface.
    let same = text.replace(
        &format!(
            "listen = \"127.0.0.1:{}\"\ncookie_secure = false\nauthorized",
            js.jport
        ),
        &format!(
            "listen = \"127.0.0.1:{}\"\ncookie_secure = false\nauthorized",
            js.server.port
        ),
    );
    assert_ne!(same, text);
    let (ok, err) = serve(&same);
    assert!(!ok && err.contains("must not listen where"), "{err}");
    // A malformed auth file beside a good one: tor would ignore it; refuse.
    fs::write(
        js.auth_dir.join("broken.auth"),
        "descriptor:x25519:tooshort\n",
    )
    .unwrap();
    let (ok, err) = serve(&text);
    assert!(!ok && err.contains("malformed"), "{err}");
    fs::remove_file(js.auth_dir.join("broken.auth")).unwrap();
    // No auth file at all: the onion would be public; refuse.
    fs::remove_file(js.auth_dir.join("placeholder.auth")).unwrap();
    let (ok, err) = serve(&text);
    assert!(!ok && err.contains("no journalist is authorized"), "{err}");
}

#[test]
fn journalist_accounts_cli() {
    let (js, _r) = JServer::new("");
    for bad in ["Alice", "../x", "a b", ""] {
        let o = js.cli(&["journalist", "add", bad]);
        assert!(!o.status.success(), "{bad:?} accepted");
    }
    let alice = js.add("alice");
    let o = js.cli(&["journalist", "add", "alice"]);
    assert!(!o.status.success(), "a second alice");
    // Files: account 0600, auth file in tor's format with the key printed.
    use std::os::unix::fs::PermissionsExt;
    let acc = js.server.data().join("journalists/alice.toml");
    assert_eq!(
        fs::metadata(&acc).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let text = fs::read_to_string(&acc).unwrap();
    assert!(text.contains("$argon2id$"), "{text}");
    assert!(
        !text.contains(&alice.passphrase),
        "the passphrase is not stored"
    );
    let auth = fs::read_to_string(js.auth_dir.join("alice.auth")).unwrap();
    let public = auth.trim().strip_prefix("descriptor:x25519:").unwrap();
    assert_eq!(public.len(), 52);
    let list = stdout(&js.cli(&["journalist", "list"]));
    assert!(list.contains("alice\ttor key present"), "{list}");
    // reset: new credentials, the old passphrase stops working.
    let o = js.cli(&["journalist", "reset", "alice"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut fresh = parse_creds_reset(&stdout(&o));
    assert_ne!(fresh.passphrase, alice.passphrase);
    let mut c = js.client();
    let code = fresh.fresh_code();
    assert_failed(
        &c.try_login("alice", &alice.passphrase, &code),
        "old passphrase",
    );
    c.login(&mut fresh);
    // remove: the account and the key file.
    let o = js.cli(&["journalist", "remove", "alice"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!acc.exists() && !js.auth_dir.join("alice.auth").exists());
    assert!(!js.cli(&["journalist", "remove", "alice"]).status.success());
}

fn parse_creds_reset(out: &str) -> Creds {
    let passphrase = line_after(out, "Passphrase:\n").to_owned();
    let secret = line_after(out, "secret: ").to_owned();
    Creds {
        name: "alice".into(),
        passphrase,
        secret,
        private_key: String::new(),
        last_step: 0,
    }
}

/// `tor-testnet start` with the journalist service behind client authorization, using the
/// `.auth` files of `auth_dir` and the client key `key`; returns the folder and its KEY=VALUE
/// output. Panics (never skips) when the network cannot start.
fn tor_start(
    jsock: &Path,
    auth_dir: &Path,
    key: &str,
) -> (tempfile::TempDir, HashMap<String, String>) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("support/tor-testnet");
    let dir = tempfile::Builder::new()
        .prefix("postern-jtor-")
        .tempdir_in("/tmp")
        .unwrap();
    let out = Command::new(&script)
        .arg("start")
        .arg(dir.path())
        .arg("--service")
        .arg(format!("journalist=unix:{}", jsock.display()))
        .args(["--client-auth", "journalist"])
        .arg("--auth-dir")
        .arg(format!("journalist={}", auth_dir.display()))
        .arg("--auth-key")
        .arg(format!("journalist={key}"))
        .args(["--owner-pid", &std::process::id().to_string()])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("running tests/support/tor-testnet");
    if !out.status.success() {
        let kept = dir.keep();
        panic!(
            "tor-testnet start failed; logs in {}:\n{}",
            kept.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let env = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    (dir, env)
}

fn tor_stop(dir: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("support/tor-testnet");
    let out = Command::new(&script).arg("stop").arg(dir).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// SOCKS5 CONNECT to `host:80` through `proxy`; the reply code (0 = connected) and the stream.
fn socks_try(proxy: &str, host: &str) -> (u8, std::net::TcpStream) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(proxy).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    s.write_all(&[5, 1, 0]).unwrap();
    let mut r = [0u8; 2];
    s.read_exact(&mut r).unwrap();
    assert_eq!(r, [5, 0]);
    let mut req = vec![5, 1, 0, 3, u8::try_from(host.len()).unwrap()];
    req.extend_from_slice(host.as_bytes());
    req.extend_from_slice(&80u16.to_be_bytes());
    s.write_all(&req).unwrap();
    let mut head = [0u8; 4];
    s.read_exact(&mut head).unwrap();
    if head[1] == 0 {
        let mut rest = [0u8; 6]; // IPv4 + port
        s.read_exact(&mut rest).unwrap();
    }
    (head[1], s)
}

/// The reply code for `host` through `proxy`, retried while tor is still fetching (0x04 right
/// after a refusal, or a circuit not yet built); 0, 0xF4 or 0xF5 end it.
fn socks_code(proxy: &str, host: &str) -> u8 {
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        let (code, _) = socks_try(proxy, host);
        // 0xF4: no key for this onion; 0xF5: a key that does not open it.
        if code == 0 || code == 0xF4 || code == 0xF5 || std::time::Instant::now() > deadline {
            return code;
        }
        std::thread::sleep(Duration::from_secs(6));
    }
}

/// One more tor client on the private network, holding `key_line` in its ClientOnionAuthDir;
/// returns its SOCKS address. It exits by itself with this process (`__OwningControllerProcess`).
#[allow(clippy::zombie_processes)] // The caller kills and waits for it.
fn extra_client(net: &Path, key_line: &str) -> (std::process::Child, String) {
    let d = net.join("client-extra");
    fs::create_dir_all(d.join("onion-auth")).unwrap();
    fs::write(d.join("onion-auth/journalist.auth_private"), key_line).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&d, fs::Permissions::from_mode(0o700)).unwrap();
    fs::set_permissions(d.join("onion-auth"), fs::Permissions::from_mode(0o700)).unwrap();
    fs::write(
        d.join("torrc"),
        format!(
            "DataDirectory {0}\nLog notice file {0}/notice.log\nSocksPort 127.0.0.1:auto OnionTrafficOnly ExtendedErrors\nClientOnionAuthDir {0}/onion-auth\n__OwningControllerProcess {1}\n",
            d.display(),
            std::process::id()
        ),
    )
    .unwrap();
    let tor = ["/usr/sbin/tor", "/usr/bin/tor"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("tor is not installed: .ci/run installs it (apt-get install tor)");
    let child = Command::new(tor)
        .arg("--defaults-torrc")
        .arg(net.join("common.torrc"))
        .arg("-f")
        .arg(d.join("torrc"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let log = fs::read_to_string(d.join("notice.log")).unwrap_or_default();
        let port = log
            .lines()
            .filter_map(|l| {
                l.split("Opened Socks listener connection (ready) on 127.0.0.1:")
                    .nth(1)
            })
            .next_back()
            .map(|p| p.trim().to_owned());
        if let (Some(port), true) = (port, log.contains("Bootstrapped 100%")) {
            return (child, format!("127.0.0.1:{port}"));
        }
        assert!(
            std::time::Instant::now() < deadline,
            "extra tor client: {log}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn journalist_onion_service_opens_only_to_authorized_keys() {
    let sockdir = tempfile::Builder::new()
        .prefix("pj-")
        .tempdir_in("/tmp")
        .unwrap();
    let jsock = sockdir.path().join("j.sock");
    let reviewer = Reviewer::new();
    let auth_root = tempfile::tempdir().unwrap();
    let auth_dir = auth_root.path().join("authorized_clients");
    fs::create_dir(&auth_dir).unwrap();
    fs::write(auth_dir.join("placeholder.auth"), PLACEHOLDER_AUTH).unwrap();
    let ad = auth_dir.clone();
    let js_sock = jsock.clone();
    let server = Server::new(&reviewer.recipient, move |c| {
        format!(
            "{c}\n[journalist]\nlisten = \"unix:{}\"\nauthorized_clients_dir = \"{}\"\n",
            js_sock.display(),
            ad.display()
        )
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::os::unix::net::UnixStream::connect(&jsock).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            server.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let cli = |args: &[&str]| {
        let o = run(Command::new(bin("postern"))
            .args(args)
            .arg("--config")
            .arg(&server.config));
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        stdout(&o)
    };
    let alice = parse_creds("alice", &cli(&["journalist", "add", "alice"]));
    fs::remove_file(auth_dir.join("placeholder.auth")).unwrap();

    // The network starts only if the client holding alice's key reached the service and the
    // keyless client was refused with 0xF4 (the script checks both).
    let (net, env) = tor_start(&jsock, &auth_dir, &alice.private_key);
    let onion = env["ONION_JOURNALIST"].clone();
    let (code, s) = socks_try(&env["SOCKS"], &onion);
    assert_eq!(code, 0, "alice's key opens the journalist onion");
    let r = crate::http::request_over(s, &onion, "GET", "/login", &[], b"");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("Two-factor code"), "{}", r.text());
    assert_eq!(
        socks_code(&env["SOCKS_NOAUTH"], &onion),
        0xF4,
        "no key, no entry"
    );
    tor_stop(net.path());

    // Alice leaves, Bob joins; after tor restarts, Bob gets in and Alice's key does not.
    let bob = parse_creds("bob", &cli(&["journalist", "add", "bob"]));
    cli(&["journalist", "remove", "alice"]);
    assert!(!auth_dir.join("alice.auth").exists());
    let (net, env) = tor_start(&jsock, &auth_dir, &bob.private_key);
    let onion = env["ONION_JOURNALIST"].clone();
    assert_eq!(socks_code(&env["SOCKS"], &onion), 0, "bob's key works");
    let line = format!(
        "{}:descriptor:x25519:{}\n",
        onion.trim_end_matches(".onion"),
        alice.private_key
    );
    let (mut extra, socks) = extra_client(net.path(), &line);
    let code = socks_code(&socks, &onion);
    let _ = extra.kill();
    let _ = extra.wait();
    tor_stop(net.path());
    // 0xF5 (tor's "client authorization incorrect"): the client offered alice's key, and the
    // descriptor no longer opens with it.
    assert_eq!(
        code, 0xF5,
        "the removed key no longer opens the journalist onion"
    );
    drop(server);
}

#[test]
fn journalist_uploads_a_reply_bundle_checked_like_import_replies() {
    let (mut js, reviewer) = JServer::new("");
    let out = js.cli(&["trust-newsroom", &reviewer.signing_pub]);
    assert!(out.status.success(), "{}", stderr(&out));
    js.restart();
    let codename = source_submits(&js.server, "hello", &[]);
    let sid = spool_sources(&js.server)[0];
    reviewer.ok(&["trust", &js.server.signing_pub()]);
    reviewer.ok(&["import", js.server.spool().to_str().unwrap()]);
    let text = reviewer.dir.path().join("reply.txt");
    fs::write(&text, "MARKER-WEB-REPLY thank you").unwrap();
    reviewer.ok(&[
        "reply",
        &sid.to_string()[..8],
        "--file",
        text.to_str().unwrap(),
    ]);
    let bundle_path = reviewer.dir.path().join("replies.tar");
    reviewer.ok(&["export-replies", "--to", bundle_path.to_str().unwrap()]);
    let bundle = fs::read(&bundle_path).unwrap();
    let replies_dir = js
        .server
        .spool()
        .join("sources")
        .join(sid.to_string())
        .join("replies");
    let stored = || fs::read_dir(&replies_dir).map(|d| d.count()).unwrap_or(0);

    let mut alice = js.add("alice");
    let mut c = js.client();
    c.login(&mut alice);
    let upload = |c: &mut JClient, csrf: &str, data: &[u8]| {
        let (ct, body) = Multipart::new()
            .text("csrf", csrf)
            .file("bundle", "replies.tar", data)
            .finish();
        c.send("POST", "/replies", &[("Content-Type", &ct)], &body)
    };
    // A forged token: refused before the bundle is read.
    let r = upload(&mut c, &"0".repeat(64), &bundle);
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(stored(), 0);
    let csrf = c.csrf("/sources");
    assert!(c.get("/sources").text().contains("action=\"/replies\""));
    // Altered in transit: refused whole.
    let mut altered = bundle.clone();
    let mid = altered.len() / 2;
    altered[mid] ^= 0x10;
    let r = upload(&mut c, &csrf, &altered);
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("nothing was imported"), "{}", r.text());
    assert_eq!(stored(), 0);
    // The real one goes in, once.
    let r = upload(&mut c, &csrf, &bundle);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("Imported 1 new reply"), "{}", r.text());
    let r = upload(&mut c, &csrf, &bundle);
    assert!(r.text().contains("1 already delivered"), "{}", r.text());
    assert_eq!(stored(), 2);
    // The source reads it.
    let mut b = Browser::new(js.server.port, UA);
    let page = b.get("/en/login");
    let r = b.post_form(
        "/en/login",
        &[("csrf", &csrf_of(&page.text())), ("codename", &codename)],
    );
    assert_eq!(r.status, 303);
    assert!(
        b.get("/en/home")
            .text()
            .contains("MARKER-WEB-REPLY thank you")
    );
    assert!(!js.server.log_text().contains("MARKER-WEB-REPLY"));
}
