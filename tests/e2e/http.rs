//! A deliberately small HTTP/1.1 client over a raw socket, so that tests control every byte:
//! odd methods, forged headers, bodies cut off halfway.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

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

/// Sends one request (with `Connection: close`) and reads the whole response.
pub fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut s = connect(port);
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
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

/// A browser-like client: keeps the session cookie and the latest CSRF token.
pub struct Browser {
    pub port: u16,
    pub cookie: Option<String>,
    pub user_agent: String,
}

impl Browser {
    pub fn new(port: u16, user_agent: &str) -> Browser {
        Browser {
            port,
            cookie: None,
            user_agent: user_agent.to_owned(),
        }
    }

    pub fn send(&mut self, method: &str, path: &str, extra: &[(&str, &str)], body: &[u8]) -> Resp {
        // Every request also carries a forwarded-for address, as a proxy might add: it must
        // never be logged or stored.
        let mut headers: Vec<(&str, &str)> = vec![
            ("User-Agent", &self.user_agent),
            ("X-Forwarded-For", "203.0.113.77"),
        ];
        let cookie = self.cookie.clone().map(|c| format!("postern={c}"));
        if let Some(c) = &cookie {
            headers.push(("Cookie", c));
        }
        headers.extend_from_slice(extra);
        let resp = request(self.port, method, path, &headers, body);
        if let Some(sc) = resp.header("set-cookie") {
            for line in sc.lines() {
                if let Some(v) = line.strip_prefix("postern=") {
                    let v = v.split(';').next().unwrap_or("");
                    self.cookie = if v.is_empty() || line.contains("Max-Age=0") {
                        None
                    } else {
                        Some(v.to_owned())
                    };
                }
            }
        }
        resp
    }

    pub fn get(&mut self, path: &str) -> Resp {
        self.send("GET", path, &[], b"")
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
