//! Issue 18's reviewer benchmark: `postern-review import` of a bundle against
//! `openssl dgst -sha256` of the same bundle, and `postern-review extract` against the stock
//! `age -d` + `sync` with a plain X25519 identity, on the same file, the two sides of each pair
//! alternating which goes first, for at least 5 rounds; min, median and max of each side and the
//! ratios of the medians and of the mins.
//!
//! The file (`POSTERN_REVIEW_MIB`, default 1024) goes in through `postern-send` (tus, 16 MiB
//! segments, no cuts) to a server whose newsroom key is a classical X25519 key, comes out with
//! `postern export` as one bundle, and is imported in every round into a fresh copy of the
//! reviewer's home (its key unlocked with scrypt at work factor 12, about a millisecond), then
//! extracted from it; `age -d` decrypts `age -r`'s ciphertext of the same file. Both outputs are
//! synced (`extract` fsyncs what it writes; `age -d` is followed by `sync` of its output).
//! Run it in release (the harness then builds the binaries in release too):
//!
//! `cargo test --release -p postern-e2e --test e2e -- --ignored reviewer::bench::reviewer_bench --nocapture`
//!
//! `POSTERN_REVIEW_ROUNDS` (default 5, at least 5) sets the rounds. Scratch: a folder under
//! `target/` of about 5 times the file's size, removed at the end (also on failure).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::large_leak::{Age, Cost, loadavg, run_measured, sha256_of, write_leak};
use crate::support::{Reviewer, ScratchIn, Server, bin, run, source_folder, stderr, stdout, tool};
use crate::tus::{ApiSource, send_bin};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// min, median and max.
fn spread(v: &[f64]) -> (f64, f64, f64) {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    let median = if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    };
    (s[0], median, s[n - 1])
}

/// `postern-review` with the home `home` (a copy of the reviewer's).
fn review(r: &Reviewer, home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin("postern-review"));
    c.arg("--home")
        .arg(home)
        .arg("--passphrase-file")
        .arg(&r.passphrase_file)
        .args(args);
    c
}

#[test]
#[ignore = "a benchmark: about 5 GiB of scratch disk and minutes; run in release"]
fn reviewer_bench() {
    let exe = std::env::current_exe().unwrap();
    let target = exe.parent().unwrap().parent().unwrap().parent().unwrap();
    let scratch = tempfile::Builder::new()
        .prefix("review-bench-")
        .tempdir_in(target)
        .unwrap();
    let _in = ScratchIn::new(scratch.path());
    let mib = env_u64("POSTERN_REVIEW_MIB", 1024);
    let rounds = env_u64("POSTERN_REVIEW_ROUNDS", 5);
    assert!(mib >= 16, "POSTERN_REVIEW_MIB: at least 16");
    assert!(rounds >= 5, "POSTERN_REVIEW_ROUNDS: at least 5");
    let work = scratch.path();

    let reviewer = Reviewer::classical();
    let mut server = Server::new(&reviewer.recipient, |c| c);
    let file = work.join("leak.mkv");
    write_leak(&file, mib);
    let want = sha256_of(&file);
    let age = Age::new(work);
    let age_out = work.join("leak.age");
    age.encrypt(&file, &age_out);

    // In through tus, as a large leak arrives.
    let source = ApiSource::new(server.port);
    let codename_file = work.join("codename");
    fs::write(&codename_file, &source.codename).unwrap();
    let out = run(Command::new(send_bin())
        .args([
            "--to",
            &format!("http://127.0.0.1:{}", server.port),
            "--direct",
        ])
        .arg("--codename-file")
        .arg(&codename_file)
        .arg("--state-dir")
        .arg(work.join("send-state"))
        .args(["--segment-mib", "16", "--no-pad"])
        .arg(&file));
    assert!(out.status.success(), "postern-send: {}", stderr(&out));
    assert!(stdout(&out).contains("delivered: "), "{}", stdout(&out));
    fs::remove_file(&file).unwrap();

    // Out as one bundle.
    let exported = work.join("exported");
    fs::create_dir(&exported).unwrap();
    let o = server.cli(&[
        "export",
        "--to",
        exported.to_str().unwrap(),
        "--part-size",
        "1TiB",
    ]);
    assert!(o.status.success(), "export: {}", stderr(&o));
    let bundles: Vec<PathBuf> = fs::read_dir(&exported)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(bundles.len(), 1, "one bundle: {bundles:?}");
    let bundle = bundles[0].clone();
    let bundle_bytes = fs::metadata(&bundle).unwrap().len();
    let signing_pub = server.signing_pub();
    let sid = crate::journalist::spool_sources(&server)[0];
    server.kill();
    drop(server);

    // The reviewer's home as it is before an import: key made, the server's key trusted.
    reviewer.ok(&["trust", &signing_pub]);
    let template = reviewer.home();

    let mut openssl = Vec::new();
    let mut import = Vec::new();
    let mut age_d = Vec::new();
    let mut extract = Vec::new();
    let (mut import_kib, mut extract_kib, mut age_kib) = (0u64, 0u64, 0u64);
    println!(
        "reviewer-bench: {mib} MiB file, one bundle of {:.1} MiB, {rounds} alternating rounds",
        bundle_bytes as f64 / 1048576.0
    );
    for round in 0..rounds {
        let load_before = loadavg();
        let home = work.join(format!("home-{round}"));
        let cp = run(Command::new(tool("cp")).arg("-a").arg(&template).arg(&home));
        assert!(cp.status.success(), "{}", stderr(&cp));
        let to = work.join(format!("extracted-{round}"));
        let ours_first = round % 2 == 0;

        let dgst = || {
            let (o, c) = run_measured(
                Command::new(tool("openssl"))
                    .args(["dgst", "-sha256"])
                    .arg(&bundle),
            );
            assert!(o.status.success(), "openssl: {}", stderr(&o));
            c
        };
        let imp = || {
            let (o, c) = run_measured(&mut review(
                &reviewer,
                &home,
                &["import", bundle.to_str().unwrap()],
            ));
            assert!(o.status.success(), "import: {}", stderr(&o));
            c
        };
        let (i, d) = if ours_first {
            let i = imp();
            (i, dgst())
        } else {
            let d = dgst();
            (imp(), d)
        };

        let ext = || {
            let (o, c) = run_measured(&mut review(
                &reviewer,
                &home,
                &["extract", "--to", to.to_str().unwrap()],
            ));
            let said = format!("{}{}", stdout(&o), stderr(&o));
            assert!(o.status.success(), "extract: {said}");
            assert!(said.contains("Extracted 1 new item(s)"), "{said}");
            c
        };
        let dec = || age.decrypt(&age_out, &work.join("leak.age-d"));
        let (e, a): (Cost, Cost) = if ours_first {
            let e = ext();
            (e, dec())
        } else {
            let a = dec();
            (ext(), a)
        };
        let folder = to.join(source_folder(&sid));
        let got: Vec<PathBuf> = fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(fs::metadata(&got[0]).unwrap().len(), mib << 20);
        if round == 0 {
            assert!(sha256_of(&got[0]) == want, "extracted byte-identical");
        }
        fs::remove_dir_all(&to).unwrap();
        fs::remove_dir_all(&home).unwrap();
        println!(
            "  round {} ({} first; load {} -> {}): openssl dgst {:.2} s, import {:.2} s; age -d + sync {:.2} s, extract {:.2} s",
            round + 1,
            if ours_first { "ours" } else { "reference" },
            load_before,
            loadavg(),
            d.secs,
            i.secs,
            a.secs,
            e.secs
        );
        openssl.push(d.secs);
        import.push(i.secs);
        age_d.push(a.secs);
        extract.push(e.secs);
        import_kib = import_kib.max(i.peak_kib);
        extract_kib = extract_kib.max(e.peak_kib);
        age_kib = age_kib.max(a.peak_kib);
    }
    let line = |name: &str, v: &[f64], bytes: u64| {
        let (lo, med, hi) = spread(v);
        println!(
            "  {name:<28} min/median/max {lo:.2} / {med:.2} / {hi:.2} s   {:.1} MiB/s at the median",
            bytes as f64 / 1048576.0 / med
        );
    };
    let file_bytes = mib << 20;
    line("openssl dgst -sha256 bundle", &openssl, bundle_bytes);
    line("postern-review import", &import, bundle_bytes);
    line("age -d + sync", &age_d, file_bytes);
    line("postern-review extract", &extract, file_bytes);
    let (omin, omed, _) = spread(&openssl);
    let (imin, imed, _) = spread(&import);
    let (amin, amed, _) = spread(&age_d);
    let (emin, emed, _) = spread(&extract);
    println!(
        "  import time / openssl dgst time: median {:.2}x (min {:.2}x); target <= 1.2x",
        imed / omed,
        imin / omin
    );
    println!(
        "  extract throughput / age -d + sync: median {:.2}x (min {:.2}x); target >= 1.0x",
        amed / emed,
        amin / emin
    );
    println!(
        "  peak RSS: import {:.1} MiB, extract {:.1} MiB, age -d {:.1} MiB",
        import_kib as f64 / 1024.0,
        extract_kib as f64 / 1024.0,
        age_kib as f64 / 1024.0
    );
    assert!(
        import_kib < 64 << 10 && extract_kib < 64 << 10,
        "the reviewer stays in flat memory"
    );
}
