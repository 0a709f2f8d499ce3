//! Reply bundles that are not what the newsroom signed are refused whole, one test per fault,
//! and leave nothing behind; the good bundle still goes in (from standard input too); a reply
//! planted without the newsroom's signature is never shown; without a pinned key nothing is
//! imported.

use std::fs;
use std::io::Write;
use std::process::Command;

use postern_spool::day::Day;
use postern_spool::ids::{ItemId, SourceId};
use postern_spool::keys::SigningKey;
use postern_spool::recipients::Recipients;
use postern_spool::record::SourceRecord;
use postern_spool::replies::{SealedReply, seal_reply, write_reply_bundle};
use postern_spool::spool::Spool;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{UA, import_replies, new_source, reply_files, server_trusting, the_source};
use crate::http::Browser;
use crate::support::{Reviewer, Server, bin, stderr, stdout};

/// Bundles made with the library, signed by a newsroom key the test holds.
struct Newsroom {
    key: SigningKey,
    recipients: Recipients,
}

fn sealed_for(n: &Newsroom, source: &SourceRecord, text: &str, seed: u64) -> SealedReply {
    seal_reply(
        &mut StdRng::seed_from_u64(seed),
        text,
        source,
        &n.recipients,
        Day(20_500),
        &n.key,
    )
    .unwrap()
}

fn bundle_of(key: &SigningKey, replies: &[SealedReply]) -> Vec<u8> {
    write_reply_bundle(
        &mut StdRng::seed_from_u64(1),
        Vec::new(),
        Day(20_500),
        key,
        replies,
    )
    .unwrap()
}

/// A tar stream written by hand, so that names tar libraries refuse (`../x`) can be made.
fn raw_tar(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in entries {
        let mut h = [0u8; 512];
        // Long names go into the ustar prefix field, split at a '/'.
        let (prefix, short) = match name.len() {
            0..=100 => ("", *name),
            _ => name.rsplit_once('/').unwrap(),
        };
        assert!(short.len() <= 100 && prefix.len() <= 155, "{name}");
        h[..short.len()].copy_from_slice(short.as_bytes());
        h[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
        h[100..107].copy_from_slice(b"0000600");
        h[108..115].copy_from_slice(b"0000000");
        h[116..123].copy_from_slice(b"0000000");
        h[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
        h[136..147].copy_from_slice(b"00000000000");
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

/// Every entry of a tar stream: (name, data).
fn entries_of(bundle: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut a = tar::Archive::new(bundle);
    a.entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = String::from_utf8(e.path_bytes().into_owned()).unwrap();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut data).unwrap();
            (name, data)
        })
        .collect()
}

/// A server trusting a newsroom key the test holds, one source who has submitted, and the good
/// bundle of two replies to it.
struct Fixture {
    rng: StdRng,
    reviewer: Reviewer,
    newsroom: Newsroom,
    server: Server,
    /// The source's browser, logged in.
    b: Browser,
    sid: SourceId,
    source: SourceRecord,
    good_bundle: Vec<u8>,
    /// The good bundle's tar entries: (name, data).
    entries: Vec<(String, Vec<u8>)>,
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let mut rng = StdRng::seed_from_u64(42);
        let reviewer = Reviewer::new();
        let newsroom = Newsroom {
            key: SigningKey::generate(&mut rng),
            recipients: reviewer.recipients(),
        };
        let server = server_trusting(
            &reviewer.recipient,
            &newsroom.key.verifying_key().to_string(),
        );
        let mut b = Browser::new(server.port, UA);
        new_source(&mut b);
        let sid = the_source(&server);
        let rec_bytes = fs::read(
            server
                .spool()
                .join("sources")
                .join(sid.to_string())
                .join("source.rec"),
        )
        .unwrap();
        let server_key = postern_spool::keys::VerifyingKey::parse(&server.signing_pub()).unwrap();
        let source = SourceRecord::parse_verified(&rec_bytes, &server_key).unwrap();
        let good = [
            sealed_for(&newsroom, &source, "one", 1),
            sealed_for(&newsroom, &source, "two", 2),
        ];
        let good_bundle = bundle_of(&newsroom.key, &good);
        let entries = entries_of(&good_bundle);
        Fixture {
            rng,
            reviewer,
            newsroom,
            server,
            b,
            sid,
            source,
            good_bundle,
            entries,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The good bundle's entries, borrowed.
    fn refs(&self) -> Vec<(&str, &[u8])> {
        self.entries
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect()
    }

    /// `postern import-replies` refuses `bytes` whole: nothing written, no temporaries.
    fn refused(&self, what: &str, bytes: &[u8]) {
        let path = self.dir.path().join("case.tar");
        fs::File::create(&path).unwrap().write_all(bytes).unwrap();
        let out = import_replies(&self.server, &path);
        assert!(!out.status.success(), "{what}: accepted");
        let err = stderr(&out);
        assert!(err.contains("nothing was imported"), "{what}: {err}");
        eprintln!("{what}: {}", err.trim());
        assert!(
            reply_files(&self.server, &self.sid).is_empty(),
            "{what}: something was written"
        );
        assert!(
            self.server.temporaries().is_empty(),
            "{what}: temporaries left"
        );
    }

    /// The good bundle with one byte flipped in the middle of each entry named `*suffix`.
    fn altered(&self, suffix: &str) -> Vec<u8> {
        let altered: Vec<(String, Vec<u8>)> = self
            .entries
            .iter()
            .map(|(n, d)| {
                let mut d = d.clone();
                if n.ends_with(suffix) && !n.ends_with("MANIFEST") {
                    let mid = d.len() / 2;
                    d[mid] ^= 0x20;
                }
                (n.clone(), d)
            })
            .collect();
        let refs: Vec<(&str, &[u8])> = altered
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        raw_tar(&refs)
    }

    /// The good bundle with its third entry renamed `trick`.
    fn path_trick(&self, trick: &str) -> Vec<u8> {
        let mut tricked = self.refs();
        tricked[2].0 = trick;
        raw_tar(&tricked)
    }
}

/// Formerly the cases of one loop: one test per way a bundle can be wrong.
mod bundles_that_are_not_what_the_newsroom_signed_are_refused_whole {
    use super::*;

    #[test]
    fn signed_by_another_key() {
        // A forged newsroom.
        let mut fx = Fixture::new();
        let forger = SigningKey::generate(&mut fx.rng);
        let forged = [seal_reply(
            &mut fx.rng,
            "forged",
            &fx.source,
            &fx.newsroom.recipients,
            Day(1),
            &forger,
        )
        .unwrap()];
        fx.refused("signed by another key", &bundle_of(&forger, &forged));
    }

    #[test]
    fn unsigned() {
        // The manifest left out.
        let fx = Fixture::new();
        let without_manifest: Vec<(&str, &[u8])> = fx
            .refs()
            .into_iter()
            .filter(|(n, _)| !n.ends_with("MANIFEST"))
            .collect();
        fx.refused("unsigned", &raw_tar(&without_manifest));
    }

    #[test]
    fn altered_ciphertext() {
        let fx = Fixture::new();
        fx.refused("altered ciphertext", &fx.altered(".age"));
    }

    #[test]
    fn altered_record() {
        let fx = Fixture::new();
        fx.refused("altered record", &fx.altered(".rec"));
    }

    #[test]
    fn a_reply_dropped() {
        // The signed manifest still lists it.
        let fx = Fixture::new();
        let refs = fx.refs();
        fx.refused("a reply dropped", &raw_tar(&refs[..refs.len() - 2]));
    }

    #[test]
    fn truncated() {
        let fx = Fixture::new();
        let half = &fx.good_bundle[..fx.good_bundle.len() / 2];
        fx.refused("truncated", half);
    }

    #[test]
    fn an_unknown_source() {
        // Aimed at a source this server does not know, beside a good reply.
        let fx = Fixture::new();
        let stranger = SourceRecord {
            source: SourceId::from_bytes([0x5a; 32]),
            reply: age::x25519::Identity::generate().to_public().to_string(),
            day: Day(20_000),
        };
        let mixed = [
            sealed_for(&fx.newsroom, &fx.source, "fine", 3),
            sealed_for(&fx.newsroom, &stranger, "lost", 4),
        ];
        fx.refused("an unknown source", &bundle_of(&fx.newsroom.key, &mixed));
    }

    #[test]
    fn a_path_trick_up_and_out() {
        let fx = Fixture::new();
        fx.refused("a path trick", &fx.path_trick("../../etc/passwd"));
    }

    #[test]
    fn a_path_trick_absolute() {
        let fx = Fixture::new();
        fx.refused("a path trick", &fx.path_trick("/etc/passwd"));
    }

    #[test]
    fn a_path_trick_through_the_bundle_folder() {
        let fx = Fixture::new();
        fx.refused("a path trick", &fx.path_trick("postern-replies/../x.age"));
    }

    #[test]
    fn not_sealed_to_the_source() {
        // Sealed to the newsroom but not to the source: the source could never read it.
        let fx = Fixture::new();
        let wrong_recipient = SourceRecord {
            reply: age::x25519::Identity::generate().to_public().to_string(),
            ..fx.source.clone()
        };
        let unreadable = [sealed_for(&fx.newsroom, &wrong_recipient, "unreadable", 5)];
        fx.refused(
            "not sealed to the source",
            &bundle_of(&fx.newsroom.key, &unreadable),
        );
    }
}

/// Imports the good bundle from standard input: it goes in whole.
fn import_from_stdin(fx: &Fixture) {
    let out = Command::new(bin("postern"))
        .args(["import-replies", "--config"])
        .arg(&fx.server.config)
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map(|mut c| {
            c.stdin.take().unwrap().write_all(&fx.good_bundle).unwrap();
            c.wait_with_output().unwrap()
        })
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(reply_files(&fx.server, &fx.sid).len(), 4);
}

#[test]
fn the_good_bundle_goes_in_whole_and_the_test_tar_is_a_valid_bundle() {
    let mut fx = Fixture::new();
    import_from_stdin(&fx);
    // The hand-made tar of the untouched entries is a valid bundle: the faults above were
    // refused for what was changed, not for how the test wrote the tar.
    let path = fx.dir.path().join("rewritten.tar");
    fs::write(&path, raw_tar(&fx.refs())).unwrap();
    let out = import_replies(&fx.server, &path);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("2 already"), "{}", stdout(&out));
    let home = fx.b.get("/en/home").text();
    assert!(
        home.contains(">one</pre>") && home.contains(">two</pre>"),
        "{home}"
    );
}

#[test]
fn a_reply_planted_without_the_newsroom_signature_is_never_shown() {
    let mut fx = Fixture::new();
    import_from_stdin(&fx);
    let forger = SigningKey::generate(&mut fx.rng);
    let planted = seal_reply(
        &mut fx.rng,
        "PLANTED",
        &fx.source,
        &fx.newsroom.recipients,
        Day(1),
        &forger,
    )
    .unwrap();
    let spool = Spool::open(&fx.server.spool()).unwrap();
    let planted_id = ItemId::random(&mut fx.rng);
    spool
        .install_reply(
            &mut fx.rng,
            &fx.sid,
            &planted_id,
            &planted.ciphertext,
            planted.record_text.as_bytes(),
        )
        .unwrap();
    let home = fx.b.get("/en/home").text();
    assert!(!home.contains("PLANTED"), "{home}");
    assert!(home.contains(">one</pre>"));
}

#[test]
fn without_a_pinned_key_nothing_is_imported() {
    let fx = Fixture::new();
    let mut bare = Server::new(&fx.reviewer.recipient, |c| c);
    bare.kill();
    let path = fx.dir.path().join("good.tar");
    fs::write(&path, &fx.good_bundle).unwrap();
    let out = import_replies(&bare, &path);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no newsroom key is pinned"),
        "{}",
        stderr(&out)
    );
}
