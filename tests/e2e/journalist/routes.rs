//! What the journalist interface answers without a session: one test per route, each without
//! any cookie and with a cookie of no session. Only the login page and the style sheet are
//! open; every answer carries the exact header set, leaks no id, and deletes nothing.

use super::{JServer, all_items, source_submits};
use crate::http::assert_headers;

/// `method path` (with `{sid}` and `{iid}` standing for a real source and item) answers 2xx
/// for neither cookie variant, or, if `open`, for at least one.
fn pinned(method: &str, template: &str, open: bool) {
    let (js, _r) = JServer::new("");
    source_submits(&js.server, "hello", &[("a.txt", b"abc".to_vec())]);
    let (sid, iid) = all_items(&js.server)[0];
    let before = all_items(&js.server).len();
    let path = template
        .replace("{sid}", &sid.to_string())
        .replace("{iid}", &iid.to_string());
    let mut answered_2xx = false;
    // Without any cookie, and with a cookie of no session.
    for cookie in [None, Some("x".repeat(22))] {
        let mut c = js.client();
        c.cookie = cookie.clone();
        let r = c.send(
            method,
            &path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            b"csrf=whatever&confirm=x&on=1&source=",
        );
        assert_headers(&r, &format!("{method} {path}"));
        if r.status / 100 == 2 {
            answered_2xx = true;
            continue;
        }
        match r.status {
            303 => assert!(
                r.header("location") == Some("/login")
                    || (path == "/" && r.header("location") == Some("/sources")),
                "{method} {path} -> {:?}",
                r.header("location")
            ),
            401 => assert!(cookie.is_some(), "{method} {path}: 401 without a cookie"),
            403 | 404 => {}
            s => panic!("{method} {path}: unexpected {s}"),
        }
        assert!(
            !r.text().contains(&sid.to_string()) && !r.text().contains(&iid.to_string()),
            "{method} {path} leaks ids"
        );
    }
    assert_eq!(
        answered_2xx, open,
        "{method} {path}: open without a session is {answered_2xx}, pinned as {open}"
    );
    assert_eq!(all_items(&js.server).len(), before, "nothing was deleted");
}

/// One `#[test]` per route: `name: METHOD "path" => open;`.
macro_rules! routes {
    ($($name:ident: $method:literal $path:literal => $open:expr;)*) => {
        $(
            #[test]
            fn $name() {
                pinned($method, $path, $open);
            }
        )*
    };
}

/// Formerly the loop of `journalist_routes_reachable_without_a_session_are_pinned`.
mod reachable_without_a_session_are_pinned {
    use super::pinned;

    routes! {
        root_get: "GET" "/" => false;
        login_get: "GET" "/login" => true;
        login_post: "POST" "/login" => false;
        logout_post: "POST" "/logout" => false;
        language_post: "POST" "/language" => false;
        style_sheet_get: "GET" "/static/style.css" => true;
        sources_get: "GET" "/sources" => false;
        source_get: "GET" "/sources/{sid}" => false;
        source_star_post: "POST" "/sources/{sid}/star" => false;
        source_seen_post: "POST" "/sources/{sid}/seen" => false;
        source_delete_post: "POST" "/sources/{sid}/delete" => false;
        item_get: "GET" "/sources/{sid}/items/{iid}" => false;
        item_delete_post: "POST" "/sources/{sid}/items/{iid}/delete" => false;
        bundle_post: "POST" "/bundle" => false;
        replies_post: "POST" "/replies" => false;
        nonexistent_get: "GET" "/nonexistent" => false;
    }
}
