//! The exact header set on every response of the source interface, from the real binary: every
//! route over every method, every status class (5xx included), and a strict session cookie. The
//! same matrix runs in process, one named test per route, in `postern-server`'s own tests
//! (`web::source_headers::*`); here it also covers what only a real socket shows (hyper adds no
//! `Date`).

use std::collections::BTreeSet;

use super::{UA, get_codename, submit};
use crate::http::{Browser, assert_headers, request};
use crate::support::{Reviewer, Server};

const METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "BREW",
];

/// A server whose huge disk reserve makes uploads answer 507, so that a 5xx is covered too.
fn server() -> (Server, Reviewer) {
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| {
        c.replace(
            "disk_reserve_bytes = 1073741824",
            "disk_reserve_bytes = 18446744073709551615",
        )
    });
    (server, reviewer)
}

/// Every method on `route` answers with the exact header set; the status classes seen.
fn sweep(server: &Server, route: &str) -> BTreeSet<u16> {
    let mut statuses = BTreeSet::new();
    for method in METHODS {
        let r = request(server.port, method, route, &[], b"");
        assert_headers(&r, &format!("{method} {route} -> {}", r.status));
        statuses.insert(r.status / 100);
    }
    statuses
}

/// Every route of the source interface.
const ROUTES: &[&str] = &[
    "/",
    "/en/",
    "/ru/",
    "/en/login",
    "/en/home",
    "/en/generate",
    "/en/submit",
    "/en/logout",
    "/en/safety",
    "/ar/large",
    "/static/style.css",
    "/public-key",
    "/metadata",
    "/nope",
    "/xx/",
    "/en/login/../../etc/passwd",
];

#[test]
fn every_status_class_carries_the_header_set_and_the_cookie_is_strict() {
    let (server, _reviewer) = server();
    let mut statuses = BTreeSet::new();
    for route in ROUTES {
        statuses.extend(sweep(&server, route));
    }
    // A real upload refused for disk space: 507.
    let mut b = Browser::new(server.port, UA);
    get_codename(&mut b);
    let r = submit(&mut b, |m| m.text("message", "hello"));
    assert_eq!(r.status, 507, "{}", r.text());
    assert_headers(&r, "507");
    statuses.insert(5);
    assert_eq!(server.item_count(), 0);
    // Cookies: HttpOnly, SameSite=Strict, Secure, and nothing but a random id.
    let landing = request(server.port, "GET", "/en/", &[], b"");
    let cookie = landing.header("set-cookie").unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    let value = cookie
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("postern=")
        .unwrap();
    assert!(
        value.len() <= 32
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{value}"
    );
    assert!(
        statuses.is_superset(&[2, 3, 4, 5].into_iter().collect()),
        "{statuses:?}"
    );
}
