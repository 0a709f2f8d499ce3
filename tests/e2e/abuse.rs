//! Abuse resistance against the real `postern` binary on loopback: one named test per class,
//! each asserting the status, the time to answer, a ceiling on the server's RSS (read from
//! `/proc`), and that a real source still gets in and submits. Counts and times are small: these
//! tests check bounds, the `abuse-bench` benchmark measures them.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::http::{Browser, Multipart, connect, csrf_of};
use crate::support::Server;

const UA: &str = "Mozilla/5.0 (PosternAbuseTest) Gecko/20100101";
const RECIPIENT: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

/// `key = value` in the config's `[limits]`, replacing the value written by `postern init`.
fn set(config: String, key: &str, value: &str) -> String {
    let mut out = String::new();
    for line in config.lines() {
        if line.split('=').next().map(str::trim) == Some(key) {
            out.push_str(&format!("{key} = {value}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The pid of the `postern serve` whose config is `server.config`.
fn pid_of(server: &Server) -> u32 {
    let want = server.config.to_string_lossy().into_owned();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains(" serve ") && cmd.contains(&want) {
            return pid;
        }
    }
    panic!("no server process");
}

/// The server's resident set, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

const RSS_CEILING_KIB: u64 = 128 * 1024;

/// A real source: gets a codename, and submits a message.
fn source_submits(port: u16) {
    let mut b = Browser::new(port, UA);
    let landing = b.get("/en/");
    assert_eq!(landing.status, 200);
    let page = b.post_form("/en/generate", &[("csrf", &csrf_of(&landing.text()))]);
    assert_eq!(page.status, 200, "{}", page.text());
    let home = b.get("/en/home");
    assert_eq!(home.status, 200);
    let form = Multipart::new()
        .text("csrf", &csrf_of(&home.text()))
        .text("message", "still here");
    let r = b.post_multipart("/en/submit", form);
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn connections_over_the_cap_are_closed_at_once_and_the_fd_budget_is_logged() {
    let server = Server::new(RECIPIENT, |c| {
        let c = set(c, "max_connections", "16");
        set(c, "header_read_seconds", "20")
    });
    let pid = pid_of(&server);
    // Logged just after the listener is bound, which is when `Server::new` returns.
    let logged = Instant::now();
    while !server.log_text().contains("descriptor budget") {
        assert!(
            logged.elapsed() < Duration::from_secs(5),
            "{}",
            server.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The soft descriptor limit was raised to the hard one.
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    let nums: Vec<&str> = line.split_whitespace().skip(3).take(2).collect();
    assert_eq!(nums.first(), nums.get(1), "{line}");
    // 16 connections take every slot (each answered once, so surely accepted, then idle
    // with keep-alive); 48 more are closed at once, unanswered.
    let idle: Vec<TcpStream> = (0..16)
        .map(|_| {
            let mut s = connect(server.port);
            s.write_all(b"GET /en/ HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            let mut buf = [0u8; 12];
            s.read_exact(&mut buf).unwrap();
            assert_eq!(&buf, b"HTTP/1.1 200");
            s
        })
        .collect();
    let start = Instant::now();
    let mut over = Vec::new();
    for _ in 0..48 {
        let mut s = connect(server.port);
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let _ = s.write_all(b"GET /en/ HTTP/1.1\r\nHost: x\r\n\r\n");
        let mut buf = [0u8; 64];
        let n = s.read(&mut buf).unwrap_or(0);
        assert_eq!(n, 0, "closed without an answer");
        over.push(s);
    }
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert!(
        fds(pid) < 16 + 48,
        "the server holds {} descriptors",
        fds(pid)
    );
    assert!(rss_kib(pid) < RSS_CEILING_KIB, "{} KiB", rss_kib(pid));
    // Once the idle ones go, a real source gets in.
    drop(over);
    drop(idle);
    std::thread::sleep(Duration::from_millis(200));
    source_submits(server.port);
}

#[test]
fn a_client_that_never_reads_loses_its_connection() {
    let server = Server::new(RECIPIENT, |c| set(c, "write_timeout_seconds", "1"));
    let pid = pid_of(&server);
    let baseline = fds(pid);
    // Many pipelined requests, and never a read: far more response than socket buffers hold.
    let mut s = connect(server.port);
    let one = b"GET /en/ HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut burst = Vec::new();
    for _ in 0..20_000 {
        burst.extend_from_slice(one);
    }
    s.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
    let start = Instant::now();
    let _ = s.write_all(&burst);
    // The server closes its end (its descriptor goes) although this client never reads.
    let mut closed = false;
    while start.elapsed() < Duration::from_secs(30) {
        if fds(pid) <= baseline {
            closed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(
        closed,
        "the connection is still open after {:?}",
        start.elapsed()
    );
    assert!(rss_kib(pid) < RSS_CEILING_KIB, "{} KiB", rss_kib(pid));
    drop(s);
    source_submits(server.port);
}

#[test]
fn huge_api_login_bodies_are_refused_at_one_kib() {
    let server = Server::new(RECIPIENT, |c| c);
    let pid = pid_of(&server);
    let start = Instant::now();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let port = server.port;
            std::thread::spawn(move || {
                let mut s = connect(port);
                s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
                let head = format!(
                    "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
                    256u64 << 20
                );
                s.write_all(head.as_bytes()).unwrap();
                // Up to 16 MiB of it (the server answers long before).
                let chunk = vec![b'a'; 1 << 16];
                for _ in 0..256 {
                    if s.write_all(&chunk).is_err() {
                        break;
                    }
                }
                let mut buf = [0u8; 12];
                let _ = s.read(&mut buf);
                String::from_utf8_lossy(&buf).into_owned()
            })
        })
        .collect();
    for h in handles {
        let head = h.join().unwrap();
        assert!(head.starts_with("HTTP/1.1 413"), "{head:?}");
    }
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert!(rss_kib(pid) < RSS_CEILING_KIB, "{} KiB", rss_kib(pid));
    source_submits(server.port);
}

/// The lines of a server log that describe one request (the opt-in request log's format).
fn request_lines(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains("route=") || l.contains("status=") || l.contains(" request"))
        .collect()
}

#[test]
fn the_default_log_has_no_line_per_request() {
    let server = Server::new(RECIPIENT, |c| c);
    source_submits(server.port);
    for path in ["/en/", "/nope", "/static/style.css", "/en/home"] {
        let _ = crate::http::request(server.port, "GET", path, &[], b"");
    }
    let log = server.log_text();
    assert!(
        log.contains("descriptor budget"),
        "the log was written: {log}"
    );
    assert!(request_lines(&log).is_empty(), "{log}");
    // Opted in with the config key, each request is a line,
    // and the server warns that it is on.
    let server = Server::new(RECIPIENT, |c| format!("debug_request_log = true\n{c}"));
    source_submits(server.port);
    let log = server.log_text();
    assert!(log.contains("debug request logging is on"), "{log}");
    assert!(request_lines(&log).len() >= 4, "{log}");
}

/// Sends `raw` on a fresh connection and reads until the server closes it (10 s at most).
fn raw_exchange(port: u16, raw: &[u8]) -> (String, Duration) {
    let mut s = connect(port);
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let start = Instant::now();
    let _ = s.write_all(raw);
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    (String::from_utf8_lossy(&out).into_owned(), start.elapsed())
}

/// hyper's own answers (400, 414, 431, and the header timeout's) either carry the whole header
/// set or do not exist: the connection is closed unanswered. A good request on the same server
/// (and one with `Expect: 100-continue`) is still answered with the set.
#[test]
fn requests_hyper_refuses_are_closed_or_carry_the_header_set() {
    let server = Server::new(RECIPIENT, |c| set(c, "header_read_seconds", "1"));
    let long_uri = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
    let big_headers = format!(
        "GET /en/ HTTP/1.1\r\nHost: x\r\n{}\r\n",
        "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(2_000)
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("400 bad request line", b"GARBAGE\r\n\r\n".to_vec()),
        (
            "400 bad header",
            b"GET /en/ HTTP/1.1\r\nHost x\r\n\r\n".to_vec(),
        ),
        (
            "400 bad version",
            b"GET /en/ HTTP/9.9\r\nHost: x\r\n\r\n".to_vec(),
        ),
        ("414 long uri", long_uri.into_bytes()),
        ("431 big headers", big_headers.into_bytes()),
        (
            "408 header timeout",
            b"GET /en/ HTTP/1.1\r\nHost: x\r\n".to_vec(),
        ),
        (
            "400 after a good request",
            b"GET /en/ HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n".to_vec(),
        ),
    ];
    for (case, raw) in cases {
        let (answer, took) = raw_exchange(server.port, &raw);
        assert!(took < Duration::from_secs(5), "{case}: {took:?}");
        // Every response head in the answer (one per request hyper handed to the app, none
        // of its own) carries the header set.
        let heads: Vec<&str> = answer
            .split("HTTP/1.1 ")
            .skip(1)
            .map(|r| r.split("\r\n\r\n").next().unwrap_or(""))
            .collect();
        for head in &heads {
            let lower = head.to_ascii_lowercase();
            for name in [
                "content-security-policy",
                "x-content-type-options",
                "cache-control",
            ] {
                assert!(
                    lower.contains(name),
                    "{case}: a head without {name}: {head}"
                );
            }
        }
        let want = usize::from(case == "400 after a good request");
        assert_eq!(heads.len(), want, "{case}: {answer:?}");
    }
    let (answer, _) = raw_exchange(
        server.port,
        b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nhello",
    );
    assert!(answer.contains("content-security-policy"), "{answer:?}");
    source_submits(server.port);
}

/// `[source] proxy_protocol = true`, cheap Argon2 (the point is the limiter, not the KDF), and
/// `max_connections_per_circuit`.
fn proxied(config: String, per_circuit: &str) -> String {
    let c = set(config, "proxy_protocol", "true");
    let c = set(c, "argon2_m_kib", "64");
    let c = set(c, "argon2_t", "1");
    set(c, "max_connections_per_circuit", per_circuit)
}

/// A connection that starts with tor's PROXY header for `circuit`.
fn on_circuit(port: u16, circuit: u32) -> TcpStream {
    let mut s = connect(port);
    let line = format!(
        "PROXY TCP6 fc00:dead:beef:4dad::{:x}:{:x} ::1 65535 80\r\n",
        circuit >> 16,
        circuit & 0xffff
    );
    s.write_all(line.as_bytes()).unwrap();
    s
}

/// A browser's exchange on `circuit`: the cookie it keeps (the forms' nonce, then the
/// session) and one request per connection.
struct CircuitBrowser {
    port: u16,
    circuit: u32,
    cookies: Vec<String>,
}

impl CircuitBrowser {
    fn send(&mut self, method: &str, path: &str, form: &[(&str, &str)]) -> crate::http::Resp {
        let body: Vec<String> = form.iter().map(|(k, v)| format!("{k}={v}")).collect();
        self.send_body(
            method,
            path,
            "application/x-www-form-urlencoded",
            body.join("&").as_bytes(),
        )
    }

    fn send_body(
        &mut self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> crate::http::Resp {
        let cookie = self.cookies.join("; ");
        let mut headers = vec![("Content-Type", content_type)];
        if !cookie.is_empty() {
            headers.push(("Cookie", &cookie));
        }
        let r = crate::http::request_over(
            on_circuit(self.port, self.circuit),
            "x",
            method,
            path,
            &headers,
            body,
        );
        if let Some(sc) = r.header("set-cookie") {
            for line in sc.lines() {
                let pair = line.split(';').next().unwrap_or("").to_owned();
                let name = pair.split('=').next().unwrap_or("").to_owned();
                self.cookies.retain(|c| !c.starts_with(&format!("{name}=")));
                if !line.contains("Max-Age=0") {
                    self.cookies.push(pair);
                }
            }
        }
        r
    }

    /// Gets a codename (one Argon2 derivation): the status of the generate post.
    fn generate(&mut self) -> (u16, String) {
        let landing = self.send("GET", "/en/", &[]);
        assert_eq!(landing.status, 200, "{}", landing.text());
        let r = self.send(
            "POST",
            "/en/generate",
            &[("csrf", &csrf_of(&landing.text()))],
        );
        let codename = if r.status == 200 {
            crate::http::codename_of(&r.text())
        } else {
            String::new()
        };
        (r.status, codename)
    }
}

/// With `proxy_protocol`, a connection without tor's header, or with a malformed or endless
/// one, is closed unanswered; with it, pages are served, and one circuit's connections are
/// capped without touching another's.
#[test]
fn the_proxy_header_is_required_and_connections_are_capped_per_circuit() {
    let server = Server::new(RECIPIENT, |c| {
        let c = proxied(c, "4");
        set(c, "header_read_seconds", "2")
    });
    let pid = pid_of(&server);
    for (case, raw) in [
        (
            "no header",
            b"GET /en/ HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        ),
        (
            "TCP4",
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nGET /en/ HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        ),
        ("endless", vec![b'P'; 4096]),
        ("silence", Vec::new()),
    ] {
        let (answer, took) = raw_exchange(server.port, &raw);
        assert_eq!(answer, "", "{case}");
        assert!(took < Duration::from_secs(5), "{case}: {took:?}");
    }
    let mut s = on_circuit(server.port, 7);
    s.write_all(b"GET /en/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("content-security-policy"), "{answer}");
    // Circuit 1 fills its four slots (each answered, then idle with keep-alive); its fifth
    // connection is closed unanswered, while circuit 2 is served.
    let idle: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut s = on_circuit(server.port, 1);
            s.write_all(b"GET /en/ HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            let mut buf = [0u8; 12];
            s.read_exact(&mut buf).unwrap();
            assert_eq!(&buf, b"HTTP/1.1 200");
            s
        })
        .collect();
    let mut fifth = on_circuit(server.port, 1);
    fifth
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = fifth.write_all(b"GET /en/ HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut buf = [0u8; 64];
    assert_eq!(
        fifth.read(&mut buf).unwrap_or(0),
        0,
        "over the circuit's cap"
    );
    let mut other = CircuitBrowser {
        port: server.port,
        circuit: 2,
        cookies: Vec::new(),
    };
    assert_eq!(other.send("GET", "/en/", &[]).status, 200);
    assert!(rss_kib(pid) < RSS_CEILING_KIB, "{} KiB", rss_kib(pid));
    drop(idle);
}

/// A flood of codename derivations on one circuit is refused ("busy") past that circuit's small
/// budget, and a source on another circuit gets a codename and logs in meanwhile, first time.
#[test]
fn a_login_flood_on_one_circuit_leaves_other_circuits_unaffected() {
    let server = Server::new(RECIPIENT, |c| proxied(c, "64"));
    let pid = pid_of(&server);
    let flood: Vec<_> = (0..8)
        .map(|t| {
            let port = server.port;
            std::thread::spawn(move || {
                let mut b = CircuitBrowser {
                    port,
                    circuit: 0xbad,
                    cookies: Vec::new(),
                };
                let mut statuses = Vec::new();
                for _ in 0..(5 + t % 2) {
                    statuses.push(b.generate().0);
                }
                statuses
            })
        })
        .collect();
    // Meanwhile, a real source on its own circuit: a codename, then a login with it.
    std::thread::sleep(Duration::from_millis(300));
    let mut real = CircuitBrowser {
        port: server.port,
        circuit: 0x600d,
        cookies: Vec::new(),
    };
    let start = Instant::now();
    let (status, codename) = real.generate();
    assert_eq!(status, 200, "the other circuit's source gets a codename");
    let mut again = CircuitBrowser {
        port: server.port,
        circuit: 0x600e,
        cookies: Vec::new(),
    };
    let page = again.send("GET", "/en/login", &[]);
    let typed = codename.replace(' ', "+");
    let r = again.send(
        "POST",
        "/en/login",
        &[("csrf", &csrf_of(&page.text())), ("codename", &typed)],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    let statuses: Vec<u16> = flood.into_iter().flat_map(|h| h.join().unwrap()).collect();
    let refused = statuses.iter().filter(|s| **s == 503).count();
    let served = statuses.iter().filter(|s| **s == 200).count();
    // The circuit's burst is 5 (then 1 a second): most of the flood is refused.
    assert!(served <= 12, "{statuses:?}");
    assert!(refused >= statuses.len() - 12, "{statuses:?}");
    assert!(rss_kib(pid) < RSS_CEILING_KIB, "{} KiB", rss_kib(pid));
}

/// Through the private Tor network, with the shipped `HiddenServiceExportCircuitID haproxy`: the
/// server requires tor's PROXY header (so every page served proves it arrived), a flood of
/// codename derivations on one circuit (one SOCKS identity) is refused past that circuit's
/// budget, and a source on another circuit gets a codename and logs in, first time.
#[test]
fn over_tor_a_login_flood_on_one_circuit_leaves_another_circuit_unaffected() {
    let sockdir = tempfile::Builder::new()
        .prefix("pa-")
        .tempdir_in("/tmp")
        .unwrap();
    let sock = sockdir.path().join("source.sock");
    let server = Server::new_unix(RECIPIENT, &sock, |c| proxied(c, "64"));
    let pid = pid_of(&server);
    let extra = sockdir.path().join("source.extra");
    std::fs::write(&extra, "HiddenServiceExportCircuitID haproxy\n").unwrap();
    let net = crate::tornet::TorNet::start(
        "postern-tor-",
        [
            "--service".to_owned(),
            format!("source=unix:{}", sock.display()),
            "--hs-extra".to_owned(),
            format!("source={}", extra.display()),
        ],
    );
    let onion = net.get("ONION_SOURCE").to_owned();
    let socks = net.get("SOCKS").to_owned();
    let flood_user = format!("flood-{:016x}", rand::random::<u64>());
    let generate = |b: &mut Browser| {
        let landing = b.send("GET", "/en/", &[], b"");
        assert_eq!(landing.status, 200, "{}", landing.text());
        let body = format!("csrf={}", csrf_of(&landing.text()));
        b.send(
            "POST",
            "/en/generate",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )
    };
    let flood: Vec<_> = (0..6)
        .map(|_| {
            let (socks, onion, user) = (socks.clone(), onion.clone(), flood_user.clone());
            std::thread::spawn(move || {
                let mut b = Browser::over_tor(&socks, &onion, user, "x".into());
                (0..4)
                    .map(|_| {
                        let landing = b.send("GET", "/en/", &[], b"");
                        let body = format!("csrf={}", csrf_of(&landing.text()));
                        b.send(
                            "POST",
                            "/en/generate",
                            &[("Content-Type", "application/x-www-form-urlencoded")],
                            body.as_bytes(),
                        )
                        .status
                    })
                    .collect::<Vec<u16>>()
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    let mut real = Browser::over_tor(
        &socks,
        &onion,
        format!("source-{:016x}", rand::random::<u64>()),
        "y".into(),
    );
    let page = generate(&mut real);
    assert_eq!(page.status, 200, "{}", page.text());
    let codename = crate::http::codename_of(&page.text());
    let login = real.send("GET", "/en/login", &[], b"");
    let typed: String = codename.replace(' ', "+");
    let body = format!("csrf={}&codename={typed}", csrf_of(&login.text()));
    let r = real.send(
        "POST",
        "/en/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let statuses: Vec<u16> = flood.into_iter().flat_map(|h| h.join().unwrap()).collect();
    let served = statuses.iter().filter(|s| **s == 200).count();
    let refused = statuses.iter().filter(|s| **s == 503).count();
    eprintln!(
        "flood over one circuit: {served} served, {refused} refused of {}",
        statuses.len()
    );
    // Burst 5 then 1 a second on the flood's circuit: over Tor's latency a few more get in,
    // far fewer than the 24 sent.
    assert!(served <= 16 && refused >= 8, "{statuses:?}");
    assert!(rss_kib(pid) < RSS_CEILING_KIB, "{} KiB", rss_kib(pid));
}

/// One login request on `circuit` at `port`, every error ignored (a flood's connection may be
/// closed unanswered): the status, or 0.
fn flood_once(port: u16, circuit: u32, path: &str, headers: &[(&str, &str)], body: &[u8]) -> u16 {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return 0;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    let mut head = format!(
        "PROXY TCP6 fc00:dead:beef:4dad::{:x}:{:x} ::1 65535 80\r\nPOST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n",
        circuit >> 16,
        circuit & 0xffff,
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    if s.write_all(head.as_bytes()).is_err() || s.write_all(body).is_err() {
        return 0;
    }
    let mut first = [0u8; 12];
    if s.read_exact(&mut first).is_err() {
        return 0;
    }
    std::str::from_utf8(&first[9..12])
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// `n` threads on `circuit`, each sending `request` until `stop`: the statuses they got.
fn flood(
    n: usize,
    stop: &std::sync::Arc<std::sync::atomic::AtomicBool>,
    request: impl Fn() -> u16 + Send + Sync + 'static,
) -> Vec<std::thread::JoinHandle<Vec<u16>>> {
    let request = std::sync::Arc::new(request);
    (0..n)
        .map(|_| {
            let stop = stop.clone();
            let request = request.clone();
            std::thread::spawn(move || {
                let mut out = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    out.push(request());
                }
                out
            })
        })
        .collect()
}

/// A flood of 200 connections of journalist logins on one circuit (with a valid form token,
/// so each reaches the rate limit) spends that circuit's budget only: a journalist on another
/// circuit logs in within 3 tries meanwhile.
#[test]
fn a_journalist_login_flood_on_one_circuit_leaves_other_journalists_unaffected() {
    let (js, _reviewer) = crate::journalist::JServer::with_edit("proxy_protocol = true\n", |c| {
        set(c, "max_connections_per_circuit", "256")
    });
    let pid = pid_of(&js.server);
    let mut alice = js.add("alice");
    let jport = js.jport;
    // The attacker's one login page: its form cookie and token, replayed by every connection.
    let mut attacker = CircuitBrowser {
        port: jport,
        circuit: 0xbad,
        cookies: Vec::new(),
    };
    let page = attacker.send("GET", "/login", &[]);
    assert_eq!(page.status, 200, "{}", page.text());
    let body = format!(
        "csrf={}&username=mallory&passphrase=guess+guess+guess&code=123456",
        csrf_of(&page.text())
    );
    let cookie = attacker.cookies.join("; ");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let threads = flood(200, &stop, move || {
        flood_once(
            jport,
            0xbad,
            "/login",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Cookie", &cookie),
            ],
            body.as_bytes(),
        )
    });
    std::thread::sleep(Duration::from_secs(2));
    let mut tries = 0;
    let mut status = 0;
    while tries < 3 && status != 303 {
        tries += 1;
        let mut real = CircuitBrowser {
            port: jport,
            circuit: 0x600d,
            cookies: Vec::new(),
        };
        let page = real.send("GET", "/login", &[]);
        assert_eq!(page.status, 200, "{}", page.text());
        let code = alice.fresh_code();
        let passphrase = alice.passphrase.replace(' ', "+");
        let r = real.send(
            "POST",
            "/login",
            &[
                ("csrf", &csrf_of(&page.text())),
                ("username", "alice"),
                ("passphrase", &passphrase),
                ("code", &code),
            ],
        );
        status = r.status;
    }
    let rss = rss_kib(pid);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let statuses: Vec<u16> = threads
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert_eq!(status, 303, "the other circuit's journalist, {tries} tries");
    assert!(
        statuses.len() >= 200,
        "the flood ran: {} requests",
        statuses.len()
    );
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 0),
        "every flood login refused"
    );
    assert!(rss < RSS_CEILING_KIB, "{rss} KiB");
}

/// The same for the tus API login: 200 connections of `POST /api/v1/login` on one circuit, and
/// a source on another circuit gets its token within 3 tries.
#[test]
fn an_api_login_flood_on_one_circuit_leaves_other_sources_unaffected() {
    let server = Server::new(RECIPIENT, |c| proxied(c, "256"));
    let pid = pid_of(&server);
    let mut first = CircuitBrowser {
        port: server.port,
        circuit: 0x600d,
        cookies: Vec::new(),
    };
    let (status, codename) = first.generate();
    assert_eq!(status, 200);
    let port = server.port;
    let flooded = codename.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let threads = flood(200, &stop, move || {
        flood_once(
            port,
            0xbad,
            "/api/v1/login",
            &[("Content-Type", "text/plain"), ("Tus-Resumable", "1.0.0")],
            flooded.as_bytes(),
        )
    });
    std::thread::sleep(Duration::from_secs(2));
    let mut tries = 0;
    let mut status = 0;
    while tries < 3 && status != 200 {
        tries += 1;
        status = flood_once(
            port,
            0x600e,
            "/api/v1/login",
            &[("Content-Type", "text/plain"), ("Tus-Resumable", "1.0.0")],
            codename.as_bytes(),
        );
    }
    let rss = rss_kib(pid);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let statuses: Vec<u16> = threads
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert_eq!(status, 200, "the other circuit's source, {tries} tries");
    assert!(statuses.len() >= 200, "the flood ran: {}", statuses.len());
    let refused = statuses.iter().filter(|s| **s == 503).count();
    assert!(
        refused * 10 >= statuses.len() * 9,
        "most of the flood refused: {refused} of {}",
        statuses.len()
    );
    assert!(rss < RSS_CEILING_KIB, "{rss} KiB");
}

/// Connections on fresh circuits, each sending tor's PROXY header and then nothing, `n` at a
/// time: each thread opens a connection, waits for the server to close it, and opens the next,
/// until `stop`. `closed` counts the connections the server closed (made room with).
fn idle_flood(
    port: u16,
    n: u32,
    stop: &std::sync::Arc<std::sync::atomic::AtomicBool>,
    closed: &std::sync::Arc<std::sync::atomic::AtomicU32>,
) -> Vec<std::thread::JoinHandle<()>> {
    (0..n)
        .map(|t| {
            let stop = stop.clone();
            let closed = closed.clone();
            std::thread::spawn(move || {
                let mut circuit = 0x10_0000 + t * 0x1000;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    circuit += 1;
                    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
                        std::thread::sleep(Duration::from_millis(50));
                        continue;
                    };
                    let line = format!(
                        "PROXY TCP6 fc00:dead:beef:4dad::{:x}:{:x} ::1 65535 80\r\n",
                        circuit >> 16,
                        circuit & 0xffff
                    );
                    if s.write_all(line.as_bytes()).is_err() {
                        continue;
                    }
                    let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
                    let mut buf = [0u8; 16];
                    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                        match s.read(&mut buf) {
                            Ok(0) => {
                                closed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                                break;
                            }
                            Ok(_) => {}
                            Err(e)
                                if e.kind() == std::io::ErrorKind::WouldBlock
                                    || e.kind() == std::io::ErrorKind::TimedOut => {}
                            Err(_) => {
                                closed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                                break;
                            }
                        }
                    }
                }
            })
        })
        .collect()
}

/// Idle connections from many circuits (one each, as many circuits as the attacker can
/// afford) fill the listener past its cap and churn: a newcomer takes the place of the
/// longest-idle one, never of a connection within its grace, so a real source on its own
/// circuit (a new connection for every request, each arriving while the listener is full)
/// still gets a codename and submits, with every page in time, while descriptors stay at the
/// cap and a request in flight is never cut.
#[test]
fn an_idle_flood_over_many_circuits_cannot_lock_a_source_out() {
    let server = Server::new(RECIPIENT, |c| {
        let c = proxied(c, "16");
        let c = set(c, "max_connections", "64");
        set(c, "header_read_seconds", "60")
    });
    let pid = pid_of(&server);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let closed = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let flood = idle_flood(server.port, 160, &stop, &closed);
    // Let the flood fill the listener and churn.
    std::thread::sleep(Duration::from_secs(3));
    let fds_during = fds(pid);
    let closed_before = closed.load(std::sync::atomic::Ordering::SeqCst);
    let visit = Instant::now();
    let mut real = CircuitBrowser {
        port: server.port,
        circuit: 0x600d,
        cookies: Vec::new(),
    };
    let mut slowest = Duration::ZERO;
    let t = Instant::now();
    let landing = real.send("GET", "/en/", &[]);
    slowest = slowest.max(t.elapsed());
    assert_eq!(landing.status, 200, "{}", landing.text());
    let t = Instant::now();
    let page = real.send(
        "POST",
        "/en/generate",
        &[("csrf", &csrf_of(&landing.text()))],
    );
    slowest = slowest.max(t.elapsed());
    assert_eq!(page.status, 200, "{}", page.text());
    let t = Instant::now();
    let home = real.send("GET", "/en/home", &[]);
    slowest = slowest.max(t.elapsed());
    assert_eq!(home.status, 200, "{}", home.text());
    let (ct, body) = Multipart::new()
        .text("csrf", &csrf_of(&home.text()))
        .text("message", "still here")
        .finish();
    let t = Instant::now();
    let submitted = real.send_body("POST", "/en/submit", &ct, &body);
    slowest = slowest.max(t.elapsed());
    assert_eq!(submitted.status, 200, "{}", submitted.text());
    let visit = visit.elapsed();
    let closed_during = closed.load(std::sync::atomic::Ordering::SeqCst) - closed_before;
    let rss = rss_kib(pid);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for h in flood {
        h.join().unwrap();
    }
    let closed = closed.load(std::sync::atomic::Ordering::SeqCst);
    eprintln!(
        "idle flood: the source's visit {visit:?}, slowest page {slowest:?}, {closed_before} \
         flood connections cut before it, {closed_during} during it, {fds_during} descriptors, \
         {rss} KiB"
    );
    assert!(
        slowest < Duration::from_secs(5),
        "the slowest page took {slowest:?}"
    );
    assert!(
        closed >= 96,
        "the flood's idle connections made room: {closed}"
    );
    // The source came in while the listener was full and the flood churning.
    assert!(
        fds_during >= 64,
        "the flood filled the listener: {fds_during} descriptors"
    );
    assert!(
        closed_during >= 4,
        "the flood churned during the visit: {closed_during}"
    );
    assert!(
        fds_during < 64 + 40,
        "descriptors stay near the cap: {fds_during}"
    );
    assert!(rss < RSS_CEILING_KIB, "{rss} KiB");
}

/// The journalist lockout is per circuit: failed logins for alice on one circuit pause alice
/// on that circuit (her right credentials are refused there), and alice on another circuit
/// logs in at once. The pause ends after `lockout_seconds`.
#[test]
fn failed_journalist_logins_on_one_circuit_do_not_lock_a_colleague_out() {
    let (js, _reviewer) = crate::journalist::JServer::with_edit("proxy_protocol = true\n", |c| {
        set(c, "lockout_seconds", "30")
    });
    let pid = pid_of(&js.server);
    let mut alice = js.add("alice");
    let login = |circuit: u32, passphrase: &str, code: &str| {
        let mut b = CircuitBrowser {
            port: js.jport,
            circuit,
            cookies: Vec::new(),
        };
        let page = b.send("GET", "/login", &[]);
        assert_eq!(page.status, 200, "{}", page.text());
        let passphrase = passphrase.replace(' ', "+");
        let r = b.send(
            "POST",
            "/login",
            &[
                ("csrf", &csrf_of(&page.text())),
                ("username", "alice"),
                ("passphrase", &passphrase),
                ("code", code),
            ],
        );
        r.status
    };
    // Five wrong passphrases for alice on the attacker's circuit (the server's MAX_FAILURES;
    // the circuit's burst is five too).
    for _ in 0..5 {
        assert_eq!(login(0xbad, "wrong wrong wrong", "000000"), 401);
    }
    // Past the circuit's rate limit (1 a second): what refuses now is the pause.
    std::thread::sleep(Duration::from_millis(1500));
    let start = Instant::now();
    let code = alice.fresh_code();
    assert_eq!(
        login(0xbad, &alice.passphrase.clone(), &code),
        401,
        "paused on the failing circuit"
    );
    // On her own circuit alice gets in, first try.
    let code = alice.fresh_code();
    assert_eq!(
        login(0x600d, &alice.passphrase.clone(), &code),
        303,
        "a colleague's circuit is not paused"
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert!(rss_kib(pid) < RSS_CEILING_KIB, "{} KiB", rss_kib(pid));
}
