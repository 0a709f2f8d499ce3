//! The deployment under `deploy/`, checked by the tool that owns each format: `systemd-analyze`
//! (verify, offline security score), `tor` (--verify-config, an offline start), `apparmor_parser`,
//! `nft -c` and `sysctl` in throwaway namespaces; `postern check` for each failure it reports;
//! socket activation and readiness of `postern serve`; and the shipped tor settings on a private
//! Tor network. Every tool comes from Debian's packages (`.ci/run` installs them); a missing tool
//! fails the test, it never skips.

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{bin, run, stderr, stdout, workspace_root};

fn deploy(p: &str) -> PathBuf {
    workspace_root().join("deploy").join(p)
}

/// A system tool (in sbin as well as bin); fails loudly when missing.
fn sys_tool(name: &str, package: &str) -> PathBuf {
    for dir in ["/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("{name} is not installed: .ci/run installs it (apt-get install {package})");
}

fn all_output(o: &std::process::Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

// ---------------------------------------------------------------------------------------------
// systemd

const POSTERN_UNITS: &[&str] = &[
    "systemd/postern.service",
    "systemd/postern-check.service",
    "systemd/postern-check.timer",
    "systemd/postern-source.socket",
    "systemd/postern-journalist.socket",
    "tor/postern-tor.service",
];

/// Copies every unit into `dir`, with the installed paths pointed at this build (the binary,
/// the key-sync script, tor), as `systemd-analyze verify` checks that each command exists.
fn stage_units(dir: &Path) -> Vec<PathBuf> {
    let postern = bin("postern");
    let tor = sys_tool("tor", "tor");
    let sync = deploy("tor/sync-journalist-keys");
    POSTERN_UNITS
        .iter()
        .map(|u| {
            let text = fs::read_to_string(deploy(u)).unwrap();
            let text = text
                .replace("/usr/bin/postern", postern.to_str().unwrap())
                .replace(
                    "/usr/lib/postern/sync-journalist-keys",
                    sync.to_str().unwrap(),
                )
                .replace("/usr/bin/tor", tor.to_str().unwrap());
            let path = dir.join(Path::new(u).file_name().unwrap());
            fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

fn verify(units: &[PathBuf]) -> std::process::Output {
    // --man=no: the man page is checked with the package (lintian), not on this host.
    run(Command::new(sys_tool("systemd-analyze", "systemd"))
        .args(["verify", "--man=no"])
        .args(units))
}

#[test]
fn systemd_analyze_verify_passes_every_unit_without_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let units = stage_units(dir.path());
    let out = verify(&units);
    assert!(
        out.status.success() && all_output(&out).trim().is_empty(),
        "systemd-analyze verify must be silent ({}):\n{}",
        out.status,
        all_output(&out)
    );
    // The gate can fail: an unknown key only warns (exit 0), and that warning fails the test.
    let bad = dir.path().join("postern.service");
    let text = fs::read_to_string(&bad).unwrap();
    fs::write(
        &bad,
        text.replace("ProtectSystem=strict", "ProtectSystm=strict"),
    )
    .unwrap();
    let out = verify(&[bad]);
    assert!(
        all_output(&out).contains("ProtectSystm"),
        "a typo must be reported: {}",
        all_output(&out)
    );
}

/// The number in `Overall exposure level for X: 0.2 SAFE`.
fn exposure(unit: &Path) -> f64 {
    let out = run(Command::new(sys_tool("systemd-analyze", "systemd"))
        .args(["security", "--offline=true", "--no-pager"])
        .arg(unit));
    let text = all_output(&out);
    let line = text
        .lines()
        .find(|l| l.contains("Overall exposure level for"))
        .unwrap_or_else(|| panic!("no exposure line for {}: {text}", unit.display()));
    let after = line.rsplit(": ").next().unwrap();
    after
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|e| panic!("{line}: {e}"))
}

#[test]
fn systemd_analyze_security_scores_the_units() {
    let dir = tempfile::tempdir().unwrap();
    stage_units(dir.path());
    let mut seen = Vec::new();
    for (unit, max) in [
        ("postern.service", 0.2),
        ("postern-check.service", 0.2),
        ("postern-tor.service", 1.5),
    ] {
        let score = exposure(&dir.path().join(unit));
        eprintln!("{unit}: exposure {score}");
        assert!(score <= max, "{unit}: exposure {score} > {max}");
        seen.push(score);
    }
    // The parser reads real scores: a bare unit is far worse.
    let naive = dir.path().join("naive.service");
    fs::write(&naive, "[Service]\nExecStart=/bin/true\n").unwrap();
    assert!(exposure(&naive) > 5.0, "a bare unit scores as exposed");

    // Unit policy: what the score does not say by itself.
    let server = fs::read_to_string(deploy("systemd/postern.service")).unwrap();
    let check = fs::read_to_string(deploy("systemd/postern-check.service")).unwrap();
    let tor = fs::read_to_string(deploy("tor/postern-tor.service")).unwrap();
    for unit in [&server, &check] {
        for line in [
            "PrivateNetwork=yes",
            "CapabilityBoundingSet=\n",
            "UMask=0077",
            "SystemCallFilter=@system-service",
            "StateDirectory=postern\n",
            "User=postern",
            "NoNewPrivileges=yes",
        ] {
            assert!(unit.contains(line), "a Postern unit lacks {line:?}");
        }
    }
    assert!(check.contains("RestrictAddressFamilies=none"));
    assert!(server.contains("RestrictAddressFamilies=AF_UNIX\n"));
    assert!(server.contains("Type=notify") && server.contains("serve --config"));
    assert!(server.contains("ExecStartPre=/usr/bin/postern check"));
    // As postern, who owns the key files `postern journalist add` writes (found on the VM).
    assert!(tor.contains(
        "ExecStartPre=+/usr/bin/setpriv --reuid=postern --regid=postern --clear-groups -- /usr/bin/postern check --journalist-auth-only"
    ));
    assert!(tor.contains("CapabilityBoundingSet=\n") && tor.contains("KillSignal=SIGINT"));
    for unit in [&server, &check, &tor] {
        assert!(!unit.contains("User=root") && !unit.contains("PermissionsStartOnly"));
    }
    for (sock, name) in [("source", "source"), ("journalist", "journalist")] {
        let s = fs::read_to_string(deploy(&format!("systemd/postern-{sock}.socket"))).unwrap();
        assert!(s.contains(&format!("FileDescriptorName={name}\n")), "{s}");
        assert!(s.contains("Service=postern.service\n"), "{s}");
        assert!(s.contains("SocketMode=0660\n"), "{s}");
    }
}

// ---------------------------------------------------------------------------------------------
// tor

/// The shipped torrc with its paths moved into `dir` (`tor/` for the state, `run/` for the
/// sockets), plus `extra` lines.
fn stage_torrc(dir: &Path, extra: &str) -> PathBuf {
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
fn tor_verify_config_accepts_the_shipped_torrc_and_rejects_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let torrc = stage_torrc(dir.path(), "");
    let out = tor_verify(&torrc);
    assert!(
        out.status.success(),
        "tor --verify-config on the shipped torrc:\n{}",
        all_output(&out)
    );
    let shipped = fs::read_to_string(&torrc).unwrap();
    let negatives = [
        ("unknown option", format!("{shipped}\nBogusOption 1\n")),
        (
            "single-hop",
            format!("{shipped}\nHiddenServiceSingleHopMode 1\n"),
        ),
        (
            "bad proof-of-work value",
            shipped.replace(
                "HiddenServicePoWDefensesEnabled 1",
                "HiddenServicePoWDefensesEnabled 2",
            ),
        ),
    ];
    for (what, text) in negatives {
        assert_ne!(text, shipped, "{what}: the fixture changes the torrc");
        let d = tempfile::tempdir().unwrap();
        let path = stage_torrc(d.path(), "");
        fs::write(
            &path,
            text.replace(dir.path().to_str().unwrap(), d.path().to_str().unwrap()),
        )
        .unwrap();
        let out = tor_verify(&path);
        assert!(
            !out.status.success(),
            "tor --verify-config accepted a torrc with a {what}:\n{}",
            all_output(&out)
        );
    }
}

/// An x25519 key pair for tor's client authorization, made with openssl: (public, private),
/// each 52 base32 characters.
fn x25519_pair() -> (String, String) {
    let script = r#"
        set -eu
        k=$(mktemp)
        openssl genpkey -algorithm x25519 -out "$k"
        priv=$(openssl pkey -in "$k" -outform DER | tail -c 32 | base32 | tr -d '=\n')
        pub=$(openssl pkey -in "$k" -pubout -outform DER | tail -c 32 | base32 | tr -d '=\n')
        rm -f "$k"
        echo "$pub $priv"
    "#;
    let out = run(Command::new("sh").args(["-c", script]));
    assert!(out.status.success(), "openssl: {}", stderr(&out));
    let text = stdout(&out);
    let (public, private) = text.trim().split_once(' ').unwrap();
    assert_eq!((public.len(), private.len()), (52, 52), "{text}");
    (public.to_owned(), private.to_owned())
}

/// A minimal config for `postern check --journalist-auth-only` (which reads nothing else).
fn journalist_only_config(dir: &Path, clients: &Path) -> PathBuf {
    let path = dir.join("postern.toml");
    fs::write(
        &path,
        format!(
            "organization = \"Test\"\ndata_dir = \"{}\"\nrecipients = []\n[source]\nlisten = \"systemd:source\"\n[journalist]\nlisten = \"systemd:journalist\"\nauthorized_clients_dir = \"{}\"\n",
            dir.join("data").display(),
            clients.display()
        ),
    )
    .unwrap();
    path
}

fn clients_dir(dir: &Path, files: &[(&str, String)]) -> PathBuf {
    let clients = dir.join("journalist-clients");
    fs::create_dir(&clients).unwrap();
    fs::set_permissions(&clients, fs::Permissions::from_mode(0o755)).unwrap();
    for (name, text) in files {
        fs::write(clients.join(name), text).unwrap();
    }
    clients
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

// ---------------------------------------------------------------------------------------------
// AppArmor, nftables, sysctl

#[test]
fn apparmor_parser_accepts_the_profile() {
    let parser = sys_tool("apparmor_parser", "apparmor");
    let profile = deploy("apparmor/postern");
    let out = run(Command::new(&parser).args(["-Q", "-K", "-T"]).arg(&profile));
    assert!(
        out.status.success(),
        "apparmor_parser: {}",
        all_output(&out)
    );
    let text = fs::read_to_string(&profile).unwrap();
    let rules: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .collect();
    // No capability at all, no inet socket, nothing executable.
    // Denied and logged (`audit`): a plain `deny` is silent in the kernel log (seen on the VM).
    assert!(rules.contains(&"audit deny capability,"));
    assert!(
        !rules
            .iter()
            .any(|l| l.starts_with("capability") || l.starts_with("network inet")),
        "{text}"
    );
    for line in [
        "audit deny network inet,",
        "audit deny network inet6,",
        "deny /** x,",
    ] {
        assert!(rules.contains(&line), "{line}");
    }
    assert!(
        rules.contains(&"/etc/postern/postern.toml r,"),
        "config read-only"
    );
    // A broken profile is refused (the check can fail).
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("postern");
    fs::write(
        &broken,
        text.replace("audit deny network raw,", "audit deny network bogus,"),
    )
    .unwrap();
    let out = run(Command::new(&parser).args(["-Q", "-K", "-T"]).arg(&broken));
    assert!(!out.status.success(), "a broken profile parsed");
}

/// Runs `script` as `sh -c` in fresh network and mount namespaces, where /etc/passwd also
/// knows the system users the ruleset names (created by the package on a real host).
fn in_netns(dir: &Path, script: &str) -> std::process::Output {
    let mut passwd = fs::read_to_string("/etc/passwd").unwrap();
    for (user, uid) in [
        ("_postern-tor", 64990),
        ("_apt", 64991),
        ("systemd-timesync", 64992),
    ] {
        if !passwd.lines().any(|l| l.starts_with(&format!("{user}:"))) {
            passwd.push_str(&format!(
                "{user}:x:{uid}:65534::/nonexistent:/usr/sbin/nologin\n"
            ));
        }
    }
    let p = dir.join("passwd");
    fs::write(&p, passwd).unwrap();
    run(Command::new(sys_tool("unshare", "util-linux"))
        .args(["--mount", "--net", "--propagation", "private", "sh", "-c"])
        .arg(format!(
            "mount --bind {} /etc/passwd && {script}",
            p.display()
        )))
}

#[test]
fn nft_accepts_the_ruleset_in_a_throwaway_netns() {
    let nft = sys_tool("nft", "nftables");
    let rules = deploy("nftables/postern.nft");
    let dir = tempfile::tempdir().unwrap();
    let out = in_netns(
        dir.path(),
        &format!(
            "{nft} -c -f {r} && {nft} -f {r} && {nft} list table inet postern",
            nft = nft.display(),
            r = rules.display()
        ),
    );
    let listed = stdout(&out);
    assert!(out.status.success(), "nft: {}", all_output(&out));
    assert_eq!(listed.matches("policy drop;").count(), 3, "{listed}");
    assert!(
        listed.contains("_postern-tor") || listed.contains("64990"),
        "{listed}"
    );
    assert!(listed.contains("iif \"lo\" accept"), "{listed}");
    // A typo is refused.
    let bad = dir.path().join("bad.nft");
    fs::write(
        &bad,
        fs::read_to_string(&rules)
            .unwrap()
            .replacen("policy drop;", "polcy drop;", 1),
    )
    .unwrap();
    let out = in_netns(
        dir.path(),
        &format!("{} -c -f {}", nft.display(), bad.display()),
    );
    assert!(!out.status.success(), "nft accepted a typo");
}

/// Keys some kernels lack (minimal VM kernels: no Yama, kexec or sysrq, no BPF JIT).
const KERNEL_DEPENDENT: &[&str] = &[
    "kernel.yama.ptrace_scope",
    "kernel.kexec_load_disabled",
    "kernel.sysrq",
    "net.core.bpf_jit_harden",
];

#[test]
fn sysctl_keys_exist_and_the_network_ones_apply_in_a_netns() {
    let text = fs::read_to_string(deploy("sysctl/90-postern.conf")).unwrap();
    let keys: Vec<(&str, &str)> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.trim(), v.trim())
        })
        .collect();
    assert!(keys.len() >= 25, "{keys:?}");
    for (k, _) in &keys {
        let path = Path::new("/proc/sys").join(k.replace('.', "/"));
        assert!(
            path.exists() || KERNEL_DEPENDENT.contains(k),
            "{k}: no such sysctl on this kernel (a typo?)"
        );
    }
    // The per-namespace keys, applied for real in a throwaway network namespace.
    let dir = tempfile::tempdir().unwrap();
    let net = dir.path().join("net.conf");
    let net_keys: Vec<_> = keys
        .iter()
        .filter(|(k, _)| k.starts_with("net.ipv4.") || k.starts_with("net.ipv6."))
        .collect();
    fs::write(
        &net,
        net_keys
            .iter()
            .map(|(k, v)| format!("{k} = {v}\n"))
            .collect::<String>(),
    )
    .unwrap();
    let out = run(Command::new(sys_tool("unshare", "util-linux"))
        .args(["--net", "sh", "-c"])
        .arg(format!(
            "sysctl -q -p {} && sysctl -n net.ipv4.conf.all.rp_filter net.ipv6.conf.all.disable_ipv6",
            net.display()
        )));
    assert!(out.status.success(), "sysctl -p: {}", all_output(&out));
    assert_eq!(
        stdout(&out).split_whitespace().collect::<Vec<_>>(),
        ["1", "1"]
    );
}

// ---------------------------------------------------------------------------------------------
// postern check and postern serve

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
            "{text}\n[journalist]\nlisten = \"systemd:journalist\"\nauthorized_clients_dir = \"{}\"\n",
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
fn postern_check_passes_a_good_deployment_and_names_each_failure() {
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

    // Data folder readable by others.
    fs::set_permissions(d.data(), fs::Permissions::from_mode(0o755)).unwrap();
    d.fails_only("data folder", "loose permissions");
    fs::set_permissions(d.data(), fs::Permissions::from_mode(0o700)).unwrap();

    // A newsroom secret key left on the server.
    let stray = d.data().join("newsroom-key.txt");
    fs::write(&stray, "# created: today\nAGE-SECRET-KEY-1QQQQ\n").unwrap();
    d.fails_only("no secret key on the server", "SECRET key");
    fs::remove_file(&stray).unwrap();

    // A reserve larger than the disk.
    fs::write(
        &d.config,
        d.text.replace(
            "disk_reserve_bytes = 1048576",
            "disk_reserve_bytes = 9223372036854775807",
        ),
    )
    .unwrap();
    d.fails_only("disk reserve", "every upload is refused");

    // A recipient that is not one.
    let bad = d.text.replacen("\"age1", "\"age2", 1);
    assert_ne!(bad, d.text);
    fs::write(&d.config, bad).unwrap();
    d.fails_only("recipients", "recipients");

    // A secret key in the config itself: nothing else is checked.
    fs::write(&d.config, format!("# AGE-SECRET-KEY-1XYZ\n{}", d.text)).unwrap();
    let out = d.check();
    assert!(!out.status.success());
    assert!(stdout(&out).contains("FAIL  config:") && stdout(&out).contains("SECRET"));
    fs::write(&d.config, &d.text).unwrap();

    // Client authorization: no key at all, then one malformed key beside a good one.
    let alice = fs::read_to_string(d.clients.join("alice.auth")).unwrap();
    fs::remove_file(d.clients.join("alice.auth")).unwrap();
    d.fails_only(
        "journalist client authorization",
        "no journalist is authorized",
    );
    fs::write(d.clients.join("alice.auth"), &alice).unwrap();
    fs::write(d.clients.join("bob.auth"), "descriptor:x25519:tooshort\n").unwrap();
    d.fails_only("journalist client authorization", "malformed");
    fs::remove_file(d.clients.join("bob.auth")).unwrap();

    // A tor config that forwards to TCP.
    fs::write(
        &d.torrc,
        fs::read_to_string(deploy("tor/torrc"))
            .unwrap()
            .replace("unix:/run/postern/source.sock", "127.0.0.1:8080"),
    )
    .unwrap();
    d.fails_only("tor config", "unix socket only");
    fs::copy(deploy("tor/torrc"), &d.torrc).unwrap();

    let out = d.check();
    assert!(out.status.success(), "restored: {}", all_output(&out));
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
    s.write_all(b"GET /en/ HTTP/1.1\r\nHost: x.onion\r\nConnection: close\r\n\r\n")
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

// ---------------------------------------------------------------------------------------------
// The shipped tor settings on a private Tor network

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

/// SOCKS5 CONNECT without authentication; returns the reply code (0 = success) and the stream.
fn socks_connect(proxy: &str, host: &str) -> (u8, std::net::TcpStream) {
    let mut s = std::net::TcpStream::connect(proxy).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    s.write_all(&[5, 1, 0]).unwrap();
    let mut reply = [0u8; 2];
    s.read_exact(&mut reply).unwrap();
    assert_eq!(reply, [5, 0]);
    let mut req = vec![5, 1, 0, 3, u8::try_from(host.len()).unwrap()];
    req.extend_from_slice(host.as_bytes());
    req.extend_from_slice(&80u16.to_be_bytes());
    s.write_all(&req).unwrap();
    let mut head = [0u8; 4];
    s.read_exact(&mut head).unwrap();
    if head[1] == 0 {
        // The bound address: type 1 (IPv4) from tor.
        let mut rest = [0u8; 6];
        s.read_exact(&mut rest).unwrap();
    }
    (head[1], s)
}

fn http_get_over(proxy: &str, host: &str, path: &str) -> String {
    let (code, mut s) = socks_connect(proxy, host);
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
    let reviewer = crate::support::Reviewer::new();
    let sockdir = tempfile::Builder::new()
        .prefix("pn-")
        .tempdir_in("/tmp")
        .unwrap();
    let source_sock = sockdir.path().join("source.sock");
    let journalist_sock = sockdir.path().join("journalist.sock");
    let _server = crate::support::Server::new_unix(&reviewer.recipient, &source_sock, |c| c);
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

    let net = tempfile::Builder::new()
        .prefix("postern-tor-")
        .tempdir_in("/tmp")
        .unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("support/tor-testnet");
    let started = Instant::now();
    let out = run(Command::new(&script)
        .arg("start")
        .arg(net.path())
        .arg("--service")
        .arg(format!("source=unix:{}", source_sock.display()))
        .arg("--service")
        .arg(format!("journalist=unix:{}", journalist_sock.display()))
        .args(["--pow", "source", "--client-auth", "journalist"])
        .arg("--auth-dir")
        .arg(format!("journalist={}", clients.display()))
        .arg("--auth-key")
        .arg(format!("journalist={private}"))
        .arg("--hs-extra")
        .arg(&extras[0])
        .arg("--hs-extra")
        .arg(&extras[1])
        .args(["--owner-pid", &std::process::id().to_string()]));
    if !out.status.success() {
        let kept = net.keep();
        panic!(
            "tor-testnet start failed; logs in {}:\n{}",
            kept.display(),
            stderr(&out)
        );
    }
    // On failure the script has stopped what it started; from here on, stop it ourselves.
    struct Stop<'a>(&'a Path, &'a Path);
    impl Drop for Stop<'_> {
        fn drop(&mut self) {
            let _ = run(Command::new(self.0).arg("stop").arg(self.1));
        }
    }
    let _stop = Stop(&script, net.path());
    eprintln!("tor-testnet ready in {:.1?}", started.elapsed());
    let env: std::collections::HashMap<String, String> = stdout(&out)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
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
    let (source, journalist) = (&env["ONION_SOURCE"], &env["ONION_JOURNALIST"]);
    let (keyed, keyless) = (&env["SOCKS"], &env["SOCKS_NOAUTH"]);

    // The source interface is public: reachable without any key.
    let page = http_get_over(keyless, source, "/en/");
    assert!(page.starts_with("HTTP/1.1 200"), "{page:.300}");
    // The journalist service: open with the key, closed (0xF4, client auth missing) without.
    let page = http_get_over(keyed, journalist, "/");
    assert!(page.ends_with("journalist"), "{page:.300}");
    let mut code = socks_connect(keyless, journalist).0;
    if code == 0x04 {
        // Within 5 s of a failed fetch tor answers "host unreachable" from its cache.
        std::thread::sleep(Duration::from_secs(6));
        code = socks_connect(keyless, journalist).0;
    }
    assert_eq!(
        code, 0xF4,
        "a client without a key must be refused (0xF4), got 0x{code:02X}"
    );
}
