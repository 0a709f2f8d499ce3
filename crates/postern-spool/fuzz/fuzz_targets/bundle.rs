//! `read_bundle` on an arbitrary tar stream, with the test-vector key as the server key (the seeds
//! are signed with it, so mutations reach past the manifest). The visitor reads every entry to its
//! end (bounded) and checks the order rules the reader promises to enforce before handing an entry
//! over; an accepted bundle handed over exactly the items of its manifest, in order.

#![no_main]

use std::collections::HashSet;
use std::io::{self, Read};

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use postern_spool::bundle::{EntryName, read_bundle};
use postern_spool::keys::{SigningKey, VerifyingKey};
use postern_spool::record::MAX_RECORD_LEN;

static KEY: LazyLock<VerifyingKey> = LazyLock::new(|| {
    SigningKey::from_secret_text(include_str!("../../../../tests/vectors/server-signing.key"))
        .expect("test vector secret key")
        .verifying_key()
});

/// Far more than any input the fuzzer makes; only a guard against a runaway reader.
const READ_LIMIT: u64 = 16 << 20;

fuzz_target!(|data: &[u8]| {
    let mut sources = HashSet::new();
    let mut items = HashSet::new();
    let mut current = None;
    let mut pending = None;
    let mut handed = Vec::new();
    let result = read_bundle(data, &KEY, |name, size, reader| {
        match name {
            EntryName::SourceRecord(s) => {
                assert!(pending.is_none(), "source record after an item record");
                assert!(sources.insert(s), "source handed over twice");
                assert!(size <= MAX_RECORD_LEN as u64);
                current = Some(s);
            }
            EntryName::ItemRecord(s, i) => {
                assert!(pending.is_none(), "item record after an item record");
                assert_eq!(current, Some(s), "item outside its source");
                assert!(items.insert(i), "item handed over twice");
                assert!(size <= MAX_RECORD_LEN as u64);
                pending = Some((s, i));
            }
            EntryName::ItemData(s, i) => {
                handed.push((s, i));
                assert_eq!(
                    pending.take(),
                    Some((s, i)),
                    "ciphertext without its record"
                );
            }
        }
        let n =
            io::copy(&mut reader.take(READ_LIMIT), &mut io::sink()).map_err(|e| e.to_string())?;
        assert!(n <= size, "read {n} bytes from an entry of {size}");
        Ok(())
    });
    if let Ok(manifest) = result {
        assert!(
            pending.is_none(),
            "accepted a bundle ending after an item record"
        );
        assert_eq!(handed, manifest.items, "accepted items differ from the manifest");
    }
});
