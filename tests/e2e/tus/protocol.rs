//! The tus 1.0 protocol with a raw client: capabilities, authentication, version and limits,
//! ownership, offsets, checksums, termination; the reviewer's reassembly; nothing identifying on
//! the server.

use sha2::Digest;

use super::{ApiSource, TUS, b64, review};
use crate::http::request;
use crate::support::{Reviewer, Server, all_files, contains, content};

#[test]
fn tus_core_creation_checksum_termination_and_ownership() {
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| c);
    let port = server.port;

    // OPTIONS: the server's capabilities, without authentication.
    let r = request(port, "OPTIONS", "/api/v1/uploads", &[], b"");
    assert_eq!(r.status, 204);
    assert_eq!(r.header("tus-version"), Some("1.0.0"));
    let ext = r.header("tus-extension").unwrap();
    for e in ["creation", "termination", "checksum", "expiration"] {
        assert!(ext.contains(e), "{ext}");
    }
    assert_eq!(r.header("tus-checksum-algorithm"), Some("sha1,sha256"));
    assert_eq!(r.header("tus-max-size"), Some("214748364800"));
    assert_eq!(
        r.header("x-frame-options"),
        Some("DENY"),
        "security headers too"
    );

    // No login, a wrong token, a codename that is not one: refused.
    let r = request(
        port,
        "POST",
        "/api/v1/uploads",
        &[TUS, ("Upload-Length", "10")],
        b"",
    );
    assert_eq!(r.status, 401);
    let r = request(
        port,
        "POST",
        "/api/v1/uploads",
        &[
            TUS,
            ("Upload-Length", "10"),
            ("Authorization", &format!("Bearer {}", "ab".repeat(32))),
        ],
        b"",
    );
    assert_eq!(r.status, 401);
    let r = request(port, "POST", "/api/v1/login", &[], b"not a codename at all");
    assert_eq!(r.status, 400);

    let a = ApiSource::new(port);
    let b = ApiSource::new(port);
    // Version, length and limits.
    let r = request(
        port,
        "POST",
        "/api/v1/uploads",
        &[
            ("Tus-Resumable", "0.2.2"),
            ("Authorization", &format!("Bearer {}", a.auth)),
            ("Upload-Length", "10"),
        ],
        b"",
    );
    assert_eq!(r.status, 412);
    assert_eq!(r.header("tus-version"), Some("1.0.0"));
    let r = a.req("POST", "/api/v1/uploads", &[], b"");
    assert_eq!(r.status, 400, "no Upload-Length");
    let r = a.req(
        "POST",
        "/api/v1/uploads",
        &[("Upload-Length", "214748364801")],
        b"",
    );
    assert_eq!(r.status, 413);

    let data = content(300_000, 61);
    let loc = a.create(data.len() as u64, "секретный архив.mp4");
    assert_eq!(a.offset(&loc), 0);

    // Another source sees nothing: the upload does not exist for it.
    assert_eq!(b.req("HEAD", &loc, &[], b"").status, 404);
    assert_eq!(b.patch(&loc, 0, &data[..10], &[]).status, 404);
    assert_eq!(b.req("DELETE", &loc, &[], b"").status, 404);

    // Wrong content type, wrong offset.
    let r = a.req(
        "PATCH",
        &loc,
        &[
            ("Content-Type", "application/octet-stream"),
            ("Upload-Offset", "0"),
        ],
        &data[..10],
    );
    assert_eq!(r.status, 415);
    let r = a.patch(&loc, 5, &data[..10], &[]);
    assert_eq!(r.status, 409);
    assert_eq!(a.offset(&loc), 0);

    // A checksum mismatch: 460, the body discarded, the offset unchanged.
    let wrong = b64(&sha2::Sha256::digest(b"something else"));
    let r = a.patch(
        &loc,
        0,
        &data[..100_000],
        &[("Upload-Checksum", &format!("sha256 {wrong}"))],
    );
    assert_eq!(r.status, 460);
    assert_eq!(a.offset(&loc), 0);
    assert_eq!(
        server.item_count(),
        0,
        "nothing committed for a bad checksum"
    );
    // An unknown algorithm: 400.
    let r = a.patch(&loc, 0, &data[..10], &[("Upload-Checksum", "md5 AAAA")]);
    assert_eq!(r.status, 400);

    // Good checksums, sha1 and sha256.
    let part = &data[..100_000];
    let sum = b64(&sha1::Sha1::digest(part));
    let r = a.patch(
        &loc,
        0,
        part,
        &[("Upload-Checksum", &format!("sha1 {sum}"))],
    );
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(r.header("upload-offset"), Some("100000"));
    assert!(r.header("upload-expires").is_some());
    let part = &data[100_000..250_000];
    let sum = b64(&sha2::Sha256::digest(part));
    let r = a.patch(
        &loc,
        100_000,
        part,
        &[("Upload-Checksum", &format!("sha256 {sum}"))],
    );
    assert_eq!(r.status, 204);
    // A body beyond the declared length is refused.
    let r = a.patch(&loc, 250_000, &content(60_000, 1), &[]);
    assert_eq!(r.status, 413);
    assert_eq!(a.offset(&loc), 250_000);
    // The browser session works too (same source, logged in with the same codename).
    let mut br = crate::http::Browser::new(port, "test");
    let login_page = br.get("/en/login");
    let r = br.post_form(
        "/en/login",
        &[
            ("csrf", &crate::http::csrf_of(&login_page.text())),
            ("codename", &a.codename),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let r = br.send(
        "PATCH",
        &loc,
        &[
            TUS,
            ("Content-Type", "application/offset+octet-stream"),
            ("Upload-Offset", "250000"),
        ],
        &data[250_000..],
    );
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(r.header("upload-offset"), Some("300000"));
    // Complete: the manifest is there, and the upload still answers (a client whose last 204
    // was lost is told it is whole, and sends nothing again).
    let r = a.req("HEAD", &loc, &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("upload-offset"), Some("300000"));
    assert_eq!(r.header("upload-length"), Some("300000"));
    assert_eq!(server.item_count(), 4, "three segments and a manifest");

    // Termination: an upload of source b, removed with its segments.
    let loc_b = b.create(1000, "b.bin");
    assert_eq!(b.patch(&loc_b, 0, &content(400, 2), &[]).status, 204);
    assert_eq!(server.item_count(), 5);
    assert_eq!(
        a.req("DELETE", &loc_b, &[], b"").status,
        404,
        "not a's upload"
    );
    assert_eq!(b.req("DELETE", &loc_b, &[], b"").status, 204);
    assert_eq!(b.req("HEAD", &loc_b, &[], b"").status, 404);
    assert_eq!(server.item_count(), 4);

    // The reviewer gets exactly the bytes, under the sealed name.
    let files = review(&reviewer, &server);
    assert_eq!(
        files.len(),
        1,
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert_eq!(files[0].0, "секретный архив.mp4");
    assert!(files[0].1 == data, "byte-identical");
    let list = reviewer.ok(&["list"]);
    let sid = list
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let listing = reviewer.ok(&["list", &sid]);
    assert!(listing.contains("upload"), "{listing}");
    assert!(listing.contains("3 segment(s)"), "{listing}");

    // Nothing identifying on the server's disk or in its log.
    let mut files = Vec::new();
    all_files(&server.data(), &mut files);
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        for needle in [
            "секретный".as_bytes(),
            b"video/mp4",
            a.codename.as_bytes(),
            a.auth.as_bytes(),
            &data[1000..1032],
        ] {
            assert!(!contains(&bytes, needle), "{} holds a secret", f.display());
        }
    }
    let log = server.log_text();
    assert!(!log.contains(&a.auth) && !log.contains(&loc[16..]), "{log}");
}
