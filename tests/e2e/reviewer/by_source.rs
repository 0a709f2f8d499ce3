//! `extract` files what is new by source: one folder per source (designation and short id),
//! items named by day and original name, byte-identical; a second run writes nothing; an upload
//! still missing segments is reported with the byte ranges it lacks and extracted once they
//! arrive; `--source`, `--since` and `--again` select.

use std::fs;
use std::path::Path;

use postern_spool::day::Day;
use postern_spool::envelope::{Header, Kind, SegmentInfo, seal};
use postern_spool::ids::{ItemId, SourceId, UploadId};
use postern_spool::record::ItemRecord;
use postern_spool::segments::{Manifest, SegmentEntry};

use super::{files_in, short};
use crate::support::{Reviewer, ServerSpool, content};

/// The day `ServerSpool` stores everything on.
const DAY: Day = Day(20_421);

/// The segments of a resumable upload of `data` in pieces of `piece` bytes (those whose index is
/// in `skip` left out) and, if `manifest`, its manifest, stored as the server stores them.
fn store_upload(
    server: &mut ServerSpool,
    source: &SourceId,
    name: &str,
    data: &[u8],
    piece: usize,
    skip: &[u64],
    manifest: bool,
) -> (UploadId, Vec<ItemRecord>, Vec<SegmentEntry>) {
    let upload = UploadId::random(&mut server.rng);
    let (mut stored, mut entries) = (Vec::new(), Vec::new());
    for (index, chunk) in data.chunks(piece).enumerate() {
        let index = index as u64;
        let offset = index * piece as u64;
        let mut h = Header::new(Kind::Segment, ItemId::from_bytes([0; 16]), DAY);
        h.segment = Some(SegmentInfo {
            upload_id: upload,
            index,
            offset,
        });
        let rec = server
            .spool
            .store(
                &mut server.rng,
                &server.key,
                &server.recipients,
                source,
                h,
                &mut &*chunk,
            )
            .unwrap();
        entries.push(SegmentEntry {
            index,
            item: rec.item,
            offset,
            length: chunk.len() as u64,
            digest: *rec.digest.bytes(),
        });
        if skip.contains(&index) {
            // Not in this bundle: taken out of the spool, kept for a later one.
            let (age, recp) = server.spool.item_paths(source, &rec.item);
            fs::rename(&age, age.with_extension("held-age")).unwrap();
            fs::rename(&recp, recp.with_extension("held-rec")).unwrap();
        }
        stored.push(rec);
    }
    if manifest {
        store_manifest(server, source, upload, name, data.len() as u64, &entries);
    }
    (upload, stored, entries)
}

/// The manifest of a complete upload, with its sealed name.
fn store_manifest(
    server: &mut ServerSpool,
    source: &SourceId,
    upload: UploadId,
    name: &str,
    length: u64,
    entries: &[SegmentEntry],
) {
    let mut meta_header = Header::new(Kind::Manifest, ItemId::from_bytes(*upload.as_bytes()), DAY);
    meta_header.name = name.to_owned();
    let meta = seal(&server.recipients, &meta_header, Vec::new())
        .unwrap()
        .finish()
        .unwrap();
    let m = Manifest {
        upload,
        length,
        content: length,
        encrypted: false,
        meta,
        segments: entries.to_vec(),
    };
    let h = Header::new(Kind::Manifest, ItemId::from_bytes([0; 16]), DAY);
    server
        .spool
        .store(
            &mut server.rng,
            &server.key,
            &server.recipients,
            source,
            h,
            &mut m.encode().as_bytes(),
        )
        .unwrap();
}

/// Puts back the segments `store_upload` held out.
fn release(server: &ServerSpool, source: &SourceId, stored: &[ItemRecord]) {
    for rec in stored {
        let (age, recp) = server.spool.item_paths(source, &rec.item);
        if age.with_extension("held-age").exists() {
            fs::rename(age.with_extension("held-age"), &age).unwrap();
            fs::rename(recp.with_extension("held-rec"), &recp).unwrap();
        }
    }
}

fn folder(id: &SourceId) -> String {
    format!(
        "{}-{}",
        postern_spool::designation::designation(id).replace(' ', "-"),
        short(id)
    )
}

/// Every file under `dir`, as (path relative to it, bytes).
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for sub in files_in(dir) {
        let p = dir.join(&sub);
        if p.is_dir() {
            for f in files_in(&p) {
                out.push((format!("{sub}/{f}"), fs::read(p.join(&f)).unwrap()));
            }
        } else {
            out.push((sub.clone(), fs::read(&p).unwrap()));
        }
    }
    out
}

#[test]
fn extract_files_each_source_apart_incrementally_and_reports_what_an_upload_lacks() {
    let reviewer = Reviewer::new();
    let mut server = ServerSpool::new(reviewer.recipients(), 12);
    let a = server.source();
    let b = server.source();
    let message = "Second batch follows.\n";
    let msg = server.store(&a, Kind::Message, "", message.as_bytes());
    let report_a = content(70_000, 1);
    let report_b = content(5_000, 2);
    server.store(&a, Kind::File, "report.pdf", &report_a);
    server.store(&b, Kind::File, "report.pdf", &report_b);
    let video = content(3 * 1024 * 1024 + 777, 3);
    store_upload(&mut server, &a, "video.mp4", &video, 1 << 20, &[], true);
    // Source b's archive: segments 0 and 2 of 3 arrived so far, no manifest.
    let archive = content(3 << 20, 4);
    let (upload_b, held, entries_b) = store_upload(
        &mut server,
        &b,
        "archive.zip",
        &archive,
        1 << 20,
        &[1],
        false,
    );

    let work = tempfile::tempdir().unwrap();
    let first = work.path().join("first.tar");
    server.bundle(&first);
    reviewer.ok(&["trust", &server.verifying_key()]);
    reviewer.ok(&["import", first.to_str().unwrap()]);

    let out = work.path().join("out");
    let said = reviewer.ok(&["extract", "--to", out.to_str().unwrap()]);
    let (fa, fb) = (folder(&a), folder(&b));
    let day = DAY.to_string();
    let got = tree(&out);
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    let want_msg = format!("{fa}/{day}_message-{}.txt", short(&msg.item));
    let mut want = vec![
        format!("{fa}/{day}_report.pdf"),
        format!("{fa}/{day}_video.mp4"),
        want_msg.clone(),
        format!("{fb}/{day}_report.pdf"),
    ];
    want.sort();
    assert_eq!(names, want, "{said}");
    let bytes = |n: &str| got.iter().find(|(k, _)| k == n).unwrap().1.clone();
    assert!(
        bytes(&format!("{fa}/{day}_video.mp4")) == video,
        "byte-identical"
    );
    assert!(bytes(&format!("{fa}/{day}_report.pdf")) == report_a);
    assert!(bytes(&format!("{fb}/{day}_report.pdf")) == report_b);
    assert_eq!(bytes(&want_msg), message.as_bytes());
    // The incomplete upload: reported with what it lacks, not extracted.
    assert!(
        said.contains("incomplete, not extracted: has bytes 0-1048575, 2097152-3145727; lacks bytes 1048576-2097151 and everything from byte 3145728 on"),
        "{said}"
    );

    // `list` shows each upload as one line with its true size and state.
    let la = reviewer.ok(&["list", &short(&a)]);
    let line = la.lines().find(|l| l.contains("upload")).unwrap();
    assert!(
        line.contains("3.0 MiB") && line.contains("complete"),
        "{la}"
    );
    assert_eq!(
        la.lines().filter(|l| l.contains("upload")).count(),
        1,
        "{la}"
    );
    let lb = reviewer.ok(&["list", &short(&b)]);
    let line = lb.lines().find(|l| l.contains("upload")).unwrap();
    assert!(
        line.contains("2.0 MiB")
            && line.contains("in progress: has bytes 0-1048575, 2097152-3145727"),
        "{lb}"
    );
    assert_eq!(
        lb.lines().filter(|l| l.contains("upload")).count(),
        1,
        "{lb}"
    );

    // Without the key (a wrong passphrase proves it is not asked for), `list SOURCE --sealed`
    // shows the rest, and the upload's pieces as one sealed line; without --sealed it says why
    // it needs the key.
    let passphrase = fs::read(&reviewer.passphrase_file).unwrap();
    fs::write(&reviewer.passphrase_file, "not the passphrase\n").unwrap();
    let sealed = reviewer.ok(&["list", &short(&a), "--sealed"]);
    assert!(
        sealed.contains("message") && sealed.contains("file"),
        "{sealed}"
    );
    let line = sealed.lines().find(|l| l.contains("uploads")).unwrap();
    assert!(
        line.contains("sealed: 5 piece(s)") && !line.contains("complete"),
        "four segments and a manifest: {sealed}"
    );
    assert_eq!(
        sealed.lines().filter(|l| l.contains("upload")).count(),
        1,
        "{sealed}"
    );
    let o = reviewer.cmd(&["list", &short(&a)]);
    assert!(!o.status.success());
    let err = crate::support::stderr(&o);
    assert!(
        err.contains("sealed inside them")
            && err.contains("--sealed")
            && err.contains("wrong passphrase"),
        "{err}"
    );
    fs::write(&reviewer.passphrase_file, passphrase).unwrap();

    // A second run writes nothing.
    let said = reviewer.ok(&["extract", "--to", out.to_str().unwrap()]);
    assert!(said.contains("Extracted 0 new item(s)"), "{said}");
    assert_eq!(tree(&out), got, "nothing written the second time");

    // --since a later day selects nothing; --again with --source extracts that source again.
    let said = reviewer.ok(&[
        "extract",
        "--since",
        "2099-01-01",
        "--again",
        "--to",
        out.to_str().unwrap(),
    ]);
    assert!(said.contains("Nothing new to extract"), "{said}");
    assert_eq!(tree(&out), got);
    let again = work.path().join("again");
    reviewer.ok(&[
        "extract",
        "--again",
        "--source",
        &short(&b),
        "--to",
        again.to_str().unwrap(),
    ]);
    let names: Vec<String> = tree(&again).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, vec![format!("{fb}/{day}_report.pdf")]);
    let bad = reviewer.cmd(&[
        "extract",
        "--since",
        "2026-02-31",
        "--to",
        again.to_str().unwrap(),
    ]);
    assert!(!bad.status.success());

    // The rest of b's archive arrives with its manifest: only that is extracted.
    release(&server, &b, &held);
    store_manifest(
        &mut server,
        &b,
        upload_b,
        "archive.zip",
        archive.len() as u64,
        &entries_b,
    );
    let second = work.path().join("second.tar");
    server.bundle(&second);
    reviewer.ok(&["import", second.to_str().unwrap()]);
    let lb = reviewer.ok(&["list", &short(&b)]);
    let line = lb.lines().find(|l| l.contains("upload")).unwrap();
    assert!(
        line.contains("3.0 MiB") && line.contains("complete"),
        "{lb}"
    );
    let said = reviewer.ok(&["extract", "--to", out.to_str().unwrap()]);
    assert!(said.contains("Extracted 1 new item(s)"), "{said}");
    let now = tree(&out);
    assert_eq!(now.len(), got.len() + 1);
    let (name, bytes) = now
        .iter()
        .find(|(n, _)| n == &format!("{fb}/{day}_archive.zip"))
        .unwrap();
    assert!(*bytes == archive, "{name} byte-identical");
    let said = reviewer.ok(&["extract", "--to", out.to_str().unwrap()]);
    assert!(
        said.contains("Extracted 0 new item(s).") && !said.contains("incomplete"),
        "{said}"
    );
    assert_eq!(tree(&out), now);
}
