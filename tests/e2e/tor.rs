//! A source submits through a real onion service: a private Tor network on loopback
//! (`tests/support/tor-testnet`), `postern serve` on a unix socket behind it, and a raw HTTP
//! client over the Tor client's SOCKS5 port. The reviewer then gets the exact bytes.

use std::collections::HashMap;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::http::{Multipart, Resp, codename_of, csrf_of, request_over};
use crate::support::{Reviewer, Server, content};

/// Per-request budget: a fresh onion circuit took up to 10 s on the reference machine.
const IO_TIMEOUT: Duration = Duration::from_secs(120);

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("support/tor-testnet")
}

/// A running private Tor network. Dropping it runs `tor-testnet stop`; after a failure the
/// folder (with every tor's log) is kept and its path printed.
struct TorNet {
    dir: Option<tempfile::TempDir>,
    env: HashMap<String, String>,
}

impl TorNet {
    /// `tor-testnet start` with one public onion service `source` (with proof-of-work) that
    /// forwards port 80 to the unix socket `sock`. Panics with the script's stderr on failure
    /// (including a missing `tor`: this test never skips).
    fn start(sock: &Path) -> TorNet {
        let dir = tempfile::Builder::new()
            .prefix("postern-tor-")
            .tempdir_in("/tmp")
            .unwrap();
        let t = Instant::now();
        let out = Command::new(script())
            .arg("start")
            .arg(dir.path())
            .arg("--service")
            .arg(format!("source=unix:{}", sock.display()))
            .args(["--pow", "source"])
            .args(["--owner-pid", &std::process::id().to_string()])
            .stdin(Stdio::null())
            .output()
            .expect("running tests/support/tor-testnet");
        if !out.status.success() {
            let kept = dir.keep();
            panic!(
                "tor-testnet start failed ({}); logs kept in {}:\n{}",
                out.status,
                kept.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // The script's progress (shown with --nocapture or on failure): where the time went.
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        eprintln!("tor-testnet: network ready in {:.1?}", t.elapsed());
        let env = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        TorNet {
            dir: Some(dir),
            env,
        }
    }

    fn get(&self, key: &str) -> &str {
        self.env
            .get(key)
            .unwrap_or_else(|| panic!("tor-testnet printed no {key}=: {:?}", self.env))
    }
}

impl Drop for TorNet {
    fn drop(&mut self) {
        let Some(dir) = self.dir.take() else { return };
        let out = Command::new(script())
            .arg("stop")
            .arg(dir.path())
            .stdin(Stdio::null())
            .output();
        let stopped = matches!(&out, Ok(o) if o.status.success());
        if std::thread::panicking() || !stopped {
            let kept = dir.keep();
            eprintln!(
                "tor-testnet: logs kept in {} (stop: {:?})",
                kept.display(),
                out.map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            );
        }
    }
}

/// A minimal SOCKS5 CONNECT (RFC 1928) to `host:port` by name (so tor resolves it), with
/// username/password authentication (RFC 1929): tor's IsolateSOCKSAuth gives every distinct
/// pair its own circuits.
fn socks5_connect(proxy: &str, user: &str, pass: &str, host: &str, port: u16) -> TcpStream {
    let mut s = TcpStream::connect(proxy).unwrap_or_else(|e| panic!("SOCKS port {proxy}: {e}"));
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    s.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    // Greeting: version 5, one method, username/password.
    s.write_all(&[5, 1, 2]).unwrap();
    let mut reply = [0u8; 2];
    s.read_exact(&mut reply).unwrap();
    assert_eq!(reply, [5, 2], "SOCKS5 method selection");
    let mut auth = vec![1, u8::try_from(user.len()).unwrap()];
    auth.extend_from_slice(user.as_bytes());
    auth.push(u8::try_from(pass.len()).unwrap());
    auth.extend_from_slice(pass.as_bytes());
    s.write_all(&auth).unwrap();
    s.read_exact(&mut reply).unwrap();
    assert_eq!(reply, [1, 0], "SOCKS5 username/password");
    // CONNECT, address type 3 (domain name).
    let mut req = vec![5, 1, 0, 3, u8::try_from(host.len()).unwrap()];
    req.extend_from_slice(host.as_bytes());
    req.extend_from_slice(&port.to_be_bytes());
    s.write_all(&req).unwrap();
    let mut head = [0u8; 4];
    s.read_exact(&mut head).unwrap();
    assert_eq!(head[0], 5, "SOCKS5 reply version");
    assert_eq!(
        head[1], 0,
        "SOCKS5 CONNECT to {host}:{port} refused with 0x{:02X} (0xF0-0xF7: onion errors)",
        head[1]
    );
    let addr_len = match head[3] {
        1 => 4,
        4 => 16,
        3 => {
            let mut n = [0u8; 1];
            s.read_exact(&mut n).unwrap();
            usize::from(n[0])
        }
        other => panic!("SOCKS5 reply address type {other}"),
    };
    let mut bound = vec![0u8; addr_len + 2];
    s.read_exact(&mut bound).unwrap();
    s
}

/// A source's browser, over Tor: one SOCKS identity (so one circuit), the session cookie.
struct OnionBrowser<'a> {
    socks: &'a str,
    onion: &'a str,
    user: String,
    pass: String,
    cookie: Option<String>,
}

impl OnionBrowser<'_> {
    fn send(&mut self, method: &str, path: &str, extra: &[(&str, &str)], body: &[u8]) -> Resp {
        let t = Instant::now();
        let s = socks5_connect(self.socks, &self.user, &self.pass, self.onion, 80);
        let cookie = self.cookie.clone().map(|c| format!("postern={c}"));
        let mut headers: Vec<(&str, &str)> = vec![(
            "User-Agent",
            "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0",
        )];
        if let Some(c) = &cookie {
            headers.push(("Cookie", c));
        }
        headers.extend_from_slice(extra);
        let resp = request_over(s, self.onion, method, path, &headers, body);
        eprintln!(
            "over tor: {method} {path} ({} bytes up) -> {} in {:.1?}",
            body.len(),
            resp.status,
            t.elapsed()
        );
        if let Some(sc) = resp.header("set-cookie") {
            for line in sc.lines() {
                if let Some(v) = line.strip_prefix("postern=") {
                    let v = v.split(';').next().unwrap_or("");
                    self.cookie = (!v.is_empty() && !line.contains("Max-Age=0")).then(|| v.into());
                }
            }
        }
        resp
    }
}

#[test]
fn a_source_submits_through_a_real_onion_service() {
    let started = Instant::now();
    let reviewer = Reviewer::new();
    // A short folder: a unix socket path must stay under 108 bytes.
    let sockdir = tempfile::Builder::new()
        .prefix("pt-")
        .tempdir_in("/tmp")
        .unwrap();
    let sock = sockdir.path().join("source.sock");
    let server = Server::new_unix(&reviewer.recipient, &sock, |c| c);
    let net = TorNet::start(&sock);
    let onion = net.get("ONION_SOURCE").to_owned();
    assert!(
        onion.len() == 62 && onion.ends_with(".onion"),
        "a v3 onion name: {onion}"
    );
    let socks = net.get("SOCKS").to_owned();
    assert!(socks.starts_with("127.0.0.1:"), "{socks}");

    let mut b = OnionBrowser {
        socks: &socks,
        onion: &onion,
        user: format!("source-{:016x}", rand::random::<u64>()),
        pass: format!("{:016x}", rand::random::<u64>()),
        cookie: None,
    };
    let landing = b.send("GET", "/en/", &[], b"");
    assert_eq!(landing.status, 200, "{}", landing.text());
    assert!(
        b.cookie.is_some(),
        "the landing page sets the session cookie"
    );
    let form = |csrf: &str| format!("csrf={csrf}");
    let page = b.send(
        "POST",
        "/en/generate",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form(&csrf_of(&landing.text())).as_bytes(),
    );
    assert_eq!(page.status, 200, "{}", page.text());
    let codename = codename_of(&page.text());
    assert_eq!(codename.split(' ').count(), 7, "{codename}");

    let home = b.send("GET", "/en/home", &[], b"");
    assert_eq!(home.status, 200, "{}", home.text());
    let message = "Sent over a real onion service. Отправлено через onion-сервис.";
    let file = content(1024 * 1024 + 13, 77);
    let (ct, body) = Multipart::new()
        .text("csrf", &csrf_of(&home.text()))
        .text("message", message)
        .file("files", "onion-leak.bin", &file)
        .finish();
    let r = b.send("POST", "/en/submit", &[("Content-Type", &ct)], &body);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.text().contains("1 file"),
        "the thank-you page: {}",
        r.text()
    );
    assert_eq!(server.item_count(), 2);

    // The reviewer gets exactly what was sent.
    reviewer.ok(&["trust", &server.signing_pub()]);
    let imported = reviewer.ok(&["import", server.spool().to_str().unwrap()]);
    assert!(
        imported.contains("Imported 2 new item(s) from 1 source(s)"),
        "{imported}"
    );
    let out = tempfile::tempdir().unwrap();
    reviewer.ok(&["extract", "--all", "--to", out.path().to_str().unwrap()]);
    assert!(
        fs::read(out.path().join("onion-leak.bin")).unwrap() == file,
        "the file arrived byte for byte"
    );
    let texts: Vec<String> = fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("message-")
        })
        .map(|p| fs::read_to_string(p).unwrap())
        .collect();
    assert_eq!(texts, vec![message.to_owned()]);

    // A large upload with postern-send over the same network (resumable uploads, issue 6).
    crate::tus::postern_send_over_tor(&socks, &onion, &codename, &server, &reviewer);
    eprintln!("whole test: {:.1?}", started.elapsed());
    drop(net);
    drop(server);
}
