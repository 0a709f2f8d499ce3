//! The exact header set on every response of the source interface, from the real binary: one
//! test per route (each over every method), and one that every status class is reached, 5xx
//! included, with a strict session cookie.

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

/// One `#[test]` per route, and the list of them all.
macro_rules! routes {
    ($($name:ident: $route:literal,)*) => {
        const ROUTES: &[&str] = &[$($route),*];

        /// Formerly the loop of one test: one test per route, each over every method.
        mod every_response_carries_the_exact_header_set {
            $(
                #[test]
                fn $name() {
                    let (server, _reviewer) = super::server();
                    super::sweep(&server, $route);
                }
            )*
        }
    };
}

routes! {
    root: "/",
    en_landing: "/en/",
    ru_landing: "/ru/",
    en_login: "/en/login",
    en_home: "/en/home",
    en_generate: "/en/generate",
    en_submit: "/en/submit",
    en_logout: "/en/logout",
    style_sheet: "/static/style.css",
    public_key: "/public-key",
    metadata: "/metadata",
    nonexistent: "/nope",
    unknown_language: "/xx/",
    dot_dot_path: "/en/login/../../etc/passwd",
}

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
