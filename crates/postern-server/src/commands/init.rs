//! `postern init`: a new data folder.

use std::fs;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use postern_spool::derive::ServerSalt;
use postern_spool::keys::SigningKey;
use postern_spool::recipients::Recipients;
use postern_spool::spool::Spool;

use crate::config::{
    CONFIG_FILE, ConfigFile, Limits, Listen, SALT_FILE, SIGNING_KEY_FILE, SIGNING_PUB_FILE,
    SourceListener,
};
use crate::fsutil::write_new;

/// Creates the data folder and returns the config file's path.
pub fn init(data: &Path, recipients: &[String], org: &str, listen: &str) -> Result<PathBuf> {
    init_with(data, recipients, org, listen, Limits::default(), true)
}

pub fn init_with(
    data: &Path,
    recipients: &[String],
    org: &str,
    listen: &str,
    limits: Limits,
    cookie_secure: bool,
) -> Result<PathBuf> {
    let parsed = Recipients::parse(recipients).context("refusing to initialise")?;
    Listen::parse(listen)?;
    if data.exists()
        && fs::read_dir(data)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "{} already exists and is not empty: init never overwrites a data folder",
            data.display()
        );
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data)
        .with_context(|| format!("cannot create {}", data.display()))?;
    // Canonical absolute path, so that the config works from any working directory.
    let data = fs::canonicalize(data)?;
    let mut rng = rand::rng();
    write_new(
        &data.join(SALT_FILE),
        format!("{}\n", ServerSalt::generate(&mut rng)).as_bytes(),
        0o600,
    )?;
    let key = SigningKey::generate(&mut rng);
    write_new(
        &data.join(SIGNING_KEY_FILE),
        key.to_secret_text().as_bytes(),
        0o600,
    )?;
    write_new(
        &data.join(SIGNING_PUB_FILE),
        format!("{}\n", key.verifying_key()).as_bytes(),
        0o600,
    )?;
    Spool::create(&data.join("spool"), &mut rng).context("creating the spool")?;
    let config = ConfigFile {
        organization: org.to_owned(),
        data_dir: data.clone(),
        recipients: parsed.strings(),
        retention_days: None,
        source: SourceListener {
            listen: listen.to_owned(),
            cookie_secure,
            // Behind the shipped torrc (systemd sockets), tor writes the PROXY header.
            proxy_protocol: listen.starts_with("systemd:"),
        },
        journalist: None,
        limits,
        debug_request_log: false,
    };
    let text = format!(
        "# Postern server configuration, written by `postern init`.\n# Only PUBLIC age recipients belong here; the server refuses to start if it finds a secret key.\n{}",
        toml::to_string_pretty(&config).context("writing the config")?
    );
    let path = data.join(CONFIG_FILE);
    write_new(&path, text.as_bytes(), 0o600)?;
    Ok(path)
}

pub fn print_init_summary(config: &Path) {
    let data = config.parent().unwrap_or(Path::new("."));
    let key = fs::read_to_string(data.join(SIGNING_PUB_FILE)).unwrap_or_default();
    println!("Created the data folder {}.", data.display());
    println!();
    println!("Spool signing key (pin it on the air-gapped machine: postern-review trust <key>):");
    println!("  {}", key.trim());
    println!();
    println!("Start the server with:");
    println!("  postern serve --config {}", config.display());
}
