//! The journalist interface against the real `postern` binary: the harness (a server with a
//! journalist listener, accounts made with `postern journalist add`, an authenticator app), and
//! one module per concern.

mod accounts;
mod login;
mod onion;
mod parts;
mod replies;
mod routes;
mod sources;
mod uploads;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use postern_spool::ids::{ItemId, SourceId};
use postern_spool::spool::Spool;

use crate::http::{Browser, Multipart, Resp, codename_of, csrf_of};
use crate::support::{Addr, Reviewer, Server, free_port, stderr, stdout};

pub const UA: &str = "Mozilla/5.0 (PosternJournalistUA-5d1e) Gecko/20100101";
pub const LOGIN_FAILED: &str = "Login failed. Check your username, passphrase and two-factor code";

/// A valid-looking client-auth file, so that the server starts before the first `add`.
pub const PLACEHOLDER_AUTH: &str =
    "descriptor:x25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";

/// What `postern journalist add` printed.
pub struct Creds {
    pub name: String,
    pub passphrase: String,
    pub secret: String,
    pub private_key: String,
    pub last_step: u64,
}

pub fn now() -> u64 {
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
    pub fn fresh_code(&mut self) -> String {
        self.fresh_code_lasting(2)
    }

    /// Like [`Creds::fresh_code`], valid for at least `secs` more seconds.
    pub fn fresh_code_lasting(&mut self, secs: u64) -> String {
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
    pub fn wrong_code(&self) -> String {
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
        let top = top.to_owned();
        Self::with_edit(extra, move |c| format!("{top}{c}"))
    }

    /// `extra`: more lines for the [journalist] section; `edit`: a last change to the config
    /// text (say, to one of its limits).
    pub fn with_edit(
        extra: &str,
        edit: impl FnOnce(String) -> String + 'static,
    ) -> (JServer, Reviewer) {
        let reviewer = Reviewer::new();
        let jport = free_port();
        let auth_root = crate::support::tempdir().keep();
        let auth_dir = auth_root.join("authorized_clients");
        fs::create_dir(&auth_dir).unwrap();
        fs::write(auth_dir.join("placeholder.auth"), PLACEHOLDER_AUTH).unwrap();
        let ad = auth_dir.clone();
        let extra = extra.to_owned();
        let mut server = Server::new(&reviewer.recipient, move |c| {
            edit(base_tweak(c, jport, &ad, &extra))
        });
        server.wait_listening(&Addr::Port(jport), "the journalist interface");
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
        self.server.cli(args)
    }

    pub fn add(&self, name: &str) -> Creds {
        let out = self.cli(&["journalist", "add", name]);
        assert!(out.status.success(), "journalist add: {}", stderr(&out));
        parse_creds(name, &stdout(&out))
    }

    pub fn client(&self) -> Browser {
        Browser::journalist(self.jport, UA)
    }

    pub fn restart(&mut self) {
        self.server.kill();
        self.server.start();
        self.server
            .wait_listening(&Addr::Port(self.jport), "the journalist interface");
    }
}

pub fn line_after<'a>(text: &'a str, label: &str) -> &'a str {
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

/// Logging in to the journalist interface, for a journalist's [`Browser`].
pub trait JournalistLogin {
    /// Posts the login form (with the CSRF token of the login page).
    fn try_login(&mut self, user: &str, passphrase: &str, code: &str) -> Resp;
    /// Logs in with a fresh code; must succeed.
    fn login(&mut self, c: &mut Creds);
}

impl JournalistLogin for Browser {
    fn try_login(&mut self, user: &str, passphrase: &str, code: &str) -> Resp {
        let csrf = self.csrf("/login");
        self.post_form(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", user),
                ("passphrase", passphrase),
                ("code", code),
            ],
        )
    }

    fn login(&mut self, c: &mut Creds) {
        let code = c.fresh_code();
        let r = self.try_login(&c.name, &c.passphrase.clone(), &code);
        assert_eq!(r.status, 303, "login: {}", r.text());
        assert_eq!(r.header("location"), Some("/sources"));
    }
}

pub fn assert_failed(r: &Resp, what: &str) {
    assert_eq!(r.status, 401, "{what}: {}", r.text());
    assert!(r.text().contains(LOGIN_FAILED), "{what}: {}", r.text());
}

/// A source submits `files` and a message through the source interface; returns the codename.
pub fn source_submits(server: &Server, message: &str, files: &[(&str, Vec<u8>)]) -> String {
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

pub fn spool_sources(server: &Server) -> Vec<SourceId> {
    Spool::open(&server.spool()).unwrap().sources().unwrap()
}

pub fn all_items(server: &Server) -> Vec<(SourceId, ItemId)> {
    let spool = Spool::open(&server.spool()).unwrap();
    let mut out = Vec::new();
    for s in spool.sources().unwrap() {
        for i in spool.items(&s).unwrap() {
            out.push((s, i));
        }
    }
    out
}

/// The id of the first source linked from the sources page.
pub fn sid_of_page(page: &str) -> String {
    let at = page.find("href=\"/sources/").expect("a source link") + "href=\"/sources/".len();
    page[at..at + 64].to_owned()
}
