//! Requests the source interface refuses without storing anything: forged tokens, cross-site
//! posts, stale sessions, and login errors that never echo the input.

use super::{UA, get_codename};
use crate::http::{Browser, Multipart, csrf_of, request};
use crate::support::{Reviewer, Server};

#[test]
fn forged_or_expired_requests_store_nothing() {
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| c);
    let mut b = Browser::new(server.port, UA);
    get_codename(&mut b);
    // Wrong token, and a token that is not the first field.
    let r = b.post_multipart(
        "/en/submit",
        Multipart::new()
            .text("csrf", &"0".repeat(64))
            .text("message", "forged"),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    let home = b.get("/en/home");
    let good = csrf_of(&home.text());
    let r = b.post_multipart(
        "/en/submit",
        Multipart::new()
            .text("message", "forged")
            .text("csrf", &good),
    );
    assert_eq!(r.status, 403);
    // A cross-site form post is refused by the origin check, token or not.
    let (ct, body) = Multipart::new()
        .text("csrf", &good)
        .text("message", "cross-site")
        .finish();
    let r = b.send(
        "POST",
        "/en/submit",
        &[("Content-Type", &ct), ("Sec-Fetch-Site", "cross-site")],
        &body,
    );
    assert_eq!(r.status, 403);
    let r = b.send(
        "POST",
        "/en/submit",
        &[("Content-Type", &ct), ("Origin", "http://evil.example")],
        &body,
    );
    assert_eq!(r.status, 403);
    assert_eq!(server.item_count(), 0);
    assert!(server.temporaries().is_empty());
    // An unknown session cookie (expired, or the server restarted) gets the expired page.
    let mut stale = Browser::new(server.port, UA);
    stale.cookie = Some("AAAAAAAAAAAAAAAAAAAAAA".into());
    let r = stale.get("/en/home");
    assert_eq!(r.status, 401);
    assert!(
        r.text().contains("inactivity") || r.text().contains("expired"),
        "{}",
        r.text()
    );
    // Without any cookie, home sends to the login page.
    let r = request(server.port, "GET", "/en/home", &[], b"");
    assert_eq!((r.status, r.header("location")), (303, Some("/en/login")));
    // Login errors say what is wrong, never echo the input.
    let login = b.get("/en/login");
    let r = b.post_form(
        "/en/login",
        &[
            ("csrf", &csrf_of(&login.text())),
            ("codename", "secretword1 two three"),
        ],
    );
    assert_eq!(r.status, 400);
    assert!(
        r.text().contains("seven words") && !r.text().contains("secretword1"),
        "{}",
        r.text()
    );
}
