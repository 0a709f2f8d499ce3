//! Synchronizer tokens: one random token per session, put into every form as its first field
//! and compared in constant time. (Cross-origin requests are refused before this, by
//! `tower_http::csrf` on `Sec-Fetch-Site` / `Origin`.)

use subtle::ConstantTimeEq;
use tower_sessions::Session;

/// The session key of the token.
pub const CSRF_KEY: &str = "csrf";

/// The session's token, created on first use.
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
