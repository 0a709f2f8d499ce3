//! The shipped torrc, checked by tor itself: `--verify-config` accepts it and refuses broken
//! ones, an offline start publishes v3 names and loads the journalist key, and the fail-open tor
//! has on a malformed client-auth file is caught by `postern check` first.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{all_output, clients_dir, deploy, journalist_only_config, x25519_pair};
use crate::support::{bin, run, stdout, sys_tool};

/// The shipped torrc with its paths moved into `dir` (`tor/` for the state, `run/` for the
/// sockets), plus `extra` lines.
pub fn stage_torrc(dir: &Path, extra: &str) -> PathBuf {
    let text = fs::read_to_string(deploy("tor/torrc")).unwrap();
    let state = dir.join("tor");
    let sockets = dir.join("run");
    fs::create_dir_all(&sockets).unwrap();
    let text = text
        .replace("/var/lib/postern-tor", state.to_str().unwrap())
        .replace("/run/postern", sockets.to_str().unwrap());
    let path = dir.join("torrc");
    fs::write(&path, format!("{text}\n{extra}\n")).unwrap();
    path
}

fn tor_verify(torrc: &Path) -> std::process::Output {
    run(Command::new(sys_tool("tor", "tor"))
        .args(["--defaults-torrc", "/dev/null", "--verify-config", "-f"])
        .arg(torrc))
}

#[test]
fn tor_verify_config_accepts_the_shipped_torrc() {
    let dir = tempfile::tempdir().unwrap();
    let torrc = stage_torrc(dir.path(), "");
    let out = tor_verify(&torrc);
    assert!(
        out.status.success(),
        "tor --verify-config on the shipped torrc:\n{}",
        all_output(&out)
    );
}

/// The shipped torrc passes, and `change(shipped)` (which must change it) does not.
fn rejected(what: &str, change: impl FnOnce(&str) -> String) {
    let dir = tempfile::tempdir().unwrap();
    let torrc = stage_torrc(dir.path(), "");
    let out = tor_verify(&torrc);
    assert!(
        out.status.success(),
        "the shipped torrc:\n{}",
        all_output(&out)
    );
    let shipped = fs::read_to_string(&torrc).unwrap();
    let text = change(&shipped);
    assert_ne!(text, shipped, "{what}: the fixture changes the torrc");
    fs::write(&torrc, text).unwrap();
    let out = tor_verify(&torrc);
    assert!(
        !out.status.success(),
        "tor --verify-config accepted a torrc with a {what}:\n{}",
        all_output(&out)
    );
}

/// Formerly the negative cases of `tor_verify_config_accepts_the_shipped_torrc_and_rejects_bad_ones`.
mod tor_verify_config_rejects_a_torrc_with {
    use super::rejected;

    #[test]
    fn an_unknown_option() {
        rejected("unknown option", |s| format!("{s}\nBogusOption 1\n"));
    }

    #[test]
    fn single_hop_mode() {
        rejected("single-hop", |s| {
            format!("{s}\nHiddenServiceSingleHopMode 1\n")
        });
    }

    #[test]
    fn a_bad_proof_of_work_value() {
        rejected("bad proof-of-work value", |s| {
            s.replace(
                "HiddenServicePoWDefensesEnabled 1",
                "HiddenServicePoWDefensesEnabled 2",
            )
        });
    }
}

/// What the tor unit does before tor starts: the fail-closed check, then the key copy.
fn tor_unit_prestart(dir: &Path, clients: &Path) -> std::process::Output {
    let config = journalist_only_config(dir, clients);
    let check = run(Command::new(bin("postern"))
        .args(["check", "--journalist-auth-only", "--config"])
        .arg(&config));
    if check.status.success() {
        let user = stdout(&run(Command::new("id").arg("-un")));
        let out = run(Command::new(deploy("tor/sync-journalist-keys"))
            .arg(clients)
            .arg(dir.join("tor/journalist/authorized_clients"))
            .arg(user.trim()));
        assert!(
            out.status.success(),
            "sync-journalist-keys: {}",
            all_output(&out)
        );
    }
    check
}

/// Starts tor offline (`DisableNetwork 1`) on the staged torrc and stops it (SIGINT) once
/// `done(log)` holds and both services have a hostname, or after 60 s. Returns the info log.
fn tor_offline(dir: &Path, done: impl Fn(&str) -> bool) -> String {
    let log = dir.join("info.log");
    let torrc = fs::read_to_string(dir.join("torrc")).unwrap().replace(
        "Log notice stdout",
        &format!("DisableNetwork 1\nLog info file {}", log.display()),
    );
    fs::write(dir.join("torrc"), torrc).unwrap();
    let mut child = Command::new(sys_tool("tor", "tor"))
        .args(["--defaults-torrc", "/dev/null", "-f"])
        .arg(dir.join("torrc"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let ready = || {
        let text = fs::read_to_string(&log).unwrap_or_default();
        dir.join("tor/source/hostname").exists()
            && dir.join("tor/journalist/hostname").exists()
            && done(&text)
    };
    while !ready() && Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "tor exited with {status}:\n{}",
                fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    run(Command::new("kill").args(["-INT", &child.id().to_string()]));
    let _ = child.wait();
    fs::read_to_string(&log).unwrap_or_default()
}

const LOADED: &str = "Loaded a client authorization key file";

#[test]
fn tor_offline_start_publishes_v3_names_and_loads_the_journalist_key() {
    let dir = tempfile::tempdir().unwrap();
    stage_torrc(dir.path(), "");
    let (public, _) = x25519_pair();
    let clients = clients_dir(
        dir.path(),
        &[("alice.auth", format!("descriptor:x25519:{public}\n"))],
    );
    let check = tor_unit_prestart(dir.path(), &clients);
    assert!(check.status.success(), "{}", all_output(&check));
    assert!(
        stdout(&check)
            .contains("OK    journalist client authorization: in effect, 1 journalist key(s)"),
        "{}",
        stdout(&check)
    );
    let log = tor_offline(dir.path(), |l| l.contains(LOADED));
    assert!(log.contains(LOADED), "tor did not load the key:\n{log}");
    for service in ["source", "journalist"] {
        let hs = dir.path().join("tor").join(service);
        let name = fs::read_to_string(hs.join("hostname")).unwrap();
        let name = name.trim();
        let label = name.strip_suffix(".onion").unwrap_or("");
        assert!(
            label.len() == 56
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)),
            "{service}: not a v3 onion name: {name}"
        );
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&hs.join("hostname")), 0o600, "{service}/hostname");
        assert_eq!(mode(&hs), 0o700, "{service}/");
    }
    assert!(
        !log.lines()
            .any(|l| l.contains("[warn]") && l.to_ascii_lowercase().contains("authoriz")),
        "a client-auth warning:\n{log}"
    );
    assert!(
        log.contains("PoW") || log.contains("pow"),
        "tor mentions proof-of-work for the source service:\n{log}"
    );
}

#[test]
fn a_malformed_auth_file_is_caught_by_postern_check_and_would_be_ignored_by_tor() {
    let dir = tempfile::tempdir().unwrap();
    stage_torrc(dir.path(), "");
    let (public, _) = x25519_pair();
    // One character short: tor ignores the file, and with no other file the service is public.
    let bad = format!("descriptor:x25519:{}\n", &public[..51]);
    let clients = clients_dir(dir.path(), &[("alice.auth", bad)]);
    let check = tor_unit_prestart(dir.path(), &clients);
    assert!(!check.status.success(), "{}", all_output(&check));
    assert!(
        stdout(&check).contains("FAIL  journalist client authorization")
            && stdout(&check).contains("malformed"),
        "{}",
        stdout(&check)
    );
    // What tor alone would do with it: warn, load nothing, and publish the service anyway.
    let hs_clients = dir.path().join("tor/journalist/authorized_clients");
    fs::create_dir_all(&hs_clients).unwrap();
    for d in [
        dir.path().join("tor"),
        dir.path().join("tor/journalist"),
        hs_clients.clone(),
    ] {
        fs::set_permissions(&d, fs::Permissions::from_mode(0o700)).unwrap();
    }
    fs::copy(clients.join("alice.auth"), hs_clients.join("alice.auth")).unwrap();
    let log = tor_offline(dir.path(), |l| {
        l.lines()
            .any(|l| l.contains("[warn]") && l.contains("lient auth"))
    });
    assert!(!log.contains(LOADED), "{log}");
    assert!(
        log.lines()
            .any(|l| l.contains("[warn]") && l.contains("lient auth")),
        "tor warns about the malformed key:\n{log}"
    );
    assert!(dir.path().join("tor/journalist/hostname").exists());
}
