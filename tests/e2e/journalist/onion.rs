//! The journalist interface behind a real onion service with per-journalist client
//! authorization, on a private Tor network: only authorized keys open it, and a removed key no
//! longer does.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::{PLACEHOLDER_AUTH, parse_creds};
use crate::support::{Addr, Reviewer, Server, stderr, stdout, sys_tool};
use crate::tornet::TorNet;

/// `tor-testnet start` with the journalist service behind client authorization, using the
/// `.auth` files of `auth_dir` and the client key `key`. The network starts only if the client
/// holding the key reached the service and the keyless client was refused with 0xF4 (the script
/// checks both).
fn tor_start(jsock: &Path, auth_dir: &Path, key: &str) -> TorNet {
    TorNet::start(
        "postern-jtor-",
        [
            "--service".to_owned(),
            format!("journalist=unix:{}", jsock.display()),
            "--client-auth".to_owned(),
            "journalist".to_owned(),
            "--auth-dir".to_owned(),
            format!("journalist={}", auth_dir.display()),
            "--auth-key".to_owned(),
            format!("journalist={key}"),
        ],
    )
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
    let mut server = Server::new(&reviewer.recipient, move |c| {
        format!(
            "{c}\n[journalist]\nlisten = \"unix:{}\"\nauthorized_clients_dir = \"{}\"\n",
            js_sock.display(),
            ad.display()
        )
    });
    server.wait_listening(&Addr::Unix(jsock.clone()), "the journalist interface");
    let cli = |args: &[&str]| {
        let o = server.cli(args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        stdout(&o)
    };
    let alice = parse_creds("alice", &cli(&["journalist", "add", "alice"]));
    fs::remove_file(auth_dir.join("placeholder.auth")).unwrap();

    // The network starts only if the client holding alice's key reached the service and the
    // keyless client was refused with 0xF4 (the script checks both).
    let net = tor_start(&jsock, &auth_dir, &alice.private_key);
    let onion = net.get("ONION_JOURNALIST").to_owned();
    let (code, s) = crate::socks::connect(net.get("SOCKS"), &onion, 80, None);
    assert_eq!(code, 0, "alice's key opens the journalist onion");
    let r = crate::http::request_over(s, &onion, "GET", "/login", &[], b"");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("Two-factor code"), "{}", r.text());
    assert_eq!(
        crate::socks::settled_code(net.get("SOCKS_NOAUTH"), &onion),
        0xF4,
        "no key, no entry"
    );
    net.stop();

    // Alice leaves, Bob joins; after tor restarts, Bob gets in and Alice's key does not.
    let bob = parse_creds("bob", &cli(&["journalist", "add", "bob"]));
    cli(&["journalist", "remove", "alice"]);
    assert!(!auth_dir.join("alice.auth").exists());
    let net = tor_start(&jsock, &auth_dir, &bob.private_key);
    let onion = net.get("ONION_JOURNALIST").to_owned();
    assert_eq!(
        crate::socks::settled_code(net.get("SOCKS"), &onion),
        0,
        "bob's key works"
    );
    let line = format!(
        "{}:descriptor:x25519:{}\n",
        onion.trim_end_matches(".onion"),
        alice.private_key
    );
    let (mut extra, socks) = extra_client(net.path(), &line);
    let code = crate::socks::settled_code(&socks, &onion);
    let _ = extra.kill();
    let _ = extra.wait();
    net.stop();
    // 0xF5 (tor's "client authorization incorrect"): the client offered alice's key, and the
    // descriptor no longer opens with it.
    assert_eq!(
        code, 0xF5,
        "the removed key no longer opens the journalist onion"
    );
    drop(server);
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
    let child = Command::new(sys_tool("tor", "tor"))
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
