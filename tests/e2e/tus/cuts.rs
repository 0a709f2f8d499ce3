//! `postern-send` through the cutting relay: 30 cuts, the last answer (the final `204`) dropped
//! among them, and the file arrives byte-identical as one upload. 256 MiB by default;
//! `POSTERN_TUS_CUT_MIB=8192` for 8 GiB (slow: the reviewer extracts it too).

use std::io::Write;
use std::process::Command;

use super::{ApiSource, review, send_bin};
use crate::cutrelay::{Cut, CutRelay, Plan};
use crate::support::{Reviewer, Server, content, run, stderr, stdout};

/// The value of header `name` in an HTTP request head, if present.
fn header_value(head: &[u8], name: &str) -> Option<u64> {
    let text = String::from_utf8_lossy(head);
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().parse().ok())?
    })
}

#[test]
fn postern_send_through_30_cuts_and_a_lost_last_answer_delivers_one_identical_upload() {
    let mib: u64 = std::env::var("POSTERN_TUS_CUT_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| c);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prison-video.mkv");
    {
        let mut f = std::fs::File::create(&file).unwrap();
        let block = content(1 << 20, 5);
        for i in 0..mib {
            let mut b = block.clone();
            b[..8].copy_from_slice(&i.to_be_bytes());
            f.write_all(&b).unwrap();
        }
    }
    let len = mib << 20;
    // 64 request bodies at 256 MiB, so that the 58 planned PATCH connections all happen.
    let segment_mib = 4u64;
    let seg = segment_mib << 20;
    // 29 cuts inside PATCH bodies, each followed by a PATCH that passes (so postern-send's
    // backoff never grows), and the 30th: the answer to the PATCH that ends the file is dropped.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut plan = Vec::new();
    for _ in 0..29 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        plan.push(Cut::Up((64 << 10) + x % (seg - (128 << 10))));
        plan.push(Cut::Pass);
    }
    let relay = CutRelay::start(
        server.port,
        Plan::new(plan)
            .only(b"PATCH ")
            .drop_response_when(move |head| {
                head.starts_with(b"PATCH ")
                    && match (
                        header_value(head, "upload-offset"),
                        header_value(head, "content-length"),
                    ) {
                        (Some(o), Some(n)) => n > 0 && o + n == len,
                        _ => false,
                    }
            }),
    );
    let a = ApiSource::new(server.port);
    let codename_file = dir.path().join("codename");
    std::fs::write(&codename_file, &a.codename).unwrap();
    let state = dir.path().join("state");
    let started = std::time::Instant::now();
    let out = run(Command::new(send_bin())
        .args([
            "--to",
            &format!("http://127.0.0.1:{}", relay.port()),
            "--direct",
        ])
        .arg("--codename-file")
        .arg(&codename_file)
        .arg("--state-dir")
        .arg(&state)
        .args(["--segment-mib", &segment_mib.to_string(), "--no-pad"])
        .args(["--max-retries", "5", "--retry-base-ms", "20"])
        .arg(&file));
    let secs = started.elapsed().as_secs_f64();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("delivered: "), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("% of ") && err.contains("/s, about "),
        "progress shown: {err}"
    );
    assert_eq!(relay.cuts_done(), 30, "29 cuts and the lost last answer");
    let resent = relay.up_bytes().saturating_sub(len);
    eprintln!(
        "{mib} MiB in {secs:.1} s through 30 cuts: {} bytes upstream, {:.1} KiB re-sent or overhead per cut",
        relay.up_bytes(),
        resent as f64 / 1024.0 / 30.0
    );
    assert!(
        resent / 30 < 1 << 20,
        "under 1 MiB re-sent per cut ({resent} bytes in all)"
    );
    // One upload: one log, complete, and one file for the reviewer, byte-identical.
    let files_of = |ext: &str| -> Vec<_> {
        std::fs::read_dir(server.spool().join("uploads"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == ext))
            .collect()
    };
    // Beside its log, a complete upload has its parts file (the journalist's one entry).
    assert_eq!(files_of("log").len(), 1, "one upload");
    assert_eq!(files_of("parts").len(), 1, "one complete upload");
    let files = review(&reviewer, &server);
    assert_eq!(files.len(), 1, "one item for the reviewer");
    assert_eq!(files[0].0, "prison-video.mkv");
    assert_eq!(files[0].1.len() as u64, len);
    assert!(
        files[0].1 == std::fs::read(&file).unwrap(),
        "byte-identical"
    );
}
