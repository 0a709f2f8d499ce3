//! journalist-bench: how long the journalist interface takes to render the sources list of a
//! large spool (default 10,000 sources and 100,000 items), through the real `postern serve`.
//!
//! It makes a data folder with `postern init`, writes the spool's signed records directly (the
//! list reads only records; ciphertexts are placeholders), adds a journalist with
//! `postern journalist add`, logs in over HTTP with a TOTP code and times `GET /sources`: the
//! first (cold: every record read and verified) and then `--runs` warm loads, reporting the
//! median and the worst. Build it in the profile you want to measure:
//!
//! ```text
//! cargo build --release -p postern-server && cargo run --release -p postern-e2e --bin journalist-bench
//! ```
//!
//! With `--upload-segments N` it measures instead one source's page when that source sent a
//! 100 GB resumable upload in N segments (issue 12: 6,400), against the page of a source with one
//! message, alternating the two for `--runs` rounds after a warm-up; it prints min and median of
//! each, their ratio, and the page's weight.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use postern_spool::day::Day;
use postern_spool::envelope::Kind;
use postern_spool::ids::{ItemId, SourceId};
use postern_spool::keys::SigningKey;
use postern_spool::recipients::Recipients;
use postern_spool::record::{ItemRecord, SourceRecord};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 10_000)]
    sources: usize,
    #[arg(long, default_value_t = 100_000)]
    items: usize,
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Measure a source's page with one 100 GB upload of this many segments instead.
    #[arg(long, default_value_t = 0)]
    upload_segments: usize,
}

const RECIPIENT: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let p = exe.parent().unwrap().join(name);
    assert!(
        p.exists(),
        "{} not built (cargo build -p postern-server)",
        p.display()
    );
    p
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn get(port: u16, path: &str, cookie: &str, body: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let method = if body.is_some() { "POST" } else { "GET" };
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: {cookie}\r\n");
    if let Some(b) = body {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{b}",
            b.len()
        ));
    } else {
        req.push_str("\r\n");
    }
    s.write_all(req.as_bytes()).unwrap();
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status: u16 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut set_cookie = String::new();
    loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        if line.trim_end().is_empty() {
            break;
        }
        // Every cookie the server sets (the session, and before login the form cookie of the
        // stateless CSRF token), as one `Cookie:` value to send back.
        if line.to_ascii_lowercase().starts_with("set-cookie: ") {
            let pair = line["set-cookie: ".len()..]
                .split(';')
                .next()
                .unwrap()
                .trim();
            if !set_cookie.is_empty() {
                set_cookie.push_str("; ");
            }
            set_cookie.push_str(pair);
        }
    }
    let mut body = Vec::new();
    r.read_to_end(&mut body).unwrap();
    (status, set_cookie, body)
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn csrf(page: &[u8]) -> String {
    let t = String::from_utf8_lossy(page);
    let at = t.find("name=\"csrf\" value=\"").unwrap() + 19;
    t[at..at + 64].to_owned()
}

fn populate(spool: &Path, key: &SigningKey, sources: usize, items: usize) {
    let recipients = Recipients::parse([RECIPIENT]).unwrap();
    let today = Day::from_unix_seconds(now());
    let per = items / sources.max(1);
    let mut n = 0u64;
    for s in 0..sources {
        let mut b = [0u8; 32];
        b[..8].copy_from_slice(&(s as u64).to_be_bytes());
        b[8..16].copy_from_slice(
            &0x9e37_79b9_7f4a_7c15u64
                .wrapping_mul(s as u64 + 1)
                .to_be_bytes(),
        );
        let sid = SourceId::from_bytes(b);
        let dir = spool.join("sources").join(sid.to_string());
        fs::create_dir_all(dir.join("items")).unwrap();
        let rec = SourceRecord {
            source: sid,
            reply: RECIPIENT.to_owned(),
            day: Day(today.0 - 30),
        };
        fs::write(dir.join("source.rec"), rec.sign(key)).unwrap();
        let count = if s < items % sources.max(1) {
            per + 1
        } else {
            per
        };
        for _ in 0..count {
            n += 1;
            let mut ib = [0u8; 16];
            ib[..8].copy_from_slice(&n.to_be_bytes());
            ib[8..].copy_from_slice(&n.wrapping_mul(0x2545_f491_4f6c_dd1d).to_be_bytes());
            let iid = ItemId::from_bytes(ib);
            let kind = if n.is_multiple_of(3) {
                Kind::Message
            } else {
                Kind::File
            };
            let r = ItemRecord::new(
                iid,
                sid,
                kind,
                Day(today.0 - (n % 30) as u32),
                1024,
                postern_spool::record::Digest::Blake3([0; 32]),
                &recipients,
            );
            fs::write(dir.join("items").join(format!("{iid}.rec")), r.sign(key)).unwrap();
            fs::write(dir.join("items").join(format!("{iid}.age")), b"placeholder").unwrap();
        }
    }
}

/// Two sources: one with a complete upload of 100 GB in `segments` segments (records, placeholder
/// ciphertexts and the server's parts file), one with a single message. Returns their ids.
fn populate_upload(spool: &Path, key: &SigningKey, segments: usize) -> (SourceId, SourceId) {
    let recipients = Recipients::parse([RECIPIENT]).unwrap();
    let today = Day::from_unix_seconds(now());
    let mut ids = Vec::new();
    for s in 0..2u8 {
        let sid = SourceId::from_bytes([s + 1; 32]);
        let dir = spool.join("sources").join(sid.to_string());
        fs::create_dir_all(dir.join("items")).unwrap();
        let rec = SourceRecord {
            source: sid,
            reply: RECIPIENT.to_owned(),
            day: Day(today.0 - 30),
        };
        fs::write(dir.join("source.rec"), rec.sign(key)).unwrap();
        ids.push((sid, dir));
    }
    let item = |dir: &Path, sid: SourceId, n: u64, kind: Kind, size: u64| {
        let mut ib = [0u8; 16];
        ib[..8].copy_from_slice(&n.to_be_bytes());
        ib[8..].copy_from_slice(&n.wrapping_mul(0x2545_f491_4f6c_dd1d).to_be_bytes());
        let iid = ItemId::from_bytes(ib);
        let r = ItemRecord::new(
            iid,
            sid,
            kind,
            Day(today.0 - 1),
            size,
            postern_spool::record::Digest::Blake3([0; 32]),
            &recipients,
        );
        fs::write(dir.join("items").join(format!("{iid}.rec")), r.sign(key)).unwrap();
        fs::write(dir.join("items").join(format!("{iid}.age")), b"placeholder").unwrap();
        iid
    };
    let (big, big_dir) = ids[0].clone();
    let (small, small_dir) = ids[1].clone();
    let per = 100_000_000_000u64 / segments.max(1) as u64;
    let mut parts = format!("postern-upload-parts 1\nsource {big}\n");
    let segs: Vec<ItemId> = (0..segments as u64)
        .map(|n| item(&big_dir, big, n + 1, Kind::Segment, per))
        .collect();
    let manifest = item(&big_dir, big, segments as u64 + 1, Kind::Manifest, 1 << 20);
    parts.push_str(&format!(
        "manifest {manifest}\nlength {}\nday {}\n",
        per * segments as u64,
        today.0 - 1
    ));
    for s in &segs {
        parts.push_str(&format!("segment {s}\n"));
    }
    parts.push_str(&format!("end {}\n", segs.len()));
    fs::create_dir_all(spool.join("uploads")).unwrap();
    fs::write(
        spool
            .join("uploads")
            .join(format!("{}.parts", "ab".repeat(16))),
        parts,
    )
    .unwrap();
    item(&small_dir, small, u64::MAX / 2, Kind::Message, 1024);
    (big, small)
}

fn min_median(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[0], v[v.len() / 2])
}

fn main() {
    let args = Args::parse();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let sport = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let jport = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let o = Command::new(bin("postern"))
        .args([
            "init",
            "--recipient",
            RECIPIENT,
            "--listen",
            &format!("127.0.0.1:{sport}"),
            "--data",
        ])
        .arg(&data)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let auth = tmp.path().join("authorized_clients");
    fs::create_dir(&auth).unwrap();
    let config = data.join("postern.toml");
    let text = fs::read_to_string(&config).unwrap();
    fs::write(
        &config,
        format!(
            "{text}\n[journalist]\nlisten = \"127.0.0.1:{jport}\"\ncookie_secure = false\nauthorized_clients_dir = \"{}\"\n",
            auth.display()
        ),
    )
    .unwrap();
    let key =
        SigningKey::from_secret_text(&fs::read_to_string(data.join("spool-signing.key")).unwrap())
            .unwrap();
    let t = Instant::now();
    let pages = if args.upload_segments > 0 {
        Some(populate_upload(
            &data.join("spool"),
            &key,
            args.upload_segments,
        ))
    } else {
        populate(&data.join("spool"), &key, args.sources, args.items);
        None
    };
    if args.upload_segments > 0 {
        eprintln!(
            "spool of 2 sources, a 100 GB upload of {} segments, written in {:.1?}",
            args.upload_segments,
            t.elapsed()
        );
    } else {
        eprintln!(
            "spool of {} sources, {} items written in {:.1?}",
            args.sources,
            args.items,
            t.elapsed()
        );
    }
    let o = Command::new(bin("postern"))
        .args(["journalist", "add", "bench", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let pass = out
        .split("Passphrase:\n")
        .nth(1)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_owned();
    let secret = out
        .split("secret: ")
        .nth(1)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_owned();
    let mut server = Command::new(bin("postern"))
        .args(["serve", "--config"])
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    while TcpStream::connect(("127.0.0.1", jport)).is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }
    let totp = totp_rs::Builder::new()
        .with_secret(
            data_encoding::BASE32_NOPAD
                .decode(secret.as_bytes())
                .unwrap(),
        )
        .build()
        .unwrap();
    let (_, cookie, page) = get(jport, "/login", "", None);
    let code = totp.generate(now()).to_string();
    let body = format!(
        "csrf={}&username=bench&passphrase={}&code={code}",
        csrf(&page),
        enc(&pass)
    );
    let (status, cookie2, _) = get(jport, "/login", &cookie, Some(&body));
    assert_eq!(status, 303, "login");
    let cookie = if cookie2.is_empty() { cookie } else { cookie2 };
    if let Some((big, small)) = pages {
        let (bp, sp) = (format!("/sources/{big}"), format!("/sources/{small}"));
        let t = Instant::now();
        let (status, _, page) = get(jport, &bp, &cookie, None);
        let cold = t.elapsed();
        assert_eq!(status, 200);
        let text = String::from_utf8_lossy(&page);
        assert_eq!(
            text.matches("<tr").count(),
            2,
            "a header row and one upload row"
        );
        assert!(text.contains(">complete<"));
        // Past the index's two-second "racy" window, then one warm-up load of each.
        std::thread::sleep(Duration::from_secs(3));
        let _ = get(jport, &bp, &cookie, None);
        let _ = get(jport, &sp, &cookie, None);
        let (mut tb, mut ts) = (Vec::new(), Vec::new());
        for _ in 0..args.runs.max(5) {
            for (path, out) in [(&bp, &mut tb), (&sp, &mut ts)] {
                let t = Instant::now();
                let (status, _, _) = get(jport, path, &cookie, None);
                out.push(t.elapsed());
                assert_eq!(status, 200);
            }
        }
        let _ = server.kill();
        let _ = server.wait();
        let ((bmin, bmed), (smin, smed)) = (min_median(tb), min_median(ts));
        println!(
            "source page, one 100 GB upload in {} segments: {} bytes of HTML; cold {cold:.1?}",
            args.upload_segments,
            page.len()
        );
        println!(
            "warm, {} alternating rounds: 100 GB upload page min {bmin:.2?} median {bmed:.2?}; one-message page min {smin:.2?} median {smed:.2?}; ratio of medians {:.2}x, of mins {:.2}x",
            args.runs.max(5),
            bmed.as_secs_f64() / smed.as_secs_f64(),
            bmin.as_secs_f64() / smin.as_secs_f64()
        );
        return;
    }
    let t = Instant::now();
    let (status, _, page) = get(jport, "/sources", &cookie, None);
    let cold = t.elapsed();
    assert_eq!(status, 200);
    let text = String::from_utf8_lossy(&page);
    assert!(
        text.contains(&format!(
            "{}, {} for you.",
            counted(args.sources, "source"),
            counted(args.items, "new item")
        )),
        "the list is complete"
    );
    // Wait out the index's two-second "racy" window, so that warm loads use the cache.
    std::thread::sleep(Duration::from_secs(3));
    let _ = get(jport, "/sources", &cookie, None);
    let mut times: Vec<Duration> = (0..args.runs)
        .map(|_| {
            let t = Instant::now();
            let (status, _, page) = get(jport, "/sources", &cookie, None);
            let d = t.elapsed();
            assert_eq!(status, 200);
            assert!(page.len() > args.sources * 100);
            d
        })
        .collect();
    times.sort();
    let _ = server.kill();
    let _ = server.wait();
    println!(
        "sources list, {} sources / {} items ({} KiB of HTML): cold {:.1?}; warm median {:.1?}, worst {:.1?} over {} loads",
        args.sources,
        args.items,
        page.len() / 1024,
        cold,
        times[times.len() / 2],
        times[times.len() - 1],
        args.runs
    );
}

/// The English sources summary's count, as `j-sources-summary` writes it.
fn counted(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
