//! The deployment under `deploy/`, checked by the tool that owns each format: `systemd-analyze`
//! (verify, offline security score), `tor` (--verify-config, an offline start), `apparmor_parser`,
//! `nft -c` and `sysctl` in throwaway namespaces; `postern check` for each failure it reports;
//! socket activation and readiness of `postern serve`; and the shipped tor settings on a private
//! Tor network. Every tool comes from Debian's packages (`tests/run` installs them); a missing
//! tool fails the test, it never skips.

mod check;
mod host;
mod onion;
mod systemd;
mod tor;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{run, stderr, stdout, workspace_root};

pub fn deploy(p: &str) -> PathBuf {
    workspace_root().join("deploy").join(p)
}

pub fn all_output(o: &std::process::Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

/// An x25519 key pair for tor's client authorization, made with openssl: (public, private),
/// each 52 base32 characters.
pub fn x25519_pair() -> (String, String) {
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
pub fn journalist_only_config(dir: &Path, clients: &Path) -> PathBuf {
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

pub fn clients_dir(dir: &Path, files: &[(&str, String)]) -> PathBuf {
    let clients = dir.join("journalist-clients");
    fs::create_dir(&clients).unwrap();
    fs::set_permissions(&clients, fs::Permissions::from_mode(0o755)).unwrap();
    for (name, text) in files {
        fs::write(clients.join(name), text).unwrap();
    }
    clients
}
