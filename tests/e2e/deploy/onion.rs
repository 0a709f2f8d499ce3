//! The shipped tor settings on a private Tor network: the source service is public, the
//! journalist service opens only with a key.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::{all_output, clients_dir, deploy, journalist_only_config, x25519_pair};
use crate::support::{Reviewer, Server, bin, run};
use crate::tornet::TorNet;

/// The `HiddenService*` lines of the shipped torrc for the service whose directory ends in
/// `/name`, less the ones the test network sets itself (directory, port, PoW switch).
fn shipped_service_options(name: &str) -> String {
    let text = fs::read_to_string(deploy("tor/torrc")).unwrap();
    let mut inside = false;
    let mut out = String::new();
    for line in text.lines().map(str::trim) {
        if let Some(dir) = line.strip_prefix("HiddenServiceDir ") {
            inside = dir.ends_with(&format!("/{name}"));
            continue;
        }
        let skip = ["HiddenServicePort ", "HiddenServicePoWDefensesEnabled "]
            .iter()
            .any(|p| line.starts_with(p));
        if inside && line.starts_with("HiddenService") && !skip {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A stand-in for the journalist interface (built separately): any HTTP answer will do.
fn stand_in_http(sock: &Path) {
    let listener = std::os::unix::net::UnixListener::bind(sock).unwrap();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\njournalist",
            );
        }
    });
}

fn http_get_over(proxy: &str, host: &str, path: &str) -> String {
    let (code, mut s) = crate::socks::connect(proxy, host, 80, None);
    assert_eq!(
        code, 0,
        "SOCKS5 CONNECT to {host} refused with 0x{code:02X}"
    );
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .unwrap();
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    resp
}

#[test]
fn shipped_tor_settings_serve_the_source_and_keep_the_journalist_service_closed_without_a_key() {
    let reviewer = Reviewer::new();
    let sockdir = tempfile::Builder::new()
        .prefix("pn-")
        .tempdir_in("/tmp")
        .unwrap();
    let source_sock = sockdir.path().join("source.sock");
    let journalist_sock = sockdir.path().join("journalist.sock");
    // The shipped torrc writes tor's PROXY header on each stream, and the shipped config
    // requires it: a page served over this network proves that the header reached the server.
    let _server = Server::new_unix(&reviewer.recipient, &source_sock, |c| {
        c.replace("proxy_protocol = false", "proxy_protocol = true")
    });
    stand_in_http(&journalist_sock);

    // The journalist key, as `postern journalist add` would write it, checked by `postern check`.
    let keys = tempfile::tempdir().unwrap();
    let (public, private) = x25519_pair();
    let clients = clients_dir(
        keys.path(),
        &[("alice.auth", format!("descriptor:x25519:{public}\n"))],
    );
    let config = journalist_only_config(keys.path(), &clients);
    let check = run(Command::new(bin("postern"))
        .args(["check", "--journalist-auth-only", "--config"])
        .arg(&config));
    assert!(check.status.success(), "{}", all_output(&check));

    let mut extras = Vec::new();
    for name in ["source", "journalist"] {
        let options = shipped_service_options(name);
        assert!(
            options.contains("HiddenServiceMaxStreamsCloseCircuit 1"),
            "{options}"
        );
        let path = keys.path().join(format!("{name}.extra"));
        fs::write(&path, &options).unwrap();
        extras.push(format!("{name}={}", path.display()));
    }
    assert!(
        fs::read_to_string(keys.path().join("source.extra"))
            .unwrap()
            .contains("HiddenServiceEnableIntroDoSDefense 1")
    );

    let started = Instant::now();
    let net = TorNet::start(
        "postern-tor-",
        [
            "--service".to_owned(),
            format!("source=unix:{}", source_sock.display()),
            "--service".to_owned(),
            format!("journalist=unix:{}", journalist_sock.display()),
            "--pow".to_owned(),
            "source".to_owned(),
            "--client-auth".to_owned(),
            "journalist".to_owned(),
            "--auth-dir".to_owned(),
            format!("journalist={}", clients.display()),
            "--auth-key".to_owned(),
            format!("journalist={private}"),
            "--hs-extra".to_owned(),
            extras[0].clone(),
            "--hs-extra".to_owned(),
            extras[1].clone(),
        ],
    );
    eprintln!("tor-testnet ready in {:.1?}", started.elapsed());
    let torrc = fs::read_to_string(net.path().join("hs/torrc")).unwrap();
    for line in [
        "HiddenServicePoWQueueRate 250",
        "HiddenServiceEnableIntroDoSDefense 1",
        "HiddenServiceMaxStreams 10",
    ] {
        assert!(
            torrc.contains(line),
            "the shipped setting {line} is in use:\n{torrc}"
        );
    }
    let (source, journalist) = (net.get("ONION_SOURCE"), net.get("ONION_JOURNALIST"));
    let (keyed, keyless) = (net.get("SOCKS"), net.get("SOCKS_NOAUTH"));

    // The source interface is public: reachable without any key.
    let page = http_get_over(keyless, source, "/en/");
    assert!(page.starts_with("HTTP/1.1 200"), "{page:.300}");
    // The journalist service: open with the key, closed (0xF4, client auth missing) without.
    let page = http_get_over(keyed, journalist, "/");
    assert!(page.ends_with("journalist"), "{page:.300}");
    let mut code = crate::socks::connect(keyless, journalist, 80, None).0;
    if code == 0x04 {
        // Within 5 s of a failed fetch tor answers "host unreachable" from its cache.
        std::thread::sleep(Duration::from_secs(6));
        code = crate::socks::connect(keyless, journalist, 80, None).0;
    }
    assert_eq!(
        code, 0xF4,
        "a client without a key must be refused (0xF4), got 0x{code:02X}"
    );
}
