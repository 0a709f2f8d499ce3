//! Logging in and out of the journalist interface: one answer for every failure, CSRF, session
//! fixation, one use per TOTP step, throttling, idle expiry, and sessions that end with their
//! account. (Before the split, most of this was `journalist_authentication_matrix`.)

use std::time::Duration;

use super::{JServer, JournalistLogin, assert_failed};
use crate::support::stderr;

/// Every kind of failure gets the same answer: one test per kind.
mod every_login_failure_gets_the_same_answer {
    use super::*;

    /// Alice exists; `attempt(c, alice, right_code)` must be refused with the common answer.
    fn case(
        what: &str,
        attempt: impl FnOnce(&mut crate::http::Browser, &super::super::Creds, &str) -> crate::http::Resp,
    ) {
        let (js, _reviewer) = JServer::new("");
        let mut alice = js.add("alice");
        let mut c = js.client();
        let right_code = alice.fresh_code();
        assert_failed(&attempt(&mut c, &alice, &right_code), what);
    }

    #[test]
    fn wrong_passphrase() {
        case("wrong passphrase", |c, _, code| {
            c.try_login("alice", "wrong words entirely", code)
        });
    }

    #[test]
    fn wrong_code() {
        case("wrong code", |c, alice, _| {
            c.try_login("alice", &alice.passphrase, &alice.wrong_code())
        });
    }

    #[test]
    fn unknown_name() {
        case("unknown name", |c, alice, code| {
            c.try_login("nobody", &alice.passphrase, code)
        });
    }

    #[test]
    fn bad_name() {
        case("bad name", |c, alice, code| {
            c.try_login("../alice", &alice.passphrase, code)
        });
    }
}

#[test]
fn login_needs_the_csrf_token_and_cycles_the_session_id() {
    let (js, _reviewer) = JServer::new("");
    let mut alice = js.add("alice");
    let mut c = js.client();
    // A browser that has seen the login page, so holds a pre-login session.
    c.csrf("/login");
    // Missing or wrong CSRF token: refused before anything is checked.
    let code = alice.fresh_code();
    let r = c.post_form(
        "/login",
        &[
            ("username", "alice"),
            ("passphrase", &alice.passphrase.clone()),
            ("code", &code),
        ],
    );
    assert_eq!(r.status, 403, "no csrf: {}", r.text());
    let r = c.post_form(
        "/login",
        &[
            ("csrf", &"0".repeat(64)),
            ("username", "alice"),
            ("passphrase", &alice.passphrase.clone()),
            ("code", &code),
        ],
    );
    assert_eq!(r.status, 403, "wrong csrf: {}", r.text());
    // That code was never accepted, so it still works: session fixation check around it. No
    // session exists before a login (the login form's token is stateless), so the fixation is
    // an id the attacker planted in the browser.
    assert!(c.cookie.is_none(), "no pre-login session");
    let pre_login = "AAAAAAAAAAAAAAAAAAAAAA".to_owned();
    c.cookie = Some(pre_login.clone());
    let r = c.try_login("alice", &alice.passphrase.clone(), &code);
    assert_eq!(r.status, 303, "{}", r.text());
    let post_login = c.cookie.clone().unwrap();
    assert_ne!(pre_login, post_login, "the session id is cycled at login");
    let mut fixated = js.client();
    fixated.cookie = Some(pre_login);
    let r = fixated.get("/sources");
    assert_eq!(r.status, 401, "a pre-login id is useless: {}", r.text());
    assert_eq!(c.get("/sources").status, 200);
}

#[test]
fn logout_needs_the_csrf_token_and_a_post() {
    let (js, _reviewer) = JServer::new("");
    let mut alice = js.add("alice");
    let mut c = js.client();
    c.login(&mut alice);
    assert_eq!(c.post_form("/logout", &[]).status, 403);
    assert_eq!(
        c.post_form("/logout", &[("csrf", &"1".repeat(64))]).status,
        403
    );
    assert_eq!(c.get("/logout").status, 405);
    assert_eq!(c.get("/sources").status, 200, "still logged in");
    let csrf = c.csrf("/sources");
    let r = c.post_form("/logout", &[("csrf", &csrf)]);
    assert_eq!(r.status, 200, "{}", r.text());
    let r = c.get("/sources");
    assert!(
        r.status == 401 || r.status == 303,
        "logged out: {}",
        r.status
    );
}

#[test]
fn a_replayed_code_is_refused_with_the_same_answer() {
    let (js, _reviewer) = JServer::new("");
    let mut alice = js.add("alice");
    let code = alice.fresh_code();
    let mut c = js.client();
    let r = c.try_login("alice", &alice.passphrase.clone(), &code);
    assert_eq!(r.status, 303, "{}", r.text());
    // The replayed code (its step was accepted) is refused, with the same answer.
    let mut c = js.client();
    assert_failed(
        &c.try_login("alice", &alice.passphrase.clone(), &code),
        "replayed code",
    );
}

#[test]
fn five_failures_pause_logins_and_the_pause_ends() {
    let (js, _reviewer) = JServer::new("");
    let mut alice = js.add("alice");
    // Throttling: after five failures even the right credentials are refused, and attempts
    // during the pause do not count. After the pause (2 s here), they work again.
    let mut t = js.client();
    let good = alice.fresh_code_lasting(8);
    for _ in 0..5 {
        assert_failed(
            &t.try_login("alice", "wrong words entirely", "000000"),
            "failure",
        );
    }
    assert_failed(
        &t.try_login("alice", &alice.passphrase.clone(), &good),
        "right credentials while paused",
    );
    std::thread::sleep(Duration::from_millis(2500));
    let r = t.try_login("alice", &alice.passphrase.clone(), &good);
    assert_eq!(
        r.status,
        303,
        "after the pause; the code refused unchecked during it still works: {}",
        r.text()
    );
    assert_eq!(t.get("/sources").status, 200);
}

#[test]
fn removing_an_account_ends_its_sessions_at_once() {
    let (js, _reviewer) = JServer::new("");
    let mut alice = js.add("alice");
    let mut t = js.client();
    t.login(&mut alice);
    assert_eq!(t.get("/sources").status, 200);
    let out = js.cli(&["journalist", "remove", "alice"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!js.auth_dir.join("alice.auth").exists());
    assert_eq!(
        t.get("/sources").status,
        401,
        "a removed account's session ends"
    );
}

#[test]
fn journalist_sessions_expire_when_idle() {
    let (js, _r) = JServer::new("session_idle_seconds = 2\n");
    let mut alice = js.add("alice");
    let mut c = js.client();
    c.login(&mut alice);
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(800));
        assert_eq!(c.get("/sources").status, 200, "activity keeps it alive");
    }
    std::thread::sleep(Duration::from_millis(3000));
    let r = c.get("/sources");
    assert_eq!(r.status, 401, "{}", r.text());
    assert!(r.text().contains("Session ended"), "{}", r.text());
}
