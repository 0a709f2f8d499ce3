//! The one check that matters most for the journalist interface: tor enables client
//! authorization for an onion service only if it loads at least one `*.auth` file, and ignores
//! malformed ones silently. A journalist service whose every auth file is malformed is therefore
//! public. [`check_client_auth`] refuses an empty folder *and* any malformed file; `postern serve`
//! calls it before it starts, and the tor unit runs `postern check --journalist-auth-only` before
//! tor starts.

use std::fs;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// Largest auth file we read (a good one is 71 bytes).
const MAX_AUTH_FILE: u64 = 1024;
/// Most auth files in the folder (one per journalist).
const MAX_AUTH_FILES: usize = 10_000;

/// Tor's service-side client authorization line: `descriptor:x25519:` and the client's public
/// key, 32 bytes in base32 without padding (52 characters).
pub fn is_valid_auth_line(text: &str) -> bool {
    let Some(key) = text.trim().strip_prefix("descriptor:x25519:") else {
        return false;
    };
    if key.len() != 52 {
        return false;
    }
    // tor decodes base32 case-insensitively; one case throughout, as every encoder writes it.
    let upper = key
        .bytes()
        .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b));
    let lower = key
        .bytes()
        .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b));
    // 52 characters carry 260 bits for a 256-bit key: the last one's low 4 bits are zero.
    let canonical_end = key
        .bytes()
        .last()
        .is_some_and(|b| matches!(b.to_ascii_uppercase(), b'A' | b'Q'));
    (upper || lower) && canonical_end
}

/// Client authorization is in effect for the journalist onion service: `dir` holds at least one
/// well-formed `*.auth` file and no malformed one. Returns how many journalists are authorized.
pub fn check_client_auth(dir: &Path) -> Result<usize> {
    let meta = fs::symlink_metadata(dir).with_context(|| {
        format!(
            "cannot read the journalist client-authorization folder {}",
            dir.display()
        )
    })?;
    if !meta.is_dir() {
        bail!("{} is not a folder", dir.display());
    }
    if meta.mode() & 0o022 != 0 {
        bail!(
            "{} can be written by other users ({:03o}): anyone who can add a file there can reach the journalist interface (chmod 755 {})",
            dir.display(),
            meta.mode() & 0o777,
            dir.display()
        );
    }
    let mut good = 0usize;
    let mut seen = 0usize;
    for entry in fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // tor reads only files ending in `.auth`.
        if !name.ends_with(".auth") {
            continue;
        }
        seen += 1;
        if seen > MAX_AUTH_FILES {
            bail!("more than {MAX_AUTH_FILES} auth files in {}", dir.display());
        }
        let path = entry.path();
        let meta = fs::symlink_metadata(&path)
            .with_context(|| format!("cannot read the auth file {name}"))?;
        if !meta.is_file() {
            bail!("the auth file {name} is not a regular file (tor would ignore it)");
        }
        if meta.len() > MAX_AUTH_FILE {
            bail!("the auth file {name} is too large to be one (tor would ignore it)");
        }
        let mut text = String::new();
        fs::File::open(&path)
            .and_then(|f| f.take(MAX_AUTH_FILE).read_to_string(&mut text))
            .with_context(|| format!("cannot read the auth file {name}"))?;
        if !is_valid_auth_line(&text) {
            bail!(
                "the auth file {name} is malformed: tor ignores it, and if every file is malformed the journalist service is PUBLIC. It must hold one line `descriptor:x25519:<52 base32 characters>` (remove it, or write it again with `postern journalist add`)"
            );
        }
        good += 1;
    }
    if good == 0 {
        bail!(
            "no journalist is authorized ({} holds no *.auth file): tor would serve the journalist interface to anyone. Add one with `postern journalist add NAME`",
            dir.display()
        );
    }
    Ok(good)
}
