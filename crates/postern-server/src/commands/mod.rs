//! The operator commands: `init`, `demo`, `serve`, `export`, `check`, `journalist …`,
//! `trust-newsroom`, `import-replies`. Each parses its arguments (clap), calls the storage or
//! the web layer, and prints; errors are printed once, by [`run`].

pub mod check;
pub mod demo;
pub mod export;
pub mod init;
pub mod journalist;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use postern_spool::sanitize::for_terminal;

use crate::config::Config;

/// Postern's server: the source interface of an anonymous dropbox, sealing every byte to the
/// newsroom's public keys.
#[derive(Parser)]
#[command(name = "postern", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create a data folder: server salt, spool signing key, spool, and a config file.
    Init {
        /// The data folder to create (mode 0700).
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// A newsroom recipient (hybrid age1pq1…, or classical age1…), from `postern-review keygen`.
        /// Repeat for each journalist key; all of one kind.
        #[arg(long = "recipient", value_name = "AGE1…", required = true)]
        recipients: Vec<String>,
        /// The organisation's name, shown on every page.
        #[arg(long, default_value = "Postern")]
        org: String,
        /// Where the source interface listens: `unix:/path/to/socket` or a loopback `IP:PORT`.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// The newsroom's reply-signing key (`ed25519:…`, from `postern-review keygen`); it can
        /// also be pinned later with `postern trust-newsroom`.
        #[arg(long, value_name = "ED25519:…")]
        newsroom_key: Option<String>,
    },
    /// Pin the newsroom's reply-signing key: only replies it signed are imported and shown.
    TrustNewsroom {
        /// The config file written by `postern init`.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// The key (`ed25519:…`), as `postern-review keygen` printed it.
        key: String,
        /// Replace a different key that is already pinned.
        #[arg(long)]
        replace: bool,
    },
    /// Import a reply bundle from `postern-review export-replies` (a file, or `-` for standard
    /// input): all of it, or nothing.
    ImportReplies {
        /// The config file written by `postern init`.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// The bundle.
        bundle: PathBuf,
    },
    /// Serve the source interface, and the journalist interface if the config has one.
    Serve {
        /// The config file written by `postern init`.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Check a deployment on this host; exit status 1 on any failure.
    ///
    /// Checks the data folder's owner and modes, the recipients, that no secret key is on the
    /// server, the disk reserve, journalist client authorization, and (with --torrc) tor's
    /// settings. Each check prints OK or FAIL with what to do.
    Check {
        /// The server's config file.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// Also check this torrc (the tor instance that publishes the onion services).
        #[arg(long, value_name = "FILE")]
        torrc: Option<PathBuf>,
        /// Only check that journalist client authorization is in effect (the tor unit runs this
        /// before tor starts; it needs no access to the data folder).
        #[arg(long)]
        journalist_auth_only: bool,
    },
    /// Write this program's man page (roff) to standard output (used to build the package).
    #[command(hide = true)]
    Man,
    /// Manage journalist accounts (the config needs a [journalist] section).
    Journalist {
        #[command(subcommand)]
        action: JournalistAction,
    },
    /// Write the spool's items as signed bundle parts into a folder, for the air gap (restartable).
    Export {
        /// The config file written by `postern init`.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// The folder to write the bundle parts into. Run again after an interruption: parts
        /// already there whole are checked and skipped.
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
        /// Only items stored on this day or later (YYYY-MM-DD).
        #[arg(long, value_name = "DAY")]
        since: Option<String>,
        /// Only this source (its id, 64 hex digits).
        #[arg(long, value_name = "SOURCE_ID")]
        source: Option<String>,
        /// Only one upload: its upload id (while the server keeps its log), or the item id of one
        /// of its segments or its manifest.
        #[arg(long, value_name = "ID")]
        upload: Option<String>,
        /// Size of one part (1GiB, 512MiB, or bytes); default: the config's
        /// `limits.bundle_part_bytes` (1 GiB).
        #[arg(long, value_name = "SIZE")]
        part_size: Option<String>,
    },
    /// Try Postern on this machine: a data folder, a demo newsroom key, and the server on loopback.
    Demo {
        /// The demo's data folder (created if missing; reused if it is a demo folder).
        #[arg(long, value_name = "DIR", default_value = "postern-demo")]
        data: PathBuf,
        /// Where to listen.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
    },
}

#[derive(Subcommand)]
pub enum JournalistAction {
    /// Create an account: passphrase, two-factor secret and Tor client-authorization key, shown once.
    Add {
        name: String,
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// List the accounts.
    List {
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Delete an account and its Tor client-authorization file.
    Remove {
        name: String,
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// New passphrase and two-factor secret for an account (the Tor key stays).
    Reset {
        name: String,
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
}

fn journalist_command(action: JournalistAction) -> anyhow::Result<()> {
    match action {
        JournalistAction::Add { name, config } => journalist::add(&Config::load(&config)?, &name),
        JournalistAction::List { config } => journalist::list(&Config::load(&config)?),
        JournalistAction::Remove { name, config } => {
            journalist::remove(&Config::load(&config)?, &name)
        }
        JournalistAction::Reset { name, config } => {
            journalist::reset(&Config::load(&config)?, &name)
        }
    }
}

/// Runs one command line; the exit status says whether it succeeded.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Init {
            data,
            recipients,
            org,
            listen,
            newsroom_key,
        } => init::init(&data, &recipients, &org, &listen).and_then(|path| {
            if let Some(key) = newsroom_key {
                crate::storage::replies::trust_newsroom(&data, &key, false)?;
            }
            init::print_init_summary(&path);
            Ok(())
        }),
        Command::TrustNewsroom {
            config,
            key,
            replace,
        } => Config::load(&config).and_then(|cfg| {
            let k = crate::storage::replies::trust_newsroom(&cfg.file.data_dir, &key, replace)?;
            println!("Pinned the newsroom key {k}: replies are accepted only if it signed them.");
            Ok(())
        }),
        Command::ImportReplies { config, bundle } => {
            Config::load(&config).and_then(|cfg| {
                let r = crate::storage::replies::import_replies(&cfg, &bundle)?;
                println!(
                    "Imported {} new reply(ies) for {} source(s); {} already delivered. Sources see them when they log in.",
                    r.new, r.sources, r.already
                );
                Ok(())
            })
        }
        Command::Serve { config } => Config::load(&config).and_then(crate::web::serve_blocking),
        Command::Demo { data, listen } => demo::run(&data, &listen),
        Command::Man => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command())
                .render(&mut std::io::stdout())
                .map_err(anyhow::Error::from)
        }
        Command::Check {
            config,
            torrc,
            journalist_auth_only,
        } => {
            let opts = check::Options {
                config,
                torrc,
                journalist_auth_only,
            };
            return if check::main(&opts) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
        }
        Command::Journalist { action } => journalist_command(action),
        Command::Export {
            config,
            to,
            since,
            source,
            upload,
            part_size,
        } => Config::load(&config)
            .and_then(|cfg| {
                let choice = export::Choice {
                    since: since.as_deref(),
                    source: source.as_deref(),
                    upload: upload.as_deref(),
                    part_size: part_size.as_deref(),
                };
                export::export(&cfg, &to, &choice)
            })
            .map(|s| export::print_summary(&s)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The chain can quote bytes from outside (a bundle, a config, a file name).
            eprintln!("error: {}", for_terminal(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}
