//! The `mlkem768x25519` stanza rules (docs/spool-format.md §14.3) on arbitrary input: the first
//! bytes choose how many arguments and the body length, the rest fill them. The identity must
//! refuse, without panicking, every stanza that breaks a rule, and can only accept one with exactly
//! one argument of 1494 base64 characters and a 32-byte body. Then the same bytes as a whole age
//! file, opened with a hybrid identity (age's header parser feeding ours).

#![no_main]

use age_core::format::Stanza;
use libfuzzer_sys::fuzz_target;
use postern_spool::envelope::open;
use postern_spool::pq::HybridIdentity;

fuzz_target!(|data: &[u8]| {
    let id = HybridIdentity::from_seed(&[0x42; 32]);
    if let [nargs, body_len, rest @ ..] = data {
        let nargs = usize::from(*nargs % 4);
        let body_len = usize::from(*body_len % 64).min(rest.len());
        let (body, rest) = rest.split_at(body_len);
        let text = String::from_utf8_lossy(rest);
        let mut args: Vec<String> = text.split(' ').map(str::to_owned).collect();
        args.truncate(nargs);
        let stanza = Stanza {
            tag: "mlkem768x25519".into(),
            args,
            body: body.to_vec(),
        };
        let result = age::Identity::unwrap_stanza(&id, &stanza);
        let well_formed = stanza.args.len() == 1
            && stanza.args.first().is_some_and(|a| a.len() == 1494)
            && stanza.body.len() == 32;
        match result {
            Some(Ok(_)) => assert!(well_formed, "accepted a malformed stanza"),
            Some(Err(_)) => {}
            None => assert!(well_formed, "ignored a malformed stanza of its type"),
        }
        // Another type's stanza is never ours to judge.
        let other = Stanza {
            tag: "X25519".into(),
            args: stanza.args.clone(),
            body: stanza.body.clone(),
        };
        assert!(age::Identity::unwrap_stanza(&id, &other).is_none());
    }
    let _ = open(data, std::iter::once(&id as &dyn age::Identity));
});
