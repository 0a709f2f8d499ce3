//! `--encrypt`: the source's computer seals every request body itself, so the server only ever
//! sees ciphertext (spool-format §13.6).
//!
//! The newsroom's recipients come from the server's `/public-key`, and are used only if their
//! fingerprints are exactly the ones the source was given (from the newsroom's own website, not
//! from the onion service, which could be an impostor). The file is cut into pieces of
//! `--segment-mib`; piece `k` becomes one age file holding an envelope of kind segment (upload
//! id, index `k`, offset of its first byte in the file, the file's name), sealed to those
//! recipients, and is sent as one PATCH with its SHA-256, so that the server keeps it whole or
//! not at all (a cut-off age file would be useless). The server seals it once more into its own
//! segment, as for any upload; the reviewer opens both layers.
//!
//! The upload's length must be declared before the first byte, but an age file's size varies by a
//! few hundred bytes (age adds a random "grease" stanza to every header). So each piece is sent
//! framed to a size fixed in advance: the age file's length (u64, big-endian), the age file, then
//! zeros. The size is what sealing zeros into a counter gives, plus the frame and
//! [`GREASE_ROOM`].

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use postern_spool::day::Day;
use postern_spool::envelope::{Header, Kind, SegmentInfo, seal};
use postern_spool::ids::{ItemId, UploadId};
use postern_spool::recipients::{Recipients, fingerprint};

use crate::vault::Vault;
use crate::{
    Args, Failure, Meter, Retry, Session, b64, backoff, delivered, human, shown, start,
    with_retries,
};

/// Normalises a fingerprint for comparison: hex digits only, lower case.
fn normal(fp: &str) -> String {
    fp.chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Fetches the recipients and checks them against the given fingerprints: the same set, exactly.
pub(crate) fn checked_recipients(
    s: &mut Session,
    retry: &Retry,
    fingerprints: &[String],
) -> Result<Recipients> {
    let keys = with_retries(s, retry, |s| s.public_keys())?;
    let recipients = Recipients::parse(&keys)
        .map_err(|e| anyhow!("the server's /public-key is not a list of age keys: {e}"))?;
    let served: BTreeSet<String> = recipients.iter().map(|r| normal(&fingerprint(r))).collect();
    let given: BTreeSet<String> = fingerprints.iter().map(|f| normal(f)).collect();
    if given.iter().any(|f| f.len() != 40) {
        bail!("a fingerprint is 40 hex digits (five groups of eight)");
    }
    if served != given {
        bail!(
            "the newsroom keys this server offers do not match the fingerprint(s) you were given: nothing was sent. Check the fingerprints on the newsroom's own website, and the .onion address"
        );
    }
    Ok(recipients)
}

fn today() -> Day {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Day::from_unix_seconds(secs)
}

fn header(upload: UploadId, index: u64, offset: u64, name: &str) -> Header {
    let mut h = Header::new(
        Kind::Segment,
        ItemId::from_bytes(*upload.as_bytes()),
        today(),
    );
    h.name = name.to_owned();
    h.segment = Some(SegmentInfo {
        upload_id: upload,
        index,
        offset,
    });
    h
}

/// Seals `content` as piece `index` at `offset`.
fn seal_piece(
    to: &Recipients,
    upload: UploadId,
    index: u64,
    offset: u64,
    name: &str,
    len: u64,
    content: &mut dyn Read,
) -> Result<Vec<u8>> {
    let mut sealer = seal(to, &header(upload, index, offset, name), Vec::new())?;
    let n = io::copy(content, &mut sealer)?;
    if n != len {
        bail!("the file changed while it was being sent");
    }
    Ok(sealer.finish()?)
}

/// Room for age's random grease stanza: at most 66 + 1 + 136 + 2 bytes, rounded up.
const GREASE_ROOM: u64 = 512;

/// Counts bytes written.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0 += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The framed size of a piece of `len` bytes.
fn sealed_size(to: &Recipients, len: u64, name: &str) -> Result<u64> {
    let mut sealer = seal(
        to,
        &header(UploadId::from_bytes([0; 16]), 0, 0, name),
        Counter(0),
    )?;
    io::copy(&mut io::repeat(0).take(len), &mut sealer)?;
    Ok(8 + sealer.finish()?.0 + GREASE_ROOM)
}

/// Frames an age file to exactly `size` bytes.
fn frame(age_file: Vec<u8>, size: u64) -> Result<Vec<u8>> {
    let len = age_file.len() as u64;
    if 8 + len > size {
        bail!("the file changed while it was being sent");
    }
    let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&age_file);
    out.resize(
        usize::try_from(size).map_err(|_| anyhow!("piece too large"))?,
        0,
    );
    Ok(out)
}

pub(crate) fn send_file(
    s: &mut Session,
    retry: &Retry,
    vault: &Vault,
    file: &Path,
    args: &Args,
    to: &Recipients,
) -> Result<()> {
    let meta = fs::metadata(file).context("cannot read the file")?;
    if !meta.is_file() {
        bail!("not a regular file");
    }
    let size = meta.len();
    let mtime = meta.mtime();
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let piece = args.segment_mib << 20;
    let pieces = size.div_ceil(piece).max(1);
    let last_len = size - (pieces - 1) * piece;
    let full_ct = sealed_size(to, piece, &name)?;
    let last_ct = sealed_size(to, last_len, &name)?;
    let length = (pieces - 1) * full_ct + last_ct;
    // Nothing about the file goes to the server in clear: its name is inside the pieces.
    let meta = format!("postern-encrypted {}", b64(b"1"));
    let Some((spath, mut state)) =
        start(s, retry, vault, file, args, (size, mtime, length), |s| {
            s.create_with(length, &meta)
        })?
    else {
        return Ok(());
    };
    let mut meter: Option<Meter> = None;
    let upload = state
        .upload
        .rsplit('/')
        .next()
        .and_then(UploadId::parse)
        .ok_or_else(|| anyhow!("the server gave an upload address without an id"))?;
    let mut failures = 0u32;
    let mut known = false;
    loop {
        if !known {
            match with_retries(s, retry, |s| s.offset(&state.upload))? {
                Some(o) if o <= length => state.offset = o,
                Some(_) => bail!("the server reports more bytes than the file has"),
                None => {
                    vault.remove(&spath);
                    bail!(
                        "the server no longer has this upload (expired or removed); run again to start over"
                    );
                }
            }
            known = true;
            meter.get_or_insert_with(|| Meter::new(state.offset));
            vault.save(&spath, &state)?;
        }
        if state.offset == length {
            break;
        }
        if state.offset % full_ct != 0 {
            bail!("the server reports an offset inside a sealed piece: refusing to go on");
        }
        let index = state.offset / full_ct;
        let start = index * piece;
        let len = piece.min(size - start);
        let mut f = File::open(file)?;
        f.seek(SeekFrom::Start(start))?;
        let sealed = seal_piece(
            to,
            upload,
            index,
            start,
            &name,
            len,
            &mut (&mut f).take(len),
        )?;
        let expected = if index + 1 == pieces {
            last_ct
        } else {
            full_ct
        };
        let body = frame(sealed, expected)?;
        match s.patch_checked(&state.upload, state.offset, &body) {
            Ok(o) if o > state.offset && o <= length => {
                failures = 0;
                state.offset = o;
                vault.save(&spath, &state)?;
                if let Some(m) = &meter {
                    eprintln!(
                        "{}: piece {} of {pieces} sent, {}",
                        shown(file),
                        index + 1,
                        m.line(state.offset, length)
                    );
                }
            }
            Ok(_) => known = false,
            Err(Failure::Fatal(e)) => return Err(e),
            Err(Failure::Unauthorized) => known = false,
            Err(Failure::Retry(why)) => {
                failures += 1;
                if failures > retry.max {
                    bail!(
                        "gave up after {} retries ({why}); run the same command again to resume",
                        retry.max
                    );
                }
                std::thread::sleep(backoff(retry, failures));
                known = false;
            }
        }
    }
    eprintln!(
        "{} ({}) was sealed here to {} newsroom key(s)",
        shown(file),
        human(size),
        to.iter().count()
    );
    delivered(vault, &spath, &state, file)
}
