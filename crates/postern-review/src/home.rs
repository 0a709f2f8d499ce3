//! The reviewer's home folder: keys, the pinned server key, and the store of imported items.
//!
//! ```text
//! <home>/identity.age        newsroom identities, passphrase-encrypted (`age -p` format): the
//!                            current one first (hybrid AGE-SECRET-KEY-PQ-1… by default, or
//!                            classical AGE-SECRET-KEY-1…), then any earlier ones kept by
//!                            `keygen --rotate` so old items stay readable
//! <home>/recipient.txt       the current public recipient (age1pq1… or age1…), for the server
//! <home>/recipient.previous.txt  recipients retired by `keygen --rotate`, newest last
//! <home>/signing-key.age     newsroom Ed25519 key for reply bundles, passphrase-encrypted
//! <home>/signing-key.pub     its public key (ed25519:…), for the server
//! <home>/server.pub          the pinned spool signing key of the server (`trust`)
//! <home>/store/              imported, verified items: a spool layout, ciphertext only
//! ```

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use anyhow::{Context, Result};
use postern_spool::keys::{SigningKey, VerifyingKey};
use postern_spool::spool::Spool;
use zeroize::Zeroizing;

use crate::ui::user_error;

/// Largest key file read, in bytes.
const MAX_KEY_FILE: u64 = 64 * 1024;

pub struct Home {
    pub dir: PathBuf,
    passphrase_file: Option<PathBuf>,
}

impl Home {
    pub fn new(dir: PathBuf, passphrase_file: Option<PathBuf>) -> Home {
        Home {
            dir,
            passphrase_file,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn store(&self) -> Result<Spool> {
        if !self.path("identity.age").exists() {
            return Err(user_error(
                format!("no newsroom key in {}", self.dir.display()),
                "run `postern-review keygen` first (or pass --home to point at an existing reviewer folder)",
            ));
        }
        Spool::create(&self.path("store"), &mut rand::rng()).context("opening the store")
    }

    /// Reads the passphrase: from `--passphrase-file`, or from the terminal.
    fn passphrase(&self, prompt: &str, confirm: bool) -> Result<SecretString> {
        if let Some(p) = &self.passphrase_file {
            let text = Zeroizing::new(
                read_bounded(p, MAX_KEY_FILE)
                    .with_context(|| format!("reading the passphrase file {}", p.display()))?,
            );
            let text = std::str::from_utf8(&text).map_err(|_| {
                user_error(
                    "the passphrase file is not UTF-8",
                    "write the passphrase as plain text on the first line",
                )
            })?;
            let line = text.lines().next().unwrap_or("");
            return Ok(SecretString::from(line.to_owned()));
        }
        let first = Zeroizing::new(rpassword::prompt_password(prompt).map_err(|e| {
            user_error(
                format!("cannot read a passphrase from the terminal: {e}"),
                "run this in a terminal, or pass --passphrase-file FILE",
            )
        })?);
        if confirm {
            let again = Zeroizing::new(rpassword::prompt_password("Repeat the passphrase: ")?);
            if *first != *again {
                return Err(user_error(
                    "the passphrases differ",
                    "run the command again",
                ));
            }
        }
        Ok(SecretString::from(first.to_string()))
    }

    /// Creates the newsroom keys: a hybrid post-quantum identity unless `classical`. Refuses to
    /// overwrite anything.
    pub fn keygen(
        &self,
        work_factor: Option<u8>,
        classical: bool,
    ) -> Result<(String, VerifyingKey)> {
        for name in ["identity.age", "signing-key.age"] {
            if self.path(name).exists() {
                return Err(user_error(
                    format!("{} already exists", self.path(name).display()),
                    "keygen never overwrites keys; use another --home to make a new set",
                ));
            }
        }
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        let passphrase = self.passphrase("Passphrase for the new newsroom key: ", true)?;
        if passphrase.expose_secret().chars().count() < 12 {
            return Err(user_error(
                "the passphrase is too short",
                "use at least 12 characters; six or more random words are better",
            ));
        }
        let (recipient, identity_text) = new_identity(classical);
        let signing = SigningKey::generate(&mut rand::rng());
        let signing_text = signing.to_secret_text();

        let enc_identity =
            encrypt_with_passphrase(identity_text.as_bytes(), &passphrase, work_factor)?;
        let enc_signing =
            encrypt_with_passphrase(signing_text.as_bytes(), &passphrase, work_factor)?;
        write_new(&self.path("identity.age"), &enc_identity, 0o600)?;
        write_new(&self.path("signing-key.age"), &enc_signing, 0o600)?;
        write_new(
            &self.path("recipient.txt"),
            format!("{recipient}\n").as_bytes(),
            0o644,
        )?;
        let public = signing.verifying_key();
        write_new(
            &self.path("signing-key.pub"),
            format!("{public}\n").as_bytes(),
            0o644,
        )?;
        Ok((recipient, public))
    }

    /// Makes a new newsroom identity (hybrid unless `classical`) and keeps the current ones
    /// beside it: new items are sealed to the new recipient once the server's config names it,
    /// and items sealed to the old ones still open. The old recipient moves to
    /// `recipient.previous.txt` (replies to sources made before a classical-to-hybrid move are
    /// still sealed to it, so the newsroom keeps a copy it can read).
    pub fn rotate(&self, work_factor: Option<u8>, classical: bool) -> Result<String> {
        let path = self.path("identity.age");
        let sealed = read_bounded(&path, MAX_KEY_FILE).map_err(|_| {
            user_error(
                format!("cannot read the newsroom key {}", path.display()),
                "run `postern-review keygen` first (rotation keeps an existing key), or pass --home",
            )
        })?;
        let passphrase = self.passphrase("Passphrase for the newsroom key: ", false)?;
        let old_text = decrypt_with_passphrase(&sealed, &passphrase)?;
        let old_ids = parse_identities(&old_text)?;
        let old_recipient = read_bounded(&self.path("recipient.txt"), 64 * 1024)
            .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
            .unwrap_or_default();
        let (recipient, new_text) = new_identity(classical);
        let old_str = std::str::from_utf8(&old_text)
            .map_err(|_| anyhow::anyhow!("the decrypted newsroom key is not text"))?;
        let mut text = Zeroizing::new(String::with_capacity(new_text.len() + old_str.len() + 64));
        text.push_str(&new_text);
        text.push_str("# earlier identities, kept by postern-review keygen --rotate\n");
        text.push_str(old_str);
        if !text.ends_with('\n') {
            text.push('\n');
        }
        // The new file must hold every old identity and the new one.
        let check = parse_identities(text.as_bytes())?;
        if check.len() != old_ids.len() + 1 {
            anyhow::bail!("rotation would lose an identity: nothing was changed");
        }
        let enc = encrypt_with_passphrase(text.as_bytes(), &passphrase, work_factor)?;
        // New files first, then renames: an interruption leaves the old key set in place.
        let tmp_id = self.path("identity.age.tmp");
        let tmp_rcpt = self.path("recipient.txt.tmp");
        let tmp_prev = self.path("recipient.previous.txt.tmp");
        for t in [&tmp_id, &tmp_rcpt, &tmp_prev] {
            let _ = fs::remove_file(t);
        }
        let mut previous = read_bounded(&self.path("recipient.previous.txt"), 64 * 1024)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        for line in old_recipient
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            previous.push_str(line);
            previous.push('\n');
        }
        write_new(&tmp_id, &enc, 0o600)?;
        write_new(&tmp_rcpt, format!("{recipient}\n").as_bytes(), 0o644)?;
        write_new(&tmp_prev, previous.as_bytes(), 0o644)?;
        fs::rename(&tmp_prev, self.path("recipient.previous.txt"))?;
        fs::rename(&tmp_id, &path)?;
        fs::rename(&tmp_rcpt, self.path("recipient.txt"))?;
        Ok(recipient)
    }

    /// Decrypts the newsroom identities (asks for the passphrase): hybrid and classical ones,
    /// current and rotated, side by side.
    pub fn unlock(&self) -> Result<Vec<Box<dyn age::Identity + Send + Sync>>> {
        let path = self.path("identity.age");
        let sealed = read_bounded(&path, MAX_KEY_FILE).map_err(|_| {
            user_error(
                format!("cannot read the newsroom key {}", path.display()),
                "run `postern-review keygen` first, or pass --home",
            )
        })?;
        let passphrase = self.passphrase("Passphrase for the newsroom key: ", false)?;
        let text = decrypt_with_passphrase(&sealed, &passphrase)?;
        parse_identities(&text)
    }

    /// Decrypts the newsroom's reply-signing key (asks for the passphrase).
    pub fn unlock_signing(&self) -> Result<SigningKey> {
        let path = self.path("signing-key.age");
        let sealed = read_bounded(&path, MAX_KEY_FILE).map_err(|_| {
            user_error(
                format!("cannot read the reply-signing key {}", path.display()),
                "run `postern-review keygen` first, or pass --home",
            )
        })?;
        let passphrase = self.passphrase("Passphrase for the newsroom key: ", false)?;
        let text = decrypt_with_passphrase(&sealed, &passphrase)?;
        let text = std::str::from_utf8(&text)
            .ok()
            .and_then(SigningKey::from_secret_text);
        text.ok_or_else(|| anyhow::anyhow!("the decrypted reply-signing key is damaged"))
    }

    /// The public half of the reply-signing key, if `keygen` made one here.
    pub fn signing_public(&self) -> Option<VerifyingKey> {
        let text = read_bounded(&self.path("signing-key.pub"), 1024).ok()?;
        std::str::from_utf8(&text)
            .ok()
            .and_then(VerifyingKey::parse)
    }

    /// The newsroom's recipients retired by `keygen --rotate` (`recipient.previous.txt`), if
    /// any, as one set per kind (hybrid, classical); empty sets are left out.
    pub fn previous_recipients(&self) -> Vec<postern_spool::recipients::Recipients> {
        let Ok(text) = read_bounded(&self.path("recipient.previous.txt"), 64 * 1024) else {
            return Vec::new();
        };
        let text = String::from_utf8_lossy(&text);
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        [true, false]
            .into_iter()
            .filter_map(|hybrid| {
                let of_kind: Vec<&str> = lines
                    .iter()
                    .copied()
                    .filter(|l| l.starts_with("age1pq1") == hybrid)
                    .collect();
                postern_spool::recipients::Recipients::parse(of_kind).ok()
            })
            .collect()
    }

    /// The newsroom's public recipients (`recipient.txt`: one `age1pq1…` or `age1…` per line).
    pub fn newsroom_recipients(&self) -> Result<postern_spool::recipients::Recipients> {
        let text = read_bounded(&self.path("recipient.txt"), 64 * 1024).map_err(|_| {
            user_error(
                "no newsroom key here",
                "run `postern-review keygen`, or pass --home",
            )
        })?;
        let text = String::from_utf8_lossy(&text);
        postern_spool::recipients::Recipients::parse(
            text.lines().map(str::trim).filter(|l| !l.is_empty()),
        )
        .map_err(|e| {
            user_error(
                format!("recipient.txt is damaged: {e}"),
                "it must hold the age1pq1… (or age1…) recipients printed by keygen, one per line, all of one kind",
            )
        })
    }

    /// The folder of replies written but not yet exported.
    pub fn outbox(&self) -> PathBuf {
        self.path("outbox")
    }

    /// Pins the server's spool signing key.
    pub fn trust(&self, key: &str, replace: bool) -> Result<VerifyingKey> {
        let parsed = VerifyingKey::parse(key).ok_or_else(|| {
            user_error(
                "that is not a server key",
                "copy the line `ed25519:…` exactly as `postern init` printed it",
            )
        })?;
        let path = self.path("server.pub");
        if path.exists() && !replace {
            let current = self.pinned()?;
            if current == parsed {
                return Ok(parsed);
            }
            return Err(user_error(
                "a different server key is already pinned",
                "if the server's key really changed (check with the operator in person), run trust again with --replace",
            ));
        }
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)?;
        let tmp = self.path("server.pub.tmp");
        let _ = fs::remove_file(&tmp);
        write_new(&tmp, format!("{parsed}\n").as_bytes(), 0o644)?;
        fs::rename(&tmp, &path).context("pinning the server key")?;
        Ok(parsed)
    }

    /// The pinned server key.
    pub fn pinned(&self) -> Result<VerifyingKey> {
        let path = self.path("server.pub");
        let text = read_bounded(&path, 1024).map_err(|_| {
            user_error(
                "no server key is pinned",
                "run `postern-review trust ed25519:…` with the key that `postern init` printed",
            )
        })?;
        std::str::from_utf8(&text)
            .ok()
            .and_then(VerifyingKey::parse)
            .ok_or_else(|| {
                user_error(
                    "the pinned server key file is damaged",
                    "run `postern-review trust --replace ed25519:…`",
                )
            })
    }
}

/// A new identity file text and its recipient: hybrid unless `classical`.
fn new_identity(classical: bool) -> (String, Zeroizing<String>) {
    let (recipient, secret) = if classical {
        let id = age::x25519::Identity::generate();
        (id.to_public().to_string(), id.to_string())
    } else {
        let id = postern_spool::pq::HybridIdentity::generate(&mut rand::rng());
        (id.to_public().to_string(), id.to_secret_string())
    };
    let kind = if classical {
        "classical X25519"
    } else {
        "hybrid post-quantum ML-KEM-768 + X25519"
    };
    let text = Zeroizing::new(format!(
        "# Postern newsroom identity ({kind}), made by postern-review keygen\n# public key: {recipient}\n{}\n",
        secret.expose_secret()
    ));
    (recipient, text)
}

/// Parses a decrypted identity file: `#` comments, blank lines, and one identity per line,
/// hybrid (`AGE-SECRET-KEY-PQ-1…`) or classical (`AGE-SECRET-KEY-1…`). Any other line is an error
/// (its text is never shown: it may be a damaged secret).
fn parse_identities(text: &[u8]) -> Result<Vec<Box<dyn age::Identity + Send + Sync>>> {
    let text = std::str::from_utf8(text)
        .map_err(|_| anyhow::anyhow!("the decrypted newsroom key is not an age identity file"))?;
    let mut ids: Vec<Box<dyn age::Identity + Send + Sync>> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with("AGE-SECRET-KEY-PQ-1") {
            let id = line
                .parse::<postern_spool::pq::HybridIdentity>()
                .map_err(|e| anyhow::anyhow!("line {} of the newsroom key: {e}", n + 1))?;
            ids.push(Box::new(id));
        } else if line.starts_with("AGE-SECRET-KEY-1") {
            let id = line
                .parse::<age::x25519::Identity>()
                .map_err(|_| anyhow::anyhow!("line {} of the newsroom key is damaged", n + 1))?;
            ids.push(Box::new(id));
        } else {
            anyhow::bail!(
                "line {} of the newsroom key is not an age identity (AGE-SECRET-KEY-PQ-1… or AGE-SECRET-KEY-1…)",
                n + 1
            );
        }
    }
    if ids.is_empty() {
        anyhow::bail!("the newsroom key file holds no identity");
    }
    Ok(ids)
}

fn encrypt_with_passphrase(
    data: &[u8],
    passphrase: &SecretString,
    work_factor: Option<u8>,
) -> Result<Vec<u8>> {
    let mut r = age::scrypt::Recipient::new(passphrase.clone());
    if let Some(wf) = work_factor {
        r.set_work_factor(wf);
    }
    let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))?;
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out)?;
    w.write_all(data)?;
    w.finish()?;
    Ok(out)
}

fn decrypt_with_passphrase(sealed: &[u8], passphrase: &SecretString) -> Result<Zeroizing<Vec<u8>>> {
    let dec = age::Decryptor::new_buffered(sealed).context("the newsroom key file is damaged")?;
    if !dec.is_scrypt() {
        anyhow::bail!("the newsroom key file is not passphrase-encrypted");
    }
    let mut id = age::scrypt::Identity::new(passphrase.clone());
    id.set_max_work_factor(30);
    let mut reader = dec
        .decrypt(std::iter::once(&id as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::DecryptionFailed
            | age::DecryptError::KeyDecryptionFailed
            | age::DecryptError::NoMatchingKeys => user_error(
                "wrong passphrase for the newsroom key",
                "try again; check the keyboard layout and Caps Lock",
            ),
            other => anyhow::Error::new(other).context("cannot decrypt the newsroom key"),
        })?;
    let mut out = Zeroizing::new(Vec::new());
    reader
        .by_ref()
        .take(MAX_KEY_FILE)
        .read_to_end(&mut out)
        .context("the newsroom key file is damaged")?;
    Ok(out)
}

/// Reads at most `max` bytes of a file; larger files are an error.
pub fn read_bounded(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let f = File::open(path)?;
    let mut out = Vec::new();
    f.take(max + 1).read_to_end(&mut out)?;
    if out.len() as u64 > max {
        return Err(std::io::Error::other("file too large"));
    }
    Ok(out)
}

/// Writes a new file (never replacing one), durably.
pub fn write_new(path: &Path, data: &[u8], mode: u32) -> Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(data)?;
    f.sync_all()?;
    Ok(())
}
