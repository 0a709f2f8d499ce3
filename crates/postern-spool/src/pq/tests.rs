use std::io::{Read, Write};

use rand::SeedableRng;
use rand::rngs::StdRng;
use secrecy::ExposeSecret;

use super::*;

const SPEC: &str = include_str!("../../../../tests/vectors/pq/spec-example.txt");

fn spec_lines() -> Vec<&'static str> {
    SPEC.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect()
}

#[test]
fn the_spec_example_key_and_stanza() {
    let l = spec_lines();
    let id: HybridIdentity = l[0].parse().unwrap();
    assert_eq!(id.to_secret_string().expose_secret(), l[0]);
    assert_eq!(id.to_public().to_string(), l[1]);
    let r: HybridRecipient = l[1].parse().unwrap();
    assert_eq!(r, id.to_public());
    assert_eq!(r.to_bytes().len(), RECIPIENT_LEN);
    let stanza = Stanza {
        tag: STANZA_TAG.into(),
        args: vec![l[2].into()],
        body: BASE64_STANDARD_NO_PAD.decode(l[3]).unwrap(),
    };
    // The spec's stanza opens with the spec's identity (the HPKE tag authenticates the
    // whole KEM and key schedule) ...
    let fk = age::Identity::unwrap_stanza(&id, &stanza).unwrap().unwrap();
    assert_eq!(fk.expose_secret().len(), 16);
    // ... and with no other.
    let other = HybridIdentity::from_seed(&[7; 32]);
    assert!(age::Identity::unwrap_stanza(&other, &stanza).is_none());
}

#[test]
fn deterministic_wrap_is_reproducible_and_opens() {
    let id = HybridIdentity::from_seed(&[1; 32]);
    let r = id.to_public();
    let a = r.wrap_with_randomness(&[9; 16], &[3; 64]);
    let b = r.wrap_with_randomness(&[9; 16], &[3; 64]);
    assert_eq!((&a.tag, &a.args, &a.body), (&b.tag, &b.args, &b.body));
    assert_eq!(a.args.len(), 1);
    assert_eq!(a.args[0].len(), ENC_B64_LEN);
    assert_eq!(a.body.len(), 32);
    let c = r.wrap_with_randomness(&[9; 16], &[4; 64]);
    assert_ne!(a.args, c.args);
    let fk = age::Identity::unwrap_stanza(&id, &a).unwrap().unwrap();
    assert_eq!(fk.expose_secret(), &[9; 16]);
}

#[test]
fn age_round_trip_and_the_postquantum_label() {
    let mut rng = StdRng::seed_from_u64(5);
    let id = HybridIdentity::generate(&mut rng);
    let r = id.to_public();
    let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
    let mut ct = Vec::new();
    let mut w = enc.wrap_output(&mut ct).unwrap();
    w.write_all(b"hello, quantum world").unwrap();
    w.finish().unwrap();
    let text = String::from_utf8_lossy(&ct);
    assert!(text.contains("\n-> mlkem768x25519 "));
    let dec = age::Decryptor::new(&ct[..]).unwrap();
    let mut out = Vec::new();
    dec.decrypt(std::iter::once(&id as &dyn age::Identity))
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, b"hello, quantum world");

    // age itself refuses to mix it with a classical recipient, in either order.
    let classical = age::x25519::Identity::generate().to_public();
    for pair in [
        [&r as &dyn age::Recipient, &classical as &dyn age::Recipient],
        [&classical as &dyn age::Recipient, &r as &dyn age::Recipient],
    ] {
        let e = age::Encryptor::with_recipients(pair.into_iter());
        assert!(
            matches!(e, Err(age::EncryptError::IncompatibleRecipients { .. })),
            "a mixed set was accepted"
        );
    }
}

#[test]
fn key_parsing_is_canonical() {
    let l = spec_lines();
    // Case: one spelling only.
    assert_eq!(
        l[0].to_lowercase().parse::<HybridIdentity>().unwrap_err(),
        KeyError::Encoding
    );
    assert_eq!(
        l[1].to_uppercase().parse::<HybridRecipient>().unwrap_err(),
        KeyError::Encoding
    );
    // Truncated, extended, wrong checksum.
    assert_eq!(
        l[1][..l[1].len() - 1]
            .parse::<HybridRecipient>()
            .unwrap_err(),
        KeyError::Length
    );
    assert_eq!(
        format!("{}q", l[1]).parse::<HybridRecipient>().unwrap_err(),
        KeyError::Length
    );
    let mut bad = l[1].to_owned();
    let last = bad.pop().unwrap();
    bad.push(if last == 'q' { 'p' } else { 'q' });
    assert_eq!(
        bad.parse::<HybridRecipient>().unwrap_err(),
        KeyError::Encoding
    );
    // A classical key is another type.
    let classical = age::x25519::Identity::generate();
    assert!(
        classical
            .to_public()
            .to_string()
            .parse::<HybridRecipient>()
            .is_err()
    );
    assert!(
        classical
            .to_string()
            .expose_secret()
            .parse::<HybridIdentity>()
            .is_err()
    );
    // An identity is not a recipient and vice versa.
    assert!(l[0].parse::<HybridRecipient>().is_err());
    assert!(l[1].parse::<HybridIdentity>().is_err());
    // A public key whose ML-KEM part has a coefficient >= q is refused (FIPS 203 check).
    let mut bytes = l[1].parse::<HybridRecipient>().unwrap().to_bytes();
    bytes[0] = 0xff;
    bytes[1] |= 0x0f;
    assert!(HybridRecipient::from_bytes(&bytes).is_none());
    assert!(HybridRecipient::from_bytes(&bytes[..RECIPIENT_LEN - 1]).is_none());
}

fn cp(s: &Stanza) -> Stanza {
    Stanza {
        tag: s.tag.clone(),
        args: s.args.clone(),
        body: s.body.clone(),
    }
}

#[test]
fn malformed_stanzas_are_errors_and_foreign_ones_ignored() {
    let id = HybridIdentity::from_seed(&[1; 32]);
    let good = id.to_public().wrap_with_randomness(&[9; 16], &[3; 64]);
    let unwrap = |s: &Stanza| age::Identity::unwrap_stanza(&id, s);
    assert!(unwrap(&good).unwrap().is_ok());
    // Other stanza types are not ours to judge.
    let mut foreign = cp(&good);
    foreign.tag = "X25519".into();
    assert!(unwrap(&foreign).is_none());
    let cases: Vec<Stanza> = vec![
        // No argument, two arguments.
        Stanza {
            args: vec![],
            ..cp(&good)
        },
        Stanza {
            args: vec![good.args[0].clone(), "x".into()],
            ..cp(&good)
        },
        // Truncated and oversized enc.
        Stanza {
            args: vec![good.args[0][..good.args[0].len() - 1].into()],
            ..cp(&good)
        },
        Stanza {
            args: vec![format!("{}A", good.args[0])],
            ..cp(&good)
        },
        // Padded base64.
        Stanza {
            args: vec![format!("{}==", &good.args[0][..good.args[0].len() - 2])],
            ..cp(&good)
        },
        // Body of 31 and 33 bytes.
        Stanza {
            body: good.body[..31].to_vec(),
            ..cp(&good)
        },
        Stanza {
            body: [good.body.as_slice(), &[0]].concat(),
            ..cp(&good)
        },
    ];
    for (i, s) in cases.iter().enumerate() {
        assert!(
            matches!(unwrap(s), Some(Err(age::DecryptError::InvalidHeader))),
            "case {i}"
        );
    }
    // Non-canonical base64: the last character carries bits that must be zero.
    let mut nc = good.args[0].clone();
    let last = nc.pop().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let pos = alphabet.find(last).unwrap();
    nc.push(alphabet.as_bytes()[(pos & !0b1111) | ((pos + 1) & 0b1111)] as char);
    assert!(matches!(
        unwrap(&Stanza {
            args: vec![nc],
            ..cp(&good)
        }),
        Some(Err(age::DecryptError::InvalidHeader))
    ));
    // A tampered body is simply not ours.
    let mut tampered = cp(&good);
    tampered.body[0] ^= 1;
    assert!(unwrap(&tampered).is_none());
}

#[test]
fn debug_never_shows_the_secret() {
    let id = HybridIdentity::from_seed(&[0x42; 32]);
    let secret = id.to_secret_string();
    let dbg = format!("{id:?}");
    assert!(!dbg.contains(&secret.expose_secret()[19..40]));
    assert!(dbg.contains("age1pq1"));
    assert!(!format!("{:?}", KeyError::Encoding).contains("AGE"));
}
