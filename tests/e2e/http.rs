//! The tests' one HTTP/1.1 client, deliberately small and over a raw socket, so that tests control
//! every byte: odd methods, forged headers, bodies cut off halfway. [`Browser`] keeps a session
//! cookie (the source's or the journalist's), over loopback or through Tor's SOCKS port. The exact
//! header set every response must carry is here too, once.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    /// Lower-case header names; repeated headers joined with "\n".
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

pub fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s
}

/// Sends one request (with `Connection: close`) to a loopback port and reads the whole response.
pub fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let host = format!("127.0.0.1:{port}");
    request_over(connect(port), &host, method, path, headers, body)
}

/// Like [`request`], over a stream that is already connected (for example a SOCKS5 tunnel to
/// an onion service), with `host` as the Host header.
pub fn request_over(
    mut s: TcpStream,
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    s.flush().unwrap();
    read_response(s, method == "HEAD")
}

pub fn read_response(s: TcpStream, head_only: bool) -> Resp {
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .unwrap_or("0")
        .parse()
        .unwrap();
    let mut headers: HashMap<String, String> = HashMap::new();
    loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':').unwrap();
        headers
            .entry(k.trim().to_ascii_lowercase())
            .and_modify(|e| {
                e.push('\n');
                e.push_str(v.trim());
            })
            .or_insert_with(|| v.trim().to_owned());
    }
    let mut body = Vec::new();
    if !head_only {
        if let Some(n) = headers
            .get("content-length")
            .and_then(|v| v.parse::<usize>().ok())
        {
            body.resize(n, 0);
            r.read_exact(&mut body).unwrap();
        } else {
            let _ = r.read_to_end(&mut body);
        }
    }
    Resp {
        status,
        headers,
        body,
    }
}

/// Decodes an HTTP/1.1 chunked body; panics on a malformed one or one without its last chunk
/// (which is how the server aborts a download that failed).
pub fn dechunk(raw: &[u8]) -> Vec<u8> {
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

/// A multipart/form-data body.
pub struct Multipart {
    pub boundary: String,
    pub body: Vec<u8>,
}

impl Multipart {
    pub fn new() -> Multipart {
        Multipart {
            boundary: "postern-test-boundary-7d3f9a".into(),
            body: Vec::new(),
        }
    }
    pub fn text(mut self, name: &str, value: &str) -> Self {
        self.body.extend_from_slice(
            format!(
                "--{}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n",
                self.boundary
            )
            .as_bytes(),
        );
        self
    }
    pub fn file(mut self, name: &str, filename: &str, data: &[u8]) -> Self {
        self.body.extend_from_slice(
            format!(
                "--{}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                self.boundary
            )
            .as_bytes(),
        );
        self.body.extend_from_slice(data);
        self.body.extend_from_slice(b"\r\n");
        self
    }
    pub fn finish(mut self) -> (String, Vec<u8>) {
        self.body
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        (
            format!("multipart/form-data; boundary={}", self.boundary),
            self.body,
        )
    }
}

/// Where a [`Browser`] sends its requests.
enum Via {
    Loopback(u16),
    /// An onion service through Tor's SOCKS port, with SOCKS credentials of its own: tor's
    /// IsolateSOCKSAuth gives it circuits of its own.
    Tor {
        socks: String,
        onion: String,
        user: String,
        pass: String,
    },
}

/// A browser-like client: keeps the session cookie; every request carries its user agent and,
/// on loopback, a forwarded-for address as a proxy might add (it must never be logged or stored).
pub struct Browser {
    /// The session cookie's name: `postern` (source) or `postern_j` (journalist).
    pub cookie_name: &'static str,
    pub cookie: Option<String>,
    pub user_agent: String,
    pub forwarded_for: Option<&'static str>,
    via: Via,
}

impl Browser {
    /// A source's browser on the source interface at `port`.
    pub fn new(port: u16, user_agent: &str) -> Browser {
        Browser {
            cookie_name: "postern",
            cookie: None,
            user_agent: user_agent.to_owned(),
            forwarded_for: Some("203.0.113.77"),
            via: Via::Loopback(port),
        }
    }

    /// A journalist's browser on the journalist interface at `port`.
    pub fn journalist(port: u16, user_agent: &str) -> Browser {
        Browser {
            cookie_name: "postern_j",
            forwarded_for: Some("198.51.100.23"),
            ..Browser::new(port, user_agent)
        }
    }

    /// A source's browser reaching `onion` through Tor's SOCKS port `socks`, as Tor Browser
    /// would: one SOCKS identity (so one circuit), no forwarded-for header.
    pub fn over_tor(socks: &str, onion: &str, user: String, pass: String) -> Browser {
        Browser {
            forwarded_for: None,
            via: Via::Tor {
                socks: socks.to_owned(),
                onion: onion.to_owned(),
                user,
                pass,
            },
            ..Browser::new(
                0,
                "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0",
            )
        }
    }

    /// Sends one request with the session cookie, decodes a chunked body, and takes the cookie
    /// the response sets (or clears).
    pub fn send(&mut self, method: &str, path: &str, extra: &[(&str, &str)], body: &[u8]) -> Resp {
        let mut headers: Vec<(&str, &str)> = vec![("User-Agent", &self.user_agent)];
        if let Some(addr) = self.forwarded_for {
            headers.push(("X-Forwarded-For", addr));
        }
        let cookie = self
            .cookie
            .clone()
            .map(|c| format!("{}={c}", self.cookie_name));
        if let Some(c) = &cookie {
            headers.push(("Cookie", c));
        }
        headers.extend_from_slice(extra);
        let mut resp = match &self.via {
            Via::Loopback(port) => request(*port, method, path, &headers, body),
            Via::Tor {
                socks,
                onion,
                user,
                pass,
            } => {
                let t = Instant::now();
                let s = crate::socks::connect_ok(socks, onion, 80, Some((user, pass)));
                let resp = request_over(s, onion, method, path, &headers, body);
                eprintln!(
                    "over tor: {method} {path} ({} bytes up) -> {} in {:.1?}",
                    body.len(),
                    resp.status,
                    t.elapsed()
                );
                resp
            }
        };
        if method != "HEAD" && resp.header("transfer-encoding") == Some("chunked") {
            resp.body = dechunk(&resp.body);
        }
        if let Some(sc) = resp.header("set-cookie") {
            let prefix = format!("{}=", self.cookie_name);
            for line in sc.lines() {
                if let Some(v) = line.strip_prefix(&prefix) {
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

    /// The loopback port this browser talks to.
    pub fn port(&self) -> u16 {
        match self.via {
            Via::Loopback(port) => port,
            Via::Tor { .. } => panic!("a browser over Tor has no loopback port"),
        }
    }

    pub fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
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

    pub fn post_multipart(&mut self, path: &str, mp: Multipart) -> Resp {
        let (ct, body) = mp.finish();
        self.send("POST", path, &[("Content-Type", &ct)], &body)
    }

    /// The CSRF token of the first form on `path`, which must answer 200.
    pub fn csrf(&mut self, path: &str) -> String {
        let page = self.get(path);
        assert_eq!(page.status, 200, "{path}: {}", page.text());
        csrf_of(&page.text())
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The CSRF token of the first form on a page.
pub fn csrf_of(page: &str) -> String {
    let at =
        page.find("name=\"csrf\" value=\"").expect("a csrf field") + "name=\"csrf\" value=\"".len();
    page[at..at + 64].to_owned()
}

/// The codename shown on the codename page.
pub fn codename_of(page: &str) -> String {
    let start = page.find("class=\"codename\"").expect("a codename");
    let rest = &page[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest.find("</").unwrap();
    rest[open..close].trim().to_owned()
}

/// The exact header set both interfaces promise on every response (kept in sync with the
/// server's `SECURITY_HEADERS`).
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
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

/// Headers no response carries (the server's `FORBIDDEN_HEADERS`).
pub const FORBIDDEN_HEADERS: &[&str] = &["server", "x-powered-by", "etag", "last-modified", "date"];

/// `r` carries exactly [`SECURITY_HEADERS`] and none of [`FORBIDDEN_HEADERS`].
pub fn assert_headers(r: &Resp, what: &str) {
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(r.header(name), Some(*value), "{what}: header {name}");
    }
    for name in FORBIDDEN_HEADERS {
        assert!(r.header(name).is_none(), "{what}: unexpected header {name}");
    }
}

/// Like [`assert_headers`] for a resumable journalist download: the one header of
/// [`FORBIDDEN_HEADERS`] it may carry is a strong `ETag` (a quoted content hash).
pub fn assert_headers_with_validator(r: &Resp, what: &str) {
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(r.header(name), Some(*value), "{what}: header {name}");
    }
    for name in FORBIDDEN_HEADERS.iter().filter(|n| **n != "etag") {
        assert!(r.header(name).is_none(), "{what}: unexpected header {name}");
    }
    let etag = r
        .header("etag")
        .unwrap_or_else(|| panic!("{what}: no ETag"));
    let inner = etag.strip_prefix('"').and_then(|e| e.strip_suffix('"'));
    assert!(
        inner.is_some_and(|e| e.len() == 32 && e.bytes().all(|b| b.is_ascii_hexdigit())),
        "{what}: ETag {etag:?}"
    );
}
