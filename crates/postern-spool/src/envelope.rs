//! Envelope v1: what is inside every age file of the spool.
//!
//! ```text
//! magic       8 bytes   "PSTRNENV"
//! version     1 byte    0x01
//! header_len  u32 BE    at most MAX_HEADER_LEN
//! header      header_len bytes (see Header)
//! frames      content in frames: u32 BE length, then that many bytes; every frame but the last
//!             holds exactly FRAME_LEN bytes, the last holds 1..=FRAME_LEN
//! terminator  u32 BE    0
//! end record  u64 BE    total content length
//! padding     zero bytes, up to the PADMÉ bucket of everything before it
//! ```
//!
//! The content length sits at the end, not in the header, because the server seals uploads as
//! they stream in and does not know their length until the last byte; the framing lets a reader
//! find the end without trusting a length up front, and the end record double-checks it. Every
//! field has exactly one valid encoding, and the whole plaintext is authenticated by age, so a
//! reader that accepts an envelope has seen exactly what the sealer wrote. The normative text is in
//! `docs/spool-format.md`.

use std::fmt;
use std::io::{self, Write};

use crate::day::Day;
use crate::error::SealError;
use crate::ids::{ItemId, UploadId};
use crate::padme::padme;
use crate::recipients::Recipients;

pub mod stream;

#[cfg(any(feature = "open", feature = "open-reply"))]
pub use open::open_reply;
#[cfg(feature = "open")]
pub use open::{EnvelopeReader, Opened, open};

/// First bytes of every envelope plaintext.
pub const MAGIC: &[u8; 8] = b"PSTRNENV";
/// The envelope version this crate writes and reads.
pub const VERSION: u8 = 1;
/// Largest header a reader accepts, in bytes.
pub const MAX_HEADER_LEN: u32 = 8192;
/// Longest original file name, in bytes of UTF-8.
pub const MAX_NAME_LEN: usize = 1024;
/// Longest declared content type, in bytes.
pub const MAX_TYPE_LEN: usize = 255;
/// Size of every content frame but the last.
pub const FRAME_LEN: usize = 65_536;

/// Bytes before the header: magic, version, header length.
const PRELUDE_LEN: u64 = 8 + 1 + 4;
/// Bytes after the content frames: terminator and end record.
const TAIL_LEN: u64 = 4 + 8;

/// What an item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// A text message from a source.
    Message,
    /// A file from a source.
    File,
    /// A reply from the newsroom to a source.
    Reply,
    /// One segment of a resumable upload.
    Segment,
    /// The manifest that completes a resumable upload.
    Manifest,
}

impl Kind {
    /// All kinds, in code order.
    pub const ALL: [Kind; 5] = [
        Kind::Message,
        Kind::File,
        Kind::Reply,
        Kind::Segment,
        Kind::Manifest,
    ];

    /// The one-byte code in the header.
    pub fn code(self) -> u8 {
        match self {
            Kind::Message => 1,
            Kind::File => 2,
            Kind::Reply => 3,
            Kind::Segment => 4,
            Kind::Manifest => 5,
        }
    }

    /// The kind with this code.
    pub fn from_code(code: u8) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The lower-case name used in records and listings.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Message => "message",
            Kind::File => "file",
            Kind::Reply => "reply",
            Kind::Segment => "segment",
            Kind::Manifest => "manifest",
        }
    }

    /// Parses [`Kind::as_str`].
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a segment sits in its upload. Its length is the envelope's content length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentInfo {
    /// The upload the segment belongs to.
    pub upload_id: UploadId,
    /// Position of the segment in the upload, from 0.
    pub index: u64,
    /// Offset of the segment's first byte in the whole file.
    pub offset: u64,
}

/// The envelope header.
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    /// What the content is.
    pub kind: Kind,
    /// The submission (item) id; the same as the item's id in the spool.
    pub submission_id: ItemId,
    /// The day the item was sealed.
    pub day: Day,
    /// The original file name, as the source's browser sent it (any UTF-8, up to
    /// [`MAX_NAME_LEN`] bytes; the reviewer makes it safe before using it). Empty for messages.
    pub name: String,
    /// The declared content type: printable ASCII, up to [`MAX_TYPE_LEN`] bytes; may be empty.
    pub content_type: String,
    /// Present exactly when `kind` is [`Kind::Segment`].
    pub segment: Option<SegmentInfo>,
}

impl fmt::Debug for Header {
    /// Omits the file name, which can identify a source.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Header")
            .field("kind", &self.kind)
            .field("submission_id", &self.submission_id)
            .field("day", &self.day)
            .field("name", &format_args!("<{} bytes>", self.name.len()))
            .field("content_type", &self.content_type)
            .field("segment", &self.segment)
            .finish()
    }
}

impl Header {
    /// A header with an empty name and type and no segment information.
    pub fn new(kind: Kind, submission_id: ItemId, day: Day) -> Header {
        Header {
            kind,
            submission_id,
            day,
            name: String::new(),
            content_type: String::new(),
            segment: None,
        }
    }

    /// The canonical encoding of the header (without magic, version and length).
    pub fn encode(&self) -> Result<Vec<u8>, SealError> {
        if self.name.len() > MAX_NAME_LEN {
            return Err(SealError::InvalidHeader("file name longer than 1024 bytes"));
        }
        if self.content_type.len() > MAX_TYPE_LEN || !is_printable_ascii(&self.content_type) {
            return Err(SealError::InvalidHeader(
                "declared type is not printable ASCII of at most 255 bytes",
            ));
        }
        if (self.kind == Kind::Segment) != self.segment.is_some() {
            return Err(SealError::InvalidHeader(
                "segment information must be present exactly for segments",
            ));
        }
        let mut out = Vec::with_capacity(32 + self.name.len() + self.content_type.len());
        out.push(self.kind.code());
        out.push(0); // flags: none defined in v1
        out.extend_from_slice(self.submission_id.as_bytes());
        out.extend_from_slice(&self.day.0.to_be_bytes());
        for field in [self.name.as_bytes(), self.content_type.as_bytes()] {
            let len = u16::try_from(field.len())
                .map_err(|_| SealError::InvalidHeader("field too long"))?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(field);
        }
        if let Some(seg) = &self.segment {
            out.extend_from_slice(seg.upload_id.as_bytes());
            out.extend_from_slice(&seg.index.to_be_bytes());
            out.extend_from_slice(&seg.offset.to_be_bytes());
        }
        Ok(out)
    }

    /// Parses a canonical header encoding; the slice must be consumed exactly.
    pub fn decode(bytes: &[u8]) -> Option<Header> {
        let mut r = Cursor(bytes);
        let kind = Kind::from_code(r.u8()?)?;
        if r.u8()? != 0 {
            return None;
        }
        let submission_id = ItemId::from_bytes(r.array::<16>()?);
        let day = Day(u32::from_be_bytes(r.array::<4>()?));
        let name_len = usize::from(u16::from_be_bytes(r.array::<2>()?));
        if name_len > MAX_NAME_LEN {
            return None;
        }
        let name = String::from_utf8(r.take(name_len)?.to_vec()).ok()?;
        let type_len = usize::from(u16::from_be_bytes(r.array::<2>()?));
        if type_len > MAX_TYPE_LEN {
            return None;
        }
        let content_type = String::from_utf8(r.take(type_len)?.to_vec()).ok()?;
        if !is_printable_ascii(&content_type) {
            return None;
        }
        let segment = if kind == Kind::Segment {
            Some(SegmentInfo {
                upload_id: UploadId::from_bytes(r.array::<16>()?),
                index: u64::from_be_bytes(r.array::<8>()?),
                offset: u64::from_be_bytes(r.array::<8>()?),
            })
        } else {
            None
        };
        if !r.0.is_empty() {
            return None;
        }
        Some(Header {
            kind,
            submission_id,
            day,
            name,
            content_type,
            segment,
        })
    }
}

fn is_printable_ascii(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// A bounds-checked reader over a byte slice.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.array::<1>()?[0])
    }
}

/// Writes the envelope plaintext (framing, end record, padding) to any writer.
///
/// This is the plaintext layer only; [`seal`] puts it inside age. Content is buffered into
/// [`FRAME_LEN`] frames, so at most one frame is held in memory.
pub struct EnvelopeWriter<W: Write> {
    out: W,
    buf: Vec<u8>,
    content_len: u64,
    written: u64,
}

impl<W: Write> EnvelopeWriter<W> {
    /// Writes the prelude and `header` to `out`.
    pub fn new(header: &Header, mut out: W) -> Result<Self, SealError> {
        let encoded = header.encode()?;
        let len = u32::try_from(encoded.len())
            .ok()
            .filter(|l| *l <= MAX_HEADER_LEN)
            .ok_or(SealError::InvalidHeader("header too long"))?;
        out.write_all(MAGIC)?;
        out.write_all(&[VERSION])?;
        out.write_all(&len.to_be_bytes())?;
        out.write_all(&encoded)?;
        Ok(EnvelopeWriter {
            out,
            // Allocated on first use: a writer fed whole frames (the server's uploads) never
            // needs it, and each open upload would hold 64 KiB for nothing.
            buf: Vec::new(),
            content_len: 0,
            written: PRELUDE_LEN + u64::from(len),
        })
    }

    /// Content bytes written so far.
    pub fn content_len(&self) -> u64 {
        self.content_len
    }

    fn emit_frame(&mut self, data: &[u8]) -> io::Result<()> {
        let len = u32::try_from(data.len()).map_err(|_| io::Error::other("frame too long"))?;
        self.out.write_all(&len.to_be_bytes())?;
        self.out.write_all(data)?;
        self.written += 4 + u64::from(len);
        Ok(())
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            let buf = std::mem::take(&mut self.buf);
            let r = self.emit_frame(&buf);
            self.buf = buf;
            self.buf.clear();
            r?;
        }
        Ok(())
    }

    /// Ends the content, writes the end record and the padding, and returns the writer.
    pub fn finish(mut self) -> Result<W, SealError> {
        self.flush_buf()?;
        self.out.write_all(&0u32.to_be_bytes())?;
        self.out.write_all(&self.content_len.to_be_bytes())?;
        self.written += TAIL_LEN;
        write_zeros(&mut self.out, padme(self.written) - self.written)?;
        Ok(self.out)
    }
}

impl<W: Write> Write for EnvelopeWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        let n = if self.buf.is_empty() && data.len() >= FRAME_LEN {
            // A whole frame straight from the caller's buffer, without copying.
            let frame = data.get(..FRAME_LEN).unwrap_or(data);
            self.emit_frame(frame)?;
            frame.len()
        } else {
            if self.buf.capacity() == 0 {
                self.buf.reserve_exact(FRAME_LEN);
            }
            let room = FRAME_LEN - self.buf.len();
            let take = room.min(data.len());
            self.buf.extend_from_slice(data.get(..take).unwrap_or(data));
            if self.buf.len() == FRAME_LEN {
                self.flush_buf()?;
            }
            take
        };
        self.content_len += n as u64;
        Ok(n)
    }

    /// Flushes the underlying writer. The partial frame is kept: frames are only ever cut at
    /// [`FRAME_LEN`], so the encoding does not depend on how the caller flushed.
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

static ZEROS: [u8; 8192] = [0u8; 8192];

fn write_zeros<W: Write>(out: &mut W, mut n: u64) -> io::Result<()> {
    while n > 0 {
        let take = usize::try_from(n.min(ZEROS.len() as u64)).unwrap_or(ZEROS.len());
        out.write_all(ZEROS.get(..take).unwrap_or(&ZEROS))?;
        n -= take as u64;
    }
    Ok(())
}

/// A streaming sealer: an envelope inside an age file. Write the content, then call
/// [`Sealer::finish`]; without it the age stream has no final chunk and will not open.
///
/// The age header is age's; the payload is sealed by [`stream`] (age's STREAM, byte for byte).
pub struct Sealer<W: Write>(EnvelopeWriter<stream::PayloadWriter<W>>);

/// Starts sealing an envelope with `header` to `recipients`, writing ciphertext to `out`.
pub fn seal<W: Write>(
    recipients: &Recipients,
    header: &Header,
    out: W,
) -> Result<Sealer<W>, SealError> {
    let stream = stream::encrypt(recipients.as_dyn(), out)?;
    Ok(Sealer(EnvelopeWriter::new(header, stream)?))
}

impl<W: Write> Sealer<W> {
    /// Content bytes written so far.
    pub fn content_len(&self) -> u64 {
        self.0.content_len()
    }

    /// Completes the envelope and the age stream and returns the output writer (not flushed to
    /// disk: fsync is the caller's job).
    pub fn finish(self) -> Result<W, SealError> {
        let stream = self.0.finish()?;
        Ok(stream.finish()?)
    }
}

impl<W: Write> Write for Sealer<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0.write(data)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(feature = "async")]
pub use asynchronous::{AsyncSealer, seal_async};

#[cfg(feature = "async")]
mod asynchronous {
    use futures_io::AsyncWrite;
    use futures_util::AsyncWriteExt;

    use super::*;

    /// The async twin of [`Sealer`], for a `futures::io::AsyncWrite` (wrap a tokio file with
    /// `tokio_util::compat`). Holds at most one frame and one age chunk in memory.
    ///
    /// Its payload is still sealed by the age crate's async `StreamWriter` (RustCrypto's
    /// ChaCha20-Poly1305), not by [`stream`]: nothing in the server or the tools seals through
    /// it (the upload path is [`seal`] on the upload's blocking writer), so it is on no hot path.
    pub struct AsyncSealer<W: AsyncWrite + Unpin> {
        out: age::stream::StreamWriter<W>,
        buf: Vec<u8>,
        content_len: u64,
        written: u64,
    }

    /// Starts sealing an envelope with `header` to `recipients`, writing ciphertext to `out`.
    pub async fn seal_async<W: AsyncWrite + Unpin>(
        recipients: &Recipients,
        header: &Header,
        out: W,
    ) -> Result<AsyncSealer<W>, SealError> {
        let encoded = header.encode()?;
        let len = u32::try_from(encoded.len())
            .ok()
            .filter(|l| *l <= MAX_HEADER_LEN)
            .ok_or(SealError::InvalidHeader("header too long"))?;
        let enc =
            age::Encryptor::with_recipients(recipients.as_dyn()).map_err(SealError::Recipients)?;
        let mut out = enc.wrap_async_output(out).await?;
        let mut prelude = Vec::with_capacity(13 + encoded.len());
        prelude.extend_from_slice(MAGIC);
        prelude.push(VERSION);
        prelude.extend_from_slice(&len.to_be_bytes());
        prelude.extend_from_slice(&encoded);
        AsyncWriteExt::write_all(&mut out, &prelude).await?;
        Ok(AsyncSealer {
            out,
            // Allocated on first use: a writer fed whole frames (the server's uploads) never
            // needs it, and each open upload would hold 64 KiB for nothing.
            buf: Vec::new(),
            content_len: 0,
            written: PRELUDE_LEN + u64::from(len),
        })
    }

    impl<W: AsyncWrite + Unpin> AsyncSealer<W> {
        /// Content bytes written so far.
        pub fn content_len(&self) -> u64 {
            self.content_len
        }

        async fn emit_buf(&mut self) -> io::Result<()> {
            if self.buf.is_empty() {
                return Ok(());
            }
            let len = u32::try_from(self.buf.len()).map_err(|_| io::Error::other("frame"))?;
            AsyncWriteExt::write_all(&mut self.out, &len.to_be_bytes()).await?;
            AsyncWriteExt::write_all(&mut self.out, &self.buf).await?;
            self.written += 4 + u64::from(len);
            self.buf.clear();
            Ok(())
        }

        /// Appends content.
        pub async fn write_all(&mut self, mut data: &[u8]) -> Result<(), SealError> {
            while !data.is_empty() {
                let room = FRAME_LEN - self.buf.len();
                let (now, rest) = data.split_at(room.min(data.len()));
                self.buf.extend_from_slice(now);
                self.content_len += now.len() as u64;
                data = rest;
                if self.buf.len() == FRAME_LEN {
                    self.emit_buf().await?;
                }
            }
            Ok(())
        }

        /// Completes the envelope and closes the age stream, which also closes `out`. Pass a
        /// `&mut` writer to keep the file for fsync.
        pub async fn finish(mut self) -> Result<(), SealError> {
            self.emit_buf().await?;
            let mut tail = [0u8; 12];
            tail[4..].copy_from_slice(&self.content_len.to_be_bytes());
            AsyncWriteExt::write_all(&mut self.out, &tail).await?;
            self.written += TAIL_LEN;
            let mut pad = padme(self.written) - self.written;
            while pad > 0 {
                let take = usize::try_from(pad.min(ZEROS.len() as u64)).unwrap_or(ZEROS.len());
                AsyncWriteExt::write_all(&mut self.out, ZEROS.get(..take).unwrap_or(&ZEROS))
                    .await?;
                pad -= take as u64;
            }
            AsyncWriteExt::close(&mut self.out).await?;
            Ok(())
        }
    }
}

#[cfg(any(feature = "open", feature = "open-reply"))]
mod open {
    use std::io::{BufRead, Read};

    use super::*;
    use crate::error::{OpenError, OpenFailure};

    /// Opens a reply in memory with a source's reply identity: the one thing the server may
    /// open (feature `open-reply`), while the source who holds the codename is logged in.
    ///
    /// Anything but a [`Kind::Reply`] envelope is refused (`UnexpectedKind`), and so is content
    /// longer than `max_len` (`TooLarge`), before it is read. The content is returned only once
    /// the whole envelope has verified, in a buffer that is zeroised when dropped.
    pub fn open_reply(
        ciphertext: &[u8],
        identity: &dyn age::Identity,
        max_len: usize,
    ) -> Result<(Header, zeroize::Zeroizing<Vec<u8>>), OpenError> {
        let mut reader = open(ciphertext, std::iter::once(identity))?;
        if reader.header().kind != Kind::Reply {
            return Err(OpenError::new(OpenFailure::UnexpectedKind));
        }
        let mut out = zeroize::Zeroizing::new(Vec::new());
        let mut buf = zeroize::Zeroizing::new(vec![0u8; 16 * 1024]);
        loop {
            let n = reader.read_content(&mut buf)?;
            if n == 0 {
                break;
            }
            if out.len().saturating_add(n) > max_len {
                return Err(OpenError::new(OpenFailure::TooLarge));
            }
            if out.capacity() < out.len() + n {
                // Grow by hand: a reallocation by `extend` would leave a copy behind.
                let mut bigger = zeroize::Zeroizing::new(Vec::with_capacity(
                    (out.len() + n).max(out.capacity() * 2).min(max_len),
                ));
                bigger.extend_from_slice(&out);
                out = bigger;
            }
            out.extend_from_slice(buf.get(..n).unwrap_or(&[]));
        }
        let header = reader.header().clone();
        Ok((header, out))
    }

    /// Opens an age file sealed to one of `identities` and reads its envelope header.
    ///
    /// The returned reader yields the content. It checks the end record, the padding and the
    /// final age chunk when it reaches the end, so **content read from it is trustworthy only
    /// once it has returned end-of-file** (`Ok(0)`) without error: write it somewhere temporary
    /// and accept it only then.
    pub fn open<'a, R: BufRead + 'a>(
        input: R,
        identities: impl IntoIterator<Item = &'a dyn age::Identity>,
    ) -> Result<Opened<R>, OpenError> {
        let stream = stream::decrypt(input, identities.into_iter()).map_err(|e| match e {
            // Spool items are never passphrase-encrypted.
            stream::HeaderError::Scrypt => OpenError::new(OpenFailure::NoMatchingKey),
            stream::HeaderError::Read(age::DecryptError::Io(io)) => map_io(io, OpenFailure::NotAge),
            stream::HeaderError::Read(_) => OpenError::new(OpenFailure::NotAge),
            stream::HeaderError::Key(age::DecryptError::NoMatchingKeys) => {
                OpenError::new(OpenFailure::NoMatchingKey)
            }
            stream::HeaderError::Key(age::DecryptError::Io(io)) => map_io(io, OpenFailure::Damaged),
            stream::HeaderError::Key(_) => OpenError::new(OpenFailure::Damaged),
        })?;
        EnvelopeReader::new(stream)
    }

    /// What [`open`] returns: the envelope over the age payload of `R`.
    pub type Opened<R> = EnvelopeReader<stream::PayloadReader<R>>;

    /// Maps an error from the age stream. age reports authentication failures and truncated
    /// chunks as `InvalidData` / `UnexpectedEof`; anything else is the disk's fault.
    fn map_io(e: io::Error, data_failure: OpenFailure) -> OpenError {
        match e.kind() {
            io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof => {
                OpenError::new(data_failure)
            }
            _ => OpenError::io(e),
        }
    }

    #[derive(Clone, Copy, Debug)]
    enum State {
        /// Inside a frame with this many bytes left; `full` if the frame is FRAME_LEN long.
        Frame { remaining: usize, full: bool },
        /// Between frames; `prev_full` is false once a short frame was seen (it must be last).
        Between { prev_full: bool },
        /// The end record, padding and age end were checked.
        Done,
        /// A previous call failed; the reader stays failed.
        Failed(OpenFailure),
    }

    /// Reads the content of an envelope from its plaintext (see [`open`]).
    pub struct EnvelopeReader<R: Read> {
        inner: R,
        header: Header,
        state: State,
        content_len: u64,
        consumed: u64,
    }

    impl<R: Read> EnvelopeReader<R> {
        /// Parses the prelude and header from a plaintext stream.
        pub fn new(mut inner: R) -> Result<Self, OpenError> {
            let mut prelude = [0u8; 13];
            read_full(&mut inner, &mut prelude)?;
            let (magic, rest) = prelude.split_at(8);
            if magic != MAGIC {
                return Err(OpenError::new(OpenFailure::NotAnEnvelope));
            }
            let (version, len) = rest.split_at(1);
            let version = version.first().copied().unwrap_or(0);
            if version != VERSION {
                return Err(OpenError::new(OpenFailure::UnknownVersion(version)));
            }
            let len = u32::from_be_bytes(
                len.try_into()
                    .map_err(|_| OpenError::new(OpenFailure::MalformedHeader))?,
            );
            if len > MAX_HEADER_LEN {
                return Err(OpenError::new(OpenFailure::HeaderTooLarge));
            }
            let mut buf = vec![0u8; len as usize];
            read_full(&mut inner, &mut buf)?;
            let header =
                Header::decode(&buf).ok_or(OpenError::new(OpenFailure::MalformedHeader))?;
            Ok(EnvelopeReader {
                inner,
                header,
                state: State::Between { prev_full: true },
                content_len: 0,
                consumed: PRELUDE_LEN + u64::from(len),
            })
        }

        /// The envelope header.
        pub fn header(&self) -> &Header {
            &self.header
        }

        /// Content bytes returned so far.
        #[cfg(feature = "open")]
        pub fn content_len(&self) -> u64 {
            self.content_len
        }

        /// Reads content. `Ok(0)` for a non-empty `buf` means the end was reached and the whole
        /// envelope verified; an empty `buf` reads nothing and proves nothing.
        pub fn read_content(&mut self, buf: &mut [u8]) -> Result<usize, OpenError> {
            match self.step(buf) {
                Ok(n) => Ok(n),
                Err(e) => {
                    if e.reason() != OpenFailure::Io {
                        self.state = State::Failed(e.reason());
                    }
                    Err(e)
                }
            }
        }

        /// Copies the whole content to `out`; returns its length once the envelope is verified.
        /// On error, whatever was already written to `out` must be discarded.
        #[cfg(feature = "open")]
        pub fn copy_to<W: Write>(&mut self, out: &mut W) -> Result<u64, CopyError> {
            let mut buf = vec![0u8; FRAME_LEN];
            loop {
                let n = self.read_content(&mut buf).map_err(CopyError::Open)?;
                if n == 0 {
                    return Ok(self.content_len);
                }
                out.write_all(buf.get(..n).unwrap_or(&[]))
                    .map_err(CopyError::Write)?;
            }
        }

        fn step(&mut self, buf: &mut [u8]) -> Result<usize, OpenError> {
            loop {
                match self.state {
                    State::Failed(r) => return Err(OpenError::new(r)),
                    State::Done => return Ok(0),
                    _ if buf.is_empty() => return Ok(0),
                    State::Frame { remaining, full } => {
                        let want = remaining.min(buf.len());
                        let slot = buf.get_mut(..want).unwrap_or_default();
                        let n = read_some(&mut self.inner, slot)?;
                        let left = remaining - n;
                        self.state = if left == 0 {
                            State::Between { prev_full: full }
                        } else {
                            State::Frame {
                                remaining: left,
                                full,
                            }
                        };
                        self.content_len += n as u64;
                        self.consumed += n as u64;
                        return Ok(n);
                    }
                    State::Between { prev_full } => {
                        let mut len = [0u8; 4];
                        read_full(&mut self.inner, &mut len)?;
                        self.consumed += 4;
                        let len = u32::from_be_bytes(len) as usize;
                        if len == 0 {
                            self.finish_envelope()?;
                            self.state = State::Done;
                            return Ok(0);
                        }
                        if len > FRAME_LEN || !prev_full {
                            return Err(OpenError::new(OpenFailure::BadFraming));
                        }
                        self.state = State::Frame {
                            remaining: len,
                            full: len == FRAME_LEN,
                        };
                    }
                }
            }
        }

        fn finish_envelope(&mut self) -> Result<(), OpenError> {
            let mut rec = [0u8; 8];
            read_full(&mut self.inner, &mut rec)?;
            self.consumed += 8;
            if u64::from_be_bytes(rec) != self.content_len {
                return Err(OpenError::new(OpenFailure::LengthMismatch));
            }
            let expected = padme(self.consumed) - self.consumed;
            let mut seen = 0u64;
            let mut block = [0u8; 8192];
            loop {
                let n = match self.inner.read(&mut block) {
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(map_io(e, OpenFailure::Damaged)),
                };
                if n == 0 {
                    break;
                }
                let data = block.get(..n).unwrap_or(&[]);
                for &b in data {
                    if seen >= expected {
                        return Err(OpenError::new(OpenFailure::TrailingData));
                    }
                    if b != 0 {
                        return Err(OpenError::new(OpenFailure::BadPadding));
                    }
                    seen += 1;
                }
            }
            if seen != expected {
                return Err(OpenError::new(OpenFailure::BadPadding));
            }
            Ok(())
        }
    }

    impl<R: Read> Read for EnvelopeReader<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.read_content(buf).map_err(io::Error::from)
        }
    }

    /// Copying an envelope's content failed: either the envelope or the destination.
    #[cfg(feature = "open")]
    #[derive(Debug)]
    pub enum CopyError {
        /// The envelope could not be opened or verified.
        Open(OpenError),
        /// Writing the content failed.
        Write(io::Error),
    }

    #[cfg(feature = "open")]
    impl fmt::Display for CopyError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                CopyError::Open(e) => e.fmt(f),
                CopyError::Write(e) => write!(f, "writing the decrypted content failed: {e}"),
            }
        }
    }

    #[cfg(feature = "open")]
    impl std::error::Error for CopyError {}

    fn read_some<R: Read>(r: &mut R, buf: &mut [u8]) -> Result<usize, OpenError> {
        loop {
            match r.read(buf) {
                Ok(0) => return Err(OpenError::new(OpenFailure::Truncated)),
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(map_io(e, OpenFailure::Damaged)),
            }
        }
    }

    fn read_full<R: Read>(r: &mut R, mut buf: &mut [u8]) -> Result<(), OpenError> {
        while !buf.is_empty() {
            let n = read_some(r, buf)?;
            buf = buf.get_mut(n..).unwrap_or_default();
        }
        Ok(())
    }
}

#[cfg(feature = "open")]
pub use open::CopyError;

#[cfg(test)]
mod tests;
