//! The host hardening: the AppArmor profile (`apparmor_parser`), the nftables ruleset (`nft`
//! in a throwaway network namespace) and the sysctl settings.

use std::fs;
use std::path::Path;
use std::process::Command;

use super::{all_output, deploy};
use crate::support::{run, stdout, sys_tool};

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
