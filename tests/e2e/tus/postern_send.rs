//! `postern-send`: through a relay that cuts connections (resuming, across process restarts),
//! encrypting on the client so that the server sees only ciphertext, and over Tor with a fresh
//! circuit per request.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::Instant;

use super::{ApiSource, Relay, b64, review, send_bin};
use crate::support::{Reviewer, Server, contains, content, run, stderr, stdout};

/// `postern-send` through a relay that cuts the connection at `cuts` random points: it resumes
/// each time (a new process for some of them, from its state file), and the reviewer's output is
/// byte-identical. Size via POSTERN_TUS_E2E_MIB (default 64).
#[test]
fn postern_send_survives_many_cuts_and_restarts_byte_identical() {
    let mib: u64 = std::env::var("POSTERN_TUS_E2E_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let cuts_wanted: usize = 50;
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| c);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("archive.tar");
    {
        let mut f = std::fs::File::create(&file).unwrap();
        let block = content(1 << 20, 63);
        for i in 0..mib {
            let mut b = block.clone();
            b[..8].copy_from_slice(&i.to_be_bytes());
            f.write_all(&b).unwrap();
        }
    }
    let len = mib << 20;
    // Cut points spread over the whole transfer, as upstream byte budgets per connection.
    let mut rng_state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        rng_state
    };
    // About 64 request bodies for any size; each of the first 50 PATCH connections is cut at a
    // random point inside its body (its budget is below the body's size), so the 50 cuts use
    // about 40 % of the file and the rest goes through whole.
    let segment_mib = (mib / 64).max(1);
    let seg = segment_mib << 20;
    let cuts: Vec<u64> = (0..cuts_wanted)
        .map(|_| (64 << 10) + next() % (seg - (64 << 10)))
        .collect();
    let relay = Relay::start(server.port, cuts);
    let a = ApiSource::new(server.port);
    let codename_file = dir.path().join("codename");
    std::fs::write(&codename_file, &a.codename).unwrap();
    let state = dir.path().join("state");
    let started = Instant::now();
    let mut runs = 0;
    loop {
        runs += 1;
        assert!(runs < 200, "postern-send never finished");
        // Every few cuts the process itself is restarted: resume from the state file.
        let out = run(Command::new(send_bin())
            .args([
                "--to",
                &format!("http://127.0.0.1:{}", relay.port),
                "--direct",
            ])
            .arg("--codename-file")
            .arg(&codename_file)
            .arg("--state-dir")
            .arg(&state)
            .args([
                "--segment-mib",
                &segment_mib.to_string(),
                "--max-retries",
                "3",
                "--retry-base-ms",
                "50",
            ])
            .arg(&file));
        if out.status.success() {
            assert!(stdout(&out).contains("delivered: "), "{}", stdout(&out));
            break;
        }
        let err = stderr(&out);
        assert!(err.contains("retries"), "an unexpected failure: {err}");
    }
    let secs = started.elapsed().as_secs_f64();
    let cuts_done = relay.cuts_done.load(Ordering::SeqCst);
    let forwarded = relay.forwarded.load(Ordering::SeqCst);
    eprintln!(
        "{mib} MiB in {secs:.1} s with {cuts_done} cuts over {runs} process runs; {forwarded} bytes forwarded ({:.1} KiB re-sent or overhead per cut)",
        (forwarded.saturating_sub(len)) as f64 / 1024.0 / cuts_done.max(1) as f64
    );
    assert!(
        cuts_done >= cuts_wanted as u64,
        "only {cuts_done} cuts happened"
    );
    assert!(runs > 1, "the process was restarted at least once");
    // The resume state is gone: only the sealed "delivered" marker is left, one file of the
    // fixed sealed size, and a rerun sends nothing.
    let left: Vec<PathBuf> = std::fs::read_dir(&state)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    assert_eq!(left.len(), 1, "only the delivered marker: {left:?}");
    assert_eq!(std::fs::metadata(&left[0]).unwrap().len(), 552);
    let before = relay.forwarded.load(Ordering::SeqCst);
    let out = run(Command::new(send_bin())
        .args([
            "--to",
            &format!("http://127.0.0.1:{}", relay.port),
            "--direct",
        ])
        .arg("--codename-file")
        .arg(&codename_file)
        .arg("--state-dir")
        .arg(&state)
        .arg(&file));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("delivered already: nothing sent"),
        "{}",
        stdout(&out)
    );
    let resent = relay.forwarded.load(Ordering::SeqCst) - before;
    assert!(
        resent < 4096,
        "a rerun after delivery sends no file bytes ({resent} forwarded)"
    );
    let files = review(&reviewer, &server);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].0, "archive.tar");
    let original = std::fs::read(&file).unwrap();
    assert!(files[0].1 == original, "byte-identical");
}

/// Called by the onion-service test (`tor.rs`), on its private Tor network: `postern-send`
/// uploads through tor's SOCKS port to the onion service in front of the server, with a fresh
/// circuit per request (distinct SOCKS credentials, seen by a relay in front of tor), and the
/// reviewer gets the exact bytes.
pub fn postern_send_over_tor(
    socks: &str,
    onion: &str,
    codename: &str,
    server: &Server,
    reviewer: &Reviewer,
) {
    let observer = crate::socks::Observer::start(socks);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tor-archive.bin");
    let data = content(6 << 20, 65);
    std::fs::write(&file, &data).unwrap();
    let codename_file = dir.path().join("codename");
    std::fs::write(&codename_file, codename).unwrap();
    let t = Instant::now();
    let out = run(Command::new(send_bin())
        .args([
            "--to",
            &format!("http://{onion}"),
            "--socks",
            &observer.addr,
        ])
        .arg("--codename-file")
        .arg(&codename_file)
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .args(["--segment-mib", "1"])
        .arg(&file));
    assert!(
        out.status.success(),
        "postern-send over tor: {}",
        stderr(&out)
    );
    eprintln!("postern-send over tor: 6 MiB in {:.1?}", t.elapsed());
    let users = observer.users.lock().unwrap().clone();
    let distinct: HashSet<&String> = users.iter().collect();
    // login, create, HEAD, then 6 PATCHes of 1 MiB: each on its own SOCKS identity.
    assert!(users.len() >= 9, "{users:?}");
    assert_eq!(
        distinct.len(),
        users.len(),
        "every connection its own circuit: {users:?}"
    );
    assert!(users.iter().all(|u| u.len() == 16), "{users:?}");
    // Direct connections are refused without --direct.
    let out = run(Command::new(send_bin())
        .args(["--to", "http://127.0.0.1:1", "--codename-file"])
        .arg(&codename_file)
        .arg(&file));
    assert!(!out.status.success());
    assert!(stderr(&out).contains(".onion"), "{}", stderr(&out));
    let files = review(reviewer, server);
    let got = files
        .iter()
        .find(|(n, _)| n == "tor-archive.bin")
        .expect("the upload");
    assert!(got.1 == data, "byte-identical over tor");
}

/// `postern-send --encrypt`: the pieces are sealed on the source's side to the keys whose
/// fingerprints the source was given; the server never sees the file's name or a byte of its
/// content, keeps every piece whole or not at all through cuts, and the reviewer opens both
/// layers to the exact bytes. Wrong fingerprints send nothing.
#[test]
fn postern_send_encrypts_on_the_client_and_the_server_sees_only_ciphertext() {
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| c);
    let a = ApiSource::new(server.port);
    let dir = tempfile::tempdir().unwrap();
    let name = "client-sealed секрет.bin";
    let file = dir.path().join(name);
    let data = content((5 << 20) + 12_345, 66);
    std::fs::write(&file, &data).unwrap();
    let codename_file = dir.path().join("codename");
    std::fs::write(&codename_file, &a.codename).unwrap();
    let fp = postern_spool::recipients::fingerprint(&reviewer.recipient.parse().unwrap());
    let send = |relay: &Relay, fps: &[&str]| {
        let mut cmd = Command::new(send_bin());
        cmd.args([
            "--to",
            &format!("http://127.0.0.1:{}", relay.port),
            "--direct",
            "--encrypt",
        ])
        .arg("--codename-file")
        .arg(&codename_file)
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .args([
            "--segment-mib",
            "1",
            "--max-retries",
            "3",
            "--retry-base-ms",
            "50",
        ]);
        for f in fps {
            cmd.args(["--fingerprint", f]);
        }
        run(cmd.arg(&file))
    };
    // A key the source was not told about: nothing is sent.
    let relay = Relay::start(server.port, Vec::new());
    let other = age::x25519::Identity::generate().to_public();
    let wrong = postern_spool::recipients::fingerprint(&other.into());
    let out = send(&relay, &[&wrong]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("do not match"), "{}", stderr(&out));
    assert_eq!(server.item_count(), 0);

    // The right fingerprint (any spacing), through a relay that cuts 8 pieces halfway.
    let cuts: Vec<u64> = (0..8).map(|i| 200_000 + i * 50_000).collect();
    let relay = Relay::start(server.port, cuts);
    let spaced = fp.to_uppercase();
    let mut runs = 0;
    loop {
        runs += 1;
        assert!(runs < 20, "postern-send --encrypt never finished");
        let out = send(&relay, &[&spaced]);
        if out.status.success() {
            break;
        }
        assert!(stderr(&out).contains("retries"), "{}", stderr(&out));
    }
    assert!(relay.cuts_done.load(Ordering::SeqCst) >= 8);
    let seen = relay.seen.lock().unwrap().clone();
    assert!(
        seen.len() > data.len(),
        "the capture holds the whole upload"
    );
    assert!(
        !contains(&seen, name.as_bytes()),
        "the name went out in clear"
    );
    assert!(!contains(&seen, b64(name.as_bytes()).as_bytes()));
    for at in [0usize, 1 << 20, 3 << 20, data.len() - 64] {
        assert!(
            !contains(&seen, &data[at..at + 32]),
            "plaintext at {at} went out"
        );
    }
    let files = review(&reviewer, &server);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].0, name);
    assert!(files[0].1 == data, "byte-identical through both layers");
}
