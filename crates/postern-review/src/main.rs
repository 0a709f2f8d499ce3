//! `postern-review`: the journalist's tool on the air-gapped machine.
//!
//! It holds the newsroom's secret keys (passphrase-encrypted, in the `age -p` identity-file
//! format), imports bundles or spool copies after verifying every record against the server key
//! pinned at setup, reads and extracts submissions, and writes signed replies. It links no networking crate: a test
//! checks its dependency tree.

mod cleanup;
mod cli;
mod dest;
mod extract;
mod home;
mod import;
mod list;
mod pipeline;
mod reassemble;
mod reply;
mod ui;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            ui::report_error(&e);
            ExitCode::FAILURE
        }
    }
}
