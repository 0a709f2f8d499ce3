//! A selection in three parts, downloaded through connections cut twice per part and resumed
//! with `Range` and `If-Range`; the parts imported out of order, with the reviewer naming the
//! parts it still lacks; a part cut at an entry boundary refused, naming what is missing.
//! (The cuts are made on the client side: the response is read up to a point and the connection
//! dropped, as a dropped circuit would.)

use std::fs;
use std::io::{Read, Write};

use super::{JServer, JournalistLogin, source_submits};
use crate::http::{Browser, connect};
use crate::support::{content, stderr};

/// Reads `path` with `extra` headers and drops the connection after `keep` body bytes.
/// Returns the status line and the body bytes read.
pub(super) fn cut_get(
    c: &Browser,
    path: &str,
    extra: &[(&str, &str)],
    keep: usize,
) -> (String, Vec<u8>) {
    let mut s = connect(c.port());
    let mut req = format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: {}\r\nCookie: {}={}\r\n",
        c.user_agent,
        c.cookie_name,
        c.cookie.clone().unwrap()
    );
    for (k, v) in extra {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "the server closed before the cut");
        got.extend_from_slice(&buf[..n]);
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n")
            && got.len() >= end + 4 + keep
        {
            let head = String::from_utf8_lossy(&got[..end]).into_owned();
            let body = got[end + 4..end + 4 + keep].to_vec();
            // Dropping the stream here cuts the download mid-body.
            return (head, body);
        }
    }
}

/// Entry boundaries of a tar stream: (offset of the entry's first header, its name).
pub(super) fn tar_entries(tar: &[u8]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut long: Option<(usize, String)> = None;
    while pos + 512 <= tar.len() && tar[pos..pos + 512].iter().any(|b| *b != 0) {
        let h = &tar[pos..pos + 512];
        let name = String::from_utf8_lossy(&h[..100])
            .trim_end_matches('\0')
            .to_owned();
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&h[124..136]).trim_matches(|c| c == '\0' || c == ' '),
            8,
        )
        .unwrap();
        let data = &tar[pos + 512..pos + 512 + size];
        if h[156] == b'L' {
            long = Some((
                pos,
                String::from_utf8_lossy(data)
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

#[test]
fn three_parts_cut_twice_each_resume_with_range_and_import_in_any_order() {
    let (js, reviewer) = JServer::with_edit("", |c| {
        assert!(c.contains("bundle_part_bytes = 1073741824"), "{c}");
        c.replace(
            "bundle_part_bytes = 1073741824",
            "bundle_part_bytes = 1048576",
        )
    });
    let mut alice = js.add("alice");
    // Three files of 700 KB: no two fit in one part of 1 MiB, so three parts.
    let files: Vec<(String, Vec<u8>)> = (0..3)
        .map(|n| (format!("MARKER-PART-{n}.bin"), content(700_000, 40 + n)))
        .collect();
    let named: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    source_submits(&js.server, "three files follow", &named);
    let mut c = js.client();
    c.login(&mut alice);
    let csrf = c.csrf("/sources");
    let r = c.post_form("/bundle", &[("csrf", &csrf), ("source", "")]);
    assert_eq!(r.status, 303, "{}", r.text());
    let page_url = r.header("location").unwrap().to_owned();
    let page = c.get(&page_url).text();
    assert!(page.contains("Items: 4."), "{page}");
    assert!(
        page.contains("Parts: 3, each at most about 1.0 MiB"),
        "{page}"
    );
    assert!(page.contains("Total size: 2.1 MiB. Parts"), "{page}");

    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for n in 1..=3 {
        let url = format!("{page_url}/{n}");
        // Cut at a third, resume to two thirds and cut again, then resume to the end.
        let (head, first) = cut_get(&c, &url, &[], 1);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        let line = |name: &str| {
            head.lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix(&format!("{name}: "))
                        .map(|_| l[name.len() + 2..].trim().to_owned())
                })
                .unwrap_or_else(|| panic!("no {name} in {head}"))
        };
        let len: usize = line("content-length").parse().unwrap();
        let etag = line("etag");
        drop(first);
        let a = len / 3;
        let (_, mut body) = cut_get(&c, &url, &[], a);
        let (head2, more) = cut_get(
            &c,
            &url,
            &[("Range", &format!("bytes={a}-")), ("If-Range", &etag)],
            len / 3,
        );
        assert!(head2.starts_with("HTTP/1.1 206"), "{head2}");
        assert!(
            head2.contains(&format!("bytes {a}-{}/{len}", len - 1)),
            "{head2}"
        );
        body.extend_from_slice(&more);
        let b = body.len();
        let rest = c.send(
            "GET",
            &url,
            &[("Range", &format!("bytes={b}-")), ("If-Range", &etag)],
            b"",
        );
        assert_eq!(rest.status, 206);
        assert_eq!(
            rest.header("content-range"),
            Some(format!("bytes {b}-{}/{len}", len - 1).as_str())
        );
        assert_eq!(rest.header("etag"), Some(etag.as_str()));
        body.extend_from_slice(&rest.body);
        assert_eq!(body.len(), len);
        // Resumed bytes are the bytes of a whole download.
        let whole = c.get(&url);
        assert_eq!(whole.status, 200);
        assert!(whole.body == body, "part {n}: resumed bytes differ");
        // A stale validator gets the whole part again; a range past the end gets 416.
        let stale = c.send(
            "GET",
            &url,
            &[("Range", "bytes=10-"), ("If-Range", "\"0000\"")],
            b"",
        );
        assert_eq!(stale.status, 200);
        assert_eq!(stale.body.len(), len);
        let past = c.send("GET", &url, &[("Range", &format!("bytes={len}-"))], b"");
        assert_eq!(past.status, 416);
        assert_eq!(
            past.header("content-range"),
            Some(format!("bytes */{len}").as_str())
        );
        let p = dir.path().join(format!("part-{n}.tar"));
        fs::write(&p, &body).unwrap();
        paths.push(p);
    }

    reviewer.ok(&["trust", &js.server.signing_pub()]);
    let import = |p: &std::path::Path| reviewer.ok(&["import", p.to_str().unwrap()]);
    let out = import(&paths[2]);
    assert!(out.contains("Part 3 of 3"), "{out}");
    assert!(out.contains("still missing part(s) 1, 2"), "{out}");
    let out = import(&paths[0]);
    assert!(out.contains("still missing part(s) 2"), "{out}");

    // Part 2 cut at an entry boundary (before its last item record), with a clean end of
    // archive: refused, nothing imported, and the message names what is missing.
    let part2 = fs::read(&paths[1]).unwrap();
    let entries = tar_entries(&part2);
    let (at, _) = entries
        .iter()
        .rev()
        .find(|(_, name)| name.ends_with(".rec") && name.contains("/items/"))
        .unwrap()
        .clone();
    let mut cut = part2[..at].to_vec();
    cut.extend_from_slice(&[0; 1024]);
    let cut_path = dir.path().join("part-2-cut.tar");
    fs::write(&cut_path, &cut).unwrap();
    let o = reviewer.cmd(&["import", cut_path.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("cut short"), "{err}");
    assert!(err.contains("items its signed manifest lists"), "{err}");
    assert!(err.contains("missing, the first item"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");

    let out = import(&paths[1]);
    assert!(out.contains("all 3 parts are now imported"), "{out}");
    let to = tempfile::tempdir().unwrap();
    reviewer.ok(&["extract", "--all", "--to", to.path().to_str().unwrap()]);
    let mut extracted = Vec::new();
    crate::support::all_files(to.path(), &mut extracted);
    for (name, data) in &files {
        let found = extracted
            .iter()
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .contains(name.as_str())
            })
            .unwrap_or_else(|| panic!("{name} not extracted: {extracted:?}"));
        assert!(fs::read(found).unwrap() == *data, "{name} differs");
    }
}

/// The part links of a selection page, in order.
pub(super) fn part_links(page: &str) -> Vec<String> {
    page.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|h| h.starts_with("/bundle/") && h.matches('/').count() == 3)
        .map(str::to_owned)
        .collect()
}

/// A header's value in a raw response head.
fn head_value(head: &str, name: &str) -> String {
    head.lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix(&format!("{name}: "))
                .map(|_| l[name.len() + 2..].trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no {name} in {head}"))
}

#[test]
fn a_part_download_cut_before_a_server_restart_resumes_with_range_after_it() {
    let (mut js, _reviewer) = JServer::with_edit("", |c| {
        c.replace(
            "bundle_part_bytes = 1073741824",
            "bundle_part_bytes = 1048576",
        )
    });
    let mut alice = js.add("alice");
    let named: Vec<(String, Vec<u8>)> = (0..2)
        .map(|n| (format!("MARKER-RESTART-{n}.bin"), content(700_000, 90 + n)))
        .collect();
    let named: Vec<(&str, Vec<u8>)> = named.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    source_submits(&js.server, "two files, two parts", &named);
    let mut c = js.client();
    c.login(&mut alice);
    let csrf = c.csrf("/sources");
    let r = c.post_form("/bundle", &[("csrf", &csrf), ("source", "")]);
    assert_eq!(r.status, 303, "{}", r.text());
    let page_url = r.header("location").unwrap().to_owned();
    assert!(page_url.starts_with("/bundle/new-"), "{page_url}");
    let page = c.get(&page_url).text();
    let links = part_links(&page);
    assert_eq!(links.len(), 2, "{page}");
    assert!(
        links[0].contains('.'),
        "a part link names its content: {links:?}"
    );

    // Part 1 cut in the middle; part 2 downloaded whole (its items are now seen, and "new"
    // is still the same set for this selection).
    let (head, first) = cut_get(&c, &links[0], &[], 300_000);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let len: usize = head_value(&head, "content-length").parse().unwrap();
    let etag = head_value(&head, "etag");
    let second = c.get(&links[1]);
    assert_eq!(second.status, 200);

    js.restart();
    let mut c = js.client();
    c.login(&mut alice);
    // The same page, the same links, after the restart.
    let again = c.get(&page_url);
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(part_links(&again.text()), links);
    let rest = c.send(
        "GET",
        &links[0],
        &[
            ("Range", &format!("bytes={}-", first.len())),
            ("If-Range", &etag),
        ],
        b"",
    );
    assert_eq!(rest.status, 206, "{}", rest.text());
    assert_eq!(rest.header("etag"), Some(etag.as_str()));
    assert_eq!(
        rest.header("content-range"),
        Some(format!("bytes {}-{}/{len}", first.len(), len - 1).as_str())
    );
    let mut body = first;
    body.extend_from_slice(&rest.body);
    let whole = c.get(&links[0]);
    assert_eq!(whole.status, 200);
    assert!(
        whole.body == body,
        "resumed bytes differ from a whole download"
    );
    assert!(
        c.get(&links[1]).body == second.body,
        "part 2 is the same too"
    );

    // A new "everything new" now is another (empty) set; a mark never handed out and a
    // malformed token are not found.
    let csrf = c.csrf("/sources");
    let r = c.post_form("/bundle", &[("csrf", &csrf), ("source", "")]);
    let next = r.header("location").unwrap().to_owned();
    assert_ne!(next, page_url);
    assert!(
        c.get(&next).text().contains("Nothing"),
        "{}",
        c.get(&next).text()
    );
    let (day, _) = page_url
        .trim_start_matches("/bundle/new-")
        .split_once('-')
        .unwrap();
    assert_eq!(c.get(&format!("/bundle/new-{day}-99")).status, 404);
    assert_eq!(c.get("/bundle/new-01-1").status, 404);
    let bad = links[0].replacen("/bundle/new-", "/bundle/new-0", 1);
    assert_eq!(c.get(&bad).status, 404);
}

/// The part files of an export folder, sorted by name.
fn part_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn export_in_parts_is_restartable_and_checks_what_it_skips() {
    let (js, reviewer) = JServer::new("");
    let files: Vec<(String, Vec<u8>)> = (0..3)
        .map(|n| (format!("MARKER-EXPORT-{n}.bin"), content(700_000, 70 + n)))
        .collect();
    let named: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    source_submits(&js.server, "exported in parts", &named);
    let to = tempfile::tempdir().unwrap();
    let dir = to.path().to_str().unwrap();
    let export = |extra: &[&str]| {
        let mut args = vec!["export", "--to", dir];
        args.extend_from_slice(extra);
        let o = js.cli(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        (crate::support::stdout(&o), stderr(&o))
    };
    let (out, err) = export(&["--part-size", "1MiB"]);
    assert!(out.contains("Wrote 4 item(s) in 3 part(s)"), "{out}");
    assert!(
        err.contains("part 1 of 3") && err.contains("part 3 of 3"),
        "{err}"
    );
    let first = part_files(to.path());
    assert_eq!(first.len(), 3, "{first:?}");
    assert!(first[0].to_str().unwrap().ends_with("-part-1-of-3.tar"));
    let bytes: Vec<Vec<u8>> = first.iter().map(|p| fs::read(p).unwrap()).collect();

    // Again: every part is checked and skipped; nothing changes.
    let (out, err) = export(&["--part-size", "1MiB"]);
    assert!(out.contains("(3 already whole, skipped)"), "{out}");
    assert!(err.contains("already whole, skipped"), "{err}");
    assert_eq!(part_files(to.path()), first);

    // A part damaged in place (same name, same length), a part missing and a temporary left by
    // a killed run: the damaged part is not trusted by its name, and both are written again.
    let mut damaged = bytes[1].clone();
    let at = damaged.len() / 2;
    damaged[at] ^= 0x20;
    fs::write(&first[1], &damaged).unwrap();
    fs::remove_file(&first[2]).unwrap();
    let name = first[2].file_name().unwrap().to_str().unwrap().to_owned();
    fs::write(to.path().join(format!(".{name}.partial")), b"half").unwrap();
    let (out, _) = export(&["--part-size", "1MiB"]);
    assert!(out.contains("(1 already whole, skipped)"), "{out}");
    assert_eq!(part_files(to.path()), first, "no temporary left");
    for (p, b) in first.iter().zip(&bytes) {
        assert!(
            fs::read(p).unwrap() == *b,
            "{p:?} is not what the first run wrote"
        );
    }

    // The one source is the same selection: the same parts, already there.
    let sid = super::spool_sources(&js.server)[0].to_string();
    let (out, _) = export(&["--part-size", "1MiB", "--source", &sid]);
    assert!(out.contains("(3 already whole, skipped)"), "{out}");

    // Parts smaller than 1 MiB are refused, as are unknown sources.
    let o = js.cli(&["export", "--to", dir, "--part-size", "100KiB"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("at least 1MiB"), "{}", stderr(&o));
    let o = js.cli(&["export", "--to", dir, "--source", &"0".repeat(64)]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no such source"), "{}", stderr(&o));

    // The parts import in any order.
    reviewer.ok(&["trust", &js.server.signing_pub()]);
    let out = reviewer.ok(&["import", first[1].to_str().unwrap()]);
    assert!(out.contains("still missing part(s) 1, 3"), "{out}");
    reviewer.ok(&["import", first[2].to_str().unwrap()]);
    let out = reviewer.ok(&["import", first[0].to_str().unwrap()]);
    assert!(out.contains("all 3 parts are now imported"), "{out}");
}
