//! Crash windows of the real binary: SIGKILL between a segment's commit and the log line that
//! records it, and between the manifest's commit and the line that records it. After a restart
//! there is no orphan segment and no second manifest, and the file is whole.
//!
//! The crash is the server's test-only fault hook, `POSTERN_TEST_FAULT=<point>`: compiled into
//! debug builds only (`#[cfg(debug_assertions)]` in `storage::uploads`), it makes the process
//! SIGKILL itself at that point. The shipped release build has no such code.

use std::io::Write;

use super::{ApiSource, TUS, login, review};
use crate::support::{Reviewer, Server, content};

/// Sends a PATCH and does not wait for the answer (the server dies before it gives one).
fn patch_and_die(server: &mut Server, a: &ApiSource, loc: &str, offset: u64, body: &[u8]) {
    let mut s = crate::http::connect(a.port);
    let head = format!(
        "PATCH {loc} HTTP/1.1\r\nHost: x\r\n{}: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: {offset}\r\nContent-Length: {}\r\n\r\n",
        TUS.0,
        TUS.1,
        a.auth,
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    s.flush().unwrap();
    let status = server.wait_exit();
    assert!(
        !status.success(),
        "the fault hook killed the server: {status}"
    );
    drop(s);
}

fn log_of(server: &Server) -> String {
    let dir = server.spool().join("uploads");
    let logs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        // Beside the log, a complete upload has its parts file (the journalist's one entry).
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    assert_eq!(logs.len(), 1, "one upload, one log: {logs:?}");
    std::fs::read_to_string(&logs[0]).unwrap()
}

#[test]
fn sigkill_in_the_segment_and_manifest_windows_leaves_no_orphan_and_no_second_manifest() {
    let reviewer = Reviewer::new();
    let mut server = Server::new(&reviewer.recipient, |c| c);
    let data = content(300_000, 12);
    let a = ApiSource::new(server.port);
    let loc = a.create(data.len() as u64, "window.bin");
    assert_eq!(a.patch(&loc, 0, &data[..100_000], &[]).status, 204);
    assert_eq!(server.item_count(), 1);

    // Window 1: the segment is committed, the server dies before the log records it.
    server.kill();
    server.start_with_env(&[("POSTERN_TEST_FAULT", "after-segment-commit")]);
    let a = ApiSource {
        auth: login(a.port, &a.codename),
        ..a
    };
    patch_and_die(&mut server, &a, &loc, 100_000, &data[100_000..200_000]);
    assert_eq!(
        server.item_count(),
        2,
        "the crash came after the commit: an orphan exists"
    );
    let log = log_of(&server);
    assert!(log.lines().last().unwrap().starts_with("pending "), "{log}");
    server.start();
    assert_eq!(server.item_count(), 1, "the orphan is swept at startup");
    assert!(
        log_of(&server)
            .lines()
            .last()
            .unwrap()
            .starts_with("dropped ")
    );
    let a = ApiSource {
        auth: login(a.port, &a.codename),
        ..a
    };
    assert_eq!(
        a.offset(&loc),
        100_000,
        "the client is told to send those bytes again"
    );
    assert_eq!(
        a.patch(&loc, 100_000, &data[100_000..200_000], &[]).status,
        204
    );

    // Window 2: the manifest is committed, the server dies before the log records it.
    server.kill();
    server.start_with_env(&[("POSTERN_TEST_FAULT", "after-manifest-commit")]);
    let a = ApiSource {
        auth: login(a.port, &a.codename),
        ..a
    };
    patch_and_die(&mut server, &a, &loc, 200_000, &data[200_000..]);
    assert_eq!(
        server.item_count(),
        4,
        "three segments and the manifest are committed"
    );
    assert!(
        log_of(&server)
            .lines()
            .last()
            .unwrap()
            .starts_with("finishing ")
    );
    server.start();
    assert_eq!(server.item_count(), 4, "no second manifest, no orphan");
    assert!(
        log_of(&server)
            .lines()
            .last()
            .unwrap()
            .starts_with("complete ")
    );
    let a = ApiSource {
        auth: login(a.port, &a.codename),
        ..a
    };
    // The client lost that answer: it asks, and is told the upload is whole.
    assert_eq!(a.offset(&loc), 300_000);
    assert_eq!(a.patch(&loc, 300_000, b"", &[]).status, 204);
    assert_eq!(server.item_count(), 4);
    let files = review(&reviewer, &server);
    assert_eq!(files.len(), 1, "one upload, one file");
    assert!(files[0].1 == data, "byte-identical");
}
