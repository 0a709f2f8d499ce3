//! Architecture invariants checked on the dependency graph.

use std::collections::BTreeSet;
use std::process::Command;

use crate::support::workspace_root;

const NETWORKING: &[&str] = &[
    "tokio",
    "hyper",
    "hyper-util",
    "reqwest",
    "mio",
    "socket2",
    "axum",
    "axum-core",
    "tower",
    "tower-http",
    "h2",
    "ureq",
    "curl",
    "native-tls",
    "rustls",
    "tokio-socks",
    "async-std",
    "smol",
    "surf",
    "isahc",
];

fn tree(args: &[&str]) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(workspace_root())
        .args(["tree", "--offline", "--prefix", "none", "--format", "{p}"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[test]
fn the_reviewer_links_no_networking_crate() {
    let crates = tree(&["-p", "postern-review", "-e", "normal,build"]);
    assert!(
        crates.contains("age") && crates.contains("postern-spool"),
        "the tree was read: {crates:?}"
    );
    let bad: Vec<_> = NETWORKING.iter().filter(|n| crates.contains(**n)).collect();
    assert!(
        bad.is_empty(),
        "postern-review depends on networking crates: {bad:?}"
    );
}

#[test]
fn the_spool_library_links_no_networking_crate_or_runtime() {
    let crates = tree(&[
        "-p",
        "postern-spool",
        "-e",
        "normal,build",
        "--all-features",
    ]);
    assert!(crates.contains("age"));
    let bad: Vec<_> = NETWORKING.iter().filter(|n| crates.contains(**n)).collect();
    assert!(
        bad.is_empty(),
        "postern-spool depends on networking crates: {bad:?}"
    );
}

#[test]
fn the_server_cannot_open_submissions() {
    // Per package (features unify across a --workspace build; releases build with -p).
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(workspace_root())
        .args([
            "tree",
            "--offline",
            "-p",
            "postern-server",
            "-e",
            "features",
            "-i",
            "postern-spool",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("postern-spool feature \"async\""),
        "the tree was read: {text}"
    );
    assert!(
        !text.contains("feature \"open\""),
        "postern-server enables postern-spool/open:\n{text}"
    );
}
