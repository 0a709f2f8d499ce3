//! Every refusal of hostile input by `postern-review import`: input altered, unsigned or signed
//! by another server, and bundles with path tricks. Each is refused whole, leaves nothing behind,
//! and names the next step.

use std::fs;
use std::path::{Path, PathBuf};

use postern_spool::envelope::Kind;

use super::files_in;
use crate::support::{Reviewer, ServerSpool, content, stderr, stdout};

/// Runs an import that must be refused, and checks that the store stayed empty.
fn refused(reviewer: &Reviewer, input: &Path, expect: &str) {
    let out = reviewer.cmd(&["import", input.to_str().unwrap()]);
    let err = stderr(&out);
    assert!(
        !out.status.success(),
        "import of {} succeeded: {}",
        input.display(),
        stdout(&out)
    );
    assert!(err.contains(expect), "expected {expect:?} in:\n{err}");
    assert!(err.contains("hint:"), "no next step in:\n{err}");
    let list = reviewer.ok(&["list"]);
    assert!(
        list.contains("No sources yet"),
        "something was imported: {list}"
    );
    // No staged leftovers either.
    assert!(files_in(&reviewer.home().join("store/tmp")).is_empty());
}

/// A reviewer trusting a server spool with one source and two items (`a` of 200 000 bytes);
/// every case below is refused on it, and the good bundle still imports afterwards.
struct Fixture {
    reviewer: Reviewer,
    server: ServerSpool,
    s: postern_spool::ids::SourceId,
    a: postern_spool::record::ItemRecord,
    work: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let reviewer = Reviewer::new();
        let mut server = ServerSpool::new(reviewer.recipients(), 3);
        let s = server.source();
        let a = server.store(&s, Kind::File, "a.bin", &content(200_000, 5));
        server.store(&s, Kind::File, "b.bin", &content(1000, 6));
        reviewer.ok(&["trust", &server.verifying_key()]);
        Fixture {
            reviewer,
            server,
            s,
            a,
            work: tempfile::tempdir().unwrap(),
        }
    }

    /// The path of item `a`'s ciphertext, relative to the spool.
    fn a_rel(&self) -> PathBuf {
        let (age_path, _) = self.server.spool.item_paths(&self.s, &self.a.item);
        age_path
            .strip_prefix(self.server.root())
            .unwrap()
            .to_owned()
    }

    /// A copy of the spool at `work/name`.
    fn copy(&self, name: &str) -> PathBuf {
        let copy = self.work.path().join(name);
        copy_dir(&self.server.root(), &copy);
        copy
    }

    /// A good bundle of the spool at `work/good.tar`.
    fn good_bundle(&self) -> PathBuf {
        let good = self.work.path().join("good.tar");
        self.server.bundle(&good);
        good
    }

    /// `input` is refused with `expect`, and the good bundle imports after it.
    fn refused(&self, input: &Path, expect: &str) {
        refused(&self.reviewer, input, expect);
        let good = self.good_bundle();
        assert!(
            self.reviewer
                .ok(&["import", good.to_str().unwrap()])
                .contains("Imported 2 new item(s)")
        );
    }
}

/// Formerly the steps of one test: one test per kind of input refused.
mod altered_unsigned_or_foreign_input_is_refused_whole {
    use super::*;

    /// A spool signed by another server, with one item.
    fn impostor(fx: &Fixture) -> ServerSpool {
        let mut impostor = ServerSpool::new(fx.reviewer.recipients(), 4);
        let is = impostor.source();
        impostor.store(&is, Kind::File, "x", b"x");
        impostor
    }

    #[test]
    fn a_spool_copy_signed_by_another_server() {
        let fx = Fixture::new();
        let impostor = impostor(&fx);
        fx.refused(
            &impostor.root(),
            "does not verify with the pinned server key",
        );
    }

    #[test]
    fn a_bundle_signed_by_another_server() {
        let fx = Fixture::new();
        let impostor = impostor(&fx);
        let ib = fx.work.path().join("impostor.tar");
        impostor.bundle(&ib);
        fx.refused(&ib, "does not verify with the pinned server key");
    }

    #[test]
    fn a_spool_copy_with_one_byte_of_a_ciphertext_altered() {
        let fx = Fixture::new();
        let copy = fx.copy("copy");
        let rel = fx.a_rel();
        let mut bytes = fs::read(copy.join(&rel)).unwrap();
        bytes[5000] ^= 0x20;
        fs::write(copy.join(&rel), &bytes).unwrap();
        fx.refused(&copy, "does not match its signed record");
    }

    #[test]
    fn a_bundle_with_one_byte_of_a_ciphertext_altered() {
        let fx = Fixture::new();
        let good = fx.good_bundle();
        let (age_path, _) = fx.server.spool.item_paths(&fx.s, &fx.a.item);
        let mut tar = fs::read(&good).unwrap();
        let at = find(&tar, &fs::read(&age_path).unwrap()[..64]).unwrap() + 3000;
        tar[at] ^= 0x01;
        let altered = fx.work.path().join("altered.tar");
        fs::write(&altered, &tar).unwrap();
        fx.refused(&altered, "does not match its signed record");
    }

    #[test]
    fn a_truncated_bundle() {
        let fx = Fixture::new();
        let tar = fs::read(fx.good_bundle()).unwrap();
        let cut = fx.work.path().join("cut.tar");
        fs::write(&cut, &tar[..tar.len() / 2]).unwrap();
        fx.refused(&cut, "bundle refused");
    }

    /// An unsigned item slipped into a spool copy, without a record; the copy and its items
    /// folder.
    fn with_an_unsigned_item(fx: &Fixture) -> (PathBuf, PathBuf) {
        let copy2 = fx.copy("copy2");
        let items_dir = copy2.join(fx.a_rel()).parent().unwrap().to_path_buf();
        fs::write(
            items_dir.join(format!("{}.age", "ab".repeat(16))),
            b"age-encryption.org/v1\n",
        )
        .unwrap();
        (copy2, items_dir)
    }

    #[test]
    fn an_unsigned_item_without_a_record_in_a_spool_copy() {
        let fx = Fixture::new();
        let (copy2, _) = with_an_unsigned_item(&fx);
        fx.refused(&copy2, "without both its ciphertext and its signed record");
    }

    #[test]
    fn an_unsigned_item_with_a_forged_record_in_a_spool_copy() {
        let fx = Fixture::new();
        let (copy2, items_dir) = with_an_unsigned_item(&fx);
        let forged = fs::read_to_string(items_dir.join(format!("{}.rec", fx.a.item)))
            .unwrap()
            .replace(&fx.a.item.to_string(), &"ab".repeat(16));
        fs::write(items_dir.join(format!("{}.rec", "ab".repeat(16))), forged).unwrap();
        fx.refused(&copy2, "does not verify with the pinned server key");
    }

    #[test]
    fn a_symlink_in_a_spool_copy() {
        let fx = Fixture::new();
        let copy3 = fx.copy("copy3");
        std::os::unix::fs::symlink(
            "/etc/passwd",
            copy3.join(fx.a_rel()).with_file_name("evil.rec"),
        )
        .unwrap();
        fx.refused(&copy3, "items folder");
    }

    #[test]
    fn not_a_spool() {
        let fx = Fixture::new();
        fx.refused(fx.work.path(), "not a Postern spool");
    }

    #[test]
    fn not_a_bundle() {
        let fx = Fixture::new();
        let junk = fx.work.path().join("junk.tar");
        fs::write(&junk, vec![0x41u8; 4096]).unwrap();
        fx.refused(&junk, "bundle refused");
    }
}

/// A reviewer trusting a spool of one source with one item, given a bundle of a BUNDLE file, a
/// valid signed manifest listing that item, and one entry named `name_of(source id)` of `kind`,
/// holding `data_of(source record)`: refused with `expect`, and nothing is written outside.
fn trick_refused(
    name_of: impl FnOnce(&str) -> String,
    kind: tar::EntryType,
    data_of: impl FnOnce(Vec<u8>) -> Vec<u8>,
    expect: &str,
) {
    let reviewer = Reviewer::new();
    let mut server = ServerSpool::new(reviewer.recipients(), 5);
    let s = server.source();
    let rec = server.store(&s, Kind::File, "a", b"a");
    reviewer.ok(&["trust", &server.verifying_key()]);
    let work = tempfile::tempdir().unwrap();
    let source_rec = fs::read(server.spool.source_record_path(&s)).unwrap();
    let path = work.path().join("evil.tar");
    let mut b = tar::Builder::new(fs::File::create(&path).unwrap());
    raw_append(
        &mut b,
        "postern-bundle/BUNDLE",
        postern_spool::bundle::BUNDLE_TEXT.as_bytes(),
        tar::EntryType::Regular,
    );
    let manifest = postern_spool::bundle::BundleManifest {
        selection: postern_spool::ids::SelectionId::from_bytes([1; 16]),
        part: 1,
        parts: 1,
        items: vec![(s, rec.item)],
    }
    .sign(&server.key)
    .unwrap();
    raw_append(
        &mut b,
        "postern-bundle/MANIFEST",
        manifest.as_bytes(),
        tar::EntryType::Regular,
    );
    raw_append(&mut b, &name_of(&s.to_string()), &data_of(source_rec), kind);
    b.finish().unwrap();
    refused(&reviewer, &path, expect);
    assert!(!Path::new("/tmp/evil.rec").exists());
}

/// An entry holding the source record under a name that must be refused.
fn path_trick_refused(name_of: impl FnOnce(&str) -> String) {
    trick_refused(
        name_of,
        tar::EntryType::Regular,
        |rec| rec,
        "unexpected name",
    );
}

/// Formerly one loop (and a symlink) in `bundle_path_tricks_are_refused`.
mod bundle_path_tricks_are_refused {
    use super::*;

    #[test]
    fn up_and_out_of_a_source_folder() {
        path_trick_refused(|sid| format!("postern-bundle/sources/{sid}/../../../../tmp/evil.rec"));
    }

    #[test]
    fn an_absolute_name() {
        path_trick_refused(|sid| format!("/postern-bundle/sources/{sid}/source.rec"));
    }

    #[test]
    fn up_and_out_of_the_bundle_folder() {
        path_trick_refused(|_| "postern-bundle/../evil".to_string());
    }

    #[test]
    fn up_from_the_items_folder() {
        path_trick_refused(|sid| format!("postern-bundle/sources/{sid}/items/../source.rec"));
    }

    /// A symlink entry with an allowed name.
    #[test]
    fn a_symlink_entry() {
        trick_refused(
            |sid| format!("postern-bundle/sources/{sid}/source.rec"),
            tar::EntryType::Symlink,
            |_| Vec::new(),
            "not a regular file",
        );
    }
}

/// Appends an entry with a name written straight into the header, bypassing the tar crate's
/// own path checks (an attacker's tar has none).
fn raw_append(b: &mut tar::Builder<fs::File>, name: &str, data: &[u8], kind: tar::EntryType) {
    let mut h = tar::Header::new_ustar();
    let bytes = name.as_bytes();
    if bytes.len() <= 100 {
        h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
    } else {
        // ustar prefix/name split at a slash.
        let split = bytes[..bytes.len() - 1]
            .iter()
            .rposition(|c| *c == b'/')
            .filter(|i| bytes.len() - i - 1 <= 100 && *i <= 155)
            .unwrap();
        let u = h.as_ustar_mut().unwrap();
        u.prefix[..split].copy_from_slice(&bytes[..split]);
        u.name[..bytes.len() - split - 1].copy_from_slice(&bytes[split + 1..]);
    }
    h.set_size(data.len() as u64);
    h.set_mode(0o600);
    h.set_entry_type(kind);
    h.set_cksum();
    b.append(&h, data).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            fs::copy(e.path(), dest).unwrap();
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
