//! age's STREAM payload, written and read here with ring's ChaCha20-Poly1305.
//!
//! An age file is a header (recipient stanzas and a MAC), a 16-byte nonce, then the payload:
//! the plaintext cut into 64 KiB chunks, each sealed with ChaCha20-Poly1305 under
//! `HKDF-SHA-256(salt = nonce, ikm = file key, info = "payload")`, with a 12-byte nonce of an
//! 11-byte big-endian chunk counter and a last-chunk flag (`0x01` on the final chunk only).
//! Only the first chunk may be empty (an empty payload); every other chunk but the last is full.
//!
//! The header stays age's own: the age crate writes and parses it, wraps and unwraps the file key
//! and checks the MAC, exactly as before. What this module takes over is the payload, for speed:
//! the age crate seals it with RustCrypto's portable ChaCha20-Poly1305, ring with its assembly,
//! about twice as fast on the CPUs we run on (`spool-bench primitives`), in one buffer per file
//! sealed in place. To get the file key and the nonce it needs without reaching into age, the
//! recipients and identities handed to age are wrapped so that they keep a copy of the file key
//! age gave them or they unwrapped (in a zeroised buffer), and the header's bytes pass through a
//! tee that keeps the last 16 (the nonce). The output is byte for byte what `age` writes for the
//! same file key and nonce; the tests check both directions against the age crate and the CLI.
//!
//! The reading half ([`decrypt`], [`PayloadReader`]) is built only with the `open` or `open-reply`
//! feature, like every other way of opening an envelope.

use std::cell::RefCell;
use std::collections::HashSet;
use std::io::{self, Write};
#[cfg(any(feature = "open", feature = "open-reply"))]
use std::io::{BufRead, Read};

use age_core::format::{FILE_KEY_BYTES, FileKey, Stanza};
use age_core::secrecy::ExposeSecret;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use zeroize::Zeroizing;

/// Plaintext bytes in every chunk but the last.
pub const CHUNK: usize = 64 * 1024;
/// Poly1305 tag after each chunk's ciphertext.
pub const TAG: usize = 16;
const SEALED_CHUNK: usize = CHUNK + TAG;
/// The age header's nonce, after the MAC line.
const NONCE_LEN: usize = 16;

/// Where a wrapped recipient or identity leaves the file key.
type KeyCell = RefCell<Option<Zeroizing<[u8; FILE_KEY_BYTES]>>>;

fn keep(cell: &KeyCell, key: &FileKey) {
    *cell.borrow_mut() = Some(Zeroizing::new(*key.expose_secret()));
}

/// A recipient that keeps the file key it is asked to wrap.
struct KeepingRecipient<'r, 'k> {
    inner: &'r dyn age::Recipient,
    key: &'k KeyCell,
}

impl age::Recipient for KeepingRecipient<'_, '_> {
    fn wrap_file_key(
        &self,
        file_key: &FileKey,
    ) -> Result<(Vec<Stanza>, HashSet<String>), age::EncryptError> {
        keep(self.key, file_key);
        self.inner.wrap_file_key(file_key)
    }
}

#[cfg(any(feature = "open", feature = "open-reply"))]
/// An identity that keeps the file key it unwrapped.
struct KeepingIdentity<'i, 'k> {
    inner: &'i dyn age::Identity,
    key: &'k KeyCell,
}

#[cfg(any(feature = "open", feature = "open-reply"))]
impl KeepingIdentity<'_, '_> {
    fn kept(
        &self,
        r: Option<Result<FileKey, age::DecryptError>>,
    ) -> Option<Result<FileKey, age::DecryptError>> {
        if let Some(Ok(k)) = &r {
            keep(self.key, k);
        }
        r
    }
}

#[cfg(any(feature = "open", feature = "open-reply"))]
impl age::Identity for KeepingIdentity<'_, '_> {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<Result<FileKey, age::DecryptError>> {
        self.kept(self.inner.unwrap_stanza(stanza))
    }
    fn unwrap_stanzas(&self, stanzas: &[Stanza]) -> Option<Result<FileKey, age::DecryptError>> {
        self.kept(self.inner.unwrap_stanzas(stanzas))
    }
}

/// The payload key of an age file (age's `v1_payload_key`, after its MAC check), kept here in a
/// buffer that is wiped on drop.
///
/// ring's key types hold a copy of the key and do not wipe it when dropped: ring does no
/// zeroisation by design (its issue 15), and a ChaCha20-Poly1305 `LessSafeKey` keeps the 32 key
/// bytes. So a ring key is never stored: [`PayloadKey::with`] builds one on the stack for one
/// chunk and drops it at once (ChaCha20 has no key schedule: building it is a copy). What stays
/// behind after a chunk is that stack slot, unwiped, until later calls overwrite it; the copy
/// that lives as long as the file is only this wiped buffer (and the file key, wiped too, in a
/// [`KeyCell`] until the payload key is derived).
struct PayloadKey(Zeroizing<[u8; 32]>);

impl PayloadKey {
    fn derive(file_key: &[u8; FILE_KEY_BYTES], nonce: &[u8; NONCE_LEN]) -> PayloadKey {
        PayloadKey(Zeroizing::new(age_core::primitives::hkdf(
            nonce, b"payload", file_key,
        )))
    }

    /// Runs `f` with ring's key for this payload key, built for the call only.
    fn with<T>(
        &self,
        f: impl FnOnce(&LessSafeKey) -> Result<T, ring::error::Unspecified>,
    ) -> Result<T, ring::error::Unspecified> {
        let key = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &self.0[..])?);
        f(&key)
    }
}

/// The STREAM nonce of chunk `counter`.
fn chunk_nonce(counter: u64, last: bool) -> Nonce {
    let mut n = [0u8; 12];
    // The counter is 11 bytes; a u64 fills the low 8 of them, which is more chunks than any
    // file can have (2^64 × 64 KiB).
    n[3..11].copy_from_slice(&counter.to_be_bytes());
    n[11] = u8::from(last);
    Nonce::assume_unique_for_key(n)
}

/// Writes an age header for `recipients` to `out` and returns the payload writer that follows
/// it. age refuses the recipients exactly as `age::Encryptor::with_recipients` does (it is what
/// runs).
pub fn encrypt<'a, W: Write>(
    recipients: impl Iterator<Item = &'a dyn age::Recipient>,
    mut out: W,
) -> Result<PayloadWriter<W>, crate::error::SealError> {
    let cell: KeyCell = RefCell::new(None);
    let keeping: Vec<KeepingRecipient<'a, '_>> = recipients
        .map(|inner| KeepingRecipient { inner, key: &cell })
        .collect();
    let enc = age::Encryptor::with_recipients(keeping.iter().map(|r| r as &dyn age::Recipient))
        .map_err(crate::error::SealError::Recipients)?;
    // age writes its header and nonce here; the payload writer it returns is dropped unused
    // (it has written nothing: age writes a chunk only once it is full, or at `finish`).
    let mut head = Vec::with_capacity(1024);
    drop(enc.wrap_output(&mut head)?);
    drop(keeping);
    let file_key = cell
        .take()
        .ok_or_else(|| io::Error::other("age did not wrap a file key"))?;
    let nonce: [u8; NONCE_LEN] = head
        .len()
        .checked_sub(NONCE_LEN)
        .and_then(|at| head.get(at..))
        .and_then(|n| n.try_into().ok())
        .ok_or_else(|| io::Error::other("age header without a nonce"))?;
    let key = PayloadKey::derive(&file_key, &nonce);
    out.write_all(&head)?;
    Ok(PayloadWriter {
        out,
        key,
        counter: 0,
        buf: Zeroizing::new(Vec::with_capacity(SEALED_CHUNK)),
    })
}

/// Seals a payload: every write is gathered into the current chunk, which is sealed in place
/// and written once it is full and more data follows (the last chunk is sealed by `finish`).
pub struct PayloadWriter<W: Write> {
    out: W,
    key: PayloadKey,
    counter: u64,
    /// The chunk being gathered (at most [`CHUNK`] bytes), with room for its tag.
    buf: Zeroizing<Vec<u8>>,
}

impl<W: Write> PayloadWriter<W> {
    fn seal_chunk(&mut self, last: bool) -> io::Result<()> {
        let nonce = chunk_nonce(self.counter, last);
        let buf = self.buf.as_mut_slice();
        let tag = self
            .key
            .with(|k| k.seal_in_place_separate_tag(nonce, Aad::empty(), buf))
            .map_err(|_| io::Error::other("chunk sealing failed"))?;
        self.buf.extend_from_slice(tag.as_ref());
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.counter = self
            .counter
            .checked_add(1)
            .ok_or_else(|| io::Error::other("too many chunks"))?;
        Ok(())
    }

    /// Seals the last chunk (empty only if nothing was written) and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.seal_chunk(true)?;
        Ok(self.out)
    }
}

impl<W: Write> Write for PayloadWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        if self.buf.len() == CHUNK {
            // More data follows a full chunk: it is not the last.
            self.seal_chunk(false)?;
        }
        let take = (CHUNK - self.buf.len()).min(data.len());
        self.buf.extend_from_slice(data.get(..take).unwrap_or(data));
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(any(feature = "open", feature = "open-reply"))]
/// Keeps the last [`NONCE_LEN`] bytes consumed from a reader: after age has read its header and
/// nonce, they are the nonce.
struct Tee<'r, R: BufRead> {
    inner: &'r mut R,
    tail: [u8; NONCE_LEN],
}

#[cfg(any(feature = "open", feature = "open-reply"))]
impl<R: BufRead> Tee<'_, R> {
    fn record(&mut self, data: &[u8]) {
        let n = data.len();
        if n >= NONCE_LEN {
            if let Some(last) = data.get(n - NONCE_LEN..) {
                self.tail.copy_from_slice(last);
            }
        } else {
            self.tail.rotate_left(n);
            if let Some(slot) = self.tail.get_mut(NONCE_LEN - n..) {
                slot.copy_from_slice(data);
            }
        }
    }
}

#[cfg(any(feature = "open", feature = "open-reply"))]
impl<R: BufRead> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.record(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}

#[cfg(any(feature = "open", feature = "open-reply"))]
impl<R: BufRead> BufRead for Tee<'_, R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        // `consume` follows a `fill_buf`, whose buffer the inner reader still holds: asking for
        // it again does no I/O.
        let seen = match self.inner.fill_buf() {
            Ok(buf) => buf.get(..amt).unwrap_or(buf).to_vec(),
            Err(_) => Vec::new(),
        };
        self.record(&seen);
        self.inner.consume(amt);
    }
}

#[cfg(any(feature = "open", feature = "open-reply"))]
/// Why [`decrypt`] failed: age's own error, from reading the header or from unwrapping the
/// file key, or a passphrase-encrypted file.
#[derive(Debug)]
pub enum HeaderError {
    /// Reading the header failed (not an age file, malformed, I/O).
    Read(age::DecryptError),
    /// The file is passphrase-encrypted.
    Scrypt,
    /// No identity unwrapped the file key, or the header's MAC did not verify.
    Key(age::DecryptError),
}

#[cfg(any(feature = "open", feature = "open-reply"))]
/// Reads an age header from `input` with age, unwraps the file key with one of `identities`
/// (passphrase-encrypted files are refused) and returns the payload reader that follows it.
pub fn decrypt<'a, R: BufRead>(
    mut input: R,
    identities: impl Iterator<Item = &'a dyn age::Identity>,
) -> Result<PayloadReader<R>, HeaderError> {
    let cell: KeyCell = RefCell::new(None);
    let nonce = {
        let mut tee = Tee {
            inner: &mut input,
            tail: [0u8; NONCE_LEN],
        };
        let dec = age::Decryptor::new_buffered(&mut tee).map_err(HeaderError::Read)?;
        if dec.is_scrypt() {
            return Err(HeaderError::Scrypt);
        }
        let keeping: Vec<KeepingIdentity<'a, '_>> = identities
            .map(|inner| KeepingIdentity { inner, key: &cell })
            .collect();
        // age checks the header's MAC with the file key before it returns its reader, which is
        // dropped unused (it has read nothing yet).
        drop(
            dec.decrypt(keeping.iter().map(|i| i as &dyn age::Identity))
                .map_err(HeaderError::Key)?,
        );
        tee.tail
    };
    let file_key = cell
        .take()
        .ok_or(HeaderError::Key(age::DecryptError::NoMatchingKeys))?;
    let key = PayloadKey::derive(&file_key, &nonce);
    Ok(PayloadReader {
        inner: input,
        key,
        counter: 0,
        buf: Zeroizing::new(vec![0u8; SEALED_CHUNK + 1]),
        carry: None,
        pos: 0,
        end: 0,
        done: false,
        failed: false,
    })
}

#[cfg(any(feature = "open", feature = "open-reply"))]
/// Opens a payload chunk by chunk. A chunk is the last if it is short or nothing follows it; its
/// flag must say so, or it does not open. Each read asks for one byte more than a sealed chunk,
/// to know whether another follows; that byte starts the next chunk. Errors are `InvalidData` (a chunk failed to open, an
/// empty last chunk after others) or `UnexpectedEof` (no chunk at all, or the input ended
/// before the last chunk): the age crate's kinds.
pub struct PayloadReader<R: BufRead> {
    inner: R,
    key: PayloadKey,
    counter: u64,
    /// The current chunk (and one byte more); its plaintext is `buf[pos..end]`.
    buf: Zeroizing<Vec<u8>>,
    /// The first byte of the next chunk, read with the current one.
    carry: Option<u8>,
    pos: usize,
    end: usize,
    /// The last chunk was opened.
    done: bool,
    /// A chunk failed to open: the reader stays failed.
    failed: bool,
}

#[cfg(any(feature = "open", feature = "open-reply"))]
impl<R: BufRead> PayloadReader<R> {
    fn next_chunk(&mut self) -> io::Result<()> {
        let mut filled = 0;
        if let (Some(b), Some(first)) = (self.carry.take(), self.buf.first_mut()) {
            *first = b;
            filled = 1;
        }
        while filled <= SEALED_CHUNK {
            let slot = self.buf.get_mut(filled..).unwrap_or_default();
            match self.inner.read(slot) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if filled == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "age file is truncated",
            ));
        }
        let last = filled <= SEALED_CHUNK;
        if !last {
            self.carry = self.buf.get(SEALED_CHUNK).copied();
            filled = SEALED_CHUNK;
        }
        let sealed = self.buf.get_mut(..filled).unwrap_or_default();
        let nonce = chunk_nonce(self.counter, last);
        let plain = self
            .key
            .with(|k| Ok(k.open_in_place(nonce, Aad::empty(), sealed)?.len()))
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "decryption error"))?;
        if last && plain == 0 && self.counter > 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "last chunk is empty",
            ));
        }
        self.counter = self
            .counter
            .checked_add(1)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "too many chunks"))?;
        self.done = last;
        self.pos = 0;
        self.end = plain;
        Ok(())
    }
}

#[cfg(any(feature = "open", feature = "open-reply"))]
impl<R: BufRead> Read for PayloadReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        while self.pos == self.end {
            if self.done {
                return Ok(0);
            }
            if self.failed {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "payload failed"));
            }
            if let Err(e) = self.next_chunk() {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.failed = true;
                }
                return Err(e);
            }
        }
        let ready = self.buf.get(self.pos..self.end).unwrap_or_default();
        let n = ready.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), ready.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        Ok(n)
    }
}

#[cfg(all(test, any(feature = "open", feature = "open-reply")))]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use std::io::{Read, Write};

    use super::*;

    /// Sizes around every chunk boundary, and the empty payload.
    const SIZES: [usize; 9] = [
        0,
        1,
        CHUNK - 1,
        CHUNK,
        CHUNK + 1,
        2 * CHUNK,
        2 * CHUNK + 1,
        3 * CHUNK - 1,
        5 * CHUNK + 12_345,
    ];

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 31 + i / 251) as u8).collect()
    }

    fn identity() -> age::x25519::Identity {
        age::x25519::Identity::generate()
    }

    fn ours_seal(recipient: &age::x25519::Recipient, plain: &[u8], pieces: usize) -> Vec<u8> {
        let mut w = encrypt(
            std::iter::once(recipient as &dyn age::Recipient),
            Vec::new(),
        )
        .unwrap();
        // Write in uneven pieces, so chunking does not depend on the caller's buffers.
        for part in plain.chunks(pieces.max(1)) {
            w.write_all(part).unwrap();
        }
        w.finish().unwrap()
    }

    fn age_seal(recipient: &age::x25519::Recipient, plain: &[u8]) -> Vec<u8> {
        let enc =
            age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
                .unwrap();
        let mut w = enc.wrap_output(Vec::new()).unwrap();
        w.write_all(plain).unwrap();
        w.finish().unwrap()
    }

    fn age_open(id: &age::x25519::Identity, ct: &[u8]) -> std::io::Result<Vec<u8>> {
        let dec = age::Decryptor::new_buffered(ct).unwrap();
        let mut r = dec
            .decrypt(std::iter::once(id as &dyn age::Identity))
            .unwrap();
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        Ok(out)
    }

    fn ours_open(id: &age::x25519::Identity, ct: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut r = match decrypt(ct, std::iter::once(id as &dyn age::Identity)) {
            Ok(r) => r,
            Err(e) => return Err(std::io::Error::other(format!("{e:?}"))),
        };
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        Ok(out)
    }

    /// The payload part of an age file: what follows the header and nonce, the same length
    /// from the end for both writers (the header length varies with age's random grease).
    fn payload_of(ct: &[u8], plain_len: usize) -> &[u8] {
        let chunks = plain_len.div_ceil(CHUNK).max(1);
        &ct[ct.len() - plain_len - chunks * TAG..]
    }

    #[test]
    fn age_opens_what_we_seal_at_every_chunk_boundary() {
        let id = identity();
        for n in SIZES {
            let plain = data(n);
            let ct = ours_seal(&id.to_public(), &plain, 7_777);
            assert_eq!(age_open(&id, &ct).unwrap(), plain, "size {n}");
        }
    }

    #[test]
    fn we_open_what_age_seals_at_every_chunk_boundary() {
        let id = identity();
        for n in SIZES {
            let plain = data(n);
            let ct = age_seal(&id.to_public(), &plain);
            assert_eq!(ours_open(&id, &ct).unwrap(), plain, "size {n}");
        }
    }

    #[test]
    fn our_payload_is_byte_for_byte_age_s_for_the_same_key_and_nonce() {
        let id = identity();
        for n in SIZES {
            let plain = data(n);
            let ct = age_seal(&id.to_public(), &plain);
            // The file key and nonce age chose, as our reader takes them from the header.
            let cell: KeyCell = RefCell::new(None);
            let keeping = KeepingIdentity {
                inner: &id,
                key: &cell,
            };
            let mut input = &ct[..];
            let mut tee = Tee {
                inner: &mut input,
                tail: [0; NONCE_LEN],
            };
            let dec = age::Decryptor::new_buffered(&mut tee).unwrap();
            drop(
                dec.decrypt(std::iter::once(&keeping as &dyn age::Identity))
                    .unwrap(),
            );
            let nonce = tee.tail;
            let file_key = cell.take().unwrap();
            assert_eq!(
                input.len(),
                payload_of(&ct, n).len(),
                "size {n}: header end"
            );
            let mut w = PayloadWriter {
                out: Vec::new(),
                key: PayloadKey::derive(&file_key, &nonce),
                counter: 0,
                buf: Zeroizing::new(Vec::with_capacity(SEALED_CHUNK)),
            };
            w.write_all(&plain).unwrap();
            let ours = w.finish().unwrap();
            assert!(ours == payload_of(&ct, n), "size {n}: payload differs");
        }
    }

    #[test]
    fn cut_extended_or_reflagged_payloads_do_not_open() {
        let id = identity();
        let plain = data(3 * CHUNK);
        let ct = ours_seal(&id.to_public(), &plain, CHUNK);
        let start = ct.len() - payload_of(&ct, plain.len()).len();
        // Cut at a chunk boundary: the last chunk left is not flagged last.
        assert!(ours_open(&id, &ct[..start + 2 * SEALED_CHUNK]).is_err());
        assert!(age_open(&id, &ct[..start + 2 * SEALED_CHUNK]).is_err());
        // Cut inside a chunk, or only the header left.
        assert!(ours_open(&id, &ct[..ct.len() - 1]).is_err());
        assert!(ours_open(&id, &ct[..start]).is_err());
        // Data after the last chunk.
        let mut longer = ct.clone();
        longer.push(0);
        assert!(ours_open(&id, &longer).is_err());
        let mut longer = ct.clone();
        longer.extend_from_slice(&ct[start..start + SEALED_CHUNK]);
        assert!(ours_open(&id, &longer).is_err());
        // One flipped bit anywhere in the payload.
        for at in [start, start + SEALED_CHUNK + 5, ct.len() - 1] {
            let mut bad = ct.clone();
            bad[at] ^= 1;
            assert!(ours_open(&id, &bad).is_err(), "bit at {at}");
        }
        // Two chunks swapped.
        let mut swapped = ct.clone();
        let (a, b) = (start, start + SEALED_CHUNK);
        swapped[a..b + SEALED_CHUNK].rotate_left(SEALED_CHUNK);
        assert!(ours_open(&id, &swapped).is_err());
        // The whole thing opens.
        assert_eq!(ours_open(&id, &ct).unwrap(), plain);
    }

    #[test]
    fn an_empty_last_chunk_after_a_full_one_does_not_open() {
        let id = identity();
        let plain = data(CHUNK);
        let ct = ours_seal(&id.to_public(), &plain, CHUNK);
        let start = ct.len() - SEALED_CHUNK;
        // Re-seal the payload by hand as a non-last full chunk and an empty last chunk.
        let cell: KeyCell = RefCell::new(None);
        let keeping = KeepingIdentity {
            inner: &id,
            key: &cell,
        };
        let mut input = &ct[..];
        let mut tee = Tee {
            inner: &mut input,
            tail: [0; NONCE_LEN],
        };
        let dec = age::Decryptor::new_buffered(&mut tee).unwrap();
        drop(
            dec.decrypt(std::iter::once(&keeping as &dyn age::Identity))
                .unwrap(),
        );
        let key = PayloadKey::derive(&cell.take().unwrap(), &tee.tail);
        let mut forged = ct[..start].to_vec();
        let mut chunk = plain.clone();
        let tag = key
            .with(|k| k.seal_in_place_separate_tag(chunk_nonce(0, false), Aad::empty(), &mut chunk))
            .unwrap();
        forged.extend_from_slice(&chunk);
        forged.extend_from_slice(tag.as_ref());
        let mut empty = Vec::new();
        let tag = key
            .with(|k| k.seal_in_place_separate_tag(chunk_nonce(1, true), Aad::empty(), &mut empty))
            .unwrap();
        forged.extend_from_slice(tag.as_ref());
        assert!(ours_open(&id, &forged).is_err());
        assert!(age_open(&id, &forged).is_err());
        assert_eq!(ours_open(&id, &ct).unwrap(), plain);
    }

    #[test]
    fn the_file_key_is_that_of_the_header() {
        // Sealing to two recipients: both open it, with age and with us.
        let (a, b) = (identity(), identity());
        let plain = data(CHUNK + 3);
        let ra = a.to_public();
        let rb = b.to_public();
        let recipients: [&dyn age::Recipient; 2] = [&ra, &rb];
        let mut w = encrypt(recipients.into_iter(), Vec::new()).unwrap();
        w.write_all(&plain).unwrap();
        let ct = w.finish().unwrap();
        for id in [&a, &b] {
            assert_eq!(age_open(id, &ct).unwrap(), plain);
            assert_eq!(ours_open(id, &ct).unwrap(), plain);
        }
        assert!(ours_open(&identity(), &ct).is_err());
    }
}
