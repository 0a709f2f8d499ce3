//! The web behaviour that needs no socket, in process: both interfaces' routers from
//! `web::source::app` and `web::journalist::app`, driven with `tower::ServiceExt::oneshot`.
//! Every route × method gets the exact header set (one named test per route), CSRF is enforced
//! on every form, error pages are pages, and the session rules hold.
//! (What needs the real binary, the `Date` header that hyper would add and the socket
//! handling, stays in the end-to-end tests.)

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use postern_server::clock::FixedClock;
use postern_server::config::{Config, Limits};
use postern_server::storage::index::SpoolIndex;
use postern_server::storage::journalist_state::JournalistStates;
use postern_server::web::{journalist, source};
use postern_spool::derive::KdfParams;
use postern_spool::spool::Spool;
use tower::ServiceExt;

/// The header set every response must carry, written out here (not read from the server) so
/// that a change to the server's list fails this test.
pub const EXPECTED_HEADERS: &[(&str, &str)] = &[
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

const FORBIDDEN: &[&str] = &["server", "x-powered-by", "etag", "last-modified", "date"];

const METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "BREW",
];

/// 2026-12-01, noon.
const NOW: u64 = 20_788 * 86_400 + 43_200;

/// A data folder made by `postern init`, with cheap Argon2, and the two interfaces' routers.
pub struct Harness {
    _dir: tempfile::TempDir,
    pub data: std::path::PathBuf,
    pub source: Router,
    pub journalist: Router,
    /// The newsroom's recipients (one X25519 key).
    pub recipients: postern_spool::recipients::Recipients,
    /// The spool's own signing key, public half.
    pub server_key: postern_spool::keys::VerifyingKey,
    /// The newsroom's reply-signing key, pinned on the server ([`Harness::with_newsroom`]).
    pub newsroom: Option<postern_spool::keys::SigningKey>,
}

impl Harness {
    pub fn new(edit: impl FnOnce(&mut Limits)) -> Harness {
        Harness::with(edit, |_| {})
    }

    pub fn with(
        edit: impl FnOnce(&mut Limits),
        journalist: impl FnOnce(&mut postern_server::config::JournalistListener),
    ) -> Harness {
        Harness::build(edit, journalist, false)
    }

    /// As [`Harness::new`], with a newsroom reply-signing key pinned: replies can be made with
    /// [`Harness::newsroom`], imported and shown.
    pub fn with_newsroom(edit: impl FnOnce(&mut Limits)) -> Harness {
        Harness::build(edit, |_| {}, true)
    }

    fn build(
        edit: impl FnOnce(&mut Limits),
        journalist: impl FnOnce(&mut postern_server::config::JournalistListener),
        newsroom: bool,
    ) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mut limits = Limits {
            argon2_m_kib: KdfParams::INSECURE_FAST_FOR_TESTS.m_kib,
            argon2_t: KdfParams::INSECURE_FAST_FOR_TESTS.t,
            argon2_p: KdfParams::INSECURE_FAST_FOR_TESTS.p,
            ..Limits::default()
        };
        edit(&mut limits);
        let recipient = age::x25519::Identity::generate().to_public().to_string();
        let path = postern_server::commands::init::init_with(
            &data,
            &[recipient],
            "Test newsroom",
            "127.0.0.1:1",
            limits,
            true,
        )
        .unwrap();
        let newsroom = newsroom.then(|| {
            let key = postern_spool::keys::SigningKey::generate(&mut rand::rng());
            postern_server::storage::replies::trust_newsroom(
                &data,
                &key.verifying_key().to_string(),
                false,
            )
            .unwrap();
            key
        });
        let mut cfg = Config::load(&path).unwrap();
        let recipients = cfg.recipients.clone();
        let server_key = cfg.signing_key.verifying_key();
        let auth = dir.path().join("authorized_clients");
        std::fs::create_dir(&auth).unwrap();
        let key = postern_server::storage::accounts::ClientAuthKey::generate();
        std::fs::write(auth.join("alice.auth"), key.auth_line()).unwrap();
        let mut section = postern_server::config::JournalistListener {
            listen: "127.0.0.1:2".into(),
            cookie_secure: true,
            authorized_clients_dir: auth,
            lockout_seconds: 60,
            session_idle_seconds: 900,
            session_max_hours: 8,
            max_sessions: 1000,
            proxy_protocol: false,
        };
        journalist(&mut section);
        cfg.file.journalist = Some(section);
        let clock: Arc<dyn postern_server::clock::Clock> = Arc::new(FixedClock(NOW));
        let index = Arc::new(SpoolIndex::new(
            Spool::open(&cfg.spool_dir()).unwrap(),
            cfg.signing_key.verifying_key(),
        ));
        let states = Arc::new(JournalistStates::new(&cfg.file.data_dir));
        let j = journalist::prepare(&cfg, index, states, clock.clone())
            .unwrap()
            .unwrap();
        let state = source::build_state(cfg, clock).unwrap();
        Harness {
            _dir: dir,
            data,
            source: source::app(state, true),
            journalist: journalist::app(j.state),
            recipients,
            server_key,
            newsroom,
        }
    }
}

/// One response, read whole.
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends one request to `app`.
pub async fn send(
    app: &Router,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut b = Request::builder().method(method).uri(path);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let res: Response<Body> = app
        .clone()
        .oneshot(b.body(Body::from(body.to_vec())).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub fn assert_headers(r: &Resp, case: &str) {
    for (name, value) in EXPECTED_HEADERS {
        assert_eq!(r.header(name), Some(*value), "{case}: header {name}");
    }
    for name in FORBIDDEN {
        assert!(r.header(name).is_none(), "{case}: unexpected header {name}");
    }
}

/// A browser: keeps the session cookie.
pub struct Browser<'a> {
    app: &'a Router,
    /// The session cookie (`name=value`).
    cookie: Option<String>,
    /// Any other cookie (the anonymous forms' token cookie), by name.
    others: std::collections::BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a Router) -> Browser<'a> {
        Browser {
            app,
            cookie: None,
            others: Default::default(),
        }
    }

    /// The `Cookie` header this browser sends, if any.
    pub fn cookie_header(&self) -> Option<String> {
        let all: Vec<String> = self
            .cookie
            .iter()
            .cloned()
            .chain(self.others.values().cloned())
            .collect();
        (!all.is_empty()).then(|| all.join("; "))
    }

    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Resp {
        let mut h: Vec<(&str, &str)> = headers.to_vec();
        let cookie = self.cookie_header();
        if let Some(c) = cookie.as_deref() {
            h.push(("cookie", c));
        }
        let r = send(self.app, method, path, &h, body).await;
        for c in r.headers.get_all("set-cookie") {
            let c = c.to_str().unwrap();
            let pair = c.split(';').next().unwrap().to_owned();
            let name = pair.split('=').next().unwrap().to_owned();
            // A cookie set to expire removes it.
            let gone = c.contains("Max-Age=0") || pair.ends_with('=');
            if name.ends_with("-form") || name == journalist::LANG_COOKIE {
                if gone {
                    self.others.remove(&name);
                } else {
                    self.others.insert(name, pair);
                }
            } else if gone {
                self.cookie = None;
            } else {
                self.cookie = Some(pair);
            }
        }
        r
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.send("GET", path, &[], b"").await
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", pct(v)))
            .collect();
        self.send(
            "POST",
            path,
            &[("content-type", "application/x-www-form-urlencoded")],
            body.join("&").as_bytes(),
        )
        .await
    }
}

fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The CSRF token in a page's first form.
pub fn csrf_of(html: &str) -> String {
    let i = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[i..i + 64].to_owned()
}

/// One named test per source route: every method gets the exact header set.
macro_rules! source_headers {
    ($($name:ident => $route:expr),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let h = Harness::new(|_| {});
            for method in METHODS {
                let r = send(&h.source, method, $route, &[], b"").await;
                assert_headers(&r, &format!("source {method} {} -> {}", $route, r.status));
            }
        }
    )*};
}

mod source_headers {
    use super::*;
    source_headers! {
        root => "/",
        landing_en => "/en/",
        landing_ru => "/ru/",
        safety => "/fa/safety",
        large => "/zh/large",
        login => "/en/login",
        home => "/en/home",
        generate => "/en/generate",
        submit => "/en/submit",
        logout => "/en/logout",
        replies_delete => "/en/replies/delete",
        stylesheet => "/static/style.css",
        public_key => "/public-key",
        metadata => "/metadata",
        api_login => "/api/v1/login",
        uploads => "/api/v1/uploads",
        upload => "/api/v1/uploads/00000000000000000000000000000000",
        unknown_page => "/nope",
        unknown_language => "/xx/",
        dot_dot => "/en/login/../../etc/passwd",
    }
}

/// One named test per journalist route.
macro_rules! journalist_headers {
    ($($name:ident => $route:expr),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let h = Harness::new(|_| {});
            for method in METHODS {
                let r = send(&h.journalist, method, $route, &[], b"").await;
                assert_headers(&r, &format!("journalist {method} {} -> {}", $route, r.status));
            }
        }
    )*};
}

mod journalist_headers {
    use super::*;
    const SID: &str = "0000000000000000000000000000000000000000000000000000000000000000";
    journalist_headers! {
        root => "/",
        login => "/login",
        logout => "/logout",
        language => "/language",
        stylesheet => "/static/style.css",
        sources => "/sources",
        source => &format!("/sources/{SID}"),
        star => &format!("/sources/{SID}/star"),
        seen => &format!("/sources/{SID}/seen"),
        delete_source => &format!("/sources/{SID}/delete"),
        item => &format!("/sources/{SID}/items/00000000000000000000000000000000"),
        delete_item => &format!("/sources/{SID}/items/00000000000000000000000000000000/delete"),
        delete_upload => &format!("/sources/{SID}/uploads/00000000000000000000000000000000/delete"),
        bundle => "/bundle",
        replies => "/replies",
        unknown => "/nope",
    }
}

/// A new source, logged in with a fresh codename; returns the home page's CSRF token.
pub async fn new_source(b: &mut Browser<'_>) -> String {
    let landing = b.get("/en/").await;
    let r = b
        .post_form("/en/generate", &[("csrf", &csrf_of(&landing.body))])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    csrf_of(&b.get("/en/home").await.body)
}

pub fn multipart(fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "postern-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn every_status_class_carries_the_header_set() {
    // A huge disk reserve makes uploads answer 507, so that a 5xx is covered too.
    let h = Harness::new(|l| l.disk_reserve_bytes = u64::MAX);
    let mut seen = std::collections::BTreeSet::new();
    for (path, want) in [("/en/", 200), ("/", 303), ("/nope", 404)] {
        let r = send(&h.source, "GET", path, &[], b"").await;
        assert_eq!(r.status.as_u16(), want, "GET {path}");
        assert_headers(&r, path);
        seen.insert(want / 100);
    }
    let mut b = Browser::new(&h.source);
    let csrf = new_source(&mut b).await;
    let (ct, body) = multipart(&[("csrf", &csrf), ("message", "hello")]);
    let r = b
        .send("POST", "/en/submit", &[("content-type", &ct)], &body)
        .await;
    assert_eq!(r.status, StatusCode::INSUFFICIENT_STORAGE, "{}", r.body);
    assert_headers(&r, "507");
    seen.insert(5);
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), vec![2, 3, 4, 5]);
}

#[tokio::test]
async fn the_session_cookie_is_strict_and_carries_only_a_random_id() {
    let h = Harness::new(|_| {});
    // An anonymous page sets only the forms' nonce cookie (no session exists before a login).
    let r = send(&h.source, "GET", "/en/", &[], b"").await;
    let cookies: Vec<&str> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    let form = cookies[0];
    for attr in [
        "HttpOnly",
        "SameSite=Strict",
        "Secure",
        "Path=/",
        "Max-Age=3600",
    ] {
        assert!(form.contains(attr), "{form}");
    }
    let nonce = form
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("postern-form=")
        .unwrap();
    assert!(
        nonce.len() == 64 && nonce.chars().all(|c| c.is_ascii_hexdigit()),
        "{nonce}"
    );
    assert!(!r.body.contains(nonce), "the page's token is not the nonce");
    // The session cookie, made at codename generation.
    let mut b = Browser::new(&h.source);
    new_source(&mut b).await;
    let session = b.cookie.clone().unwrap();
    let value = session.strip_prefix("postern=").unwrap();
    assert!(
        value.len() <= 32
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{value}"
    );
    let r = b.get("/en/home").await;
    let cookie = r.header("set-cookie").unwrap();
    assert!(cookie.starts_with("postern="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
}

mod csrf {
    use super::*;

    /// Each state-changing form of the source interface, without a token, with a wrong one,
    /// and from another site: refused with the error page.
    macro_rules! refused {
        ($($name:ident => $path:expr),* $(,)?) => {$(
            #[tokio::test]
            async fn $name() {
                let h = Harness::new(|_| {});
                let mut b = Browser::new(&h.source);
                let good = new_source(&mut b).await;
                for (case, fields, extra) in [
                    ("no token", vec![], vec![]),
                    ("wrong token", vec![("csrf", "0".repeat(64))], vec![]),
                    ("cross-site", vec![("csrf", good.clone())], vec![("sec-fetch-site", "cross-site")]),
                    ("foreign origin", vec![("csrf", good.clone())], vec![("origin", "http://evil.example")]),
                ] {
                    let body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
                    headers.extend(extra);
                    let r = b.send("POST", $path, &headers, body.join("&").as_bytes()).await;
                    assert_eq!(r.status, StatusCode::FORBIDDEN, "{} {case}: {}", $path, r.body);
                    assert!(r.body.contains("<html"), "{} {case}: an error page", $path);
                }
                // The session survived every refusal: the source is still logged in.
                assert_eq!(b.get("/en/home").await.status, StatusCode::OK);
            }
        )*};
    }

    refused! {
        logout => "/en/logout",
        generate => "/en/generate",
        login => "/en/login",
        replies_delete => "/en/replies/delete",
    }

    #[tokio::test]
    async fn a_submission_whose_token_is_not_the_first_field_is_refused() {
        let h = Harness::new(|_| {});
        let mut b = Browser::new(&h.source);
        let good = new_source(&mut b).await;
        for (case, fields) in [
            (
                "wrong token",
                vec![("csrf", "0".repeat(64)), ("message", "forged".into())],
            ),
            (
                "token second",
                vec![("message", "forged".into()), ("csrf", good.clone())],
            ),
        ] {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (ct, body) = multipart(&f);
            let r = b
                .send("POST", "/en/submit", &[("content-type", &ct)], &body)
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{case}: {}", r.body);
        }
    }

    #[tokio::test]
    async fn journalist_forms_need_the_token() {
        let h = Harness::new(|_| {});
        let mut b = Browser::new(&h.journalist);
        let page = b.get("/login").await;
        assert_eq!(page.status, StatusCode::OK);
        for (case, fields) in [
            ("no token", vec![("username", "alice")]),
            ("wrong token", vec![("csrf", "x"), ("username", "alice")]),
        ] {
            let r = b.post_form("/login", &fields).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{case}: {}", r.body);
        }
        let r = b
            .send("POST", "/login", &[("sec-fetch-site", "cross-site")], b"")
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

mod error_pages {
    use super::*;

    #[tokio::test]
    async fn an_unknown_language_or_page_is_a_404_page() {
        let h = Harness::new(|_| {});
        for path in ["/xx/", "/xx/login", "/nope", "/en/nope"] {
            let r = send(&h.source, "GET", path, &[], b"").await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
            assert!(
                r.body.contains("<html") && r.body.contains("404"),
                "{path}: {}",
                r.body
            );
            assert_eq!(
                r.header("content-type"),
                Some("text/html; charset=utf-8"),
                "{path}"
            );
        }
    }

    #[tokio::test]
    async fn a_malformed_form_is_a_400_page_in_the_visitors_language() {
        let h = Harness::new(|_| {});
        let mut b = Browser::new(&h.source);
        new_source(&mut b).await;
        let r = b
            .send(
                "POST",
                "/ru/replies/delete",
                &[("content-type", "application/json")],
                b"{}",
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("lang=\"ru\""), "{}", r.body);
    }

    #[tokio::test]
    async fn journalist_errors_are_pages() {
        let h = Harness::new(|_| {});
        let r = send(&h.journalist, "GET", "/nope", &[], b"").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.body.contains("There is no such page."), "{}", r.body);
    }
}

mod sessions {
    use super::*;

    #[tokio::test]
    async fn a_page_that_needs_a_login_redirects_or_says_expired() {
        let h = Harness::new(|_| {});
        // No cookie: the login page.
        let r = send(&h.source, "GET", "/en/home", &[], b"").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.header("location"), Some("/en/login"));
        // A cookie the server does not know (expired): the "session expired" page.
        let r = send(
            &h.source,
            "GET",
            "/ru/home",
            &[("cookie", "postern=abc")],
            b"",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        assert!(r.body.contains("lang=\"ru\""));
    }

    #[tokio::test]
    async fn login_replaces_the_session_id_and_logout_ends_it() {
        let h = Harness::new(|_| {});
        let mut b = Browser::new(&h.source);
        // No session before a login; a second login from the same browser gets a new id.
        b.get("/en/").await;
        assert!(b.cookie.is_none(), "an anonymous page makes no session");
        new_source(&mut b).await;
        let before = b.cookie.clone().unwrap();
        let csrf = new_source(&mut b).await;
        let after = b.cookie.clone().unwrap();
        assert_ne!(before, after, "a new session id at login (no fixation)");
        // The old id is worthless now.
        let r = send(&h.source, "GET", "/en/home", &[("cookie", &before)], b"").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let r = b.post_form("/en/logout", &[("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::OK);
        let r = send(&h.source, "GET", "/en/home", &[("cookie", &after)], b"").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "logged out for good");
    }

    /// Only `GET /`, `GET /login`, `POST /login`, `POST /language` (which still needs the login
    /// page's CSRF token) and the stylesheet answer a journalist without a session; everything
    /// else sends them to the login page.
    #[tokio::test]
    async fn the_journalist_interface_is_closed_without_a_session() {
        let h = Harness::new(|_| {});
        const SID: &str = "0000000000000000000000000000000000000000000000000000000000000000";
        let closed = [
            ("GET", "/sources".to_owned()),
            ("GET", format!("/sources/{SID}")),
            ("POST", format!("/sources/{SID}/star")),
            ("POST", format!("/sources/{SID}/seen")),
            ("POST", format!("/sources/{SID}/delete")),
            (
                "GET",
                format!("/sources/{SID}/items/00000000000000000000000000000000"),
            ),
            (
                "POST",
                format!("/sources/{SID}/items/00000000000000000000000000000000/delete"),
            ),
            (
                "POST",
                format!("/sources/{SID}/uploads/00000000000000000000000000000000/delete"),
            ),
            ("POST", "/bundle".to_owned()),
            ("POST", "/replies".to_owned()),
            ("POST", "/logout".to_owned()),
        ];
        for (method, path) in &closed {
            let r = send(&h.journalist, method, path, &[], b"").await;
            assert_eq!(
                r.status,
                StatusCode::SEE_OTHER,
                "{method} {path}: {}",
                r.body
            );
            assert_eq!(r.header("location"), Some("/login"), "{method} {path}");
        }
        for (method, path, want) in [
            ("GET", "/", StatusCode::SEE_OTHER),
            ("GET", "/login", StatusCode::OK),
            ("GET", "/static/style.css", StatusCode::OK),
            ("POST", "/language", StatusCode::FORBIDDEN),
        ] {
            let r = send(&h.journalist, method, path, &[], b"").await;
            assert_eq!(r.status, want, "{method} {path}");
        }
    }
}

/// Makes the account `name` and logs it in; returns the sources page's CSRF token.
pub async fn journalist_login(h: &Harness, b: &mut Browser<'_>, name: &str) -> String {
    use postern_server::storage::accounts::{AccountStore, new_credentials};
    let (account, creds) = new_credentials(name, KdfParams::INSECURE_FAST_FOR_TESTS).unwrap();
    AccountStore::new(&h.data).save(&account).unwrap();
    let code = account.totp().unwrap().generate(NOW).to_string();
    let page = b.get("/login").await;
    let r = b
        .post_form(
            "/login",
            &[
                ("csrf", csrf_of(&page.body).as_str()),
                ("username", name),
                ("passphrase", creds.passphrase.as_str()),
                ("code", code.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "login: {}", r.body);
    let sources = b.get("/sources").await;
    assert_eq!(sources.status, StatusCode::OK, "{}", sources.body);
    csrf_of(&sources.body)
}

#[tokio::test]
async fn journalist_sessions_live_while_active_and_end_when_idle() {
    let h = Harness::with(|_| {}, |j| j.session_idle_seconds = 2);
    let mut b = Browser::new(&h.journalist);
    journalist_login(&h, &mut b, "alice").await;
    for i in 0..3 {
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        let r = b.get("/sources").await;
        assert_eq!(r.status, StatusCode::OK, "activity keeps it alive ({i})");
    }
    tokio::time::sleep(std::time::Duration::from_millis(3000)).await;
    let r = b.get("/sources").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert!(r.body.contains("Session ended"), "{}", r.body);
}

/// A config whose `[limits]` hold a value out of its range does not load, and the error names
/// the key and its range (`postern serve` and `postern check` both load it so).
#[test]
fn a_config_with_a_limit_out_of_range_does_not_load() {
    for (edit, want) in [
        (
            (|l: &mut Limits| l.max_tracked_circuits = 0) as fn(&mut Limits),
            "limits.max_tracked_circuits must be between 1 and 65536",
        ),
        (
            |l: &mut Limits| l.max_tracked_circuits = 65_537,
            "limits.max_tracked_circuits must be between 1 and 65536",
        ),
        (
            |l: &mut Limits| l.max_connections = 0,
            "limits.max_connections must be between 1 and 1000000",
        ),
        (
            |l: &mut Limits| l.upload_rate_window_seconds = 0,
            "limits.upload_rate_window_seconds must be between 1 and 3600",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut limits = Limits::default();
        edit(&mut limits);
        let recipient = age::x25519::Identity::generate().to_public().to_string();
        let path = postern_server::commands::init::init_with(
            &dir.path().join("data"),
            &[recipient],
            "Test newsroom",
            "127.0.0.1:1",
            limits,
            true,
        )
        .unwrap();
        let e = match Config::load(&path) {
            Ok(_) => panic!("loaded a config with {want:?} broken"),
            Err(e) => format!("{e:#}"),
        };
        assert!(e.contains(want), "{e}");
    }
}
