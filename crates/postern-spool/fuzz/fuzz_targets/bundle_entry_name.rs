//! `parse_entry_name` on arbitrary strings: anything accepted must be exactly the canonical name.

#![no_main]

use libfuzzer_sys::fuzz_target;
use postern_spool::bundle::{EntryName, parse_entry_name};

fuzz_target!(|data: &[u8]| {
    let Ok(name) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(parsed) = parse_entry_name(name) {
        let canonical = match parsed {
            EntryName::SourceRecord(s) => format!("postern-bundle/sources/{s}/source.rec"),
            EntryName::ItemRecord(s, i) => format!("postern-bundle/sources/{s}/items/{i}.rec"),
            EntryName::ItemData(s, i) => format!("postern-bundle/sources/{s}/items/{i}.age"),
        };
        assert_eq!(canonical, name, "accepted a non-canonical entry name");
    }
});
