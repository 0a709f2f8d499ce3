//! Login and logout.
//!
//! Login takes a username, a passphrase (Argon2id, verified off the async threads, behind a
//! semaphore) and a TOTP code whose time step must be later than the last one accepted. Every
//! failure gives the same answer; after [`MAX_FAILURES`] failures an account is paused for a
//! delay that doubles with each further pause, up to [`MAX_LOCKOUT`]. With tor's PROXY header
//! the pause is per circuit (one circuit's failures cannot keep a colleague on another circuit
//! out), and a backstop over all circuits ([`BACKSTOP_FAILURES`]) pauses the account everywhere
//! for `lockout` at most. A name that does not exist costs the same Argon2
//! run as one that does. The session id is replaced at login, sessions end after an idle timeout
//! and after an absolute lifetime, and a session of a removed or reset account ends at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;
use zeroize::Zeroizing;

use super::pages::{self, Layout, back_path};
use super::{
    CsrfForm, JSession, Journalist, LANG_COOKIE, Posted, SESSION_KEY, Shared, forbidden, html,
    lang_of,
};
use crate::storage::accounts::{AccountStore, valid_name, verify_passphrase};
use crate::web::kit::csrf::{FormToken, csrf_ok, renew_csrf_token};
use crate::web::kit::error::WebResult;
use crate::web::kit::i18n::{self, Lang};
use crate::web::kit::listen::Circuit;

/// Failures before an account is paused.
pub const MAX_FAILURES: u32 = 5;
/// The pause after `failures` failed logins: `lockout`, doubling with each failure beyond
/// [`MAX_FAILURES`], but never beyond [`MAX_LOCKOUT`]: minutes, not hours, so that nobody can
/// keep a colleague out for long by guessing wrong on purpose.
pub fn pause(lockout: Duration, failures: u32) -> Duration {
    let doublings = failures.saturating_sub(MAX_FAILURES).min(10);
    lockout.saturating_mul(1u32 << doublings).min(MAX_LOCKOUT)
}

/// Logins one tor circuit may try per second, and at once: a journalist retyping a code needs a
/// few, a flood gets no more.
pub const CIRCUIT_LOGINS_PER_SECOND: u32 = 1;
pub const CIRCUIT_LOGIN_BURST: u32 = 5;

/// The longest pause of an account after failed logins, however many there were.
pub const MAX_LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// The message id of the one answer to every failed login.
pub const LOGIN_FAILED: &str = "j-login-failed";
/// Failed logins of one account, over all circuits, before the backstop pauses it everywhere
/// (for `lockout`, without doubling): one circuit pauses itself long before (after
/// [`MAX_FAILURES`]), so only an attacker with many circuits reaches it.
pub const BACKSTOP_FAILURES: u32 = 20;
/// A circuit's failures are forgotten this long after its last failure or pause.
const FORGET_AFTER: Duration = MAX_LOCKOUT;

#[derive(Clone, Copy)]
struct Throttle {
    failures: u32,
    until: Option<Instant>,
    last: Instant,
}

impl Throttle {
    fn paused(&self, now: Instant) -> bool {
        self.until.is_some_and(|u| now < u)
    }

    /// Whether it can be forgotten: nothing paused, nothing recent.
    fn stale(&self, now: Instant) -> bool {
        let since = self.until.map_or(self.last, |u| u.max(self.last));
        now.saturating_duration_since(since) >= FORGET_AFTER
    }
}

/// Failed logins, in memory: per (circuit, account), so that one circuit's failures pause that
/// circuit only and cannot lock a colleague on another circuit out, and per account over all
/// circuits (the backstop against many circuits, bounded in time). On a listener without the
/// PROXY header every login shares one "circuit", which is the per-account pause. Only real
/// accounts are tracked; the per-circuit map holds at most `max_entries` entries.
pub(super) struct Throttles {
    circuits: Mutex<HashMap<(Option<u32>, String), Throttle>>,
    accounts: Mutex<HashMap<String, Throttle>>,
    lockout: Duration,
    max_entries: usize,
}

impl Throttles {
    pub(super) fn new(lockout: Duration, max_entries: usize) -> Throttles {
        Throttles {
            circuits: Mutex::new(HashMap::new()),
            accounts: Mutex::new(HashMap::new()),
            lockout,
            max_entries: max_entries.max(1),
        }
    }

    /// Whether `name` is paused now for logins on `circuit`.
    fn paused(&self, circuit: Option<Circuit>, name: &str) -> bool {
        self.paused_at(circuit, name, Instant::now())
    }

    fn paused_at(&self, circuit: Option<Circuit>, name: &str, now: Instant) -> bool {
        let (Ok(circuits), Ok(accounts)) = (self.circuits.lock(), self.accounts.lock()) else {
            return true;
        };
        let key = (circuit.map(|c| c.0), name.to_owned());
        circuits.get(&key).is_some_and(|t| t.paused(now))
            || accounts.get(name).is_some_and(|t| t.paused(now))
    }

    fn failed(&self, accounts: &AccountStore, circuit: Option<Circuit>, name: &str) {
        // Only real accounts are tracked, so the account map stays as small as the newsroom.
        if !accounts.exists(name) {
            return;
        }
        self.failed_at(circuit, name, Instant::now());
    }

    fn failed_at(&self, circuit: Option<Circuit>, name: &str, now: Instant) {
        let (Ok(mut circuits), Ok(mut accounts)) = (self.circuits.lock(), self.accounts.lock())
        else {
            return;
        };
        let key = (circuit.map(|c| c.0), name.to_owned());
        if !circuits.contains_key(&key) && circuits.len() >= self.max_entries {
            evict(&mut circuits, now);
        }
        let fresh = Throttle {
            failures: 0,
            until: None,
            last: now,
        };
        let t = circuits.entry(key).or_insert(fresh);
        t.failures = t.failures.saturating_add(1);
        t.last = now;
        if t.failures >= MAX_FAILURES {
            t.until = Some(now + pause(self.lockout, t.failures));
            tracing::warn!(
                "a journalist account is paused on one circuit after repeated failed logins"
            );
        }
        let a = accounts.entry(name.to_owned()).or_insert(fresh);
        a.failures = a.failures.saturating_add(1);
        a.last = now;
        if a.failures >= BACKSTOP_FAILURES {
            a.failures = 0;
            a.until = Some(now + self.lockout.min(MAX_LOCKOUT));
            tracing::warn!(
                "a journalist account is paused on every circuit: failed logins from many circuits"
            );
        }
    }

    /// A login succeeded: its circuit's failures for the account, and the account's count
    /// towards the backstop, are forgotten (a backstop pause in force stays).
    fn succeeded(&self, circuit: Option<Circuit>, name: &str) {
        if let Ok(mut map) = self.circuits.lock() {
            map.remove(&(circuit.map(|c| c.0), name.to_owned()));
        }
        if let Ok(mut map) = self.accounts.lock()
            && let Some(a) = map.get_mut(name)
        {
            a.failures = 0;
        }
    }

    /// Forgets entries with no pause in force and no recent failure (called every minute).
    pub(super) fn forget_expired(&self) {
        let now = Instant::now();
        if let Ok(mut map) = self.circuits.lock() {
            map.retain(|_, t| !t.stale(now));
            map.shrink_to_fit();
        }
        if let Ok(mut map) = self.accounts.lock() {
            map.retain(|_, t| !t.stale(now));
        }
    }
}

/// Makes room for one entry: the stale ones go, else those not paused, else the one whose pause
/// ends first (an attacker's many circuits can only push out each other's, or a pause that is
/// nearly over).
fn evict(map: &mut HashMap<(Option<u32>, String), Throttle>, now: Instant) {
    let before = map.len();
    map.retain(|_, t| !t.stale(now));
    if map.len() < before {
        return;
    }
    let victim = map
        .iter()
        .min_by_key(|(_, t)| (t.paused(now), t.until, t.last))
        .map(|(k, _)| k.clone());
    if let Some(k) = victim {
        map.remove(&k);
    }
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    passphrase: String,
    #[serde(default)]
    code: String,
}

/// The login page: its form carries the stateless token, so that no session exists before a
/// login.
pub(super) async fn login_page(
    State(st): State<Shared>,
    headers: axum::http::HeaderMap,
    form: FormToken,
) -> Response {
    let csrf = form.token();
    let l = Layout {
        org: &st.org,
        csrf: &csrf,
        user: None,
        lang: lang_of(&headers),
        path: "/login",
    };
    html(StatusCode::OK, pages::login(&l, None))
}

pub(super) async fn login(
    State(st): State<Shared>,
    headers: axum::http::HeaderMap,
    session: Session,
    token: FormToken,
    circuit: Option<axum::Extension<Circuit>>,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> WebResult {
    let lang = lang_of(&headers);
    let Ok(Form(form)) = form else {
        return Err(forbidden(&st, None, lang));
    };
    // The stateless token of the login page, or (a logged-in journalist logging in again) the
    // session's.
    if !token.verify(&form.csrf) && !csrf_ok(&session, &form.csrf).await {
        return Err(forbidden(&st, None, lang));
    }
    let name = form.username.trim().to_owned();
    let passphrase = Zeroizing::new(form.passphrase);
    let code = Zeroizing::new(form.code);
    let circuit = circuit.map(|axum::Extension(c)| c);
    let outcome = check_login(&st, circuit, &name, passphrase, &code).await;
    let csrf = token.token();
    let l = Layout {
        org: &st.org,
        csrf: &csrf,
        user: None,
        lang,
        path: "/login",
    };
    let failed = i18n::t(lang, LOGIN_FAILED);
    let refused = |status| Ok(html(status, pages::login(&l, Some(&failed))));
    if outcome != Outcome::Ok {
        // Attempts while paused do not count: they are refused unchecked.
        if outcome == Outcome::Failed && valid_name(&name) {
            st.throttle.failed(&st.accounts, circuit, &name);
        }
        return refused(StatusCode::UNAUTHORIZED);
    }
    st.throttle.succeeded(circuit, &name);
    // A new session id (a pre-login id is useless afterwards) and a new CSRF token.
    if session.cycle_id().await.is_err() {
        return refused(StatusCode::INTERNAL_SERVER_ERROR);
    }
    let js = JSession {
        name: name.clone(),
        since: st.clock.unix_seconds(),
    };
    if session.insert(SESSION_KEY, js).await.is_err() {
        return refused(StatusCode::INTERNAL_SERVER_ERROR);
    }
    renew_csrf_token(&session).await;
    // Fresh from disk: the state may have been changed by a deletion meanwhile.
    st.states.reload(&name);
    tracing::info!("a journalist logged in");
    Ok(Redirect::to("/sources").into_response())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Failed,
    /// Refused without checking: the account is paused, or too many logins at once.
    Paused,
}

/// Username, passphrase and TOTP code, with throttling; `Ok` only if all three are right.
async fn check_login(
    st: &Shared,
    circuit: Option<Circuit>,
    name: &str,
    passphrase: Zeroizing<String>,
    code: &str,
) -> Outcome {
    // The circuit's own budget first, so that its flood does not spend the global one.
    if let Some(c) = circuit
        && !st.circuit_limiter.check(c)
    {
        return Outcome::Paused;
    }
    if st.login_limiter.check().is_err() {
        return Outcome::Paused;
    }
    if valid_name(name) && st.throttle.paused(circuit, name) {
        return Outcome::Paused;
    }
    let account = if valid_name(name) && passphrase.len() <= 256 {
        st.accounts.load(name).ok().flatten()
    } else {
        None
    };
    // The same Argon2 work whether or not the account exists.
    let hash = account
        .as_ref()
        .map(|a| a.passphrase.clone())
        .unwrap_or_else(|| st.dummy_hash.clone());
    let Ok(permit) = st.argon.clone().acquire_owned().await else {
        return Outcome::Paused;
    };
    let verified = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        verify_passphrase(&hash, &passphrase)
    })
    .await
    .unwrap_or(false);
    if !verified || account.is_none() {
        return Outcome::Failed;
    }
    // Check the code and record its step under one lock, from a fresh read of the account.
    let _guard = st.step_lock.lock().await;
    let Ok(Some(mut account)) = st.accounts.load(name) else {
        return Outcome::Failed;
    };
    let Some(step) = account.check_code(code, st.clock.unix_seconds()) else {
        return Outcome::Failed;
    };
    account.last_step = step;
    if st.accounts.save(&account).is_ok() {
        Outcome::Ok
    } else {
        Outcome::Failed
    }
}

pub(super) async fn logout(Posted(who, _): Posted<CsrfForm>) -> Response {
    let Journalist {
        st, session, lang, ..
    } = who;
    let _ = session.flush().await;
    let l = Layout {
        org: &st.org,
        csrf: "",
        user: None,
        lang,
        path: "/login",
    };
    html(
        StatusCode::OK,
        pages::message_ids(
            &l,
            "j-logged-out-title",
            "j-logged-out-text",
            "/login",
            "j-login-again",
        ),
    )
}

#[derive(Deserialize)]
pub(super) struct LanguageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    back: String,
}

/// `POST /language`: the language switch. Sets [`LANG_COOKIE`] to a known language code and
/// sends the journalist back to the page they were on (one of ours, see [`back_path`]). It needs
/// a CSRF token (the login page's stateless one, or a logged-in session's), not a login.
pub(super) async fn language(
    State(st): State<Shared>,
    headers: axum::http::HeaderMap,
    session: Session,
    token: FormToken,
    form: Result<Form<LanguageForm>, axum::extract::rejection::FormRejection>,
) -> WebResult {
    let current = lang_of(&headers);
    let Ok(Form(form)) = form else {
        return Err(forbidden(&st, None, current));
    };
    if !token.verify(&form.csrf) && !csrf_ok(&session, &form.csrf).await {
        return Err(forbidden(&st, None, current));
    }
    let lang = Lang::from_code(&form.lang).unwrap_or(current);
    let secure = if st.cookie_secure { "; Secure" } else { "" };
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict{secure}",
        lang.code()
    );
    let mut response = Redirect::to(&back_path(&form.back)).into_response();
    if let Ok(value) = axum::http::HeaderValue::from_str(&cookie) {
        response
            .headers_mut()
            .insert(axum::http::header::SET_COOKIE, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lockout_doubles_but_is_capped_at_minutes() {
        let one = Duration::from_secs(60);
        assert_eq!(pause(one, MAX_FAILURES), one);
        assert_eq!(pause(one, MAX_FAILURES + 1), one * 2);
        for failures in [MAX_FAILURES + 4, MAX_FAILURES + 10, u32::MAX] {
            assert_eq!(pause(one, failures), MAX_LOCKOUT, "{failures}");
        }
        assert!(MAX_LOCKOUT <= Duration::from_secs(15 * 60));
    }

    fn throttles() -> Throttles {
        Throttles::new(Duration::from_secs(60), 64)
    }

    #[test]
    fn one_circuits_failures_pause_that_circuit_only() {
        let th = throttles();
        let t = Instant::now();
        let (bad, good) = (Some(Circuit(0xbad)), Some(Circuit(0x600d)));
        for _ in 0..MAX_FAILURES {
            assert!(!th.paused_at(bad, "alice", t));
            th.failed_at(bad, "alice", t);
        }
        assert!(
            th.paused_at(bad, "alice", t),
            "the failing circuit is paused"
        );
        assert!(
            !th.paused_at(good, "alice", t),
            "a colleague's circuit is not"
        );
        assert!(!th.paused_at(bad, "bob", t), "another account is not");
        // Bounded in time: over after `lockout` (the first pause).
        assert!(!th.paused_at(bad, "alice", t + Duration::from_secs(61)));
        // Without the header, all logins share one key: the per-account pause.
        for _ in 0..MAX_FAILURES {
            th.failed_at(None, "carol", t);
        }
        assert!(th.paused_at(None, "carol", t));
    }

    #[test]
    fn the_backstop_over_many_circuits_is_bounded_in_time() {
        let th = throttles();
        let t = Instant::now();
        // Four failures each on many circuits (none pauses itself): the backstop trips at
        // BACKSTOP_FAILURES and pauses every circuit, for `lockout` only.
        let mut n = 0;
        'outer: for c in 0..100u32 {
            for _ in 0..MAX_FAILURES - 1 {
                assert!(!th.paused_at(Some(Circuit(9999)), "alice", t), "after {n}");
                th.failed_at(Some(Circuit(c)), "alice", t);
                n += 1;
                if n == BACKSTOP_FAILURES {
                    break 'outer;
                }
            }
        }
        assert!(
            th.paused_at(Some(Circuit(9999)), "alice", t),
            "every circuit"
        );
        assert!(
            !th.paused_at(Some(Circuit(9999)), "bob", t),
            "that account only"
        );
        let later = t + Duration::from_secs(61);
        assert!(
            !th.paused_at(Some(Circuit(9999)), "alice", later),
            "a minute, not more"
        );
        // A success on a circuit clears that circuit's count.
        th.failed_at(Some(Circuit(5)), "bob", t);
        th.succeeded(Some(Circuit(5)), "bob");
        assert!(
            !th.circuits
                .lock()
                .unwrap()
                .contains_key(&(Some(5), "bob".to_owned()))
        );
    }

    #[test]
    fn the_per_circuit_map_is_capped_and_keeps_pauses_in_force() {
        let th = throttles();
        let t = Instant::now();
        let bad = Some(Circuit(1));
        for _ in 0..MAX_FAILURES {
            th.failed_at(bad, "alice", t);
        }
        // 10,000 other circuits fail once each: at most 64 entries, and the pause in force on
        // circuit 1 is not the one pushed out (entries not paused go first).
        for c in 2..10_002u32 {
            th.failed_at(Some(Circuit(c)), "bob", t);
            assert!(th.circuits.lock().unwrap().len() <= 64);
        }
        assert!(th.paused_at(bad, "alice", t));
        th.forget_expired();
        assert!(th.paused_at(bad, "alice", t), "a pause in force is kept");
    }
}
