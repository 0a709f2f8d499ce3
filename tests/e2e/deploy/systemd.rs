//! The systemd units: `systemd-analyze verify` silent on every unit, the offline security
//! score of each service, and the policy lines the score does not show.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{all_output, deploy};
use crate::support::{bin, run, sys_tool};

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

/// `systemd-analyze security --offline` scores each staged unit at most `max`.
fn scores_at_most(unit: &str, max: f64) {
    let dir = tempfile::tempdir().unwrap();
    stage_units(dir.path());
    let score = exposure(&dir.path().join(unit));
    eprintln!("{unit}: exposure {score}");
    assert!(score <= max, "{unit}: exposure {score} > {max}");
}

/// Formerly the loop of `systemd_analyze_security_scores_the_units`: one test per unit.
mod systemd_analyze_security_scores_the_units {
    use super::*;

    #[test]
    fn postern_service() {
        scores_at_most("postern.service", 0.2);
    }

    #[test]
    fn postern_check_service() {
        scores_at_most("postern-check.service", 0.2);
    }

    #[test]
    fn postern_tor_service() {
        scores_at_most("postern-tor.service", 1.5);
    }

    /// The parser reads real scores: a bare unit is far worse.
    #[test]
    fn a_bare_unit_as_exposed() {
        let dir = tempfile::tempdir().unwrap();
        let naive = dir.path().join("naive.service");
        fs::write(&naive, "[Service]\nExecStart=/bin/true\n").unwrap();
        assert!(exposure(&naive) > 5.0, "a bare unit scores as exposed");
    }
}

#[test]
fn the_units_keep_the_policy_the_score_does_not_show() {
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
