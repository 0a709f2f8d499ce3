//! The destination folder of `extract`, held open.
//!
//! The folder is opened once; every later step (temporaries, final names, the sweep, fsync) works
//! relative to that descriptor with the `*at` calls, so renaming the folder or swapping its path
//! for a symbolic link during the run cannot redirect a write. File names are always a single
//! sanitized component, created with `O_NOFOLLOW`/`linkat` semantics that never replace an
//! existing entry.
//!
//! A decrypted file is written to an unnamed temporary (`O_TMPFILE`): it has no name until it was
//! verified to its end, and the kernel frees it if the process dies, however. Only then is it
//! linked in under its final name. On a file system without `O_TMPFILE`, a named temporary
//! `.postern-<random>.part` is used instead; it is removed on failure (a failed removal is an
//! error, never ignored), on SIGINT/SIGTERM (`cleanup`), and by the next `extract` into the folder.

use std::fs::{self, File};
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;

use crate::cleanup;

/// Prefix of named fallback temporaries.
const PART_PREFIX: &str = ".postern-";
const PART_SUFFIX: &str = ".part";

/// An opened destination folder.
pub struct Dest {
    dir: OwnedFd,
    /// The path the user gave, for messages only; never used to reach a file.
    shown: PathBuf,
}

/// A temporary in the destination: unnamed, or named (fallback). Dropping a named one removes
/// it (best effort; [`Dest::discard`] reports a failure).
pub struct Temp {
    pub file: File,
    named: Option<Named>,
}

struct Named {
    /// The destination folder (a duplicate of its descriptor).
    dir: OwnedFd,
    name: String,
    /// Its path, for the signal cleanup and messages.
    path: PathBuf,
}

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(n) = self.named.take() {
            let _ = rustix::fs::unlinkat(&n.dir, n.name.as_str(), AtFlags::empty());
            cleanup::forget(&n.path);
        }
    }
}

impl Dest {
    /// Creates the folder (mode 0700) if needed, opens it, and removes what an interrupted
    /// extract left in it.
    pub fn open(path: &Path) -> Result<Dest> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let dir = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(io::Error::from)
        .with_context(|| format!("cannot open the folder {}", path.display()))?;
        let d = Dest {
            dir,
            shown: path.to_path_buf(),
        };
        d.sweep()?;
        Ok(d)
    }

    /// Where a name in this folder is, for messages.
    pub fn shown(&self, name: &str) -> PathBuf {
        self.shown.join(name)
    }

    /// Removes named temporaries left by an extract that was killed.
    fn sweep(&self) -> Result<()> {
        let dup = rustix::io::fcntl_dupfd_cloexec(&self.dir, 0).map_err(io::Error::from)?;
        let mut list = rustix::fs::Dir::read_from(&dup).map_err(io::Error::from)?;
        let mut stale = Vec::new();
        for entry in list.by_ref() {
            let entry = entry.map_err(io::Error::from)?;
            let name = entry.file_name().to_bytes();
            if name.starts_with(PART_PREFIX.as_bytes()) && name.ends_with(PART_SUFFIX.as_bytes()) {
                stale.push(entry.file_name().to_owned());
            }
        }
        for name in stale {
            let st = rustix::fs::statat(&self.dir, name.as_c_str(), AtFlags::SYMLINK_NOFOLLOW)
                .map_err(io::Error::from)?;
            if rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::RegularFile
            {
                rustix::fs::unlinkat(&self.dir, name.as_c_str(), AtFlags::empty())
                    .map_err(io::Error::from)
                    .context("cannot remove a temporary that an interrupted extract left")?;
            }
        }
        Ok(())
    }

    /// A new temporary (mode 0600) in this folder.
    pub fn temp(&self) -> Result<Temp> {
        match rustix::fs::openat(
            &self.dir,
            ".",
            OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        ) {
            Ok(fd) => {
                return Ok(Temp {
                    file: File::from(fd),
                    named: None,
                });
            }
            // No O_TMPFILE on this file system (or kernel): a named temporary.
            Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL | Errno::NOENT) => {}
            Err(e) => {
                return Err(anyhow::Error::new(io::Error::from(e)).context(format!(
                    "cannot create a temporary file in {}",
                    self.shown.display()
                )));
            }
        }
        let name = format!(
            "{PART_PREFIX}{}{PART_SUFFIX}",
            postern_spool::ids::ItemId::random(&mut rand::rng())
        );
        let path = self.shown.join(&name);
        cleanup::remove_on_signal(&path);
        let fd = rustix::fs::openat(
            &self.dir,
            name.as_str(),
            OFlags::CREATE | OFlags::EXCL | OFlags::RDWR | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .map_err(io::Error::from)
        .with_context(|| format!("cannot create a temporary file in {}", self.shown.display()))?;
        let dir = rustix::io::fcntl_dupfd_cloexec(&self.dir, 0).map_err(io::Error::from)?;
        Ok(Temp {
            file: File::from(fd),
            named: Some(Named { dir, name, path }),
        })
    }

    /// Gives a finished temporary the name `wanted`, or `stem (2).ext`, `stem (3).ext`…, never
    /// replacing an entry, and makes it durable. Returns the name given.
    pub fn finish(&self, temp: Temp, wanted: &str) -> Result<String> {
        temp.file
            .sync_all()
            .context("writing the file failed (disk full?)")?;
        let (stem, ext) = match wanted.rfind('.') {
            Some(i) if i > 0 => wanted.split_at(i),
            _ => (wanted, ""),
        };
        let mut given = None;
        for n in 1..10_000u32 {
            let name = if n == 1 {
                wanted.to_owned()
            } else {
                format!("{stem} ({n}){ext}")
            };
            // `name` is one component (see sanitize::file_name); check anyway.
            if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
                anyhow::bail!("refusing a file name that leaves the destination folder");
            }
            match self.link(&temp, &name) {
                Ok(()) => {
                    given = Some(name);
                    break;
                }
                Err(Errno::EXIST) => continue,
                Err(e) => {
                    return Err(anyhow::Error::new(io::Error::from(e))
                        .context("cannot create the extracted file"));
                }
            }
        }
        let Some(name) = given else {
            anyhow::bail!("too many files with the same name in the destination folder");
        };
        self.discard(temp)?;
        rustix::fs::fsync(&self.dir)
            .map_err(io::Error::from)
            .context("cannot make the extracted file durable")?;
        Ok(name)
    }

    /// Gives a finished temporary exactly the name `name` (one component), or fails with
    /// `AlreadyExists` without touching the existing entry. Durable on success.
    pub fn finish_exact(&self, temp: Temp, name: &str) -> Result<(), io::Error> {
        temp.file.sync_all()?;
        if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a file name",
            ));
        }
        self.link(&temp, name).map_err(io::Error::from)?;
        self.discard(temp).map_err(io::Error::other)?;
        rustix::fs::fsync(&self.dir).map_err(io::Error::from)
    }

    fn link(&self, temp: &Temp, name: &str) -> Result<(), Errno> {
        match &temp.named {
            Some(n) => rustix::fs::linkat(
                &self.dir,
                n.name.as_str(),
                &self.dir,
                name,
                AtFlags::empty(),
            ),
            None => {
                // An unnamed file is linked through its /proc entry (any user may), or with
                // AT_EMPTY_PATH (needs CAP_DAC_READ_SEARCH) where /proc is missing.
                let proc = format!("/proc/self/fd/{}", temp.file.as_fd().as_raw_fd());
                match rustix::fs::linkat(
                    rustix::fs::CWD,
                    proc.as_str(),
                    &self.dir,
                    name,
                    AtFlags::SYMLINK_FOLLOW,
                ) {
                    Err(Errno::NOENT) => {
                        rustix::fs::linkat(&temp.file, "", &self.dir, name, AtFlags::EMPTY_PATH)
                    }
                    other => other,
                }
            }
        }
    }

    /// Drops a temporary: an unnamed one vanishes with its descriptor; a named one is removed,
    /// and a failure to remove it is an error that says where it is.
    pub fn discard(&self, mut temp: Temp) -> Result<()> {
        if let Some(n) = temp.named.take() {
            match rustix::fs::unlinkat(&self.dir, n.name.as_str(), AtFlags::empty()) {
                Ok(()) | Err(Errno::NOENT) => cleanup::forget(&n.path),
                Err(e) => {
                    return Err(anyhow::Error::new(io::Error::from(e)).context(format!(
                        "cannot remove the temporary {}: remove it by hand",
                        n.path.display()
                    )));
                }
            }
        }
        Ok(())
    }
}
