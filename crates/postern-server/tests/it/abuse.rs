//! Abuse resistance in process: every bound holds before anything is buffered, answered
//! quickly, and a logged-in source keeps working meanwhile. (What needs sockets, descriptors
//! and RSS is in the end-to-end `abuse` module.)

use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::web::{Browser, Harness, csrf_of, multipart, new_source};

/// Sends `body` (a stream) to `app`, with the browser's cookie; the status and the time taken.
async fn send_stream(
    h: &Harness,
    cookie: Option<&str>,
    path: &str,
    headers: &[(&str, &str)],
    body: Body,
) -> (StatusCode, Duration) {
    let mut b = Request::builder().method("POST").uri(path);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    let start = Instant::now();
    let res = tokio::time::timeout(
        Duration::from_secs(20),
        h.source.clone().oneshot(b.body(body).unwrap()),
    )
    .await
    .expect("answered within 20 s")
    .unwrap();
    let status = res.status();
    let _ = res.into_body().collect().await;
    (status, start.elapsed())
}

/// An endless body of `chunk`, `every` apart.
fn endless(chunk: &'static [u8], every: Duration) -> Body {
    let s = futures_util::stream::unfold((), move |()| async move {
        tokio::time::sleep(every).await;
        Some((Ok::<_, std::io::Error>(Bytes::from_static(chunk)), ()))
    });
    Body::from_stream(s)
}

/// A source logged in through the browser `b` can still reach its home page and submit.
async fn source_still_works(b: &mut Browser<'_>) {
    let home = b.get("/en/home").await;
    assert_eq!(
        home.status,
        StatusCode::OK,
        "still logged in: {}",
        home.body
    );
    let (ct, body) = multipart(&[("csrf", &csrf_of(&home.body)), ("message", "still here")]);
    let r = b
        .send("POST", "/en/submit", &[("content-type", &ct)], &body)
        .await;
    assert_eq!(r.status, StatusCode::OK, "still submits: {}", r.body);
}

fn items(h: &Harness) -> usize {
    let sources = h.data.join("spool").join("sources");
    let Ok(dirs) = std::fs::read_dir(&sources) else {
        return 0;
    };
    let mut n = 0;
    for d in dirs.flatten() {
        let items = d.path().join("items");
        if let Ok(files) = std::fs::read_dir(items) {
            n += files
                .flatten()
                .filter(|f| f.file_name().to_string_lossy().ends_with(".age"))
                .count();
        }
    }
    n
}

#[tokio::test]
async fn the_api_login_refuses_an_endless_body_at_one_kib() {
    let h = Harness::new(|_| {});
    let mut b = Browser::new(&h.source);
    new_source(&mut b).await;
    // 8 KiB every 10 ms, forever: refused once the first KiB is in, not after the body.
    let (status, took) = send_stream(
        &h,
        None,
        "/api/v1/login",
        &[("content-type", "text/plain")],
        endless(&[b'a'; 8192], Duration::from_millis(10)),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(took < Duration::from_secs(2), "{took:?}");
    source_still_works(&mut b).await;
}

#[tokio::test]
async fn the_api_login_has_a_total_deadline() {
    let h = Harness::new(|l| l.form_deadline_seconds = 1);
    // One byte every 100 ms: each frame is in time, the whole request is not.
    let (status, took) = send_stream(
        &h,
        None,
        "/api/v1/login",
        &[("content-type", "text/plain")],
        endless(b"a", Duration::from_millis(100)),
    )
    .await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[tokio::test]
async fn an_upload_below_the_minimum_rate_is_cut_off() {
    let h = Harness::new(|l| {
        l.upload_rate_window_seconds = 1;
        l.upload_min_window_bytes = 4096;
    });
    let mut b = Browser::new(&h.source);
    let csrf = new_source(&mut b).await;
    let cookie = b.cookie_header();
    let boundary = "postern-test-boundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a\"\r\n\r\n"
    );
    let head: &'static [u8] = Box::leak(head.into_bytes().into_boxed_slice());
    let trickle =
        futures_util::stream::once(
            async move { Ok::<_, std::io::Error>(Bytes::from_static(head)) },
        );
    let body = Body::from_stream(futures_util::StreamExt::chain(
        trickle,
        futures_util::stream::unfold((), |()| async {
            // 10 bytes every 200 ms: each frame well inside the idle timeout.
            tokio::time::sleep(Duration::from_millis(200)).await;
            Some((
                Ok::<_, std::io::Error>(Bytes::from_static(b"0123456789")),
                (),
            ))
        }),
    ));
    let ct = format!("multipart/form-data; boundary={boundary}");
    let (status, took) = send_stream(
        &h,
        cookie.as_deref(),
        "/en/submit",
        &[("content-type", &ct)],
        body,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(took < Duration::from_secs(4), "{took:?}");
    assert_eq!(items(&h), 0, "nothing stored");
    source_still_works(&mut b).await;
}

#[tokio::test]
async fn a_multipart_preamble_or_part_header_without_end_is_refused_at_once() {
    let h = Harness::new(|_| {});
    let mut b = Browser::new(&h.source);
    new_source(&mut b).await;
    let cookie = b.cookie_header();
    let ct = "multipart/form-data; boundary=postern-test-boundary";
    // No boundary ever: the preamble grows without end.
    let (status, took) = send_stream(
        &h,
        cookie.as_deref(),
        "/en/submit",
        &[("content-type", ct)],
        endless(&[b'x'; 4096], Duration::from_millis(1)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(took < Duration::from_secs(2), "{took:?}");
    // A part header that never ends.
    let first: &'static [u8] =
        b"--postern-test-boundary\r\nContent-Disposition: form-data; name=\"csrf\"\r\nX: ";
    let body = Body::from_stream(futures_util::StreamExt::chain(
        futures_util::stream::once(
            async move { Ok::<_, std::io::Error>(Bytes::from_static(first)) },
        ),
        futures_util::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            Some((
                Ok::<_, std::io::Error>(Bytes::from_static(&[b'y'; 4096])),
                (),
            ))
        }),
    ));
    let (status, took) = send_stream(
        &h,
        cookie.as_deref(),
        "/en/submit",
        &[("content-type", ct)],
        body,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(items(&h), 0);
    source_still_works(&mut b).await;
}

/// A multipart body with the token, then `files` file parts of `content`.
fn files_body(csrf: &str, files: usize, content: &str) -> (String, Vec<u8>) {
    let boundary = "postern-test-boundary";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n")
            .into_bytes();
    for i in 0..files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"f{i}\"\r\n\r\n{content}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn empty_file_parts_are_never_stored() {
    let h = Harness::new(|_| {});
    let mut b = Browser::new(&h.source);
    let csrf = new_source(&mut b).await;
    // 90 empty, named file parts: nothing to store, nothing stored.
    let (ct, body) = files_body(&csrf, 90, "");
    let r = b
        .send("POST", "/en/submit", &[("content-type", &ct)], &body)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(items(&h), 0);
    let tmp = std::fs::read_dir(h.data.join("spool").join("tmp"))
        .unwrap()
        .count();
    assert_eq!(tmp, 0, "no temporaries left");
    source_still_works(&mut b).await;
    assert_eq!(items(&h), 1);
}

#[tokio::test]
async fn items_per_request_and_per_source_are_capped() {
    let h = Harness::new(|l| {
        l.max_items_per_request = 3;
        l.max_items_per_source = 5;
    });
    let mut b = Browser::new(&h.source);
    let csrf = new_source(&mut b).await;
    // Four files in one request: refused whole (the part count bound or the file count).
    let (ct, body) = files_body(&csrf, 4, "x");
    let r = b
        .send("POST", "/en/submit", &[("content-type", &ct)], &body)
        .await;
    assert!(
        matches!(
            r.status,
            StatusCode::PAYLOAD_TOO_LARGE | StatusCode::BAD_REQUEST
        ),
        "{}",
        r.status
    );
    assert_eq!(items(&h), 0);
    // Three, then three more: the second goes over the source's five.
    let (ct, body) = files_body(&csrf, 3, "x");
    let r = b
        .send("POST", "/en/submit", &[("content-type", &ct)], &body)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = b
        .send("POST", "/en/submit", &[("content-type", &ct)], &body)
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert_eq!(items(&h), 3);
}

#[tokio::test]
async fn the_disk_reserve_is_checked_without_a_declared_length() {
    // A reserve above what is free: a chunked body (no declared length) is refused too, and
    // nothing is stored.
    let h = Harness::new(|l| l.disk_reserve_bytes = u64::MAX / 2);
    let mut b = Browser::new(&h.source);
    let csrf = new_source(&mut b).await;
    let (ct, body) = files_body(&csrf, 2, "x");
    let cookie = b.cookie_header();
    let (status, _) = send_stream(
        &h,
        cookie.as_deref(),
        "/en/submit",
        &[("content-type", &ct)],
        Body::from_stream(futures_util::stream::once(async move {
            Ok::<_, std::io::Error>(Bytes::from(body))
        })),
    )
    .await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(items(&h), 0);
}

/// Whether a response sets the session cookie `name` (not the forms' nonce cookie).
fn sets_session(r: &crate::web::Resp, name: &str) -> bool {
    let prefix = format!("{name}=");
    r.headers
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap_or("").starts_with(&prefix))
}

#[tokio::test]
async fn anonymous_page_views_make_no_session_and_log_out_no_one() {
    // Stores of two: a signed-in source and journalist fill half of each. If an anonymous page
    // made a session, the store would refuse it (500) or evict someone.
    let h = Harness::with(|l| l.max_sessions = 2, |j| j.max_sessions = 2);
    let mut source = Browser::new(&h.source);
    new_source(&mut source).await;
    let mut journalist = Browser::new(&h.journalist);
    crate::web::journalist_login(&h, &mut journalist, "alice").await;
    let pages = ["/en/", "/en/login", "/ru/", "/en/home", "/nope"];
    for i in 0..10_001 {
        let path = pages[i % pages.len()];
        let r = crate::web::send(&h.source, "GET", path, &[], b"").await;
        assert!(
            matches!(
                r.status,
                StatusCode::OK | StatusCode::SEE_OTHER | StatusCode::NOT_FOUND
            ),
            "{path}: {}",
            r.status
        );
        assert!(!sets_session(&r, "postern"), "{path} made a session");
    }
    for _ in 0..1_001 {
        let r = crate::web::send(&h.journalist, "GET", "/login", &[], b"").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            !sets_session(&r, "postern_j"),
            "the login page made a session"
        );
    }
    // Anonymous forms still work without a session: a wrong codename is checked, not refused
    // as forged, and makes no session either.
    let mut anonymous = Browser::new(&h.source);
    let page = anonymous.get("/en/login").await;
    let r = anonymous
        .post_form(
            "/en/login",
            &[
                ("csrf", &csrf_of(&page.body)),
                ("codename", "one two three"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(!sets_session(&r, "postern"));
    source_still_works(&mut source).await;
    let r = journalist.get("/sources").await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "the journalist is still in: {}",
        r.body
    );
}

#[tokio::test]
async fn anonymous_forms_refuse_a_missing_wrong_or_foreign_token() {
    let h = Harness::new(|_| {});
    let mut b = Browser::new(&h.source);
    let page = b.get("/en/").await;
    let good = csrf_of(&page.body);
    let cookie = b.cookie_header().expect("the nonce cookie");
    // Another browser's token with this browser's cookie, and this token with no cookie.
    let mut other = Browser::new(&h.source);
    let foreign = csrf_of(&other.get("/en/").await.body);
    assert_ne!(foreign, good);
    for path in ["/en/generate", "/en/login"] {
        for (case, token, cookie) in [
            ("no token", "", Some(cookie.as_str())),
            ("wrong token", "00", Some(cookie.as_str())),
            (
                "another browser's token",
                foreign.as_str(),
                Some(cookie.as_str()),
            ),
            ("no cookie", good.as_str(), None),
        ] {
            let body = format!("csrf={token}&codename=a");
            let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
            if let Some(c) = cookie {
                headers.push(("cookie", c));
            }
            let r = crate::web::send(&h.source, "POST", path, &headers, body.as_bytes()).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} {case}: {}", r.body);
            assert!(!sets_session(&r, "postern"), "{path} {case}");
        }
        // From another site, with the right token and cookie.
        let body = format!("csrf={good}&codename=a");
        let r = crate::web::send(
            &h.source,
            "POST",
            path,
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("cookie", &cookie),
                ("sec-fetch-site", "cross-site"),
            ],
            body.as_bytes(),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} cross-site");
    }
    // The journalist login form, the same way.
    let mut j = Browser::new(&h.journalist);
    let page = j.get("/login").await;
    let good = csrf_of(&page.body);
    let cookie = j.cookie_header().expect("the nonce cookie");
    for (case, token, cookie) in [
        ("no token", "", Some(cookie.as_str())),
        ("wrong token", "00", Some(cookie.as_str())),
        ("no cookie", good.as_str(), None),
    ] {
        let body = format!("csrf={token}&username=alice&passphrase=x&code=1");
        let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
        if let Some(c) = cookie {
            headers.push(("cookie", c));
        }
        let r = crate::web::send(&h.journalist, "POST", "/login", &headers, body.as_bytes()).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "journalist {case}: {}",
            r.body
        );
    }
    // The right token and cookie pass the check (and then fail the login, as they should).
    let r = j
        .post_form(
            "/login",
            &[
                ("csrf", &good),
                ("username", "alice"),
                ("passphrase", "x"),
                ("code", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
}

#[tokio::test]
async fn an_expiring_cookie_carries_no_date() {
    let h = Harness::new(|_| {});
    let mut b = Browser::new(&h.source);
    let csrf = new_source(&mut b).await;
    let r = b.post_form("/en/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::OK);
    let cookies: Vec<&str> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(!cookies.is_empty(), "the session cookie is removed");
    for c in cookies {
        assert!(c.contains("Max-Age=0"), "{c}");
        assert!(!c.to_ascii_lowercase().contains("expires"), "{c}");
    }
}

#[tokio::test]
async fn open_uploads_are_capped_per_source() {
    let h = Harness::new(|l| l.max_open_uploads_per_source = 2);
    let mut b = Browser::new(&h.source);
    new_source(&mut b).await;
    let create = [("tus-resumable", "1.0.0"), ("upload-length", "10")];
    for i in 0..2 {
        let r = b.send("POST", "/api/v1/uploads", &create, b"").await;
        assert_eq!(r.status, StatusCode::CREATED, "upload {i}");
    }
    let r = b.send("POST", "/api/v1/uploads", &create, b"").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Another source is not affected.
    let mut other = Browser::new(&h.source);
    new_source(&mut other).await;
    let r = other.send("POST", "/api/v1/uploads", &create, b"").await;
    assert_eq!(r.status, StatusCode::CREATED);
}

/// Every file and folder under `dir`, depth first.
fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        }
        out.push(p);
    }
}

#[tokio::test]
async fn committed_spool_files_carry_only_the_day() {
    let h = Harness::new(|_| {});
    let mut b = Browser::new(&h.source);
    let csrf = new_source(&mut b).await;
    let (ct, body) = multipart(&[("csrf", &csrf), ("message", "a day, no more")]);
    let r = b
        .send("POST", "/en/submit", &[("content-type", &ct)], &body)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut paths = Vec::new();
    walk(&h.data.join("spool").join("sources"), &mut paths);
    // The harness's clock: 2026-12-01, noon.
    let day = std::time::UNIX_EPOCH + Duration::from_secs(20_788 * 86_400);
    let mut files = 0;
    for p in &paths {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let m = std::fs::metadata(p).unwrap();
        assert_eq!(m.modified().unwrap(), day, "mtime of {name}");
        // A folder's access time moves whenever it is listed (the item cap counts items): only
        // a `noatime` mount keeps it, as the operator guide says.
        if m.is_file() {
            assert_eq!(m.accessed().unwrap(), day, "atime of {name}");
            files += 1;
        }
    }
    assert!(
        files >= 3,
        "a source record, an item and its record: {paths:?}"
    );
}
