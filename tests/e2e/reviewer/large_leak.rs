//! Issue 12's chain of evidence, in one test on the same data, through the real binaries:
//!
//! 1. `postern-send` through a relay that cuts the connection 30 times, the answer to the PATCH
//!    that ends the file dropped among them: delivered once, under 1 MiB re-sent per cut;
//! 2. the journalist's page of the source shows one row for the upload, its size, "complete";
//! 3. a bundle of 3 parts, each downloaded through a relay that cuts it twice, resumed with
//!    `Range` and `If-Range`;
//! 4. the parts imported out of order, the reviewer naming the parts it still lacks;
//! 5. with a part missing, `extract` writes nothing and names the bytes the upload lacks; a part
//!    cut at an entry boundary is refused, naming what is missing;
//! 6. `extract` writes the file byte-identical into the source's folder; a second run writes
//!    nothing.
//!
//! 256 MiB by default; `POSTERN_LEAK_MIB=8192` for 8 GiB (about 45 GB of scratch disk: the file,
//! the spool, the parts, the reviewer's store and the extracted copy; slow).

use std::fs::{self, File};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::cutrelay::{Cut, CutRelay, Plan};
use crate::http::Browser;
use crate::journalist::{JServer, JournalistLogin, sid_of_page};
use crate::support::{all_files, run, source_folder, stderr, stdout};
use crate::tus::{ApiSource, send_bin};

/// The value of header `name` in an HTTP head (request or response), if present.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// SHA-256 of a file, streamed.
fn sha256_of(path: &Path) -> [u8; 32] {
    let mut f = BufReader::with_capacity(1 << 20, File::open(path).unwrap());
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    h.finalize().into()
}

/// The file the source sends: `mib` MiB, each MiB different.
fn write_leak(path: &Path, mib: u64) {
    let mut f = std::io::BufWriter::new(File::create(path).unwrap());
    let block = crate::support::content(1 << 20, 12);
    for i in 0..mib {
        let mut b = block.clone();
        b[..8].copy_from_slice(&i.to_be_bytes());
        b[(1 << 20) - 8..].copy_from_slice(&(!i).to_be_bytes());
        f.write_all(&b).unwrap();
    }
    f.flush().unwrap();
}

/// One GET of a part through `port` (the cutting relay), appending the body to `out` from byte
/// `have` on (a `Range` request with `If-Range: etag` when `have > 0`). Returns the response's
/// status line and head, and how many body bytes arrived before the connection ended.
fn get_part(
    c: &Browser,
    port: u16,
    url: &str,
    have: u64,
    etag: Option<&str>,
    out: &mut File,
) -> (String, u64) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let mut req = format!(
        "GET {url} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: {}\r\nCookie: {}={}\r\nConnection: close\r\n",
        c.user_agent,
        c.cookie_name,
        c.cookie.clone().unwrap()
    );
    if have > 0 {
        req.push_str(&format!("Range: bytes={have}-\r\n"));
        if let Some(e) = etag {
            req.push_str(&format!("If-Range: {e}\r\n"));
        }
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut head = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut body = 0u64;
    out.seek(SeekFrom::Start(have)).unwrap();
    loop {
        let n = match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut data = &buf[..n];
        if !head.ends_with(b"\r\n\r\n") {
            // Still in the head: byte by byte up to its end.
            while let Some((b, rest)) = data.split_first() {
                head.push(*b);
                data = rest;
                if head.ends_with(b"\r\n\r\n") {
                    break;
                }
            }
        }
        if head.ends_with(b"\r\n\r\n") && !data.is_empty() {
            out.write_all(data).unwrap();
            body += data.len() as u64;
        }
    }
    (String::from_utf8_lossy(&head).into_owned(), body)
}

/// Downloads part `url` of `len` bytes through `relay` (which cuts it) into `path`, resuming
/// after every cut; returns the number of requests it took.
fn download_resuming(c: &Browser, relay: &CutRelay, url: &str, len: u64, path: &Path) -> usize {
    let mut out = fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    let mut have = 0u64;
    let mut etag: Option<String> = None;
    let mut requests = 0;
    while have < len {
        requests += 1;
        assert!(requests <= 10, "{url}: no progress");
        let (head, got) = get_part(c, relay.port(), url, have, etag.as_deref(), &mut out);
        if have == 0 {
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            assert_eq!(
                header(&head, "content-length"),
                Some(len.to_string().as_str())
            );
            etag = Some(header(&head, "etag").expect("a validator").to_owned());
        } else {
            assert!(
                head.starts_with("HTTP/1.1 206"),
                "resumed with Range: {head}"
            );
            assert_eq!(
                header(&head, "content-range"),
                Some(format!("bytes {have}-{}/{len}", len - 1).as_str()),
                "{head}"
            );
            assert_eq!(header(&head, "etag"), etag.as_deref());
        }
        have += got;
    }
    assert_eq!(have, len);
    out.set_len(len).unwrap();
    requests
}

/// Entry boundaries of a tar file, read header by header: (offset of the entry's first header,
/// including a GNU long-name entry before it, and its name).
fn tar_entries(path: &Path) -> Vec<(u64, String)> {
    let mut f = File::open(path).unwrap();
    let total = f.metadata().unwrap().len();
    let mut out = Vec::new();
    let mut pos = 0u64;
    let mut long: Option<(u64, String)> = None;
    let mut h = [0u8; 512];
    while pos + 512 <= total {
        f.seek(SeekFrom::Start(pos)).unwrap();
        f.read_exact(&mut h).unwrap();
        if h.iter().all(|b| *b == 0) {
            break;
        }
        let name = String::from_utf8_lossy(&h[..100])
            .trim_end_matches('\0')
            .to_owned();
        let size = u64::from_str_radix(
            String::from_utf8_lossy(&h[124..136]).trim_matches(|c| c == '\0' || c == ' '),
            8,
        )
        .unwrap();
        if h[156] == b'L' {
            let mut data = vec![0u8; size as usize];
            f.read_exact(&mut data).unwrap();
            long = Some((
                pos,
                String::from_utf8_lossy(&data)
                    .trim_end_matches('\0')
                    .to_owned(),
            ));
        } else if let Some((start, n)) = long.take() {
            out.push((start, n));
        } else {
            out.push((pos, name));
        }
        pos += 512 + size.div_ceil(512) * 512;
    }
    out
}

/// Every file under `dir` with its length and modification time.
fn snapshot(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut files = Vec::new();
    if dir.exists() {
        all_files(dir, &mut files);
    }
    let mut v: Vec<_> = files
        .into_iter()
        .map(|p| {
            let m = fs::metadata(&p).unwrap();
            (p, m.len(), m.modified().unwrap())
        })
        .collect();
    v.sort();
    v
}

#[test]
fn large_leak_chain() {
    let mib: u64 = std::env::var("POSTERN_LEAK_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    assert!(mib >= 64, "POSTERN_LEAK_MIB: at least 64");
    let len = mib << 20;
    // At least 60 PATCH bodies, so that the 58 planned PATCH connections all happen.
    let segment_mib = (mib / 64).clamp(1, 16);
    let seg = segment_mib << 20;
    let segments = len.div_ceil(seg);
    // A part holds about 5/12 of the segments (a segment's ciphertext is its PADMÉ bucket, at
    // most 1/32 larger, plus age's overhead): three parts, whatever the size.
    let part_bytes = seg * segments * 5 / 12 * 103 / 100;
    let (js, reviewer) = JServer::with_edit("", move |c| {
        assert!(c.contains("bundle_part_bytes = 1073741824"), "{c}");
        c.replace(
            "bundle_part_bytes = 1073741824",
            &format!("bundle_part_bytes = {part_bytes}"),
        )
    });
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("prison-video.mkv");
    write_leak(&file, mib);
    let want = sha256_of(&file);

    // 1. postern-send through 29 cuts inside PATCH bodies (each followed by one that passes, so
    // that its backoff never grows) and the lost answer to the PATCH that ends the file.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut plan = Vec::new();
    for _ in 0..29 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        plan.push(Cut::Up((64 << 10) + x % (seg - (128 << 10))));
        plan.push(Cut::Pass);
    }
    let send_relay = CutRelay::start(
        js.server.port,
        Plan::new(plan)
            .only(b"PATCH ")
            .drop_response_when(move |head| {
                let text = String::from_utf8_lossy(head);
                let num = |n: &str| header(&text, n).and_then(|v| v.parse::<u64>().ok());
                head.starts_with(b"PATCH ")
                    && match (num("upload-offset"), num("content-length")) {
                        (Some(o), Some(n)) => n > 0 && o + n == len,
                        _ => false,
                    }
            }),
    );
    let source = ApiSource::new(js.server.port);
    let codename_file = work.path().join("codename");
    fs::write(&codename_file, &source.codename).unwrap();
    let started = std::time::Instant::now();
    let out = run(Command::new(send_bin())
        .args([
            "--to",
            &format!("http://127.0.0.1:{}", send_relay.port()),
            "--direct",
        ])
        .arg("--codename-file")
        .arg(&codename_file)
        .arg("--state-dir")
        .arg(work.path().join("send-state"))
        .args(["--segment-mib", &segment_mib.to_string(), "--no-pad"])
        .args(["--max-retries", "5", "--retry-base-ms", "20"])
        .arg(&file));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("delivered: "), "{}", stdout(&out));
    assert_eq!(
        send_relay.cuts_done(),
        30,
        "29 cuts and the lost last answer"
    );
    let resent = send_relay.up_bytes().saturating_sub(len);
    eprintln!(
        "1. {mib} MiB sent in {:.1} s through 30 cuts: {:.1} KiB re-sent or overhead per cut",
        started.elapsed().as_secs_f64(),
        resent as f64 / 1024.0 / 30.0
    );
    assert!(resent / 30 < 1 << 20, "under 1 MiB re-sent per cut");
    drop(send_relay);

    // 2. The journalist sees one row for the upload, with its size, complete.
    let mut alice = js.add("alice");
    let mut c = js.client();
    c.login(&mut alice);
    let sid = sid_of_page(&c.get("/sources").text());
    let page = c.get(&format!("/sources/{sid}")).text();
    let body = page
        .split("<tbody>")
        .nth(1)
        .and_then(|b| b.split("</tbody>").next())
        .expect("an items table");
    let rows: Vec<&str> = body.split("<tr").skip(1).collect();
    assert_eq!(rows.len(), 1, "one row for the whole upload: {page}");
    assert!(rows[0].contains(">complete<"), "{}", rows[0]);
    assert!(
        rows[0].contains(" MiB<") || rows[0].contains(" GiB<"),
        "its size, readable: {}",
        rows[0]
    );

    // 3. Everything new, as a bundle: three parts, each cut twice on the way and resumed.
    let csrf = c.csrf("/sources");
    let r = c.post_form("/bundle", &[("csrf", &csrf), ("source", "")]);
    assert_eq!(r.status, 303, "{}", r.text());
    let sel_url = r.header("location").unwrap().to_owned();
    let sel_page = c.get(&sel_url).text();
    // Every segment (a cut PATCH commits what arrived as a segment of its own, so there are
    // more than the file's 4 MiB chunks) and the manifest, as the server recorded them.
    let parts_files: Vec<PathBuf> = fs::read_dir(js.server.spool().join("uploads"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "parts"))
        .collect();
    assert_eq!(parts_files.len(), 1, "one complete upload: {parts_files:?}");
    let recorded = fs::read_to_string(&parts_files[0]).unwrap();
    let pieces = recorded
        .lines()
        .filter(|l| l.starts_with("segment ") || l.starts_with("manifest "))
        .count() as u64;
    assert!(pieces > segments, "{recorded}");
    assert!(
        sel_page.contains(&format!("Items: {pieces}.")),
        "every segment and the manifest: {sel_page}"
    );
    assert!(sel_page.contains("Parts: 3,"), "{sel_page}");
    let mut plan = Vec::new();
    let mut lens = Vec::new();
    for n in 1..=3u32 {
        // The length of each part, from a HEAD-less probe: a one-byte range.
        let r = c.send(
            "GET",
            &format!("{sel_url}/{n}"),
            &[("Range", "bytes=0-0")],
            b"",
        );
        assert_eq!(r.status, 206, "part {n}");
        let total: u64 = r
            .header("content-range")
            .and_then(|v| v.rsplit('/').next())
            .and_then(|v| v.parse().ok())
            .expect("a total length");
        lens.push(total);
        // Cut after a third of the part (counting the head), then after another third.
        plan.extend([Cut::Down(total / 3), Cut::Down(total / 3), Cut::Pass]);
    }
    let get_relay = CutRelay::start(js.jport, Plan::new(plan).only(b"GET /bundle/"));
    let mut parts = Vec::new();
    for (n, total) in (1..=3u32).zip(&lens) {
        let path = work.path().join(format!("part-{n}.tar"));
        let requests = download_resuming(&c, &get_relay, &format!("{sel_url}/{n}"), *total, &path);
        assert_eq!(requests, 3, "part {n}: cut twice, resumed twice");
        // The resumed bytes are those of a whole download (held in memory: only when small;
        // the import below verifies every item of a part anyway).
        if *total <= 512 << 20 {
            let whole = c.get(&format!("{sel_url}/{n}"));
            assert_eq!(whole.status, 200);
            assert!(
                Sha256::digest(&whole.body).as_slice() == sha256_of(&path),
                "part {n}: resumed bytes differ"
            );
        }
        parts.push(path);
    }
    assert_eq!(get_relay.cuts_done(), 6, "two cuts per part");
    drop(get_relay);

    // 4 and 5. Out of order: part 3, then part 1; with part 2 missing the reviewer says so and
    // `extract` writes nothing, naming what the upload lacks.
    reviewer.ok(&["trust", &js.server.signing_pub()]);
    let import = |p: &Path| reviewer.ok(&["import", p.to_str().unwrap()]);
    let said = import(&parts[2]);
    assert!(
        said.contains("Part 3 of 3") && said.contains("still missing part(s) 1, 2"),
        "{said}"
    );
    let said = import(&parts[0]);
    assert!(said.contains("still missing part(s) 2"), "{said}");
    let to = work.path().join("extracted");
    let o = reviewer.cmd(&["extract", "--to", to.to_str().unwrap()]);
    let said = format!("{}{}", stdout(&o), stderr(&o));
    assert!(said.contains("incomplete, not extracted"), "{said}");
    assert!(said.contains("lacks"), "{said}");
    assert!(
        snapshot(&to).is_empty(),
        "nothing written: {:?}",
        snapshot(&to)
    );

    // Part 2 cut at an entry boundary (before its last item record), the archive ended
    // cleanly: refused, nothing imported, the message names what is missing.
    let entries = tar_entries(&parts[1]);
    let (at, _) = entries
        .iter()
        .rev()
        .find(|(_, name)| name.ends_with(".rec") && name.contains("/items/"))
        .unwrap()
        .clone();
    let cut = work.path().join("part-2-cut.tar");
    {
        let mut w = File::create(&cut).unwrap();
        std::io::copy(&mut File::open(&parts[1]).unwrap().take(at), &mut w).unwrap();
        w.write_all(&[0; 1024]).unwrap();
    }
    let o = reviewer.cmd(&["import", cut.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("cut short"), "{err}");
    assert!(err.contains("missing, the first item"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    fs::remove_file(&cut).unwrap();

    // 6. The last part: the upload is whole. One file, in the source's folder, byte-identical.
    let said = import(&parts[1]);
    assert!(said.contains("all 3 parts are now imported"), "{said}");
    for p in &parts {
        fs::remove_file(p).unwrap();
    }
    let said = reviewer.ok(&["extract", "--to", to.to_str().unwrap()]);
    assert!(said.contains("Extracted 1 new item(s)"), "{said}");
    let sources = crate::journalist::spool_sources(&js.server);
    assert_eq!(sources.len(), 1);
    let folder = to.join(source_folder(&sources[0]));
    let files = snapshot(&to);
    assert_eq!(files.len(), 1, "{files:?}");
    let got = &files[0].0;
    assert_eq!(got.parent().unwrap(), folder, "in the source's folder");
    let name = got.file_name().unwrap().to_str().unwrap();
    assert_eq!(crate::support::undated(name), "prison-video.mkv");
    assert_eq!(files[0].1, len);
    assert!(sha256_of(got) == want, "byte-identical");
    // A second run writes nothing.
    let said = reviewer.ok(&["extract", "--to", to.to_str().unwrap()]);
    assert!(
        said.contains("Nothing new to extract") || said.contains("Extracted 0 new item(s)"),
        "{said}"
    );
    assert_eq!(snapshot(&to), files, "nothing written the second time");
}
