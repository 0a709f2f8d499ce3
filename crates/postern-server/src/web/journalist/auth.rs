//! Login and logout.
//!
//! Login takes a username, a passphrase (Argon2id, verified off the async threads, behind a
//! semaphore) and a TOTP code whose time step must be later than the last one accepted. Every
//! failure gives the same answer; after [`MAX_FAILURES`] failures an account is paused for a
//! delay that doubles with each further pause. A name that does not exist costs the same Argon2
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
pub const CIRCUIT_LOGINS_PER_SECOND: std::num::NonZeroU32 = std::num::NonZeroU32::MIN;
pub const CIRCUIT_LOGIN_BURST: std::num::NonZeroU32 = match std::num::NonZeroU32::new(5) {
    Some(n) => n,
    None => std::num::NonZeroU32::MIN,
};

/// The longest pause of an account after failed logins, however many there were.
pub const MAX_LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// The message id of the one answer to every failed login.
pub const LOGIN_FAILED: &str = "j-login-failed";

#[derive(Default)]
struct Throttle {
    failures: u32,
    until: Option<Instant>,
}

/// Failed logins per account, in memory.
pub(super) struct Throttles {
    map: Mutex<HashMap<String, Throttle>>,
    lockout: Duration,
}

impl Throttles {
    pub(super) fn new(lockout: Duration) -> Throttles {
        Throttles {
            map: Mutex::new(HashMap::new()),
            lockout,
        }
    }

    /// Whether `name` is paused now.
    fn paused(&self, name: &str) -> bool {
        let Ok(t) = self.map.lock() else {
            return true;
        };
        t.get(name)
            .and_then(|t| t.until)
            .is_some_and(|u| Instant::now() < u)
    }

    fn failed(&self, accounts: &AccountStore, name: &str) {
        // Only real accounts are tracked, so the map stays as small as the newsroom.
        if !accounts.exists(name) {
            return;
        }
        let Ok(mut map) = self.map.lock() else {
            return;
        };
        let t = map.entry(name.to_owned()).or_default();
        t.failures = t.failures.saturating_add(1);
        if t.failures >= MAX_FAILURES {
            t.until = Some(Instant::now() + pause(self.lockout, t.failures));
            tracing::warn!("a journalist account is paused after repeated failed logins");
        }
    }

    fn succeeded(&self, name: &str) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(name);
        }
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
            st.throttle.failed(&st.accounts, &name);
        }
        return refused(StatusCode::UNAUTHORIZED);
    }
    st.throttle.succeeded(&name);
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
        && st.circuit_limiter.check_key(&c.0).is_err()
    {
        return Outcome::Paused;
    }
    if st.login_limiter.check().is_err() {
        return Outcome::Paused;
    }
    if valid_name(name) && st.throttle.paused(name) {
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
}
