//! `postern check` on a deployment made by `postern init` (each failure it names), and
//! `postern serve` as systemd starts it: refusing without client authorization, taking the
//! socket systemd passes, and notifying readiness.

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{all_output, clients_dir, deploy, x25519_pair};
use crate::support::{bin, run, stderr, stdout, sys_tool};

/// A data folder made by `postern init` (listening on systemd's `source` socket), a
/// `[journalist]` section with one good key, and a copy of the shipped torrc.
struct Deployment {
    dir: tempfile::TempDir,
    config: PathBuf,
    clients: PathBuf,
    torrc: PathBuf,
    text: String,
}

impl Deployment {
    fn new() -> Deployment {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let recipient = age::x25519::Identity::generate().to_public().to_string();
        let out = run(Command::new(bin("postern"))
            .args([
                "init",
                "--listen",
                "systemd:source",
                "--recipient",
                &recipient,
                "--data",
            ])
            .arg(&data));
        assert!(out.status.success(), "postern init: {}", all_output(&out));
        let (public, _) = x25519_pair();
        let clients = clients_dir(
            dir.path(),
            &[("alice.auth", format!("descriptor:x25519:{public}\n"))],
        );
        let config = data.join("postern.toml");
        let text = fs::read_to_string(&config).unwrap().replace(
            "disk_reserve_bytes = 1073741824",
            "disk_reserve_bytes = 1048576",
        );
        assert!(text.contains("disk_reserve_bytes = 1048576"), "{text}");
        let text = format!(
            "{text}\n[journalist]\nlisten = \"systemd:journalist\"\nauthorized_clients_dir = \"{}\"\nproxy_protocol = true\n",
            clients.display()
        );
        fs::write(&config, &text).unwrap();
        let torrc = dir.path().join("torrc");
        fs::copy(deploy("tor/torrc"), &torrc).unwrap();
        Deployment {
            dir,
            config,
            clients,
            torrc,
            text,
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn check(&self) -> std::process::Output {
        run(Command::new(bin("postern"))
            .args(["check", "--config"])
            .arg(&self.config)
            .arg("--torrc")
            .arg(&self.torrc))
    }

    /// `postern check` passes.
    fn passes(&self) {
        let out = self.check();
        assert!(out.status.success(), "{}", all_output(&out));
    }

    /// `postern check` fails with exactly one FAIL line, for `what`, containing `hint`.
    fn fails_only(&self, what: &str, hint: &str) {
        let out = self.check();
        let text = stdout(&out);
        assert!(!out.status.success(), "check passed:\n{text}");
        let fails: Vec<&str> = text.lines().filter(|l| l.starts_with("FAIL")).collect();
        assert_eq!(fails.len(), 1, "{text}");
        assert!(
            fails[0].starts_with(&format!("FAIL  {what}:")) && fails[0].contains(hint),
            "want FAIL {what} with {hint:?}:\n{text}"
        );
    }
}

#[test]
fn postern_check_passes_a_good_deployment() {
    let d = Deployment::new();
    let out = d.check();
    assert!(out.status.success(), "{}", all_output(&out));
    let text = stdout(&out);
    for what in [
        "config",
        "recipients",
        "data folder",
        "no secret key on the server",
        "disk reserve",
        "journalist client authorization",
        "tor config",
    ] {
        assert!(text.contains(&format!("OK    {what}: ")), "{what}:\n{text}");
    }
}

/// Formerly the steps of `postern_check_passes_a_good_deployment_and_names_each_failure`: each
/// fault on a good deployment makes exactly its check fail, and undoing it makes all pass.
mod postern_check_names_each_failure {
    use super::*;

    #[test]
    fn a_data_folder_readable_by_others() {
        let d = Deployment::new();
        fs::set_permissions(d.data(), fs::Permissions::from_mode(0o755)).unwrap();
        d.fails_only("data folder", "loose permissions");
        fs::set_permissions(d.data(), fs::Permissions::from_mode(0o700)).unwrap();
        d.passes();
    }

    #[test]
    fn a_newsroom_secret_key_left_on_the_server() {
        let d = Deployment::new();
        let stray = d.data().join("newsroom-key.txt");
        fs::write(&stray, "# created: today\nAGE-SECRET-KEY-1QQQQ\n").unwrap();
        d.fails_only("no secret key on the server", "SECRET key");
        fs::remove_file(&stray).unwrap();
        d.passes();
    }

    #[test]
    fn a_reserve_larger_than_the_disk() {
        let d = Deployment::new();
        fs::write(
            &d.config,
            d.text.replace(
                "disk_reserve_bytes = 1048576",
                "disk_reserve_bytes = 9223372036854775807",
            ),
        )
        .unwrap();
        d.fails_only("disk reserve", "every upload is refused");
        fs::write(&d.config, &d.text).unwrap();
        d.passes();
    }

    #[test]
    fn a_recipient_that_is_not_one() {
        let d = Deployment::new();
        let bad = d.text.replacen("\"age1", "\"age2", 1);
        assert_ne!(bad, d.text);
        fs::write(&d.config, bad).unwrap();
        d.fails_only("recipients", "recipients");
        fs::write(&d.config, &d.text).unwrap();
        d.passes();
    }

    /// A secret key in the config itself: nothing else is checked.
    #[test]
    fn a_secret_key_in_the_config() {
        let d = Deployment::new();
        fs::write(&d.config, format!("# AGE-SECRET-KEY-1XYZ\n{}", d.text)).unwrap();
        let out = d.check();
        assert!(!out.status.success());
        assert!(stdout(&out).contains("FAIL  config:") && stdout(&out).contains("SECRET"));
        fs::write(&d.config, &d.text).unwrap();
        d.passes();
    }

    #[test]
    fn no_journalist_key_at_all() {
        let d = Deployment::new();
        let alice = fs::read_to_string(d.clients.join("alice.auth")).unwrap();
        fs::remove_file(d.clients.join("alice.auth")).unwrap();
        d.fails_only(
            "journalist client authorization",
            "no journalist is authorized",
        );
        fs::write(d.clients.join("alice.auth"), &alice).unwrap();
        d.passes();
    }

    #[test]
    fn a_malformed_key_beside_a_good_one() {
        let d = Deployment::new();
        fs::write(d.clients.join("bob.auth"), "descriptor:x25519:tooshort\n").unwrap();
        d.fails_only("journalist client authorization", "malformed");
        fs::remove_file(d.clients.join("bob.auth")).unwrap();
        d.passes();
    }

    #[test]
    fn a_tor_config_that_forwards_to_tcp() {
        let d = Deployment::new();
        fs::write(
            &d.torrc,
            fs::read_to_string(deploy("tor/torrc"))
                .unwrap()
                .replace("unix:/run/postern/source.sock", "127.0.0.1:8080"),
        )
        .unwrap();
        d.fails_only("tor config", "unix socket only");
        fs::copy(deploy("tor/torrc"), &d.torrc).unwrap();
        d.passes();
    }

    /// `postern check --torrc`: tor's PROXY header and `proxy_protocol` must go together, each
    /// way (one without the other fails every request, or closes every connection).
    #[test]
    fn a_tor_config_whose_proxy_header_disagrees_with_the_config() {
        let d = Deployment::new();
        let shipped = fs::read_to_string(deploy("tor/torrc")).unwrap();
        fs::write(
            &d.torrc,
            shipped.replacen("HiddenServiceExportCircuitID haproxy", "", 1),
        )
        .unwrap();
        d.fails_only("tor config", "does not send tor's PROXY header");
        fs::copy(deploy("tor/torrc"), &d.torrc).unwrap();
        d.passes();
        fs::write(
            &d.config,
            d.text
                .replace("proxy_protocol = true", "proxy_protocol = false"),
        )
        .unwrap();
        d.fails_only("tor config", "no `proxy_protocol = true`");
        fs::write(&d.config, &d.text).unwrap();
        d.passes();
    }
}

#[test]
fn serve_refuses_to_start_without_journalist_client_authorization() {
    let d = Deployment::new();
    fs::remove_file(d.clients.join("alice.auth")).unwrap();
    let sockdir = tempfile::Builder::new()
        .prefix("pd-")
        .tempdir_in("/tmp")
        .unwrap();
    let sock = sockdir.path().join("s.sock");
    fs::write(
        &d.config,
        d.text.replace(
            "\"systemd:source\"",
            &format!("\"unix:{}\"", sock.display()),
        ),
    )
    .unwrap();
    let out = run(Command::new(bin("postern"))
        .args(["serve", "--config"])
        .arg(&d.config));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("refusing to start") && err.contains("no journalist is authorized"),
        "{err}"
    );
    assert!(!sock.exists(), "nothing was bound");
}

/// `postern serve` behind `systemd-socket-activate`: it takes the socket named `source`
/// (LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES), serves on it, and sends READY=1 to NOTIFY_SOCKET.
#[test]
fn serve_takes_the_socket_systemd_passes_and_notifies_readiness() {
    let d = Deployment::new();
    // This test is about the source socket; the journalist interface is not served yet.
    fs::write(&d.config, d.text.split("\n[journalist]").next().unwrap()).unwrap();
    let sockdir = tempfile::Builder::new()
        .prefix("pa-")
        .tempdir_in("/tmp")
        .unwrap();
    let sock = sockdir.path().join("source.sock");
    let notify_path = sockdir.path().join("notify");
    let notify = UnixDatagram::bind(&notify_path).unwrap();
    notify
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let start = |fdname: &str| {
        Command::new(sys_tool("systemd-socket-activate", "systemd"))
            .arg("-l")
            .arg(&sock)
            .arg(format!("--fdname={fdname}"))
            .arg("-E")
            .arg(format!("NOTIFY_SOCKET={}", notify_path.display()))
            .arg(bin("postern"))
            .args(["serve", "--config"])
            .arg(&d.config)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let connect = || {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match UnixStream::connect(&sock) {
                Ok(s) => return s,
                Err(e) if Instant::now() > deadline => panic!("{}: {e}", sock.display()),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    };

    let mut child = start("source");
    let mut s = connect();
    // The first connection makes systemd-socket-activate start the server.
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // As tor would (the config of a `systemd:` listener requires the PROXY header).
    s.write_all(b"PROXY TCP6 fc00:dead:beef:4dad::1:2 ::1 65535 80\r\nGET /en/ HTTP/1.1\r\nHost: x.onion\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    let mut buf = [0u8; 256];
    let n = notify
        .recv(&mut buf)
        .expect("no READY=1 from postern serve");
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    assert!(
        resp.starts_with("HTTP/1.1 200"),
        "served on the passed socket: {resp:.200}\n{}",
        all_output(&out)
    );
    assert_eq!(String::from_utf8_lossy(&buf[..n]).trim_end(), "READY=1");
    fs::remove_file(&sock).unwrap();

    // A socket passed under another name is not taken.
    let child = start("journalist");
    drop(connect());
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no socket named `source` was passed by systemd"),
        "{}",
        all_output(&out)
    );
}
