//! The reviewer at 100,000 items (13 bundle parts of at most 8192): import in bounded memory, `list` with its columns intact.
//!
//! Ignored by default (it writes 200,000 small files, each fsynced); the figures are in
//! `docs/benchmarks.md`. Run it on a tmpfs to measure memory rather than the disk:
//!
//! ```sh
//! TMPDIR=/dev/shm cargo test -p postern-e2e --test e2e -- --ignored --nocapture reviewer_at_100000
//! ```

use std::fs;
use std::process::Command;
use std::time::Instant;

use postern_spool::bundle::{BundleManifest, BundleWriter, MAX_PART_ITEMS};
use postern_spool::day::Day;
use postern_spool::envelope::Kind;
use postern_spool::ids::{ItemId, SelectionId};
use postern_spool::record::ItemRecord;
use sha2::{Digest, Sha256};

use crate::support::{Reviewer, ServerSpool, bin, run, stderr, tool};

const ITEMS: usize = 100_000;

/// Peak resident memory of a finished command, from `/usr/bin/time -v`, in KiB.
fn peak_rss_kib(time_output: &str) -> u64 {
    time_output
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .expect("no peak RSS in the output of time -v")
}

/// Splits a listing line into its cells (columns are separated by at least two spaces).
fn cells(line: &str) -> Vec<&str> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// (start, end) of each cell of a line.
fn spans(line: &str) -> Vec<(usize, usize)> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b' ' {
            i += 1;
            continue;
        }
        let start = i;
        // A cell ends at two spaces (or the end): "28 B" and "quiet harbor" are one cell.
        while i < b.len() && !(b[i] == b' ' && b.get(i + 1).is_none_or(|c| *c == b' ')) {
            i += 1;
        }
        out.push((start, i));
    }
    out
}

#[test]
#[ignore]
fn reviewer_at_100000_items_imports_under_128_mib_and_lists_in_columns() {
    let reviewer = Reviewer::new();
    let mut server = ServerSpool::new(reviewer.recipients(), 40);
    let big = server.source();
    let small = server.source();
    let work = tempfile::tempdir().unwrap();
    let start = Instant::now();
    // Every item first (small: the ciphertext need not be a real age file, as import checks size
    // and hash against the signed record and `list` decrypts nothing), then bundles of at most
    // MAX_PART_ITEMS items each: the parts of one selection.
    let mut all = Vec::new();
    for (source, n) in [(big, ITEMS - 10), (small, 10)] {
        for i in 0..n {
            let item = ItemId::random(&mut server.rng);
            let ct = format!("ciphertext {i} of {source}").into_bytes();
            let rec = ItemRecord::new(
                item,
                source,
                Kind::File,
                Day(20_421 + (i % 30) as u32),
                ct.len() as u64,
                postern_spool::record::Digest::Sha256(Sha256::digest(&ct).into()),
                &server.recipients,
            )
            .sign(&server.key);
            all.push((source, item, rec, ct));
        }
    }
    let chunks: Vec<_> = all.chunks(MAX_PART_ITEMS).collect();
    let mut bundles = Vec::new();
    for (n, chunk) in chunks.iter().enumerate() {
        let manifest = BundleManifest {
            selection: SelectionId::from_bytes([9; 16]),
            part: n as u32 + 1,
            parts: chunks.len() as u32,
            items: chunk.iter().map(|(s, i, _, _)| (*s, *i)).collect(),
        }
        .sign(&server.key)
        .unwrap();
        let path = work.path().join(format!("part-{n}.tar"));
        let f = std::io::BufWriter::new(fs::File::create(&path).unwrap());
        let mut w = BundleWriter::new(f, &manifest).unwrap();
        let mut current = None;
        for (source, item, rec, ct) in chunk.iter() {
            if current != Some(*source) {
                let srec = fs::read(server.spool.source_record_path(source)).unwrap();
                w.add_source(source, &srec).unwrap();
                current = Some(*source);
            }
            w.add_item(source, item, rec.as_bytes(), ct.len() as u64, &mut &ct[..])
                .unwrap();
        }
        w.finish().unwrap();
        bundles.push(path);
    }
    eprintln!(
        "{} bundle parts of {ITEMS} items: {} bytes in {:?}",
        bundles.len(),
        bundles
            .iter()
            .map(|b| fs::metadata(b).unwrap().len())
            .sum::<u64>(),
        start.elapsed()
    );
    reviewer.ok(&["trust", &server.verifying_key()]);
    let start = Instant::now();
    let mut import_kib = 0;
    for bundle in &bundles {
        let out = run(Command::new(tool("time"))
            .arg("-v")
            .arg(bin("postern-review"))
            .arg("--home")
            .arg(reviewer.home())
            .arg("import")
            .arg(bundle));
        assert!(out.status.success(), "{}", stderr(&out));
        import_kib = import_kib.max(peak_rss_kib(&stderr(&out)));
    }
    let took = start.elapsed();
    eprintln!(
        "import of every part: {took:?}, highest peak RSS {:.1} MiB",
        import_kib as f64 / 1024.0
    );
    assert!(import_kib < 128 * 1024, "import peaked at {import_kib} KiB");

    let out = run(Command::new(tool("time"))
        .arg("-v")
        .arg(bin("postern-review"))
        .arg("--home")
        .arg(reviewer.home())
        .arg("list"));
    assert!(out.status.success(), "{}", stderr(&out));
    let list_kib = peak_rss_kib(&stderr(&out));
    let listing = String::from_utf8(out.stdout).unwrap();
    eprintln!(
        "list: peak RSS {:.1} MiB\n{listing}",
        list_kib as f64 / 1024.0
    );
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), 3, "{listing}");
    for l in &lines {
        assert_eq!(cells(l).len(), 6, "columns merged: {l:?}");
    }
    // Left-aligned cells start where their header does, numbers end where theirs does.
    let head = spans(lines[0]);
    for l in &lines[1..] {
        let row = spans(l);
        for (i, (h, r)) in head.iter().zip(&row).enumerate() {
            if i < 3 {
                assert_eq!(h.0, r.0, "column {i} moved: {listing}");
            } else {
                assert_eq!(h.1, r.1, "column {i} moved: {listing}");
            }
        }
    }
    assert!(listing.contains(&format!(" {} ", ITEMS - 10)), "{listing}");

    // One source's 99,990 items: every row has its columns, and the ids are unique.
    let prefix = &big.to_string()[..8];
    let out = run(Command::new(bin("postern-review"))
        .arg("--home")
        .arg(reviewer.home())
        .args(["list", prefix]));
    assert!(out.status.success(), "{}", stderr(&out));
    let listing = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = listing.lines().skip(2).collect();
    assert_eq!(rows.len(), ITEMS - 10);
    let mut ids = std::collections::HashSet::new();
    let width = rows[0].find(' ').unwrap();
    for r in &rows {
        let c = cells(r);
        // id, day, kind, size, and "new": the last import brought every item.
        assert_eq!(c.len(), 5, "columns merged: {r:?}");
        assert_eq!(c[4], "new", "{r:?}");
        assert_eq!(r.find(' '), Some(width), "ragged id column: {r:?}");
        assert!(ids.insert(c[0]), "an id shown twice: {}", c[0]);
    }
    eprintln!(
        "per-source list: {} rows, id column {width} wide",
        rows.len()
    );
}
