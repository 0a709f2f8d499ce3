//! `postern-server`'s integration tests, in process: the layer rule read off the source, and
//! the web behaviour that needs no real socket (every route × method × status class gets the
//! header set; CSRF; error pages; session rules), driven with `tower::ServiceExt::oneshot`.

// Test code: a panic is how a test fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod abuse;
mod i18n;
mod items;
mod layers;
mod tus;
mod web;
