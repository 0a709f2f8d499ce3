//! *The spool: the only thing that crosses Postern's air gap.*
//!
//! This crate is the format library shared by the internet-facing server and the air-gapped
//! reviewer. It knows how to:
//!
//! - make and normalise source **codenames** ([`codename`]) and stretch them into a lookup id and a
//!   reply identity ([`derive`]);
//! - seal content into a padded, versioned **envelope** inside an age file, streaming, to any set of
//!   public recipients ([`envelope`]), and, behind the `open` feature, open one again;
//! - lay items out in a **spool** directory with atomic, durable writes and an Ed25519-signed record
//!   per item ([`spool`], [`record`], [`keys`]);
//! - carry a selection of items across the air gap as a **bundle** ([`bundle`]), and the
//!   newsroom's signed replies back the other way ([`replies`]);
//! - make attacker-chosen text safe for a terminal or as a file name ([`sanitize`]), for every
//!   binary that prints it.
//!
//! It touches no network and no async runtime, and it never reads a clock or an RNG it was not
//! handed: every function that needs randomness or "today" takes it as a parameter, so codenames,
//! ids and test vectors are deterministic in tests. (age draws its own ephemeral keys and file keys
//! from the operating system; that is age's business and cannot be made deterministic.)
//!
//! The normative description of every byte lives in `docs/spool-format.md`.

pub mod bundle;
pub mod codename;
pub mod day;
pub mod derive;
pub mod designation;
pub mod envelope;
pub mod error;
pub mod ids;
pub mod keys;
pub mod padme;
pub mod pq;
pub mod recipients;
pub mod record;
pub mod replies;
pub mod sanitize;
pub mod segments;
pub mod spool;
mod tarstream;

pub use error::{OpenError, OpenFailure, SealError};
