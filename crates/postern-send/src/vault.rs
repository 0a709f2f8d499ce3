//! The resume state, sealed with a key only the codename gives.
//!
//! A seized laptop must not confirm which newsroom a source wrote to, which file went, or the
//! codename. So every state file is random-looking bytes of one fixed size under a random-looking
//! name: from the codename (normalised as the server does), one Argon2id run (64 MiB, 3 passes,
//! with a fixed domain salt: the codename's 90 bits are what resists guessing, and no salt file
//! is left behind), then HKDF-SHA256 expands two independent keys. The **name key** turns the
//! server address and the file's canonical path into the file name (HKDF-Expand, 128 bits, hex),
//! so nobody without the codename can compute which name a given newsroom and file would have.
//! The **seal key** encrypts the state with XChaCha20-Poly1305 (a random 192-bit nonce per write,
//! the file name as associated data), padded to [`PLAIN_LEN`] so that the size says nothing
//! either. Whoever has the codename can already log in as the source; without it, the folder
//! holds only noise of one size.
//!
//! A state is the upload's address, the server address, the file's size and modification time
//! (to notice a changed file), the padded length, the last offset the server confirmed, and
//! whether the newsroom confirmed it has all of it (then only a marker is kept: a rerun says so
//! and sends nothing, unless `--again`).

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

/// Every state's plaintext is padded to this many bytes.
pub(crate) const PLAIN_LEN: usize = 512;
/// Nonce, padded plaintext, tag.
pub(crate) const FILE_LEN: usize = 24 + PLAIN_LEN + 16;

const SALT: &[u8] = b"postern-send/v1/state-salt";

/// The keys of one codename's state.
pub(crate) struct Vault {
    dir: PathBuf,
    seal: Zeroizing<[u8; 32]>,
    name: Zeroizing<[u8; 32]>,
}

/// What a codename gives: the seal key, the name key and the default folder's name.
struct Keys {
    seal: Zeroizing<[u8; 32]>,
    name: Zeroizing<[u8; 32]>,
    folder: String,
}

impl Keys {
    fn derive(codename: &str) -> Result<Keys> {
        let normal = postern_spool::codename::Codename::parse(codename)
            .map(|c| Zeroizing::new(c.expose().to_owned()))
            .unwrap_or_else(|_| Zeroizing::new(codename.trim().to_owned()));
        let params = argon2::Params::new(64 * 1024, 3, 1, Some(32))
            .map_err(|_| anyhow!("bad key derivation parameters"))?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut master = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(normal.as_bytes(), SALT, master.as_mut())
            .map_err(|_| anyhow!("cannot derive the state key"))?;
        let hk = Hkdf::<Sha256>::new(Some(b"postern-send/v1"), master.as_ref());
        let mut seal = Zeroizing::new([0u8; 32]);
        let mut name = Zeroizing::new([0u8; 32]);
        let mut folder = [0u8; 16];
        hk.expand(b"postern-send/v1/seal", seal.as_mut())
            .map_err(|_| anyhow!("cannot derive the state key"))?;
        hk.expand(b"postern-send/v1/name", name.as_mut())
            .map_err(|_| anyhow!("cannot derive the state key"))?;
        hk.expand(b"postern-send/v1/folder", &mut folder)
            .map_err(|_| anyhow!("cannot derive the state key"))?;
        Ok(Keys {
            seal,
            name,
            folder: hex::encode(folder),
        })
    }
}

/// The resume state of one file.
#[derive(Debug, PartialEq, Eq, Clone)]
pub(crate) struct State {
    /// The server address it was sent to.
    pub(crate) to: String,
    /// The upload's path on the server (empty once delivered).
    pub(crate) upload: String,
    pub(crate) size: u64,
    pub(crate) mtime: i64,
    pub(crate) length: u64,
    pub(crate) offset: u64,
    /// The server confirmed it has every byte.
    pub(crate) delivered: bool,
}

impl State {
    fn encode(&self) -> String {
        format!(
            "postern-send 2\nto {}\nupload {}\nsize {}\nmtime {}\nlength {}\noffset {}\ndelivered {}\n",
            self.to,
            self.upload,
            self.size,
            self.mtime,
            self.length,
            self.offset,
            u8::from(self.delivered)
        )
    }

    pub(crate) fn parse(text: &str) -> Option<State> {
        let mut l = text.lines();
        let mut f = |k: &str| {
            l.next()?
                .strip_prefix(k)?
                .strip_prefix(' ')
                .map(str::to_owned)
        };
        if f("postern-send")? != "2" {
            return None;
        }
        let to = f("to")?;
        let upload = f("upload")?;
        if !(upload.is_empty() || upload.starts_with("/api/v1/uploads/")) || upload.len() > 100 {
            return None;
        }
        let st = State {
            to,
            upload,
            size: f("size")?.parse().ok()?,
            mtime: f("mtime")?.parse().ok()?,
            length: f("length")?.parse().ok()?,
            offset: f("offset")?.parse().ok()?,
            delivered: match f("delivered")?.as_str() {
                "0" => false,
                "1" => true,
                _ => return None,
            },
        };
        (st.offset <= st.length).then_some(st)
    }
}

impl Vault {
    /// Derives the keys from `codename` (about a second, once per run) for states in `dir`.
    pub(crate) fn open(dir: &Path, codename: &str) -> Result<Vault> {
        let keys = Keys::derive(codename)?;
        Vault::in_dir(dir, keys)
    }

    /// As [`Vault::open`], in the default place: a folder under `base` (the user's state
    /// folder) whose name, too, only this codename computes, so that even the folder does not
    /// say that postern-send ran. States that an older postern-send kept in `base/postern-send`
    /// and that this codename opens move into it (so that a send in progress still resumes);
    /// that folder is removed once empty.
    pub(crate) fn open_default(base: &Path, codename: &str) -> Result<Vault> {
        let keys = Keys::derive(codename)?;
        let dir = base.join(&keys.folder);
        let vault = Vault::in_dir(&dir, keys)?;
        let old = base.join("postern-send");
        if let Ok(list) = fs::read_dir(&old) {
            for e in list.flatten() {
                let name = e.file_name();
                let is_state = name
                    .to_str()
                    .is_some_and(|n| n.len() == 32 && n.bytes().all(|b| b.is_ascii_hexdigit()));
                if is_state && vault.load(&e.path()).is_some() {
                    let _ = fs::rename(e.path(), dir.join(&name));
                } else if name.to_str().is_some_and(|n| n.ends_with(".state")) {
                    // The plain-text state of a much older postern-send: evidence, remove it.
                    let _ = fs::remove_file(e.path());
                }
            }
            // Only if empty: other codenames' states stay where their owners will look.
            let _ = fs::remove_dir(&old);
            if let Ok(d) = fs::File::open(&dir) {
                let _ = d.sync_all();
            }
        }
        Ok(vault)
    }

    fn in_dir(dir: &Path, keys: Keys) -> Result<Vault> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        // An older postern-send kept plain-text state (`<hash>.state`): it is evidence, remove it.
        if let Ok(list) = fs::read_dir(dir) {
            for e in list.flatten() {
                if e.file_name()
                    .to_str()
                    .is_some_and(|n| n.ends_with(".state"))
                {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
        Ok(Vault {
            dir: dir.to_owned(),
            seal: keys.seal,
            name: keys.name,
        })
    }

    /// The state file of `file` sent to `to`: a name only this codename computes.
    pub(crate) fn path(&self, to: &str, file: &Path) -> Result<PathBuf> {
        let canon = fs::canonicalize(file).context("cannot read the file")?;
        let hk = Hkdf::<Sha256>::from_prk(self.name.as_ref())
            .map_err(|_| anyhow!("cannot derive the state name"))?;
        let mut info = Vec::new();
        info.extend_from_slice(to.as_bytes());
        info.push(0);
        info.extend_from_slice(canon.as_os_str().as_encoded_bytes());
        let mut out = [0u8; 16];
        hk.expand(&info, &mut out)
            .map_err(|_| anyhow!("cannot derive the state name"))?;
        Ok(self.dir.join(hex::encode(out)))
    }

    fn aad(path: &Path) -> Vec<u8> {
        path.file_name()
            .map(|n| n.as_encoded_bytes().to_vec())
            .unwrap_or_default()
    }

    /// The state at `path`, if there is one that this codename opens.
    pub(crate) fn load(&self, path: &Path) -> Option<State> {
        let mut buf = Vec::with_capacity(FILE_LEN);
        fs::File::open(path)
            .ok()?
            .take(FILE_LEN as u64 + 1)
            .read_to_end(&mut buf)
            .ok()?;
        if buf.len() != FILE_LEN {
            return None;
        }
        let (nonce, ct) = buf.split_at(24);
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(self.seal.as_ref()));
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    XNonce::from_slice(nonce),
                    Payload {
                        msg: ct,
                        aad: &Self::aad(path),
                    },
                )
                .ok()?,
        );
        let end = plain.iter().position(|&b| b == 0).unwrap_or(plain.len());
        State::parse(std::str::from_utf8(plain.get(..end)?).ok()?)
    }

    /// Seals `state` into `path` (temporary, fsync, rename, fsync of the folder).
    pub(crate) fn save(&self, path: &Path, state: &State) -> Result<()> {
        let text = Zeroizing::new(state.encode());
        if text.len() >= PLAIN_LEN {
            return Err(anyhow!("the server address is too long to keep"));
        }
        let mut plain = Zeroizing::new(vec![0u8; PLAIN_LEN]);
        plain
            .get_mut(..text.len())
            .ok_or_else(|| anyhow!("state too long"))?
            .copy_from_slice(text.as_bytes());
        let mut nonce = [0u8; 24];
        rand::Rng::fill_bytes(&mut rand::rng(), &mut nonce);
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(self.seal.as_ref()));
        let ct = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &plain,
                    aad: &Self::aad(path),
                },
            )
            .map_err(|_| anyhow!("cannot seal the state"))?;
        let mut tmp_name = [0u8; 16];
        rand::Rng::fill_bytes(&mut rand::rng(), &mut tmp_name);
        let tmp = self.dir.join(format!("{}.tmp", hex::encode(tmp_name)));
        let written = (|| -> std::io::Result<()> {
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(&nonce)?;
            f.write_all(&ct)?;
            f.sync_all()?;
            fs::rename(&tmp, path)?;
            fs::File::open(&self.dir)?.sync_all()
        })();
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written.context("cannot save the resume state")
    }

    /// Removes a state.
    pub(crate) fn remove(&self, path: &Path) {
        let _ = fs::remove_file(path);
        if let Ok(d) = fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sealed_state_round_trips_only_with_its_codename_and_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("leak.tar");
        fs::write(&file, b"x").unwrap();
        let a = Vault::open(&dir.path().join("s"), "one two three four five six seven").unwrap();
        let st = State {
            to: "http://example.onion".into(),
            upload: "/api/v1/uploads/00112233445566778899aabbccddeeff".into(),
            size: 10,
            mtime: -5,
            length: 12,
            offset: 4,
            delivered: false,
        };
        let p = a.path(&st.to, &file).unwrap();
        a.save(&p, &st).unwrap();
        assert_eq!(fs::metadata(&p).unwrap().len(), FILE_LEN as u64);
        assert_eq!(a.load(&p), Some(st.clone()));
        let raw = fs::read(&p).unwrap();
        assert!(!raw.windows(7).any(|w| w == b"example"));
        // Another codename: another name, and the file does not open.
        let b = Vault::open(&dir.path().join("s"), "seven six five four three two one").unwrap();
        assert_ne!(b.path(&st.to, &file).unwrap(), p);
        assert_eq!(b.load(&p), None);
        // Moved to another name, it does not open either.
        let q = dir
            .path()
            .join("s")
            .join("00000000000000000000000000000000");
        fs::copy(&p, &q).unwrap();
        assert_eq!(a.load(&q), None);
        assert_eq!(State::parse(&st.encode()), Some(st));
    }
}
