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
    /// The passphrase `keygen` checked against an existing identity.
    last_passphrase: std::sync::Mutex<Option<SecretString>>,
    /// The home's lock, held until the process ends.
    lock_file: std::sync::Mutex<Option<File>>,
}

/// What `keygen` made.
pub struct Keygen {
    /// The newsroom recipients (`age1…`).
    pub recipients: Vec<String>,
    /// The new reply-signing key.
    pub signing: VerifyingKey,
    /// Whether the identity was made (or imported) now, rather than found.
    pub made_identity: bool,
}

/// An identity file to bring into a home: made by `age-keygen`, plain, or protected with `age -p`
/// (binary or armored, `age -p -a`).
pub struct ImportKey {
    pub file: PathBuf,
    /// Where the passphrase of a protected file comes from (else the terminal).
    pub passphrase_file: Option<PathBuf>,
}

impl ImportKey {
    /// Reads, decrypts if needed, and checks the identity file. Returns the identity text to
    /// protect and its recipients.
    fn open(&self, home: &Home) -> Result<(Zeroizing<Vec<u8>>, Vec<String>)> {
        let shown = self.file.display();
        let bytes = Zeroizing::new(
            read_bounded(&self.file, MAX_KEY_FILE)
                .with_context(|| format!("cannot read the key file {shown}"))?,
        );
        let hint = "give a file written by `age-keygen` (AGE-SECRET-KEY-1…), as it is or protected with `age -p` (with or without -a)";
        let text = match age::Decryptor::new_buffered(age::armor::ArmoredReader::new(&bytes[..])) {
            Ok(dec) => {
                if !dec.is_scrypt() {
                    return Err(user_error(
                        format!("{shown} is encrypted to a recipient, not with a passphrase"),
                        "decrypt it with its key first (age -d), or protect it with `age -p`",
                    ));
                }
                let passphrase = match &self.passphrase_file {
                    Some(p) => {
                        Home::new(home.dir.clone(), Some(p.clone())).passphrase("", false)?
                    }
                    None => home.prompt(&format!("Passphrase of the key file {shown}: "))?,
                };
                decrypt_with_passphrase(&bytes, &passphrase).map_err(|e| {
                    if e.downcast_ref::<crate::ui::UserError>().is_some() {
                        user_error(
                            format!("wrong passphrase for {shown}"),
                            "give the passphrase the file was protected with (age -p)",
                        )
                    } else {
                        e
                    }
                })?
            }
            Err(_) => bytes.clone(),
        };
        let (_, recipients) = identities_in(&text).map_err(|why| {
            user_error(format!("{shown} is not an age identity file: {why}"), hint)
        })?;
        Ok((text, recipients))
    }
}

/// The identities of an identity file's text (X25519, `AGE-SECRET-KEY-1…`, one per line; `#`
/// comments and blank lines allowed) and their recipients. Nothing else is accepted.
fn identities_in(text: &[u8]) -> Result<(usize, Vec<String>), &'static str> {
    use std::str::FromStr;
    let text = std::str::from_utf8(text).map_err(|_| "not UTF-8 text")?;
    let mut recipients = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !line.starts_with("AGE-SECRET-KEY-1") {
            return Err("a line is neither a comment nor an age X25519 identity");
        }
        let id = age::x25519::Identity::from_str(line).map_err(|_| "a damaged identity line")?;
        recipients.push(id.to_public().to_string());
    }
    if recipients.is_empty() {
        return Err("no identity in it");
    }
    Ok((recipients.len(), recipients))
}

impl Home {
    pub fn new(dir: PathBuf, passphrase_file: Option<PathBuf>) -> Home {
        Home {
            dir,
            passphrase_file,
            last_passphrase: std::sync::Mutex::new(None),
            lock_file: std::sync::Mutex::new(None),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Opens the store for a command that writes to it (`import`, `reply`, `export-replies`):
    /// takes the home's lock exclusively, then sweeps what an interrupted command left staged.
    pub fn store(&self) -> Result<Spool> {
        self.open_store(true)
    }

    /// Opens the store for a command that only reads it (`list`, `read`, `extract`): several may
    /// run at once, but not beside a writer. The sweep runs when no other command is running.
    pub fn store_shared(&self) -> Result<Spool> {
        self.open_store(false)
    }

    fn open_store(&self, exclusive: bool) -> Result<Spool> {
        if !self.path("identity.age").exists() {
            return Err(user_error(
                format!("no newsroom key in {}", self.dir.display()),
                "run `postern-review keygen` first (or pass --home to point at an existing reviewer folder)",
            ));
        }
        let alone = self.lock(exclusive)?;
        let store =
            Spool::create(&self.path("store"), &mut rand::rng()).context("opening the store")?;
        if alone {
            // What an interrupted command staged (an import killed by SIGKILL, a power cut) goes
            // before anything else runs. The lock makes sure it is not another command's.
            store
                .sweep()
                .context("cleaning the store's staging folder")?;
        }
        if !exclusive && alone {
            // Swept: now let readers in beside this one.
            self.downgrade()?;
        }
        Ok(store)
    }

    /// Takes the home's lock (`<home>/lock`, flock) for the rest of the process. Returns whether
    /// it is held exclusively (no other command is running). A writer needs it exclusively; a
    /// reader takes it exclusively if it can (to sweep), else shared beside other readers.
    fn lock(&self, exclusive: bool) -> Result<bool> {
        use rustix::fs::FlockOperation as Op;
        let busy = || {
            user_error(
                "another postern-review command is working on this home",
                "wait for it to finish, then run this one again",
            )
        };
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(self.path("lock"))
            .with_context(|| format!("cannot open the lock of {}", self.dir.display()))?;
        let alone = match rustix::fs::flock(&f, Op::NonBlockingLockExclusive) {
            Ok(()) => true,
            Err(rustix::io::Errno::WOULDBLOCK) if !exclusive => {
                match rustix::fs::flock(&f, Op::NonBlockingLockShared) {
                    Ok(()) => false,
                    Err(rustix::io::Errno::WOULDBLOCK) => return Err(busy()),
                    Err(e) => return Err(std::io::Error::from(e)).context("cannot lock the home"),
                }
            }
            Err(rustix::io::Errno::WOULDBLOCK) => return Err(busy()),
            Err(e) => return Err(std::io::Error::from(e)).context("cannot lock the home"),
        };
        if let Ok(mut held) = self.lock_file.lock() {
            *held = Some(f);
        }
        Ok(alone)
    }

    fn downgrade(&self) -> Result<()> {
        if let Ok(held) = self.lock_file.lock()
            && let Some(f) = held.as_ref()
        {
            rustix::fs::flock(f, rustix::fs::FlockOperation::LockShared)
                .map_err(std::io::Error::from)
                .context("cannot share the home's lock")?;
        }
        Ok(())
    }

    /// Asks for a passphrase on the terminal.
    fn prompt(&self, prompt: &str) -> Result<SecretString> {
        let p = Zeroizing::new(rpassword::prompt_password(prompt).map_err(|e| {
            user_error(
                format!("cannot read a passphrase from the terminal: {e}"),
                "run this in a terminal, or pass --import-passphrase-file FILE",
            )
        })?);
        Ok(SecretString::from(p.to_string()))
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

    /// Creates what the home lacks, never overwriting anything:
    ///
    /// - an empty home gets a new newsroom identity, hybrid post-quantum unless `classical` (or, with `import`, the identity in that file,
    ///   re-protected under the home's passphrase) and a reply-signing key;
    /// - a home that holds an identity but no reply-signing key (one copied in by hand) gets a
    ///   signing key under the passphrase of that identity, which must open it.
    pub fn keygen(
        &self,
        work_factor: Option<u8>,
        import: Option<&ImportKey>,
        classical: bool,
    ) -> Result<Keygen> {
        let has_identity = self.path("identity.age").exists();
        let has_signing = self.path("signing-key.age").exists();
        if has_identity && (has_signing || import.is_some()) {
            return Err(user_error(
                format!(
                    "{} already exists",
                    self.path(if import.is_some() || !has_signing {
                        "identity.age"
                    } else {
                        "signing-key.age"
                    })
                    .display()
                ),
                "keygen never overwrites keys; use another --home to make a new set",
            ));
        }
        if has_signing && !has_identity {
            return Err(user_error(
                "this home has a reply-signing key but no newsroom identity",
                "copy the newsroom identity (identity.age) back, or use another --home",
            ));
        }
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        if has_identity {
            // Only the signing key is missing: the identity's passphrase protects it too.
            let (_, recipients) = self.unlock_with_recipients()?;
            let passphrase = self.last_passphrase.lock().ok().and_then(|mut p| p.take());
            let Some(passphrase) = passphrase else {
                anyhow::bail!("the passphrase was not kept");
            };
            if !self.path("recipient.txt").exists() && !recipients.is_empty() {
                write_new(
                    &self.path("recipient.txt"),
                    format!("{}\n", recipients.join("\n")).as_bytes(),
                    0o644,
                )?;
            }
            let public = self.new_signing_key(&passphrase, work_factor)?;
            return Ok(Keygen {
                recipients,
                signing: public,
                made_identity: false,
            });
        }
        // The identity first (an imported one is checked before a passphrase is asked).
        let (identity_text, recipients) = match import {
            Some(key) => key.open(self)?,
            None => {
                let (recipient, text) = new_identity(classical);
                (Zeroizing::new(text.as_bytes().to_vec()), vec![recipient])
            }
        };
        let passphrase = self.passphrase("Passphrase for the new newsroom key: ", true)?;
        if passphrase.expose_secret().chars().count() < 12 {
            return Err(user_error(
                "the passphrase is too short",
                "use at least 12 characters; six or more random words are better",
            ));
        }
        let enc_identity = encrypt_with_passphrase(&identity_text, &passphrase, work_factor)?;
        write_new(&self.path("identity.age"), &enc_identity, 0o600)?;
        write_new(
            &self.path("recipient.txt"),
            format!("{}\n", recipients.join("\n")).as_bytes(),
            0o644,
        )?;
        let public = self.new_signing_key(&passphrase, work_factor)?;
        Ok(Keygen {
            recipients,
            signing: public,
            made_identity: true,
        })
    }

    fn new_signing_key(
        &self,
        passphrase: &SecretString,
        work_factor: Option<u8>,
    ) -> Result<VerifyingKey> {
        let signing = SigningKey::generate(&mut rand::rng());
        let signing_text = signing.to_secret_text();
        let enc_signing =
            encrypt_with_passphrase(signing_text.as_bytes(), passphrase, work_factor)?;
        write_new(&self.path("signing-key.age"), &enc_signing, 0o600)?;
        let public = signing.verifying_key();
        write_new(
            &self.path("signing-key.pub"),
            format!("{public}\n").as_bytes(),
            0o644,
        )?;
        Ok(public)
    }

    /// Unlocks the identity file, returning its text's recipients too (X25519 ones), and keeps
    /// the passphrase for [`Home::keygen`].
    fn unlock_with_recipients(&self) -> Result<(Zeroizing<Vec<u8>>, Vec<String>)> {
        let path = self.path("identity.age");
        let sealed = read_bounded(&path, MAX_KEY_FILE)
            .with_context(|| format!("cannot read the newsroom key {}", path.display()))?;
        let passphrase = self.passphrase("Passphrase for the newsroom key: ", false)?;
        let text = decrypt_with_passphrase(&sealed, &passphrase)?;
        let (_, recipients) = identities_in(&text).map_err(|why| {
            user_error(
                format!("the decrypted newsroom key is not usable: {why}"),
                "identity.age must be an age identity file protected with a passphrase (age -p)",
            )
        })?;
        if let Ok(mut p) = self.last_passphrase.lock() {
            *p = Some(passphrase);
        }
        Ok((text, recipients))
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
    // Binary or armored (`age -p -a`): the armor reader passes binary input through.
    let dec = age::Decryptor::new_buffered(age::armor::ArmoredReader::new(sealed))
        .context("the newsroom key file is damaged")?;
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
