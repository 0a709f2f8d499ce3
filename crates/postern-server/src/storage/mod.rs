//! The storage layer: everything the server keeps, and the rules for keeping it, with no HTTP,
//! no command line and no printing. The web layer and the operator commands call it; it calls
//! only `postern-spool` and the bottom modules (`config`, `fsutil`, `clock`).
//!
//! - [`accounts`]: journalist accounts (Argon2id PHC passphrases, TOTP with the last step used,
//!   Tor client-authorization key pairs);
//! - [`journalist_state`]: what each journalist has seen and starred;
//! - [`index`]: the cached, signature-checked index of the spool the journalist pages read;
//! - [`uploads`]: the non-secret state of resumable uploads, between requests;
//! - [`upload_parts`]: which items make up a resumable upload, and recorded deletions of one;
//! - [`staging`]: the one pipeline every upload goes through (temporary, sealing sink, limits
//!   and disk reserve, fsync, commit);
//! - [`replies`]: pinning the newsroom key, importing reply bundles;
//! - [`retention`]: the optional policy that deletes old items;
//! - [`selection`]: what goes into a bundle, frozen, cut into parts of deterministic bytes;
//! - [`client_auth`]: the check that journalist client authorization is really in effect.

pub mod accounts;
pub mod client_auth;
pub mod index;
pub mod journalist_state;
pub mod replies;
pub mod retention;
pub mod selection;
pub mod staging;
pub mod upload_parts;
pub mod uploads;
