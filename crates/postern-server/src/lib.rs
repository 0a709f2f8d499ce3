//! Postern's server: the source interface over Tor, sealing every byte to the newsroom's public
//! keys as it streams in, the journalist interface (ciphertext only), and the operator commands.
//!
//! The crate is built in layers, and imports go one way, downwards (a test reads the `use`
//! lines and says so):
//!
//! - **bottom**: [`config`] (the config file, its fail-closed checks and the listen-address
//!   type), [`fsutil`] (create-new, atomic replace, folder sync, bounded reads), [`clock`] (the
//!   clock, passed in), [`systemd`] (sockets from `LISTEN_FDS`, `READY=1`);
//! - **storage** ([`storage`]): everything the server keeps and the rules for keeping it, with no
//!   HTTP, command line or printing;
//! - **web** ([`web`]): the kit both interfaces share, the source interface and the journalist
//!   interface, which never import each other;
//! - **commands** ([`commands`]): the operator's command line, on top of everything.
//!
//! `main.rs` only dispatches to [`commands::run`].

pub mod clock;
pub mod commands;
pub mod config;
pub mod fsutil;
pub mod storage;
pub mod systemd;
pub mod web;
