//! Postern's end-to-end, interop and invariant tests: one binary for the whole workspace.

// Test code: a panic is how a test fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod browser;
mod deploy;
mod deps;
mod http;
mod interop;
mod journalist;
mod pq;
mod replies;
mod reviewer;
mod server;
mod support;
mod tor;
mod tus;
mod vectors;
