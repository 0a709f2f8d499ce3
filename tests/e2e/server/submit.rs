//! A source submits files and messages: the reviewer gets exact bytes and nothing identifying
//! is kept; uploads that are too large, cut off or killed leave nothing.

use std::fs;
use std::io::Write;
use std::time::Duration;

use super::{UA, get_codename, submit};
use crate::http::{Browser, Multipart, csrf_of};
use crate::support::{Reviewer, Server, all_files, contains, content, messages_in, wait_until};

#[test]
fn a_source_submits_and_the_reviewer_gets_exact_bytes_and_nothing_identifying_is_kept() {
    let reviewer = Reviewer::new();
    // Request lines are off by default (they carry times); this test reads them, so opts in.
    let server = Server::new(&reviewer.recipient, |c| {
        format!("debug_request_log = true\n{c}")
    });
    let mut b = Browser::new(server.port, UA);
    let codename = get_codename(&mut b);
    assert_eq!(codename.split(' ').count(), 7);
    // A source exists on disk only from its first submission on.
    assert_eq!(
        fs::read_dir(server.spool().join("sources"))
            .unwrap()
            .count(),
        0
    );
    let home = b.get("/en/home");
    assert!(
        home.text()
            .contains("Nothing has been sent with this codename yet"),
        "{}",
        home.text()
    );

    let message = "MARKER-MESSAGE-41f3 The files are attached. Файлы приложены.";
    let small = content(10_000, 1);
    let big = content(6 * 1024 * 1024 + 7, 2);
    let r = submit(&mut b, |m| {
        m.text("message", message)
            .file("files", "MARKER-FILENAME-9c2e.pdf", &small)
            .file("files", "video-MARKER-FILENAME-77aa.mp4", &big)
    });
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("2 files"), "{}", r.text());

    // Log out, log back in with the codename (sloppily typed), submit again.
    let home = b.get("/en/home");
    let before = b.cookie.clone();
    let out = b.post_form("/en/logout", &[("csrf", &csrf_of(&home.text()))]);
    assert_eq!(out.status, 200);
    assert!(out.text().contains("New Identity"), "{}", out.text());
    assert!(b.cookie.is_none(), "logout removes the cookie");
    let after = b.get("/en/home");
    assert_eq!(
        (after.status, after.header("location")),
        (303, Some("/en/login")),
        "after logout the session is gone"
    );
    let login = b.get("/en/login");
    let typed = format!("  {}  ", codename.to_uppercase());
    let r = b.post_form(
        "/en/login",
        &[("csrf", &csrf_of(&login.text())), ("codename", &typed)],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_ne!(b.cookie, before, "the session id is cycled at login");
    let second = "MARKER-SECOND-5d1e follow-up";
    let r = submit(&mut b, |m| m.text("message", second).file("files", "", b""));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(server.item_count(), 4);

    // The reviewer gets exactly what was sent, from a copy of the spool.
    let out = reviewer.receive(&server, "Imported 4 new item(s) from 1 source(s)");
    assert!(fs::read(out.file("MARKER-FILENAME-9c2e.pdf")).unwrap() == small);
    assert!(fs::read(out.file("video-MARKER-FILENAME-77aa.mp4")).unwrap() == big);
    let texts = messages_in(out.path());
    assert_eq!(texts, vec![message.to_string(), second.to_string()]);

    // No marker anywhere under the data folder or in the log.
    let log = server.log_text();
    assert!(
        log.contains("route=/{lang}/submit"),
        "the log was written: {log}"
    );
    let mut files = Vec::new();
    all_files(&server.data(), &mut files);
    let markers = [
        codename.as_str(),
        "MARKER-FILENAME-9c2e",
        "MARKER-FILENAME-77aa",
        "MARKER-MESSAGE-41f3",
        "MARKER-SECOND-5d1e",
        "PosternTestAgent-UA-7f3c2b",
        "203.0.113.77",
    ];
    for m in markers {
        assert!(!log.contains(m), "log carries {m:?}");
        for f in &files {
            assert!(
                !contains(&fs::read(f).unwrap(), m.as_bytes()),
                "{} carries {m:?}",
                f.display()
            );
        }
    }
    // The client's address (loopback here) appears only where the operator configured the
    // listener: never in a request's log line, never in the spool.
    for line in log.lines().filter(|l| l.contains("127.0.0.1")) {
        assert!(
            line.contains("source interface listening"),
            "log line carries an address: {line}"
        );
    }
    for f in files.iter().filter(|f| !f.ends_with("postern.toml")) {
        assert!(
            !contains(&fs::read(f).unwrap(), b"127.0.0.1"),
            "{} carries an address",
            f.display()
        );
    }
    // No time finer than the day: no clock time (hh:mm or hh:mm:ss) on any line.
    for line in log.lines() {
        let b = line.as_bytes();
        let clock = b.windows(5).any(|w| {
            w[0].is_ascii_digit()
                && w[1].is_ascii_digit()
                && w[2] == b':'
                && w[3].is_ascii_digit()
                && w[4].is_ascii_digit()
        });
        assert!(!clock, "a log line carries a time of day: {line}");
    }
    // Codename words do not appear in the log either (in any order).
    for w in codename.split(' ') {
        assert!(
            !log.split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
                .any(|t| t == w),
            "log carries a codename word"
        );
    }
}

/// Starts a raw `POST /en/submit` of `body` with the session of `b`, sends only its first
/// `sent` bytes, and returns the open connection.
fn submit_part(b: &Browser, ct: &str, body: &[u8], sent: usize) -> std::net::TcpStream {
    let mut s = crate::http::connect(b.port());
    let head = format!(
        "POST /en/submit HTTP/1.1\r\nHost: x\r\nCookie: postern={}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n\r\n",
        b.cookie.clone().unwrap(),
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&body[..sent]).unwrap();
    s.flush().unwrap();
    s
}

#[test]
fn oversized_and_interrupted_uploads_leave_nothing() {
    let reviewer = Reviewer::new();
    let mut server = Server::new(&reviewer.recipient, |c| {
        c.replace("max_file_bytes = 2147483648", "max_file_bytes = 1048576")
    });
    let mut b = Browser::new(server.port, UA);
    get_codename(&mut b);

    // Too large: a clear page, and nothing stored (not even the message before it).
    let r = submit(&mut b, |m| {
        m.text("message", "before the big file")
            .file("files", "big.bin", &content(3 << 20, 5))
    });
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(
        r.text().contains("larger than the limit") || r.text().contains("too large"),
        "{}",
        r.text()
    );
    assert_eq!(server.item_count(), 0);
    assert!(server.temporaries().is_empty());

    // The client disconnects halfway through a file.
    let home = b.get("/en/home");
    let (ct, body) = Multipart::new()
        .text("csrf", &csrf_of(&home.text()))
        .text("message", "this message must not be stored")
        .file("files", "half.bin", &content(900_000, 6))
        .finish();
    let s = submit_part(&b, &ct, &body, body.len() / 2);
    std::thread::sleep(Duration::from_millis(500));
    drop(s);
    wait_until(
        Duration::from_secs(20),
        "the temporary of a cut-off upload is removed",
        || server.temporaries().is_empty(),
    );
    assert_eq!(server.item_count(), 0);

    // The server is killed mid-upload: it restarts clean, with no partial item.
    let home = b.get("/en/home");
    let (ct, body) = Multipart::new()
        .text("csrf", &csrf_of(&home.text()))
        .file("files", "killed.bin", &content(900_000, 7))
        .finish();
    let s = submit_part(&b, &ct, &body, body.len() - 1000);
    wait_until(
        Duration::from_secs(20),
        "the upload is being written to a temporary",
        || !server.temporaries().is_empty(),
    );
    server.kill();
    drop(s);
    assert!(
        !server.temporaries().is_empty(),
        "SIGKILL leaves the temporary behind"
    );
    server.start();
    assert!(
        server.temporaries().is_empty(),
        "startup removes temporaries"
    );
    assert_eq!(server.item_count(), 0);
    assert!(
        server
            .log_text()
            .contains("removed leftovers of interrupted uploads")
    );
}
