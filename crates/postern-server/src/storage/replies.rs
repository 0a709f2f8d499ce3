//! Replies on the server side: pinning the newsroom's reply-signing key, and importing a reply
//! bundle that journalists carried over from the air-gapped machine (the one import path for
//! `postern import-replies` and the journalist interface's upload).
//!
//! The import is all or nothing in what it accepts: the bundle's signed manifest, every reply's
//! signed record and ciphertext, and every target source are checked before anything is written.
//! Writing is then one reply after the other, each atomic (the record commits it); if the
//! machine stops halfway, importing the same bundle again completes it and changes nothing else.

use std::fs;
use std::io::{self, BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result, bail};
use postern_spool::bundle::{BundleError, EntryFault};
use postern_spool::keys::VerifyingKey;
use postern_spool::record::{MAX_RECORD_LEN, SourceRecord};
use postern_spool::replies::{VerifiedReply, read_reply_bundle};
use postern_spool::spool::Spool;

use crate::config::{Config, NEWSROOM_KEY_FILE, read_newsroom_key};
use crate::fsutil::{read_bounded, sync_dir, write_new};

/// Most ciphertext bytes one import holds in memory while it checks the bundle.
const MAX_STAGED: usize = 256 << 20;

/// Pins the newsroom's reply-signing key in the data folder `dir`. Pinning the same key again
/// is a no-op; another key needs `replace`.
pub fn trust_newsroom(dir: &Path, key: &str, replace: bool) -> Result<VerifyingKey> {
    let parsed = VerifyingKey::parse(key).context(
        "that is not a reply-signing key: copy the `ed25519:…` line that `postern-review keygen` printed",
    )?;
    if let Some(current) = read_newsroom_key(dir)? {
        if current == parsed {
            return Ok(parsed);
        }
        if !replace {
            bail!(
                "a different newsroom key is already pinned; if the newsroom really made a new one (check in person), run again with --replace"
            );
        }
    }
    let path = dir.join(NEWSROOM_KEY_FILE);
    let tmp = dir.join(format!("{NEWSROOM_KEY_FILE}.tmp"));
    let _ = fs::remove_file(&tmp);
    write_new(&tmp, format!("{parsed}\n").as_bytes(), 0o600)?;
    fs::rename(&tmp, &path).context("pinning the newsroom key")?;
    sync_dir(dir)?;
    Ok(parsed)
}

/// What an import did.
#[derive(Debug, PartialEq, Eq)]
pub struct ImportReport {
    pub new: usize,
    pub already: usize,
    pub sources: usize,
}

/// Imports a reply bundle from a file, or standard input for `-`.
pub fn import_replies(cfg: &Config, input: &Path) -> Result<ImportReport> {
    if input == Path::new("-") {
        import_from(cfg, io::stdin().lock())
    } else {
        let f = fs::File::open(input)
            .with_context(|| format!("cannot open the bundle {}", input.display()))?;
        import_from(cfg, BufReader::new(f))
    }
}

fn import_from(cfg: &Config, input: impl Read) -> Result<ImportReport> {
    let spool = Spool::open(&cfg.spool_dir()).context("opening the spool")?;
    Ok(import_into(
        &spool,
        cfg.newsroom_key.as_ref(),
        &cfg.signing_key.verifying_key(),
        input,
    )?)
}

/// Why a reply bundle was refused, as a kind: the journalist interface names it in the
/// journalist's language (`web::journalist::uploads`), and nothing of the bundle's own bytes
/// reaches the page. The English text of [`ImportError`] stays the command line's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No newsroom reply-signing key is pinned, so no reply can be trusted.
    NoNewsroomKey,
    /// The file is not a reply bundle.
    NotABundle,
    /// A reply bundle of a version this build does not read.
    UnknownVersion,
    /// The file cannot be read as a bundle (a damaged stream, or another kind of file).
    Unreadable,
    /// The bundle ends before every reply its signed manifest lists.
    CutShort,
    /// The manifest or a reply record is not signed by the pinned newsroom key.
    NotSigned,
    /// A reply's ciphertext differs from its signed record.
    Altered,
    /// Any other fault of the bundle's structure (names, order, sizes of its entries).
    Malformed,
    /// A reply is addressed to a source this server does not know.
    UnknownSource,
    /// The record of a reply's source does not verify with the spool's key.
    BadSourceRecord,
    /// A reply is not sealed to its source's reply key.
    WrongRecipient,
    /// More ciphertext than one import holds.
    TooLarge,
    /// A reply has the id of another reply already here.
    Conflict,
    /// Writing into the spool failed partway (importing the bundle again completes it).
    WriteFailed,
}

impl Refusal {
    /// Every kind, for the tests that each has its words in every language.
    pub const ALL: [Refusal; 14] = [
        Refusal::NoNewsroomKey,
        Refusal::NotABundle,
        Refusal::Unreadable,
        Refusal::UnknownVersion,
        Refusal::CutShort,
        Refusal::NotSigned,
        Refusal::Altered,
        Refusal::Malformed,
        Refusal::UnknownSource,
        Refusal::BadSourceRecord,
        Refusal::WrongRecipient,
        Refusal::TooLarge,
        Refusal::Conflict,
        Refusal::WriteFailed,
    ];

    /// The kind of a fault the bundle reader found, from the reader's own fault kind (never from
    /// its English words); a kind the reader may add later is `Malformed`, which is still true.
    fn of_bundle(e: &BundleError) -> Refusal {
        match e {
            BundleError::NotABundle => Refusal::NotABundle,
            BundleError::UnknownVersion => Refusal::UnknownVersion,
            BundleError::Io(_) => Refusal::Unreadable,
            BundleError::Incomplete { .. } => Refusal::CutShort,
            BundleError::BadEntry { fault, .. } => match fault {
                EntryFault::NotSigned => Refusal::NotSigned,
                EntryFault::Altered => Refusal::Altered,
                EntryFault::CutShort => Refusal::CutShort,
                _ => Refusal::Malformed,
            },
            // The visitor's refusals are this module's, and recorded where they are made; a
            // kind the reader may add later is still a fault of the bundle's form.
            _ => Refusal::Malformed,
        }
    }
}

/// A refused (or failed) import: its [`Refusal`] kind, and the English message of
/// `postern import-replies` (its `Display`).
#[derive(Debug)]
pub struct ImportError {
    pub refusal: Refusal,
    error: anyhow::Error,
}

impl ImportError {
    fn new(refusal: Refusal, error: anyhow::Error) -> ImportError {
        ImportError { refusal, error }
    }
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl std::error::Error for ImportError {}

/// Imports a reply bundle into `spool`: the one path for `postern import-replies` and the
/// journalist interface's upload. `newsroom` is the pinned reply-signing key, `server` the
/// spool's own key (source records are checked with it).
pub fn import_into(
    spool: &Spool,
    newsroom: Option<&VerifyingKey>,
    server: &VerifyingKey,
    input: impl Read,
) -> Result<ImportReport, ImportError> {
    let Some(newsroom) = newsroom.copied() else {
        return Err(ImportError::new(
            Refusal::NoNewsroomKey,
            anyhow::anyhow!(
                "no newsroom key is pinned, so no reply can be trusted: run `postern trust-newsroom --config FILE ed25519:…` with the key `postern-review keygen` printed"
            ),
        ));
    };
    let server = *server;
    let mut staged: Vec<VerifiedReply> = Vec::new();
    let mut staged_bytes = 0usize;
    // The kind of the visitor's refusal, if it made one.
    let mut refusal = None;
    let result = read_reply_bundle(input, &newsroom, |reply| {
        let mut refuse = |kind, why: &str| {
            refusal = Some(kind);
            Err(why.to_owned())
        };
        let source = reply.record.source;
        let path = spool.source_record_path(&source);
        let bytes = match read_bounded(&path, MAX_RECORD_LEN as u64) {
            Ok(b) => b,
            _ => {
                return refuse(
                    Refusal::UnknownSource,
                    "a reply is addressed to a source this server does not know",
                );
            }
        };
        let Ok(record) = SourceRecord::parse_verified(&bytes, &server) else {
            return refuse(
                Refusal::BadSourceRecord,
                "the record of a reply's source does not verify",
            );
        };
        if !reply.record.recipients.contains(&record.reply) {
            return refuse(
                Refusal::WrongRecipient,
                "a reply is not sealed to its source's reply key",
            );
        }
        staged_bytes = staged_bytes.saturating_add(reply.ciphertext.len());
        if staged_bytes > MAX_STAGED {
            return refuse(
                Refusal::TooLarge,
                "the bundle is too large for one import; export fewer replies",
            );
        }
        staged.push(reply);
        Ok(())
    });
    if let Err(e) = result {
        let kind = match (&e, refusal) {
            (BundleError::Refused { .. }, Some(kind)) => kind,
            _ => Refusal::of_bundle(&e),
        };
        return Err(ImportError::new(kind, refused(e)));
    }
    let mut report = ImportReport {
        new: 0,
        already: 0,
        sources: 0,
    };
    let mut sources: Vec<_> = staged.iter().map(|r| r.record.source).collect();
    sources.sort();
    sources.dedup();
    report.sources = sources.len();
    // A conflict (another record under a reply's id) refuses the bundle before anything is
    // written.
    for r in &staged {
        let (_, rec_path) = spool.reply_paths(&r.record.source, &r.record.item);
        let conflict = match read_bounded(&rec_path, MAX_RECORD_LEN as u64) {
            Ok(existing) => existing != r.record_text,
            Err(e) => e.kind() == io::ErrorKind::InvalidData,
        };
        if conflict {
            return Err(ImportError::new(
                Refusal::Conflict,
                anyhow::anyhow!(
                    "reply bundle refused, nothing was imported: a reply in it has the id of another reply already here"
                ),
            ));
        }
    }
    let mut rng = rand::rng();
    for r in &staged {
        let fresh = spool
            .install_reply(
                &mut rng,
                &r.record.source,
                &r.record.item,
                &r.ciphertext,
                &r.record_text,
            )
            .context("writing a reply into the spool")
            .map_err(|e| ImportError::new(Refusal::WriteFailed, e))?;
        if fresh {
            report.new += 1;
        } else {
            report.already += 1;
        }
    }
    Ok(report)
}

fn refused(e: BundleError) -> anyhow::Error {
    anyhow::anyhow!("reply bundle refused, nothing was imported: {e}")
}
