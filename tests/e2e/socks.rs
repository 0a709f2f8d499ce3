//! The tests' one SOCKS5 client (RFC 1928, with RFC 1929 username/password) for Tor's SOCKS
//! port, and an observer that sits in front of that port and records each connection's username.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Per-connection budget: a fresh onion circuit took up to 10 s on the reference machine.
pub const IO_TIMEOUT: Duration = Duration::from_secs(120);

/// SOCKS5 CONNECT to `host:port` by name (so tor resolves it). With `auth`, username/password
/// authentication: tor's IsolateSOCKSAuth gives every distinct pair its own circuits. Returns the
/// reply code (0 = connected; 0xF0–0xF7: tor's onion errors) and the stream, read past the bound
/// address when connected.
pub fn connect(proxy: &str, host: &str, port: u16, auth: Option<(&str, &str)>) -> (u8, TcpStream) {
    let mut s = TcpStream::connect(proxy).unwrap_or_else(|e| panic!("SOCKS port {proxy}: {e}"));
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    s.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    // Greeting: version 5, one method (0: none, 2: username/password).
    let method = if auth.is_some() { 2 } else { 0 };
    s.write_all(&[5, 1, method]).unwrap();
    let mut reply = [0u8; 2];
    s.read_exact(&mut reply).unwrap();
    assert_eq!(reply, [5, method], "SOCKS5 method selection");
    if let Some((user, pass)) = auth {
        let mut a = vec![1, u8::try_from(user.len()).unwrap()];
        a.extend_from_slice(user.as_bytes());
        a.push(u8::try_from(pass.len()).unwrap());
        a.extend_from_slice(pass.as_bytes());
        s.write_all(&a).unwrap();
        s.read_exact(&mut reply).unwrap();
        assert_eq!(reply, [1, 0], "SOCKS5 username/password");
    }
    // CONNECT, address type 3 (domain name).
    let mut req = vec![5, 1, 0, 3, u8::try_from(host.len()).unwrap()];
    req.extend_from_slice(host.as_bytes());
    req.extend_from_slice(&port.to_be_bytes());
    s.write_all(&req).unwrap();
    let mut head = [0u8; 4];
    s.read_exact(&mut head).unwrap();
    assert_eq!(head[0], 5, "SOCKS5 reply version");
    if head[1] == 0 {
        let addr_len = match head[3] {
            1 => 4,
            4 => 16,
            3 => {
                let mut n = [0u8; 1];
                s.read_exact(&mut n).unwrap();
                usize::from(n[0])
            }
            other => panic!("SOCKS5 reply address type {other}"),
        };
        let mut bound = vec![0u8; addr_len + 2];
        s.read_exact(&mut bound).unwrap();
    }
    (head[1], s)
}

/// Like [`connect`]; the CONNECT must succeed.
pub fn connect_ok(proxy: &str, host: &str, port: u16, auth: Option<(&str, &str)>) -> TcpStream {
    let (code, s) = connect(proxy, host, port, auth);
    assert_eq!(
        code, 0,
        "SOCKS5 CONNECT to {host}:{port} refused with 0x{code:02X} (0xF0-0xF7: onion errors)"
    );
    s
}

/// The reply code for `host:80` through `proxy`, retried while tor is still fetching (0x04
/// right after a refusal, or a circuit not yet built); 0, 0xF4 (no key for this onion) or 0xF5
/// (a key that does not open it) end it, and so does 90 s.
pub fn settled_code(proxy: &str, host: &str) -> u8 {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let (code, _) = connect(proxy, host, 80, None);
        if code == 0 || code == 0xF4 || code == 0xF5 || Instant::now() > deadline {
            return code;
        }
        std::thread::sleep(Duration::from_secs(6));
    }
}

/// A SOCKS5 relay in front of tor's SOCKS port that records the username of every connection
/// (RFC 1929; empty without one) and otherwise forwards bytes untouched. With tor's
/// IsolateSOCKSAuth (on by default), distinct usernames mean distinct circuits.
pub struct Observer {
    pub addr: String,
    pub users: Arc<Mutex<Vec<String>>>,
}

impl Observer {
    pub fn start(tor_socks: &str) -> Observer {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        let users = Arc::new(Mutex::new(Vec::new()));
        let (u, target) = (users.clone(), tor_socks.to_owned());
        std::thread::spawn(move || {
            for conn in l.incoming() {
                let Ok(mut client) = conn else { continue };
                let mut up = TcpStream::connect(&target).unwrap();
                let u = u.clone();
                std::thread::spawn(move || {
                    let (mut up_r, mut c_w) =
                        (up.try_clone().unwrap(), client.try_clone().unwrap());
                    let back = std::thread::spawn(move || {
                        let _ = std::io::copy(&mut up_r, &mut c_w);
                    });
                    // Greeting: version, n methods, methods.
                    let mut g = [0u8; 2];
                    client.read_exact(&mut g).unwrap();
                    let mut methods = vec![0u8; usize::from(g[1])];
                    client.read_exact(&mut methods).unwrap();
                    up.write_all(&g).unwrap();
                    up.write_all(&methods).unwrap();
                    if methods.contains(&2) {
                        // Username/password: version, ulen, user, plen, pass.
                        let mut h = [0u8; 2];
                        client.read_exact(&mut h).unwrap();
                        let mut user = vec![0u8; usize::from(h[1])];
                        client.read_exact(&mut user).unwrap();
                        let mut pl = [0u8; 1];
                        client.read_exact(&mut pl).unwrap();
                        let mut pass = vec![0u8; usize::from(pl[0])];
                        client.read_exact(&mut pass).unwrap();
                        u.lock()
                            .unwrap()
                            .push(String::from_utf8_lossy(&user).into_owned());
                        up.write_all(&h).unwrap();
                        up.write_all(&user).unwrap();
                        up.write_all(&pl).unwrap();
                        up.write_all(&pass).unwrap();
                    } else {
                        u.lock().unwrap().push(String::new());
                    }
                    let _ = std::io::copy(&mut client, &mut up);
                    let _ = up.shutdown(std::net::Shutdown::Both);
                    let _ = back.join();
                });
            }
        });
        Observer { addr, users }
    }
}
