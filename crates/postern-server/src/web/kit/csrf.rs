//! CSRF tokens, of two kinds. (Cross-origin requests are refused before either, by
//! `tower_http::csrf` on `Sec-Fetch-Site` / `Origin`.)
//!
//! - **Session tokens** for logged-in visitors: one random token per session, put into every
//!   form as its first field and compared in constant time ([`csrf_token`], [`csrf_ok`]).
//! - **Stateless form tokens** for anonymous visitors ([`FormTokens`], [`FormToken`]): an anonymous
//!   page view must not create a server-side session (a flood of page views would fill the
//!   store), so its forms carry `HMAC-SHA256(key, nonce)`, where the key is random per process
//!   and the 32-byte nonce is random per browser and sits in a short-lived, `HttpOnly`,
//!   `SameSite=Strict` cookie. A post is accepted if the MAC of the nonce in its cookie equals the
//!   token in its form (constant time). The server keeps nothing per visitor; a restart
//!   invalidates every outstanding anonymous token.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tower_sessions::Session;
use zeroize::Zeroizing;

/// The session key of the token.
pub const CSRF_KEY: &str = "csrf";

/// The session's token, created on first use. Only for sessions that exist for another reason
/// (a login): an anonymous page uses a [`FormToken`].
pub async fn csrf_token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(CSRF_KEY).await {
        return t;
    }
    let mut b = [0u8; 32];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut b);
    let t = hex::encode(b);
    let _ = session.insert(CSRF_KEY, &t).await;
    t
}

/// A fresh token, for a new privilege level (after login).
pub async fn renew_csrf_token(session: &Session) -> String {
    let _ = session.remove::<String>(CSRF_KEY).await;
    csrf_token(session).await
}

/// Constant-time check of a submitted token against the session's.
pub async fn csrf_ok(session: &Session, submitted: &str) -> bool {
    match session.get::<String>(CSRF_KEY).await {
        Ok(Some(t)) => !t.is_empty() && bool::from(t.as_bytes().ct_eq(submitted.as_bytes())),
        _ => false,
    }
}

/// Seconds the anonymous forms' nonce cookie lives in the browser.
pub const FORM_COOKIE_SECONDS: u64 = 3600;
/// Domain separation of the form MAC.
const FORM_DOMAIN: &[u8] = b"postern form token v1\0";
const NONCE_LEN: usize = 32;

/// The issuer of an interface's stateless form tokens: the per-process key and the cookie.
#[derive(Clone)]
pub struct FormTokens {
    inner: Arc<Inner>,
}

struct Inner {
    key: Zeroizing<[u8; 32]>,
    cookie: &'static str,
    secure: bool,
}

impl std::fmt::Debug for FormTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormTokens")
            .field("cookie", &self.inner.cookie)
            .finish_non_exhaustive()
    }
}

impl FormTokens {
    /// Tokens with a fresh random key, whose nonce lives in the cookie `cookie` (`Secure` if
    /// `secure`).
    pub fn new(cookie: &'static str, secure: bool) -> FormTokens {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::Rng::fill_bytes(&mut rand::rng(), key.as_mut_slice());
        FormTokens {
            inner: Arc::new(Inner {
                key,
                cookie,
                secure,
            }),
        }
    }

    fn mac(&self, nonce: &[u8; NONCE_LEN]) -> String {
        // HMAC takes a key of any length: this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.inner.key.as_slice()) else {
            return String::new();
        };
        mac.update(FORM_DOMAIN);
        mac.update(nonce);
        hex::encode(mac.finalize().into_bytes())
    }

    /// The nonce in the request's cookie, if it has a well-formed one.
    fn nonce_of(&self, headers: &axum::http::HeaderMap) -> Option<[u8; NONCE_LEN]> {
        let value = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|c| {
                c.trim()
                    .strip_prefix(self.inner.cookie)
                    .and_then(|rest| rest.strip_prefix('='))
            })?;
        if value.len() != NONCE_LEN * 2 {
            return None;
        }
        let mut nonce = [0u8; NONCE_LEN];
        hex::decode_to_slice(value, &mut nonce).ok()?;
        Some(nonce)
    }

    /// The request's form token: from its cookie's nonce, or from a new nonce that is set as a
    /// cookie on the response if a page used it.
    fn token_for(&self, headers: &axum::http::HeaderMap) -> FormToken {
        let (nonce, from_cookie) = match self.nonce_of(headers) {
            Some(n) => (n, true),
            None => {
                let mut n = [0u8; NONCE_LEN];
                rand::Rng::fill_bytes(&mut rand::rng(), &mut n);
                (n, false)
            }
        };
        FormToken {
            token: Arc::from(self.mac(&nonce)),
            nonce: Arc::new(nonce),
            from_cookie,
            used: Arc::new(AtomicBool::new(false)),
        }
    }

    fn cookie_for(&self, nonce: &[u8; NONCE_LEN]) -> Option<HeaderValue> {
        let secure = if self.inner.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{}={}; Max-Age={FORM_COOKIE_SECONDS}; Path=/; HttpOnly; SameSite=Strict{secure}",
            self.inner.cookie,
            hex::encode(nonce)
        ))
        .ok()
    }
}

/// The middleware that gives every request its [`FormToken`] (an extension), and sets the nonce
/// cookie on a response whose page put a new token into a form. Nothing is stored.
pub async fn form_tokens(
    State(tokens): State<FormTokens>,
    mut req: Request,
    next: Next,
) -> Response {
    let token = tokens.token_for(req.headers());
    req.extensions_mut().insert(token.clone());
    let mut res = next.run(req).await;
    if !token.from_cookie
        && token.used.load(Ordering::Relaxed)
        && let Some(cookie) = tokens.cookie_for(&token.nonce)
    {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    res
}

/// The stateless form token of one request (see the module documentation).
#[derive(Clone)]
pub struct FormToken {
    token: Arc<str>,
    nonce: Arc<[u8; NONCE_LEN]>,
    /// Whether the nonce came from the request's cookie (only then can a post verify).
    from_cookie: bool,
    /// Whether a page put the token into a form (then a new nonce is sent as a cookie).
    used: Arc<AtomicBool>,
}

impl std::fmt::Debug for FormToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormToken").finish_non_exhaustive()
    }
}

impl FormToken {
    /// The token to put into a form.
    pub fn token(&self) -> String {
        self.used.store(true, Ordering::Relaxed);
        self.token.to_string()
    }

    /// Whether `submitted` is the token of the nonce in this request's cookie (constant time).
    pub fn verify(&self, submitted: &str) -> bool {
        self.from_cookie
            && !self.token.is_empty()
            && bool::from(self.token.as_bytes().ct_eq(submitted.as_bytes()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for FormToken {
    type Rejection = StatusCode;

    /// The token the [`form_tokens`] middleware put in; a router served without it is a bug,
    /// answered 500.
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, StatusCode> {
        parts
            .extensions
            .get::<FormToken>()
            .cloned()
            .ok_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookie(tokens: &FormTokens, nonce: &str) -> axum::http::HeaderMap {
        let mut h = axum::http::HeaderMap::new();
        let v = format!("other=1; {}={nonce}", tokens.inner.cookie);
        h.insert(header::COOKIE, HeaderValue::from_str(&v).unwrap());
        h
    }

    #[test]
    fn a_token_verifies_only_with_its_own_nonce_and_key() {
        let tokens = FormTokens::new("t-form", true);
        let nonce = hex::encode([7u8; 32]);
        let with = tokens.token_for(&cookie(&tokens, &nonce));
        let token = with.token();
        assert_eq!(token.len(), 64);
        assert!(with.verify(&token));
        assert!(!with.verify(""));
        assert!(!with.verify(&token[..63]));
        // Another nonce, another key, or no cookie at all: refused.
        let other = tokens.token_for(&cookie(&tokens, &hex::encode([8u8; 32])));
        assert!(!other.verify(&token));
        let rekeyed = FormTokens::new("t-form", true);
        assert!(!rekeyed.token_for(&cookie(&rekeyed, &nonce)).verify(&token));
        let fresh = tokens.token_for(&axum::http::HeaderMap::new());
        let fresh_token = fresh.token();
        assert!(
            !fresh.verify(&fresh_token),
            "a nonce not from a cookie never verifies"
        );
        // A malformed cookie is a missing one.
        assert!(!tokens.token_for(&cookie(&tokens, "zz")).verify(&token));
    }
}
