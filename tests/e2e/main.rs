//! Postern's end-to-end, interop and invariant tests: one binary for the whole workspace.
//!
//! Run one topic with `cargo test -p postern-e2e --test e2e -- <module>::`, for example
//! `tus::` or `journalist::login::`.

// Test code: a panic is how a test fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

// The shared harness: workspace binaries, tools, reviewer homes, spools and the one `Server`
// (`support`); the one HTTP client and expected-header list (`http`); the one SOCKS5 client
// (`socks`); the private Tor network (`tornet`).
/// A TCP relay that cuts connections on a plan (`CutRelay`), for any test of a bad network.
mod cutrelay;
mod http;
mod socks;
mod support;
mod tornet;

/// Bounds a stranger cannot push the real binary past: connections, slow readers, huge bodies.
mod abuse;
/// A real browser with JavaScript off walks the source interface, in each language.
mod browser;
/// The shipped deployment, checked by the tool that owns each format.
mod deploy;
/// Architecture invariants on the dependency graph.
mod deps;
/// The reviewer under hostile input: one test per class of attack.
mod hostile;
/// The source interface in every language, in Chromium with JavaScript off.
mod i18n_browser;
/// Interop with the stock age CLI, both ways.
mod interop;
/// The journalist interface: login, routes, sources, accounts, onion service, replies.
mod journalist;
/// Newsroom keys brought in from age-keygen, plain or passphrase-protected.
mod keyimport;
/// Post-quantum hybrid keys: interop with typage, an age implementation that is not ours.
mod pq;
/// Replies, from the reviewer to the source, and every way a reply bundle can be wrong.
mod replies;
/// `postern-review` end to end, and its refusals of hostile input.
mod reviewer;
/// The reviewer at scale (ignored by default: run by hand for the figures).
mod scale;
/// The source interface: submissions, headers, refusals, config, pages, load.
mod server;
/// A source submits through a real onion service.
mod tor;
/// Resumable uploads (tus 1.0) and `postern-send`.
mod tus;
/// The spec's test vectors, one test per vector.
mod vectors;
