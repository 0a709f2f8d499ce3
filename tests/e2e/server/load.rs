//! Slow and greedy clients: headers that never end are cut off, and a flood of codename requests
//! overflows into friendly 503s while page loads stay fast.

use std::io::Write;
use std::time::Duration;

use super::UA;
use crate::http::{Browser, csrf_of, request};
use crate::support::{Reviewer, Server};

#[test]
fn slow_headers_are_cut_off_and_a_login_flood_never_starves_page_loads() {
    use std::io::Read;
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |c| {
        c.replace("header_read_seconds = 20", "header_read_seconds = 2")
            .replace("argon2_queue = 64", "argon2_queue = 2")
    });

    // Slowloris: headers that never end are cut off.
    let mut s = crate::http::connect(server.port);
    s.write_all(b"GET /en/ HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = [0u8; 256];
    let n = s.read(&mut buf).unwrap_or(0);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1500) && waited < Duration::from_secs(10),
        "cut off after {waited:?}"
    );
    assert!(
        n == 0 || String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n])
    );

    // A flood of codename requests: the queue overflows into friendly 503s, page loads stay fast.
    let port = server.port;
    let flood: Vec<_> = (0..24)
        .map(|_| {
            std::thread::spawn(move || {
                let mut b = Browser::new(port, UA);
                let landing = b.get("/en/");
                let r = b.post_form("/en/generate", &[("csrf", &csrf_of(&landing.text()))]);
                (r.status, r.text())
            })
        })
        .collect();
    let mut slowest = Duration::ZERO;
    for _ in 0..10 {
        let t = std::time::Instant::now();
        let r = request(port, "GET", "/en/login", &[], b"");
        assert_eq!(r.status, 200);
        slowest = slowest.max(t.elapsed());
    }
    let results: Vec<(u16, String)> = flood.into_iter().map(|h| h.join().unwrap()).collect();
    let ok = results.iter().filter(|(s, _)| *s == 200).count();
    let busy: Vec<_> = results.iter().filter(|(s, _)| *s == 503).collect();
    assert!(
        ok >= 1 && !busy.is_empty() && ok + busy.len() == results.len(),
        "statuses: {:?}",
        results.iter().map(|r| r.0).collect::<Vec<_>>()
    );
    assert!(busy[0].1.contains("try again"), "{}", busy[0].1);
    assert!(
        slowest < Duration::from_secs(2),
        "a page load took {slowest:?} during the flood"
    );
}
