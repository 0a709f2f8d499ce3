//! `postern`: the server's binary. It only dispatches: the commands are
//! `postern_server::commands`, the layers below them the rest of the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    postern_server::commands::run(postern_server::commands::Cli::parse())
}
