//! The hybrid key parsers (`age1pq1…` recipients, `AGE-SECRET-KEY-PQ-1…` identities) and the
//! recipient-kind parser on arbitrary UTF-8, against docs/spool-format.md §14.2: whatever is
//! accepted has exactly one spelling, so it re-encodes to the input byte for byte, and a string is
//! never both a recipient and an identity.

#![no_main]

use libfuzzer_sys::fuzz_target;
use postern_spool::pq::{HybridIdentity, HybridRecipient};
use postern_spool::recipients::{Recipient, Recipients};
use secrecy::ExposeSecret;

fuzz_target!(|s: &str| {
    let r = s.parse::<HybridRecipient>();
    let i = s.parse::<HybridIdentity>();
    assert!(!(r.is_ok() && i.is_ok()), "both a recipient and an identity");
    if let Ok(r) = &r {
        assert_eq!(r.to_string(), s, "a recipient that is not canonical");
        assert_eq!(HybridRecipient::from_bytes(&r.to_bytes()).as_ref(), Some(r));
    }
    if let Ok(i) = &i {
        assert_eq!(i.to_secret_string().expose_secret(), s, "an identity that is not canonical");
    }
    if let Ok(any) = s.parse::<Recipient>() {
        assert_eq!(any.to_string(), s, "a recipient of either kind that is not canonical");
        assert_eq!(any.is_hybrid(), r.is_ok());
    }
    // A set of one string (and the string twice) parses exactly when the string does.
    let set = Recipients::parse([s, s]);
    if let Ok(set) = set {
        assert_eq!(set.strings(), vec![s.trim().to_owned()]);
    }
});
