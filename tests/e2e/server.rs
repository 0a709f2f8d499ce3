//! The source interface against the real `postern` binary on an ephemeral loopback port.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::http::{Browser, Multipart, codename_of, csrf_of, request};
use crate::support::{Reviewer, Server, bin, content, free_port, run, stderr};

const UA: &str = "Mozilla/5.0 (PosternTestAgent-UA-7f3c2b) Gecko/20100101";

/// Walks landing → codename → home; returns the codename.
fn get_codename(b: &mut Browser) -> String {
    let landing = b.get("/en/");
    assert_eq!(landing.status, 200);
    let page = b.post_form("/en/generate", &[("csrf", &csrf_of(&landing.text()))]);
    assert_eq!(page.status, 200, "{}", page.text());
    codename_of(&page.text())
}

fn submit(b: &mut Browser, mp: impl FnOnce(Multipart) -> Multipart) -> crate::http::Resp {
    let home = b.get("/en/home");
    assert_eq!(home.status, 200, "{}", home.text());
    let form = Multipart::new().text("csrf", &csrf_of(&home.text()));
    b.post_multipart("/en/submit", mp(form))
}

/// Every file under `dir`, recursively.
fn all_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            all_files(&e.path(), out);
        } else {
            out.push(e.path());
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_source_submits_and_the_reviewer_gets_exact_bytes_and_nothing_identifying_is_kept() {
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| c);
    let mut b = Browser::new(server.port, UA);
    let codename = get_codename(&mut b);
    assert_eq!(codename.split(' ').count(), 7);
    // A source exists on disk only from its first submission on.
    assert_eq!(
        fs::read_dir(server.spool().join("sources"))
            .unwrap()
            .count(),
        0
    );
    let home = b.get("/en/home");
    assert!(
        home.text()
            .contains("Nothing has been sent with this codename yet"),
        "{}",
        home.text()
    );

    let message = "MARKER-MESSAGE-41f3 The files are attached. Файлы приложены.";
    let small = content(10_000, 1);
    let big = content(6 * 1024 * 1024 + 7, 2);
    let r = submit(&mut b, |m| {
        m.text("message", message)
            .file("files", "MARKER-FILENAME-9c2e.pdf", &small)
            .file("files", "video-MARKER-FILENAME-77aa.mp4", &big)
    });
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("2 files"), "{}", r.text());

    // Log out, log back in with the codename (sloppily typed), submit again.
    let home = b.get("/en/home");
    let before = b.cookie.clone();
    let out = b.post_form("/en/logout", &[("csrf", &csrf_of(&home.text()))]);
    assert_eq!(out.status, 200);
    assert!(out.text().contains("New Identity"), "{}", out.text());
    assert!(b.cookie.is_none(), "logout removes the cookie");
    let after = b.get("/en/home");
    assert_eq!(
        (after.status, after.header("location")),
        (303, Some("/en/login")),
        "after logout the session is gone"
    );
    let login = b.get("/en/login");
    let typed = format!("  {}  ", codename.to_uppercase());
    let r = b.post_form(
        "/en/login",
        &[("csrf", &csrf_of(&login.text())), ("codename", &typed)],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_ne!(b.cookie, before, "the session id is cycled at login");
    let second = "MARKER-SECOND-5d1e follow-up";
    let r = submit(&mut b, |m| m.text("message", second).file("files", "", b""));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(server.item_count(), 4);

    // The reviewer gets exactly what was sent, from a copy of the spool.
    reviewer.ok(&["trust", &server.signing_pub()]);
    let imported = reviewer.ok(&["import", server.spool().to_str().unwrap()]);
    assert!(
        imported.contains("Imported 4 new item(s) from 1 source(s)"),
        "{imported}"
    );
    let out = tempfile::tempdir().unwrap();
    reviewer.ok(&["extract", "--all", "--to", out.path().to_str().unwrap()]);
    assert!(fs::read(out.path().join("MARKER-FILENAME-9c2e.pdf")).unwrap() == small);
    assert!(fs::read(out.path().join("video-MARKER-FILENAME-77aa.mp4")).unwrap() == big);
    let mut texts: Vec<String> = fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("message-")
        })
        .map(|p| fs::read_to_string(p).unwrap())
        .collect();
    texts.sort();
    assert_eq!(texts, vec![message.to_string(), second.to_string()]);

    // No marker anywhere under the data folder or in the log.
    let log = server.log_text();
    assert!(
        log.contains("route=/{lang}/submit"),
        "the log was written: {log}"
    );
    let mut files = Vec::new();
    all_files(&server.data(), &mut files);
    let markers = [
        codename.as_str(),
        "MARKER-FILENAME-9c2e",
        "MARKER-FILENAME-77aa",
        "MARKER-MESSAGE-41f3",
        "MARKER-SECOND-5d1e",
        "PosternTestAgent-UA-7f3c2b",
        "203.0.113.77",
    ];
    for m in markers {
        assert!(!log.contains(m), "log carries {m:?}");
        for f in &files {
            assert!(
                !contains(&fs::read(f).unwrap(), m.as_bytes()),
                "{} carries {m:?}",
                f.display()
            );
        }
    }
    // The client's address (loopback here) appears only where the operator configured the
    // listener: never in a request's log line, never in the spool.
    for line in log.lines().filter(|l| l.contains("127.0.0.1")) {
        assert!(
            line.contains("source interface listening"),
            "log line carries an address: {line}"
        );
    }
    for f in files.iter().filter(|f| !f.ends_with("postern.toml")) {
        assert!(
            !contains(&fs::read(f).unwrap(), b"127.0.0.1"),
            "{} carries an address",
            f.display()
        );
    }
    // Codename words do not appear in the log either (in any order).
    for w in codename.split(' ') {
        assert!(
            !log.split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
                .any(|t| t == w),
            "log carries a codename word"
        );
    }
}

const ROUTES: &[&str] = &[
    "/",
    "/en/",
    "/ru/",
    "/en/login",
    "/en/home",
    "/en/generate",
    "/en/submit",
    "/en/logout",
    "/static/style.css",
    "/public-key",
    "/metadata",
    "/nope",
    "/xx/",
    "/en/login/../../etc/passwd",
];

fn assert_headers(r: &crate::http::Resp, what: &str) {
    for (name, value) in postern_server_headers() {
        assert_eq!(r.header(name), Some(value), "{what}: header {name}");
    }
    for name in ["server", "x-powered-by", "etag", "last-modified", "date"] {
        assert!(r.header(name).is_none(), "{what}: unexpected header {name}");
    }
}

/// The exact header set the server promises (kept in sync with `web::SECURITY_HEADERS`).
fn postern_server_headers() -> Vec<(&'static str, &'static str)> {
    vec![
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
    ]
}

#[test]
fn every_response_carries_the_exact_header_set() {
    let reviewer = Reviewer::new();
    // A huge disk reserve makes uploads answer 507, so that a 5xx is covered too.
    let server = Server::new(&reviewer.recipient, |c| {
        c.replace(
            "disk_reserve_bytes = 1073741824",
            "disk_reserve_bytes = 18446744073709551615",
        )
    });
    let mut statuses = std::collections::BTreeSet::new();
    for route in ROUTES {
        for method in [
            "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "BREW",
        ] {
            let r = request(server.port, method, route, &[], b"");
            assert_headers(&r, &format!("{method} {route} -> {}", r.status));
            statuses.insert(r.status / 100);
        }
    }
    // A real upload refused for disk space: 507.
    let mut b = Browser::new(server.port, UA);
    get_codename(&mut b);
    let r = submit(&mut b, |m| m.text("message", "hello"));
    assert_eq!(r.status, 507, "{}", r.text());
    assert_headers(&r, "507");
    statuses.insert(5);
    assert_eq!(server.item_count(), 0);
    // Cookies: HttpOnly, SameSite=Strict, Secure, and nothing but a random id.
    let landing = request(server.port, "GET", "/en/", &[], b"");
    let cookie = landing.header("set-cookie").unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    let value = cookie
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("postern=")
        .unwrap();
    assert!(
        value.len() <= 32
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{value}"
    );
    assert!(
        statuses.is_superset(&[2, 3, 4, 5].into_iter().collect()),
        "{statuses:?}"
    );
}

#[test]
fn forged_or_expired_requests_store_nothing() {
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| c);
    let mut b = Browser::new(server.port, UA);
    get_codename(&mut b);
    // Wrong token, and a token that is not the first field.
    let r = b.post_multipart(
        "/en/submit",
        Multipart::new()
            .text("csrf", &"0".repeat(64))
            .text("message", "forged"),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    let home = b.get("/en/home");
    let good = csrf_of(&home.text());
    let r = b.post_multipart(
        "/en/submit",
        Multipart::new()
            .text("message", "forged")
            .text("csrf", &good),
    );
    assert_eq!(r.status, 403);
    // A cross-site form post is refused by the origin check, token or not.
    let (ct, body) = Multipart::new()
        .text("csrf", &good)
        .text("message", "cross-site")
        .finish();
    let r = b.send(
        "POST",
        "/en/submit",
        &[("Content-Type", &ct), ("Sec-Fetch-Site", "cross-site")],
        &body,
    );
    assert_eq!(r.status, 403);
    let r = b.send(
        "POST",
        "/en/submit",
        &[("Content-Type", &ct), ("Origin", "http://evil.example")],
        &body,
    );
    assert_eq!(r.status, 403);
    assert_eq!(server.item_count(), 0);
    assert!(server.temporaries().is_empty());
    // An unknown session cookie (expired, or the server restarted) gets the expired page.
    let mut stale = Browser::new(server.port, UA);
    stale.cookie = Some("AAAAAAAAAAAAAAAAAAAAAA".into());
    let r = stale.get("/en/home");
    assert_eq!(r.status, 401);
    assert!(
        r.text().contains("inactivity") || r.text().contains("expired"),
        "{}",
        r.text()
    );
    // Without any cookie, home sends to the login page.
    let r = request(server.port, "GET", "/en/home", &[], b"");
    assert_eq!((r.status, r.header("location")), (303, Some("/en/login")));
    // Login errors say what is wrong, never echo the input.
    let login = b.get("/en/login");
    let r = b.post_form(
        "/en/login",
        &[
            ("csrf", &csrf_of(&login.text())),
            ("codename", "secretword1 two three"),
        ],
    );
    assert_eq!(r.status, 400);
    assert!(
        r.text().contains("seven words") && !r.text().contains("secretword1"),
        "{}",
        r.text()
    );
}

#[test]
fn oversized_and_interrupted_uploads_leave_nothing() {
    let reviewer = Reviewer::new();
    let mut server = Server::new(&reviewer.recipient, |c| {
        c.replace("max_file_bytes = 2147483648", "max_file_bytes = 1048576")
    });
    let mut b = Browser::new(server.port, UA);
    get_codename(&mut b);

    // Too large: a clear page, and nothing stored (not even the message before it).
    let r = submit(&mut b, |m| {
        m.text("message", "before the big file")
            .file("files", "big.bin", &content(3 << 20, 5))
    });
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(
        r.text().contains("larger than the limit") || r.text().contains("too large"),
        "{}",
        r.text()
    );
    assert_eq!(server.item_count(), 0);
    assert!(server.temporaries().is_empty());

    // The client disconnects halfway through a file.
    let home = b.get("/en/home");
    let (ct, body) = Multipart::new()
        .text("csrf", &csrf_of(&home.text()))
        .text("message", "this message must not be stored")
        .file("files", "half.bin", &content(900_000, 6))
        .finish();
    let mut s = crate::http::connect(server.port);
    let head = format!(
        "POST /en/submit HTTP/1.1\r\nHost: x\r\nCookie: postern={}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n\r\n",
        b.cookie.clone().unwrap(),
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&body[..body.len() / 2]).unwrap();
    s.flush().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    drop(s);
    wait_until(
        || server.temporaries().is_empty(),
        "the temporary of a cut-off upload is removed",
    );
    assert_eq!(server.item_count(), 0);

    // The server is killed mid-upload: it restarts clean, with no partial item.
    let home = b.get("/en/home");
    let (ct, body) = Multipart::new()
        .text("csrf", &csrf_of(&home.text()))
        .file("files", "killed.bin", &content(900_000, 7))
        .finish();
    let mut s = crate::http::connect(server.port);
    let head = format!(
        "POST /en/submit HTTP/1.1\r\nHost: x\r\nCookie: postern={}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n\r\n",
        b.cookie.clone().unwrap(),
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&body[..body.len() - 1000]).unwrap();
    s.flush().unwrap();
    wait_until(
        || !server.temporaries().is_empty(),
        "the upload is being written to a temporary",
    );
    server.kill();
    drop(s);
    assert!(
        !server.temporaries().is_empty(),
        "SIGKILL leaves the temporary behind"
    );
    server.start();
    assert!(
        server.temporaries().is_empty(),
        "startup removes temporaries"
    );
    assert_eq!(server.item_count(), 0);
    assert!(
        server
            .log_text()
            .contains("removed leftovers of interrupted uploads")
    );
}

fn wait_until(mut f: impl FnMut() -> bool, what: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn public_key_metadata_and_languages() {
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| c);
    let r = request(server.port, "GET", "/public-key", &[], b"");
    assert!(r.text().contains(&reviewer.recipient));
    let fp = postern_spool::recipients::fingerprint(&reviewer.recipient.parse().unwrap());
    assert!(r.text().contains(&fp));
    let r = request(server.port, "GET", "/metadata", &[], b"");
    assert_eq!(r.header("content-type"), Some("application/json"));
    let text = r.text();
    for want in [
        "\"organization\":\"Test Newsroom\"",
        "\"languages\":[\"en\",\"ru\",\"uk\",\"be\",\"fa\",\"ar\",\"zh\",\"tr\",\"es\",\"fr\",\"de\"]",
        "\"max_message_chars\":100000",
        &fp,
        &server.signing_pub(),
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
    let ru = request(server.port, "GET", "/ru/", &[], b"");
    assert!(
        ru.text().contains("lang=\"ru\"") && ru.text().contains("Tor Browser"),
        "{}",
        ru.text()
    );
    assert!(
        ru.text().contains("href=\"/en/\""),
        "a language switch link"
    );
    let r = request(server.port, "GET", "/", &[], b"");
    assert_eq!((r.status, r.header("location")), (303, Some("/en/")));
}

#[test]
fn the_server_fails_closed_on_a_dangerous_config() {
    let reviewer = Reviewer::new();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port().to_string();
    let init = |args: &[&str]| {
        run(std::process::Command::new(bin("postern"))
            .arg("init")
            .args(args))
    };
    // No recipient, an invalid one, a secret key, a public listen address.
    let d = data.to_str().unwrap();
    let out = init(&["--data", d]);
    assert!(!out.status.success());
    let out = init(&["--data", d, "--recipient", "age1notakey"]);
    assert!(
        !out.status.success() && stderr(&out).contains("not a valid age"),
        "{}",
        stderr(&out)
    );
    let out = init(&[
        "--data",
        d,
        "--recipient",
        "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
    ]);
    assert!(
        !out.status.success() && stderr(&out).contains("SECRET"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("QQQQQQQQ"),
        "the error does not echo the key"
    );
    let out = init(&[
        "--data",
        d,
        "--recipient",
        &reviewer.recipient,
        "--listen",
        "0.0.0.0:8080",
    ]);
    assert!(
        !out.status.success() && stderr(&out).contains("loopback"),
        "{}",
        stderr(&out)
    );
    assert!(!data.exists(), "nothing was created by refused inits");
    // A good init, then configs made dangerous after the fact.
    let out = init(&[
        "--data",
        d,
        "--recipient",
        &reviewer.recipient,
        "--listen",
        &format!("127.0.0.1:{port}"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let config = data.join("postern.toml");
    let serve = || {
        run(std::process::Command::new(bin("postern"))
            .arg("serve")
            .arg("--config")
            .arg(&config))
    };
    let original = fs::read_to_string(&config).unwrap();
    fs::write(&config, format!("{original}\n# AGE-SECRET-KEY-1ABC\n")).unwrap();
    let out = serve();
    assert!(
        !out.status.success() && stderr(&out).contains("SECRET"),
        "{}",
        stderr(&out)
    );
    fs::write(&config, original.replace(&reviewer.recipient, "age1bogus")).unwrap();
    let out = serve();
    assert!(
        !out.status.success() && stderr(&out).contains("recipient"),
        "{}",
        stderr(&out)
    );
    fs::write(&config, &original).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&data, fs::Permissions::from_mode(0o755)).unwrap();
    let out = serve();
    assert!(
        !out.status.success() && stderr(&out).contains("loose permissions"),
        "{}",
        stderr(&out)
    );
    fs::set_permissions(&data, fs::Permissions::from_mode(0o700)).unwrap();
    fs::set_permissions(
        data.join("spool-signing.key"),
        fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let out = serve();
    assert!(
        !out.status.success() && stderr(&out).contains("loose permissions"),
        "{}",
        stderr(&out)
    );
    // init never overwrites.
    let out = init(&["--data", d, "--recipient", &reviewer.recipient]);
    assert!(
        !out.status.success() && stderr(&out).contains("not empty"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn slow_headers_are_cut_off_and_a_login_flood_never_starves_page_loads() {
    use std::io::Read;
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| {
        c.replace("header_read_seconds = 20", "header_read_seconds = 2")
            .replace("argon2_queue = 64", "argon2_queue = 2")
    });

    // Slowloris: headers that never end are cut off.
    let mut s = crate::http::connect(server.port);
    s.write_all(b"GET /en/ HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = [0u8; 256];
    let n = s.read(&mut buf).unwrap_or(0);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1500) && waited < Duration::from_secs(10),
        "cut off after {waited:?}"
    );
    assert!(
        n == 0 || String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n])
    );

    // A flood of codename requests: the queue overflows into friendly 503s, page loads stay fast.
    let port = server.port;
    let flood: Vec<_> = (0..24)
        .map(|_| {
            std::thread::spawn(move || {
                let mut b = Browser::new(port, UA);
                let landing = b.get("/en/");
                let r = b.post_form("/en/generate", &[("csrf", &csrf_of(&landing.text()))]);
                (r.status, r.text())
            })
        })
        .collect();
    let mut slowest = Duration::ZERO;
    for _ in 0..10 {
        let t = std::time::Instant::now();
        let r = request(port, "GET", "/en/login", &[], b"");
        assert_eq!(r.status, 200);
        slowest = slowest.max(t.elapsed());
    }
    let results: Vec<(u16, String)> = flood.into_iter().map(|h| h.join().unwrap()).collect();
    let ok = results.iter().filter(|(s, _)| *s == 200).count();
    let busy: Vec<_> = results.iter().filter(|(s, _)| *s == 503).collect();
    assert!(
        ok >= 1 && !busy.is_empty() && ok + busy.len() == results.len(),
        "statuses: {:?}",
        results.iter().map(|r| r.0).collect::<Vec<_>>()
    );
    assert!(busy[0].1.contains("try again"), "{}", busy[0].1);
    assert!(
        slowest < Duration::from_secs(2),
        "a page load took {slowest:?} during the flood"
    );
}
