//! `postern demo`: Postern on one machine in one command.
//!
//! It makes a demo newsroom key the way `postern-review keygen` does (an age X25519 identity in a
//! passphrase-encrypted identity file), pins the server's spool key for it, initialises a data
//! folder sealed to that key, pins the demo newsroom's reply-signing key, and serves on loopback. The passphrase is written next to the key,
//! which is exactly what a real newsroom must never do: this is a demo.

use std::fs;
use std::io::Write;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;

use age::secrecy::{ExposeSecret, SecretString};
use anyhow::{Context, Result};

use crate::config::{CONFIG_FILE, Config, SIGNING_PUB_FILE};
use crate::fsutil::write_new;

const DEMO_PASSPHRASE: &str = "demo passphrase, not for real use";

pub fn run(data: &Path, listen: &str) -> Result<()> {
    let server_dir = data.join("server");
    let reviewer = data.join("reviewer");
    let config = server_dir.join(CONFIG_FILE);
    if !config.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(data)?;
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&reviewer)
            .or_else(ignore_exists)?;
        let recipient = make_demo_key(&reviewer)?;
        crate::commands::init::init(&server_dir, &[recipient], "Postern demo", listen)?;
        let key = fs::read_to_string(server_dir.join(SIGNING_PUB_FILE))?;
        write_new(&reviewer.join("server.pub"), key.as_bytes(), 0o644)?;
    }
    ensure_demo_signing_key(&reviewer, &server_dir)?;
    let mut cfg = Config::load(&config).context("loading the demo's config")?;
    cfg.file.source.listen = listen.to_owned();
    // Plain http://127.0.0.1 in an ordinary browser: a Secure cookie would not come back.
    cfg.file.source.cookie_secure = false;
    let home = reviewer.display();
    let pass = reviewer.join("passphrase.txt");
    let pass = pass.display();
    println!("Postern demo");
    println!();
    println!("  Open http://{listen}/ in a browser (JavaScript may stay off), get a codename,");
    println!("  and submit a message or files.");
    println!();
    println!("  Then read what arrived, as a journalist would on the air-gapped machine:");
    println!(
        "    postern-review --home {home} --passphrase-file {pass} import {}",
        cfg.spool_dir().display()
    );
    println!("    postern-review --home {home} --passphrase-file {pass} list");
    println!(
        "    postern-review --home {home} --passphrase-file {pass} extract --all --to {}",
        data.join("extracted").display()
    );
    println!("  Reply to a source, and bring the reply to the server:");
    println!(
        "    postern-review --home {home} --passphrase-file {pass} reply SOURCE --file reply.txt"
    );
    println!(
        "    postern-review --home {home} --passphrase-file {pass} export-replies --to replies.tar"
    );
    println!(
        "    postern import-replies --config {} replies.tar",
        config.display()
    );
    println!("  (postern-review is `cargo run -q -p postern-review --` from the source tree.)");
    println!();
    println!("  The demo newsroom key is {home}/identity.age; its passphrase is in {pass}.");
    println!("  Press Ctrl+C to stop.");
    crate::web::serve_blocking(cfg)
}

/// Makes the demo newsroom's reply-signing key (as `postern-review keygen` does) and pins it on
/// the demo server, unless both are there already.
fn ensure_demo_signing_key(reviewer: &Path, server_dir: &Path) -> Result<()> {
    if reviewer.join("signing-key.age").exists() {
        return Ok(());
    }
    let key = postern_spool::keys::SigningKey::generate(&mut rand::rng());
    let sealed = seal_with_demo_passphrase(key.to_secret_text().as_bytes())?;
    write_new(&reviewer.join("signing-key.age"), &sealed, 0o600)?;
    let public = key.verifying_key().to_string();
    write_new(
        &reviewer.join("signing-key.pub"),
        format!("{public}\n").as_bytes(),
        0o644,
    )?;
    crate::storage::replies::trust_newsroom(server_dir, &public, true)?;
    Ok(())
}

fn seal_with_demo_passphrase(data: &[u8]) -> Result<Vec<u8>> {
    let mut r = age::scrypt::Recipient::new(SecretString::from(DEMO_PASSPHRASE.to_owned()));
    r.set_work_factor(14);
    let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))?;
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out)?;
    w.write_all(data)?;
    w.finish()?;
    Ok(out)
}

fn ignore_exists(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::AlreadyExists {
        Ok(())
    } else {
        Err(e)
    }
}

/// Writes a passphrase-protected newsroom identity in the reviewer's format; returns its recipient.
fn make_demo_key(home: &Path) -> Result<String> {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let text = zeroize::Zeroizing::new(format!(
        "# Postern DEMO newsroom identity\n# public key: {recipient}\n{}\n",
        identity.to_string().expose_secret()
    ));
    let out = seal_with_demo_passphrase(text.as_bytes())?;
    write_new(&home.join("identity.age"), &out, 0o600)?;
    write_new(
        &home.join("recipient.txt"),
        format!("{recipient}\n").as_bytes(),
        0o644,
    )?;
    write_new(
        &home.join("passphrase.txt"),
        format!("{DEMO_PASSPHRASE}\n").as_bytes(),
        0o600,
    )?;
    Ok(recipient)
}
