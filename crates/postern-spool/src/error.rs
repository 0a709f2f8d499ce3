//! Error types.
//!
//! Opening an envelope fails in one way only, [`OpenError`], whatever went wrong: a caller cannot
//! branch on "bad MAC" versus "bad padding" by accident and build an oracle. The error still carries
//! an [`OpenFailure`] reason that is safe to show to a journalist (it never contains content, names
//! or key material) so that the reviewer can say what to do next.

use std::fmt;
use std::io;

/// Why an envelope could not be opened. Safe to display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenFailure {
    /// The data is not an age file, or its age header is malformed.
    NotAge,
    /// None of the supplied identities is a recipient of this file. A passphrase-encrypted
    /// (scrypt) age file also gives this reason: spool items are never sealed to a passphrase.
    NoMatchingKey,
    /// The age payload failed authentication: it was altered, truncated, or has data after its
    /// final chunk.
    Damaged,
    /// The decrypted data does not start with the envelope magic.
    NotAnEnvelope,
    /// The envelope has a version this build does not understand.
    UnknownVersion(u8),
    /// The envelope header declares a length above the hard cap.
    HeaderTooLarge,
    /// The envelope header is not in canonical form.
    MalformedHeader,
    /// A content frame has an impossible or non-canonical length.
    BadFraming,
    /// The content length in the end record does not match the content.
    LengthMismatch,
    /// The decrypted data ends before the envelope does.
    Truncated,
    /// The padding is not all zeros, or is shorter than its PADMÉ bucket requires.
    BadPadding,
    /// There are bytes after the padding.
    TrailingData,
    /// Reading the underlying file failed (an I/O error, not a property of the data).
    Io,
    /// The envelope is valid but not of the kind the caller asked for (a reader of replies
    /// met something else).
    UnexpectedKind,
    /// The content is longer than the caller accepts.
    TooLarge,
}

impl OpenFailure {
    /// A short description, safe to show.
    pub fn describe(self) -> &'static str {
        match self {
            OpenFailure::NotAge => "not an age-encrypted file, or its age header is malformed",
            OpenFailure::NoMatchingKey => "not sealed to any of the supplied keys",
            OpenFailure::Damaged => {
                "the ciphertext is damaged: altered, truncated or with data after its end"
            }
            OpenFailure::NotAnEnvelope => "decrypted, but not a Postern envelope",
            OpenFailure::UnknownVersion(_) => "envelope version not supported by this build",
            OpenFailure::HeaderTooLarge => "envelope header larger than the permitted maximum",
            OpenFailure::MalformedHeader => "envelope header is malformed",
            OpenFailure::BadFraming => "envelope content framing is malformed",
            OpenFailure::LengthMismatch => "envelope length record does not match its content",
            OpenFailure::Truncated => "envelope ends early",
            OpenFailure::BadPadding => "envelope padding is malformed",
            OpenFailure::TrailingData => "envelope has data after its padding",
            OpenFailure::Io => "reading the file failed",
            OpenFailure::UnexpectedKind => "the envelope is not of the expected kind",
            OpenFailure::TooLarge => "the content is larger than accepted here",
        }
    }
}

/// An envelope could not be opened. See [`OpenError::reason`].
#[derive(Debug)]
pub struct OpenError {
    reason: OpenFailure,
    io: Option<io::Error>,
}

impl OpenError {
    pub(crate) fn new(reason: OpenFailure) -> Self {
        OpenError { reason, io: None }
    }

    pub(crate) fn io(e: io::Error) -> Self {
        OpenError {
            reason: OpenFailure::Io,
            io: Some(e),
        }
    }

    /// Why opening failed.
    pub fn reason(&self) -> OpenFailure {
        self.reason
    }

    /// Recovers an `OpenError` carried inside an `io::Error` (from the `Read` impl of
    /// [`crate::envelope::EnvelopeReader`]).
    pub fn from_io(e: io::Error) -> OpenError {
        if e.get_ref().is_some_and(|inner| inner.is::<OpenError>()) {
            if let Some(Ok(open)) = e.into_inner().map(|inner| inner.downcast::<OpenError>()) {
                return *open;
            }
            return OpenError::new(OpenFailure::Io);
        }
        OpenError::io(e)
    }
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.reason, &self.io) {
            (OpenFailure::UnknownVersion(v), _) => {
                write!(
                    f,
                    "cannot open envelope: version {v} is not supported by this build"
                )
            }
            (OpenFailure::Io, Some(e)) => write!(f, "cannot open envelope: reading failed: {e}"),
            (r, _) => write!(f, "cannot open envelope: {}", r.describe()),
        }
    }
}

impl std::error::Error for OpenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.io.as_ref().map(|e| e as _)
    }
}

impl From<OpenError> for io::Error {
    fn from(e: OpenError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}

/// Sealing an envelope failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum SealError {
    /// The header cannot be encoded: a name or type is too long, or a segment header is missing
    /// or present where it should not be. The string says which field; it never repeats its value.
    InvalidHeader(&'static str),
    /// age refused the recipients.
    Recipients(age::EncryptError),
    /// Writing the ciphertext failed.
    Io(io::Error),
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SealError::InvalidHeader(what) => write!(f, "cannot seal envelope: {what}"),
            SealError::Recipients(e) => write!(f, "cannot seal envelope: {e}"),
            SealError::Io(e) => write!(f, "cannot seal envelope: writing failed: {e}"),
        }
    }
}

impl std::error::Error for SealError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SealError::Io(e) => Some(e),
            SealError::Recipients(e) => Some(e),
            SealError::InvalidHeader(_) => None,
        }
    }
}

impl From<io::Error> for SealError {
    fn from(e: io::Error) -> Self {
        SealError::Io(e)
    }
}
