//! Cut-off and killed PATCH requests: what arrived is kept unless checksummed, one writer per
//! upload, and SIGKILL loses no committed byte.

use std::io::Write;
use std::time::Duration;

use sha2::Digest;

use super::{ApiSource, b64, login, review};
use crate::support::{Reviewer, Server, content, wait_until};

/// Sends a PATCH with a declared length of `declared` but only `sent` bytes, then hangs up.
fn cut_patch(
    port: u16,
    auth: &str,
    loc: &str,
    offset: u64,
    body: &[u8],
    declared: usize,
    extra: &str,
) {
    let mut s = crate::http::connect(port);
    let head = format!(
        "PATCH {loc} HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nAuthorization: Bearer {auth}\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: {offset}\r\nContent-Length: {declared}\r\n{extra}\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    s.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    drop(s);
}

#[test]
fn a_cut_off_patch_keeps_what_arrived_unless_checksummed_and_sigkill_loses_no_committed_byte() {
    let reviewer = Reviewer::new();
    let mut server = Server::new(&reviewer.recipient, |c| c);
    let port = server.port;
    let a = ApiSource::new(port);
    let data = content(3_000_000, 62);
    let loc = a.create(data.len() as u64, "cut.bin");

    // Cut off without a checksum: what arrived is committed (tus: store as much as possible).
    cut_patch(port, &a.auth, &loc, 0, &data[..700_000], 1_000_000, "");
    wait_until(
        Duration::from_secs(30),
        "the cut-off body is committed",
        || a.offset(&loc) > 0,
    );
    let off = a.offset(&loc);
    assert!(off <= 700_000 && off > 0, "{off}");
    assert!(server.temporaries().is_empty());

    // Cut off with a checksum: discarded, offset unchanged.
    let sum = b64(&sha2::Sha256::digest(
        &data[off as usize..off as usize + 500_000],
    ));
    cut_patch(
        port,
        &a.auth,
        &loc,
        off,
        &data[off as usize..off as usize + 300_000],
        500_000,
        &format!("Upload-Checksum: sha256 {sum}\r\n"),
    );
    wait_until(
        Duration::from_secs(30),
        "the checksummed body is dropped",
        || server.temporaries().is_empty(),
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(a.offset(&loc), off);

    // SIGKILL in the middle of a PATCH: after the restart every committed byte is there, the
    // temporary is swept, and the upload resumes.
    let items_before = server.item_count();
    let mut s = crate::http::connect(port);
    let head = format!(
        "PATCH {loc} HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nAuthorization: Bearer {}\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: {off}\r\nContent-Length: 1000000\r\n\r\n",
        a.auth
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&data[off as usize..off as usize + 600_000])
        .unwrap();
    s.flush().unwrap();
    wait_until(
        Duration::from_secs(30),
        "the segment is being written",
        || !server.temporaries().is_empty(),
    );
    // A second PATCH to the same upload meanwhile is refused: one writer per upload.
    let r = a.patch(&loc, off, &data[off as usize..off as usize + 1000], &[]);
    assert_eq!(r.status, 423, "{r:?}");
    server.kill();
    drop(s);
    server.start();
    assert!(
        server.temporaries().is_empty(),
        "startup removes the temporary"
    );
    assert_eq!(server.item_count(), items_before);
    // Tokens live in memory: log in again, and resume where the server says.
    let auth = login(port, &a.codename);
    let a = ApiSource { auth, ..a };
    assert_eq!(a.offset(&loc), off, "no committed byte lost");
    let r = a.patch(&loc, off, &data[off as usize..], &[]);
    assert_eq!(r.status, 204, "{r:?}");
    let files = review(&reviewer, &server);
    assert_eq!(files.len(), 1);
    assert!(
        files[0].1 == data,
        "byte-identical after cut, discard, kill and resume"
    );
}
