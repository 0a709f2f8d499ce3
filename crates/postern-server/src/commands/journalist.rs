//! `postern journalist add|list|remove|reset`: the operator's commands for journalist accounts.
//! The accounts themselves (files, hashes, TOTP, Tor client-authorization keys) are
//! [`crate::storage::accounts`]; this module parses, calls it and prints, once, what the
//! journalist must be handed.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::config::{Config, JournalistListener};
use crate::fsutil::{read_text_bounded, sync_dir, write_atomic};
use crate::storage::accounts::{
    AccountStore, ClientAuthKey, NewCredentials, TOTP_STEP, auth_file, new_credentials, valid_name,
};
use crate::storage::journalist_state::StateStore;

/// The journalist onion's name without `.onion`, from tor's `hostname` file next to
/// `authorized_clients`, if tor already made it.
fn onion_name(auth_dir: &Path) -> Option<String> {
    let host = read_text_bounded(&auth_dir.parent()?.join("hostname"), 1024).ok()?;
    let name = host.trim().strip_suffix(".onion")?;
    (name.len() == 56
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)))
    .then(|| name.to_owned())
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn pct(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The otpauth URI that authenticator apps read (Google's Key Uri Format).
pub fn otpauth_uri(org: &str, name: &str, secret_b32: &str) -> String {
    let issuer = pct(org);
    format!(
        "otpauth://totp/{issuer}:{name}?secret={secret_b32}&issuer={issuer}&algorithm=SHA1&digits=6&period={TOTP_STEP}"
    )
}

/// The QR code of `text`, drawn with Unicode half blocks for a terminal.
fn qr_terminal(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
        Err(_) => "(the QR code could not be drawn; type the secret instead)".to_owned(),
    }
}

fn journalist_section(cfg: &Config) -> Result<&JournalistListener> {
    cfg.file.journalist.as_ref().context(
        "the config has no [journalist] section: add one (listen, authorized_clients_dir) first",
    )
}

fn print_credentials(cfg: &Config, name: &str, creds: &NewCredentials) {
    let uri = otpauth_uri(&cfg.file.organization, name, &creds.totp_secret);
    println!("Journalist `{name}`. Hand these over in person; they are shown only this once.");
    println!();
    println!("Passphrase:");
    println!("  {}", creds.passphrase.as_str());
    println!();
    println!("Two-factor code: scan this with an authenticator app (or type the secret).");
    println!("{}", qr_terminal(&uri));
    println!("  secret: {}", creds.totp_secret.as_str());
    println!("  {uri}");
}

/// `postern journalist add NAME`.
pub fn add(cfg: &Config, name: &str) -> Result<()> {
    if !valid_name(name) {
        bail!("a journalist name is 1 to 32 of a-z, 0-9, `_` and `-`");
    }
    let section = journalist_section(cfg)?;
    let store = AccountStore::new(&cfg.file.data_dir);
    if store.exists(name) {
        bail!("journalist `{name}` already exists (use `reset` for new credentials)");
    }
    let auth_dir = &section.authorized_clients_dir;
    if !auth_dir.is_dir() {
        bail!(
            "the authorized_clients_dir {} does not exist: create it (owned by tor's user, mode 0700) first",
            auth_dir.display()
        );
    }
    let auth_path = auth_file(auth_dir, name);
    if auth_path.exists() {
        bail!(
            "{} already exists: remove it or pick another name",
            auth_path.display()
        );
    }
    let (account, creds) = new_credentials(name, cfg.file.limits.kdf())?;
    let key = ClientAuthKey::generate();
    write_atomic(&auth_path, key.auth_line().as_bytes())
        .with_context(|| format!("writing {}", auth_path.display()))?;
    store.save(&account)?;
    print_credentials(cfg, name, &creds);
    println!();
    println!("Tor client authorization (Tor Browser: enter the key when it asks; or put this line");
    println!("in a file `{name}.auth_private` in the client's ClientOnionAuthDir):");
    let onion = onion_name(auth_dir).unwrap_or_else(|| "<ONION-ADDRESS-WITHOUT-.onion>".to_owned());
    println!("  {onion}:descriptor:x25519:{}", key.private.as_str());
    println!("  private key: {}", key.private.as_str());
    println!();
    println!(
        "Wrote {}. Reload tor (systemctl reload, or restart) for it to take effect.",
        auth_path.display()
    );
    Ok(())
}

/// `postern journalist reset NAME`: new passphrase and TOTP secret; the Tor key stays.
pub fn reset(cfg: &Config, name: &str) -> Result<()> {
    let store = AccountStore::new(&cfg.file.data_dir);
    if store.load(name)?.is_none() {
        bail!("no journalist `{name}`");
    }
    let (account, creds) = new_credentials(name, cfg.file.limits.kdf())?;
    store.save(&account)?;
    print_credentials(cfg, name, &creds);
    println!();
    println!("The Tor client-authorization key is unchanged. Sessions of `{name}` end at once.");
    Ok(())
}

/// `postern journalist remove NAME`: the account and its Tor client-authorization file.
pub fn remove(cfg: &Config, name: &str) -> Result<()> {
    if !valid_name(name) {
        bail!("a journalist name is 1 to 32 of a-z, 0-9, `_` and `-`");
    }
    let store = AccountStore::new(&cfg.file.data_dir);
    let had_account = store.remove(name)?;
    let mut had_key = false;
    if let Some(section) = cfg.file.journalist.as_ref() {
        let path = auth_file(&section.authorized_clients_dir, name);
        match fs::remove_file(&path) {
            Ok(()) => {
                had_key = true;
                sync_dir(&section.authorized_clients_dir)?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {}", path.display())),
        }
    }
    StateStore::new(&cfg.file.data_dir).remove(name)?;
    if !had_account && !had_key {
        bail!("no journalist `{name}`");
    }
    println!(
        "Removed journalist `{name}`{}. Reload or restart tor so that the key stops working.",
        if had_key {
            " and their Tor client-authorization key"
        } else {
            ""
        }
    );
    Ok(())
}

/// `postern journalist list`.
pub fn list(cfg: &Config) -> Result<()> {
    let store = AccountStore::new(&cfg.file.data_dir);
    let auth_dir = cfg
        .file
        .journalist
        .as_ref()
        .map(|j| j.authorized_clients_dir.clone());
    let names = store.names()?;
    if names.is_empty() {
        println!("No journalists yet. Add one with `postern journalist add NAME`.");
    }
    for name in names {
        let key = auth_dir
            .as_ref()
            .is_some_and(|d| auth_file(d, &name).is_file());
        println!(
            "{name}\t{}",
            if key {
                "tor key present"
            } else {
                "NO tor key file"
            }
        );
    }
    Ok(())
}
