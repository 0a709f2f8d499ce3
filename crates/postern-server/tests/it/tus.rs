//! tus 1.0 conformance in process: delivery semantics (a completed upload still answers, a lost
//! last response never causes a re-send), refusals before anything is committed
//! (`Upload-Concat`, a creation request with a body), `Tus-Resumable` on every `/api/` answer,
//! the auth scheme in any case, and `WWW-Authenticate` on a 401.

use axum::http::StatusCode;
use postern_spool::spool::Spool;

use crate::web::{Harness, Resp, send};

const TUS: (&str, &str) = ("tus-resumable", "1.0.0");

/// Logs in through the API with a fresh codename; the bearer token.
async fn token(h: &Harness) -> String {
    let codename = postern_spool::codename::Codename::generate(&mut rand::rng());
    let r = send(
        &h.source,
        "POST",
        "/api/v1/login",
        &[("content-type", "text/plain")],
        codename.expose().as_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("tus-resumable"), Some("1.0.0"), "the login answer");
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    v["token"].as_str().unwrap().to_owned()
}

fn spool(h: &Harness) -> Spool {
    Spool::open(&h.data.join("spool")).unwrap()
}

/// Every committed item of every source.
fn items(h: &Harness) -> usize {
    let s = spool(h);
    s.sources()
        .unwrap()
        .iter()
        .map(|src| s.items(src).unwrap().len())
        .sum()
}

/// The upload logs on disk.
fn logs(h: &Harness) -> usize {
    std::fs::read_dir(h.data.join("spool/uploads"))
        .unwrap()
        .count()
}

async fn create(h: &Harness, auth: &str, length: u64, extra: &[(&str, &str)]) -> Resp {
    let len = length.to_string();
    let mut headers = vec![TUS, ("authorization", auth), ("upload-length", &len)];
    headers.extend_from_slice(extra);
    send(&h.source, "POST", "/api/v1/uploads", &headers, b"").await
}

async fn patch(h: &Harness, auth: &str, loc: &str, offset: u64, body: &[u8]) -> Resp {
    let (off, len) = (offset.to_string(), body.len().to_string());
    send(
        &h.source,
        "PATCH",
        loc,
        &[
            TUS,
            ("authorization", auth),
            ("content-type", "application/offset+octet-stream"),
            ("upload-offset", &off),
            ("content-length", &len),
        ],
        body,
    )
    .await
}

async fn head(h: &Harness, auth: &str, loc: &str) -> Resp {
    send(&h.source, "HEAD", loc, &[TUS, ("authorization", auth)], b"").await
}

#[tokio::test]
async fn a_completed_upload_still_answers_and_a_lost_last_response_causes_no_resend() {
    let h = Harness::new(|_| {});
    let auth = format!("Bearer {}", token(&h).await);
    let r = create(&h, &auth, 11, &[]).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let loc = r.header("location").unwrap().to_owned();
    let r = patch(&h, &auth, &loc, 0, b"hello").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(r.header("upload-offset"), Some("5"));
    let r = patch(&h, &auth, &loc, 5, b" world").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(r.header("upload-offset"), Some("11"));
    assert_eq!(items(&h), 3, "two segments and one manifest");
    // The client lost that 204: it asks, and is told the upload is whole.
    for _ in 0..2 {
        let r = head(&h, &auth, &loc).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header("upload-offset"), Some("11"));
        assert_eq!(r.header("upload-length"), Some("11"));
        assert!(r.header("upload-expires").is_some());
        // An empty PATCH at the end is answered 204, and writes nothing.
        let r = patch(&h, &auth, &loc, 11, b"").await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        assert_eq!(r.header("upload-offset"), Some("11"));
        assert_eq!(items(&h), 3, "no second manifest, no new segment");
    }
    // More bytes after the end are refused, and a delivered upload cannot be terminated.
    let r = patch(&h, &auth, &loc, 11, b"x").await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let r = send(
        &h.source,
        "DELETE",
        &loc,
        &[TUS, ("authorization", &auth)],
        b"",
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(items(&h), 3);
    // Another source cannot see it.
    let other = format!("Bearer {}", token(&h).await);
    assert_eq!(head(&h, &other, &loc).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn concatenation_and_a_creation_body_are_refused_before_anything_is_committed() {
    let h = Harness::new(|_| {});
    let auth = format!("Bearer {}", token(&h).await);
    for concat in ["partial", "final;/api/v1/uploads/00 /api/v1/uploads/11"] {
        let r = create(&h, &auth, 100, &[("upload-concat", concat)]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{concat}");
        assert_eq!(r.header("tus-resumable"), Some("1.0.0"));
        assert!(r.header("location").is_none());
    }
    // creation-with-upload is not advertised, and a body is refused, not dropped.
    let opts = send(&h.source, "OPTIONS", "/api/v1/uploads", &[], b"").await;
    let ext = opts.header("tus-extension").unwrap();
    assert!(
        !ext.contains("creation-with-upload") && !ext.contains("concatenation"),
        "{ext}"
    );
    let r = send(
        &h.source,
        "POST",
        "/api/v1/uploads",
        &[
            TUS,
            ("authorization", &auth),
            ("upload-length", "5"),
            ("content-type", "application/offset+octet-stream"),
            ("content-length", "5"),
        ],
        b"hello",
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!((logs(&h), items(&h)), (0, 0), "no upload, no item");
    // On a PATCH too.
    let loc = create(&h, &auth, 10, &[])
        .await
        .header("location")
        .unwrap()
        .to_owned();
    let r = send(
        &h.source,
        "PATCH",
        &loc,
        &[
            TUS,
            ("authorization", &auth),
            ("content-type", "application/offset+octet-stream"),
            ("upload-offset", "0"),
            ("upload-concat", "partial"),
        ],
        b"hello",
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(items(&h), 0);
    assert_eq!(
        head(&h, &auth, &loc).await.header("upload-offset"),
        Some("0")
    );
}

/// Method, path, headers, the status expected.
type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, StatusCode);

#[tokio::test]
async fn every_api_answer_carries_tus_resumable_and_a_401_says_how_to_authenticate() {
    let h = Harness::new(|_| {});
    let tok = token(&h).await;
    let unknown = "/api/v1/uploads/00000000000000000000000000000000";
    let cases: Vec<Case> = vec![
        (
            "HEAD",
            unknown,
            vec![TUS, ("authorization", "")],
            StatusCode::UNAUTHORIZED,
        ),
        (
            "GET",
            "/api/v1/uploads",
            vec![],
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        ("GET", "/api/nothing-here", vec![], StatusCode::NOT_FOUND),
        ("POST", "/api/v1/login", vec![], StatusCode::BAD_REQUEST),
        (
            "POST",
            "/api/v1/uploads",
            vec![TUS, ("sec-fetch-site", "cross-site")],
            StatusCode::FORBIDDEN,
        ),
        (
            "POST",
            "/api/v1/uploads",
            vec![("tus-resumable", "0.2.2")],
            StatusCode::PRECONDITION_FAILED,
        ),
    ];
    for (method, path, headers, want) in cases {
        let r = send(&h.source, method, path, &headers, b"").await;
        assert_eq!(r.status, want, "{method} {path}");
        assert_eq!(r.header(TUS.0), Some(TUS.1), "{method} {path} -> {want}");
    }
    // 404 of an unknown upload, with a good token.
    let auth = format!("Bearer {tok}");
    let r = head(&h, &auth, unknown).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.header(TUS.0), Some(TUS.1));
    // The scheme in any case; a wrong scheme or token is a 401 with a challenge.
    let loc = create(&h, &auth, 10, &[])
        .await
        .header("location")
        .unwrap()
        .to_owned();
    for scheme in ["bearer", "BEARER", "Bearer", "bEaReR"] {
        let r = head(&h, &format!("{scheme} {tok}"), &loc).await;
        assert_eq!(r.status, StatusCode::OK, "{scheme}");
    }
    for bad in [
        format!("Basic {tok}"),
        format!("Bearer {}", "ab".repeat(32)),
        tok.clone(),
    ] {
        let r = head(&h, &bad, &loc).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{bad}");
        assert_eq!(
            r.header("www-authenticate"),
            Some("Bearer realm=\"postern\"")
        );
        assert_eq!(r.header(TUS.0), Some(TUS.1));
    }
}

/// An upload's files on disk (its log, its parts file, the `uploads/` folder) carry only the
/// day, as committed items do: after the first piece, and after the last.
#[tokio::test]
async fn upload_logs_and_parts_carry_only_the_day() {
    let h = Harness::new(|_| {});
    let auth = format!("Bearer {}", token(&h).await);
    let r = create(&h, &auth, 11, &[]).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let loc = r.header("location").unwrap().to_owned();
    // The harness's clock: 2026-12-01, noon.
    let day = std::time::UNIX_EPOCH + std::time::Duration::from_secs(20_788 * 86_400);
    let check = |when: &str| {
        let dir = h.data.join("spool/uploads");
        let mut n = 0;
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            assert_eq!(m.modified().unwrap(), day, "{when}: mtime of {name}");
            assert_eq!(m.accessed().unwrap(), day, "{when}: atime of {name}");
            n += 1;
        }
        let m = std::fs::metadata(&dir).unwrap();
        assert_eq!(m.modified().unwrap(), day, "{when}: mtime of uploads/");
        n
    };
    assert!(check("created") >= 1);
    let r = patch(&h, &auth, &loc, 0, b"hello").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(check("after a piece") >= 1);
    let r = patch(&h, &auth, &loc, 5, b" world").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(check("complete") >= 1);
}
