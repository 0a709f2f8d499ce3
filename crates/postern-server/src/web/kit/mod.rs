//! The web kit: what both interfaces share, and nothing either one owns. Security headers and
//! the request log ([`headers`]), CSRF tokens ([`csrf`]), the bounded session store
//! ([`session`]), the one error type handlers return ([`error::WebError`]), the Argon2 queue
//! ([`kdf`]), per-circuit budgets with a bounded map ([`circuits`]), the translations of both interfaces ([`i18n`]) and the listeners with their accept loop ([`listen`]).
//!
//! The kit imports neither interface; the interfaces import the kit and never each other.

pub mod bounds;
pub mod circuits;
pub mod csrf;
pub mod error;
pub mod headers;
pub mod i18n;
pub mod kdf;
pub mod listen;
pub mod session;
