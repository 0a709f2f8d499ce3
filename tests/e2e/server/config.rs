//! The server fails closed on a dangerous config: `postern init` refuses to write one (and
//! never overwrites), and `postern serve` refuses to start on one made dangerous after the
//! fact. One test per danger.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{Reviewer, bin, free_port, run, stderr};

fn init(args: &[&str]) -> Output {
    run(Command::new(bin("postern")).arg("init").args(args))
}

/// `postern init --data <fresh folder> <args…>` is refused with `hint` in its message, and
/// creates nothing.
fn init_refused(args: &[&str], hint: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut all = vec!["--data", data.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = init(&all);
    assert!(
        !out.status.success() && stderr(&out).contains(hint),
        "{}",
        stderr(&out)
    );
    assert!(!data.exists(), "nothing was created by a refused init");
    out
}

/// A good data folder made by `postern init` on a free loopback port.
struct Good {
    _dir: tempfile::TempDir,
    reviewer: Reviewer,
    data: PathBuf,
    config: PathBuf,
    original: String,
}

impl Good {
    fn new() -> Good {
        let reviewer = Reviewer::new();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let out = init(&[
            "--data",
            data.to_str().unwrap(),
            "--recipient",
            &reviewer.recipient,
            "--listen",
            &format!("127.0.0.1:{}", free_port()),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let config = data.join("postern.toml");
        let original = fs::read_to_string(&config).unwrap();
        Good {
            _dir: dir,
            reviewer,
            data,
            config,
            original,
        }
    }

    /// `postern serve` is refused with `hint` in its message.
    fn serve_refused(&self, hint: &str) {
        let out = run(Command::new(bin("postern"))
            .arg("serve")
            .arg("--config")
            .arg(&self.config));
        assert!(
            !out.status.success() && stderr(&out).contains(hint),
            "{}",
            stderr(&out)
        );
    }
}

fn set_mode(p: &Path, mode: u32) {
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

/// Formerly the steps of one test.
mod the_server_fails_closed_on_a_dangerous_config {
    use super::*;

    #[test]
    fn init_without_a_recipient() {
        init_refused(&[], "");
    }

    #[test]
    fn init_with_an_invalid_recipient() {
        init_refused(&["--recipient", "age1notakey"], "not a valid age");
    }

    #[test]
    fn init_with_a_secret_key_for_a_recipient() {
        let out = init_refused(
            &[
                "--recipient",
                "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
            ],
            "SECRET",
        );
        assert!(
            !stderr(&out).contains("QQQQQQQQ"),
            "the error does not echo the key"
        );
    }

    #[test]
    fn init_on_a_public_address() {
        let reviewer = Reviewer::new();
        init_refused(
            &[
                "--recipient",
                &reviewer.recipient,
                "--listen",
                "0.0.0.0:8080",
            ],
            "loopback",
        );
    }

    #[test]
    fn init_never_overwrites() {
        let g = Good::new();
        let out = init(&[
            "--data",
            g.data.to_str().unwrap(),
            "--recipient",
            &g.reviewer.recipient,
        ]);
        assert!(
            !out.status.success() && stderr(&out).contains("not empty"),
            "{}",
            stderr(&out)
        );
    }

    #[test]
    fn serve_with_a_secret_key_in_the_config() {
        let g = Good::new();
        fs::write(
            &g.config,
            format!("{}\n# AGE-SECRET-KEY-1ABC\n", g.original),
        )
        .unwrap();
        g.serve_refused("SECRET");
    }

    #[test]
    fn serve_with_a_bogus_recipient() {
        let g = Good::new();
        fs::write(
            &g.config,
            g.original.replace(&g.reviewer.recipient, "age1bogus"),
        )
        .unwrap();
        g.serve_refused("recipient");
    }

    #[test]
    fn serve_with_a_data_folder_readable_by_others() {
        let g = Good::new();
        set_mode(&g.data, 0o755);
        g.serve_refused("loose permissions");
    }

    #[test]
    fn serve_with_a_signing_key_readable_by_others() {
        let g = Good::new();
        set_mode(&g.data, 0o700);
        set_mode(&g.data.join("spool-signing.key"), 0o644);
        g.serve_refused("loose permissions");
    }
}
