//! The public key, the metadata document and the languages of the source interface.

use crate::http::request;
use crate::support::{Reviewer, Server};

#[test]
fn public_key_metadata_and_languages() {
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| c);
    let r = request(server.port, "GET", "/public-key", &[], b"");
    assert!(r.text().contains(&reviewer.recipient));
    let fp = postern_spool::recipients::fingerprint(&reviewer.recipient.parse().unwrap());
    assert!(r.text().contains(&fp));
    let r = request(server.port, "GET", "/metadata", &[], b"");
    assert_eq!(r.header("content-type"), Some("application/json"));
    let text = r.text();
    for want in [
        "\"organization\":\"Test Newsroom\"",
        "\"languages\":[\"en\",\"ru\",\"uk\",\"be\",\"fa\",\"ar\",\"zh\",\"tr\",\"es\",\"fr\",\"de\"]",
        "\"max_message_chars\":100000",
        &fp,
        &server.signing_pub(),
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
    let ru = request(server.port, "GET", "/ru/", &[], b"");
    assert!(
        ru.text().contains("lang=\"ru\"") && ru.text().contains("Tor Browser"),
        "{}",
        ru.text()
    );
    assert!(
        ru.text().contains("href=\"/en/\""),
        "a language switch link"
    );
    let r = request(server.port, "GET", "/", &[], b"");
    assert_eq!((r.status, r.header("location")), (303, Some("/en/")));
}
