//! Journalist accounts: `postern journalist add|list|remove|reset`, and what login checks.
//!
//! One file per journalist, `<data>/journalists/NAME.toml` (mode 0600, written atomically), holds
//! the passphrase as an Argon2id PHC string, the TOTP secret, and the last TOTP time step that
//! was accepted (so a code is never accepted twice). The passphrase is a 7-word diceware phrase
//! drawn by the server from the EFF large word list (about 90 bits): people do not choose it, so
//! it needs no strength policy, and it is shown once.
//!
//! Each journalist also gets their own Tor client-authorization key pair (x25519): the
//! service side `NAME.auth` goes into the journalist onion service's `authorized_clients` folder,
//! and the private half is printed once for the journalist's Tor Browser. Removing the account
//! deletes that file, so one person's departure revokes exactly one key (after tor reloads).

use std::fs::{self, File};
use std::io::Read;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use data_encoding::BASE32_NOPAD;
use postern_spool::codename::Codename;
use postern_spool::derive::KdfParams;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::fsutil::{sync_dir, write_atomic};

/// Folder of the account files, inside the data folder.
pub const ACCOUNTS_DIR: &str = "journalists";
/// Largest account file read.
const MAX_ACCOUNT_FILE: u64 = 16 * 1024;
/// TOTP: 30-second steps, 6 digits, HMAC-SHA-1 (what every authenticator app supports).
pub const TOTP_STEP: u64 = 30;

/// Whether `name` is an acceptable account name: 1 to 32 of `a-z 0-9 _ -`. Names become file
/// names, so nothing else is ever let through.
pub fn valid_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// One journalist's account file.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub name: String,
    /// Argon2id PHC string of the passphrase.
    pub passphrase: String,
    /// The TOTP secret, base32 (RFC 4648, no padding).
    pub totp_secret: String,
    /// The last TOTP time step accepted; codes of this step or earlier are refused.
    #[serde(default)]
    pub last_step: u64,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Account {
    /// The TOTP of this account (SHA-1, 6 digits, 30 s, one step of skew either way).
    pub fn totp(&self) -> Option<totp_rs::Totp> {
        let secret = Zeroizing::new(BASE32_NOPAD.decode(self.totp_secret.as_bytes()).ok()?);
        totp_rs::Builder::new()
            .with_secret(secret.to_vec())
            .with_skew(1)
            .with_step_duration(TOTP_STEP)
            .with_digits(6)
            .build()
            .ok()
    }

    /// The time step that `code` matches at `unix_secs` (with one step of skew), if any and if
    /// it is later than the last one accepted.
    pub fn check_code(&self, code: &str, unix_secs: u64) -> Option<u64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let step = self.totp()?.check(&code, unix_secs)?;
        (step > self.last_step).then_some(step)
    }
}

/// Checks a passphrase against a PHC hash, with the parameters the hash names (slow: run it off
/// the async threads).
pub fn verify_passphrase(hash: &str, passphrase: &str) -> bool {
    Argon2::default()
        .verify_password(passphrase.as_bytes(), hash)
        .is_ok()
}

/// A hash that no passphrase matches, verified for unknown names so that a login for a name
/// that does not exist costs the same as one for a name that does.
pub fn dummy_hash(params: KdfParams) -> String {
    hash_passphrase("no account has this passphrase", params).unwrap_or_default()
}

/// Argon2id PHC string of `passphrase`, with a random 16-byte salt.
pub fn hash_passphrase(passphrase: &str, params: KdfParams) -> Result<String> {
    let params = Params::new(params.m_kib, params.t, params.p, None)
        .map_err(|e| anyhow::anyhow!("Argon2 parameters: {e}"))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut salt = [0u8; 16];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut salt);
    let hash = argon
        .hash_password_with_salt(passphrase.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing the passphrase: {e}"))?;
    Ok(hash.to_string())
}

/// The account files of one data folder.
#[derive(Clone, Debug)]
pub struct AccountStore {
    dir: PathBuf,
}

impl AccountStore {
    pub fn new(data_dir: &Path) -> AccountStore {
        AccountStore {
            dir: data_dir.join(ACCOUNTS_DIR),
        }
    }

    fn path(&self, name: &str) -> Option<PathBuf> {
        valid_name(name).then(|| self.dir.join(format!("{name}.toml")))
    }

    /// Whether an account of this name exists.
    pub fn exists(&self, name: &str) -> bool {
        self.path(name).is_some_and(|p| p.is_file())
    }

    /// The account `name`, if there is one. A damaged file is an error, not "no account".
    pub fn load(&self, name: &str) -> Result<Option<Account>> {
        let Some(path) = self.path(name) else {
            return Ok(None);
        };
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).context("reading a journalist account"),
        };
        let mut text = Zeroizing::new(String::new());
        file.take(MAX_ACCOUNT_FILE)
            .read_to_string(&mut text)
            .context("reading a journalist account")?;
        let account: Account = toml::from_str(&text).context("a journalist account is damaged")?;
        if account.name != name {
            bail!("a journalist account file does not match its name");
        }
        Ok(Some(account))
    }

    /// Writes the account atomically (temporary, fsync, rename, fsync the folder), mode 0600.
    pub fn save(&self, account: &Account) -> Result<()> {
        let Some(path) = self.path(&account.name) else {
            bail!("invalid account name");
        };
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .context("creating the accounts folder")?;
        let text = Zeroizing::new(toml::to_string(account).context("encoding an account")?);
        write_atomic(&path, text.as_bytes())
    }

    /// Every account name, sorted.
    pub fn names(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let list = match fs::read_dir(&self.dir) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e).context("listing accounts"),
        };
        for entry in list {
            let entry = entry.context("listing accounts")?;
            if let Some(name) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".toml"))
                .filter(|n| valid_name(n))
            {
                out.push(name.to_owned());
            }
        }
        out.sort();
        Ok(out)
    }

    /// Deletes the account file. Returns whether there was one.
    pub fn remove(&self, name: &str) -> Result<bool> {
        let Some(path) = self.path(name) else {
            return Ok(false);
        };
        match fs::remove_file(&path) {
            Ok(()) => {
                sync_dir(&self.dir)?;
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e).context("removing an account"),
        }
    }
}

/// A Tor client-authorization key pair (x25519), base32 without padding as tor wants it.
pub struct ClientAuthKey {
    /// Public key (52 characters), for the service-side `NAME.auth`.
    pub public: String,
    /// Private key (52 characters), for the client's `.auth_private` line.
    pub private: Zeroizing<String>,
}

impl ClientAuthKey {
    pub fn generate() -> ClientAuthKey {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::Rng::fill_bytes(&mut rand::rng(), bytes.as_mut());
        let secret = x25519_dalek::StaticSecret::from(*bytes);
        let public = x25519_dalek::PublicKey::from(&secret);
        ClientAuthKey {
            public: BASE32_NOPAD.encode(public.as_bytes()),
            private: Zeroizing::new(BASE32_NOPAD.encode(bytes.as_ref())),
        }
    }

    /// The content of the service-side `NAME.auth` file.
    pub fn auth_line(&self) -> String {
        format!("descriptor:x25519:{}\n", self.public)
    }
}

/// The service-side client-authorization file of `name`.
pub fn auth_file(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.auth"))
}

/// What `add` and `reset` hand to the journalist, once.
pub struct NewCredentials {
    pub passphrase: Zeroizing<String>,
    pub totp_secret: Zeroizing<String>,
}

/// A new passphrase (seven words) and TOTP secret for `name`, and the account that holds
/// their hashes.
pub fn new_credentials(name: &str, kdf: KdfParams) -> Result<(Account, NewCredentials)> {
    let passphrase = Zeroizing::new(Codename::generate(&mut rand::rng()).expose().to_owned());
    let mut secret = Zeroizing::new([0u8; 20]);
    rand::Rng::fill_bytes(&mut rand::rng(), secret.as_mut());
    let totp_secret = Zeroizing::new(BASE32_NOPAD.encode(secret.as_ref()));
    let account = Account {
        name: name.to_owned(),
        passphrase: hash_passphrase(&passphrase, kdf)?,
        totp_secret: totp_secret.to_string(),
        last_step: 0,
    };
    Ok((
        account,
        NewCredentials {
            passphrase,
            totp_secret,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_strict() {
        for ok in ["a", "alice", "bob_2", "x-y", &"a".repeat(32)] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in [
            "",
            "Alice",
            "a b",
            "../x",
            "a.b",
            "é",
            &"a".repeat(33),
            "a/b",
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    /// RFC 6238 appendix B, SHA-1 vectors (8 digits there; the 6-digit codes are their tails).
    #[test]
    fn totp_matches_rfc6238_and_refuses_replays() {
        let secret = BASE32_NOPAD.encode(b"12345678901234567890");
        let mut acc = Account {
            name: "t".into(),
            passphrase: String::new(),
            totp_secret: secret,
            last_step: 0,
        };
        for (t, code) in [
            (59u64, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(acc.check_code(code, t), Some(t / 30), "{t}");
            // One step of skew either way, not two.
            assert_eq!(acc.check_code(code, t + 30), Some(t / 30));
            assert_eq!(acc.check_code(code, t - 30), Some(t / 30));
            assert_eq!(acc.check_code(code, t + 61), None);
        }
        assert_eq!(acc.check_code("287 082", 59), Some(1));
        assert_eq!(acc.check_code("28708", 59), None);
        assert_eq!(acc.check_code("28708a", 59), None);
        acc.last_step = 1;
        assert_eq!(acc.check_code("287082", 59), None, "a used step is refused");
    }

    #[test]
    fn passphrase_hash_is_argon2id_phc() {
        let h = hash_passphrase("correct horse", KdfParams::INSECURE_FAST_FOR_TESTS).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{h}");
        assert!(verify_passphrase(&h, "correct horse"));
        assert!(!verify_passphrase(&h, "correct horse "));
        assert!(!verify_passphrase("not a hash", "correct horse"));
    }

    #[test]
    fn client_auth_key_is_tor_shaped() {
        let k = ClientAuthKey::generate();
        assert_eq!(k.public.len(), 52);
        assert_eq!(k.private.len(), 52);
        let line = k.auth_line();
        assert!(line.starts_with("descriptor:x25519:"));
        // The public key is the X25519 base-point multiple of the private key.
        let private: [u8; 32] = BASE32_NOPAD
            .decode(k.private.as_bytes())
            .unwrap()
            .try_into()
            .unwrap();
        let public = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(private));
        assert_eq!(BASE32_NOPAD.encode(public.as_bytes()), k.public);
    }
}
