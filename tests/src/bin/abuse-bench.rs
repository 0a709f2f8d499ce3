//! `abuse-bench`: the real `postern serve` on loopback (PROXY protocol on both interfaces,
//! synthetic tor circuits) under each attack class of issue 13, one after another, each for
//! `--secs` seconds (at most 60). Per class: the server's peak RSS and descriptors (sampled from
//! `/proc` every 50 ms), page-load p50/p99 of a separate client on its own circuit, and the share
//! of real source and journalist logins (each on its own circuit, within 3 tries) that succeed.
//!
//! ```text
//! cargo build -p postern-server -p postern-e2e --bin abuse-bench --bin postern
//! target/debug/abuse-bench --secs 10
//! ```
#![allow(clippy::indexing_slicing)] // A developer tool over data it builds itself.

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use clap::Parser;

#[path = "../bench_stats.rs"]
mod stats;

#[derive(Parser)]
#[command(
    name = "abuse-bench",
    about = "Postern under resource-exhaustion attacks"
)]
struct Cli {
    /// Seconds per attack class (at most 60).
    #[arg(long, default_value_t = 10)]
    secs: u64,
    /// Connections of the connection-holding classes (idle, trickle, slow uploads).
    #[arg(long, default_value_t = 500)]
    conns: usize,
    /// Only the classes whose name contains this.
    #[arg(long)]
    only: Option<String>,
}

static NEXT_CIRCUIT: AtomicU32 = AtomicU32::new(0x1000);

fn fresh_circuit() -> u32 {
    NEXT_CIRCUIT.fetch_add(1, Ordering::SeqCst)
}

/// A connection to `port` that starts with tor's PROXY header for `circuit`.
fn on_circuit(port: u16, circuit: u32) -> Result<TcpStream> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    s.set_write_timeout(Some(Duration::from_secs(30)))?;
    let line = format!(
        "PROXY TCP6 fc00:dead:beef:4dad::{:x}:{:x} ::1 65535 80\r\n",
        circuit >> 16,
        circuit & 0xffff
    );
    s.write_all(line.as_bytes())?;
    Ok(s)
}

/// One request on `circuit`: (status, headers, body); status 0 if the connection was closed.
fn http(
    port: u16,
    circuit: u32,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, String) {
    let go = || -> Result<(u16, String, String)> {
        let mut s = on_circuit(port, circuit)?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes())?;
        s.write_all(body)?;
        let mut all = Vec::new();
        s.read_to_end(&mut all)?;
        let text = String::from_utf8_lossy(&all).into_owned();
        let (h, b) = text.split_once("\r\n\r\n").context("no header end")?;
        let status = h.split_whitespace().nth(1).unwrap_or("0").parse()?;
        Ok((status, h.to_owned(), b.to_owned()))
    };
    go().unwrap_or((0, String::new(), String::new()))
}

/// The `name=value` pairs of every Set-Cookie in `headers`, as one Cookie header.
fn cookies(headers: &str, old: &str) -> String {
    let mut jar: Vec<String> = old
        .split("; ")
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    for l in headers.lines() {
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        if !k.eq_ignore_ascii_case("set-cookie") {
            continue;
        }
        let pair = v.trim().split(';').next().unwrap_or("").to_owned();
        let name = pair.split('=').next().unwrap_or("").to_owned();
        jar.retain(|c| !c.starts_with(&format!("{name}=")));
        if !v.contains("Max-Age=0") {
            jar.push(pair);
        }
    }
    jar.join("; ")
}

fn csrf_of(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    page.find(marker)
        .and_then(|at| page.get(at + marker.len()..at + marker.len() + 64))
        .unwrap_or("")
        .to_owned()
}

fn codename_of(page: &str) -> String {
    let Some(start) = page.find("class=\"codename\"") else {
        return String::new();
    };
    let rest = &page[start..];
    match (rest.find('>'), rest.find("</")) {
        (Some(o), Some(c)) if o < c => rest[o + 1..c].trim().to_owned(),
        _ => String::new(),
    }
}

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

/// A source on `circuit`: a codename (then its session cookie and the home page's token).
fn generate(port: u16, circuit: u32) -> Option<(String, String, String)> {
    let (s, h, b) = http(port, circuit, "GET", "/en/", &[], b"");
    if s != 200 {
        return None;
    }
    let jar = cookies(&h, "");
    let body = format!("csrf={}", csrf_of(&b));
    let (s, h, page) = http(
        port,
        circuit,
        "POST",
        "/en/generate",
        &[FORM, ("Cookie", &jar)],
        body.as_bytes(),
    );
    if s != 200 {
        return None;
    }
    let jar = cookies(&h, &jar);
    let (_, _, home) = http(port, circuit, "GET", "/en/home", &[("Cookie", &jar)], b"");
    Some((codename_of(&page), jar, csrf_of(&home)))
}

/// A real source logs in with `codename` on a circuit of its own: whether it got in.
fn source_login(port: u16, codename: &str) -> bool {
    let circuit = fresh_circuit();
    let (s, h, b) = http(port, circuit, "GET", "/en/login", &[], b"");
    if s != 200 {
        return false;
    }
    let jar = cookies(&h, "");
    let body = format!(
        "csrf={}&codename={}",
        csrf_of(&b),
        codename.replace(' ', "+")
    );
    let (s, _, _) = http(
        port,
        circuit,
        "POST",
        "/en/login",
        &[FORM, ("Cookie", &jar)],
        body.as_bytes(),
    );
    s == 303
}

/// A journalist account: name, passphrase, TOTP secret, last step used.
struct Journalist {
    passphrase: String,
    totp: totp_rs::Totp,
    last_step: u64,
}

impl Journalist {
    fn add(postern: &Path, config: &Path) -> Result<Journalist> {
        let out = Command::new(postern)
            .args(["journalist", "add", "alice", "--config"])
            .arg(config)
            .output()?;
        if !out.status.success() {
            bail!("journalist add failed");
        }
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let after = |label: &str| -> Result<String> {
            let at = text.find(label).context("no label")? + label.len();
            Ok(text[at..].lines().next().unwrap_or("").trim().to_owned())
        };
        let secret = data_encoding::BASE32_NOPAD.decode(after("secret: ")?.as_bytes())?;
        let totp = totp_rs::Builder::new()
            .with_secret(secret)
            .with_step_duration(30)
            .with_digits(6)
            .with_skew(1)
            .build()?;
        Ok(Journalist {
            passphrase: after("Passphrase:\n")?,
            totp,
            last_step: 0,
        })
    }

    /// A code of a step not used yet (waiting for the clock if the window is used up), if one
    /// comes before `until`.
    fn fresh_code(&mut self, until: Instant) -> Option<String> {
        loop {
            let t = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let step = (self.last_step + 1).max(t / 30 - 1);
            if step > t / 30 + 1 || t % 30 >= 28 {
                if Instant::now() >= until {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(500));
                continue;
            }
            self.last_step = step;
            return Some(self.totp.generate(step * 30).to_string());
        }
    }

    /// Logs in on a circuit of its own: whether it got in (`None`: no fresh TOTP code came
    /// before `until`, so no try was made).
    fn login(&mut self, jport: u16, until: Instant) -> Option<bool> {
        let circuit = fresh_circuit();
        let (s, h, b) = http(jport, circuit, "GET", "/login", &[], b"");
        if s != 200 {
            return Some(false);
        }
        let code = self.fresh_code(until)?;
        let jar = cookies(&h, "");
        let body = format!(
            "csrf={}&username=alice&passphrase={}&code={}",
            csrf_of(&b),
            self.passphrase.replace(' ', "+"),
            code
        );
        let (s, _, _) = http(
            jport,
            circuit,
            "POST",
            "/login",
            &[FORM, ("Cookie", &jar)],
            body.as_bytes(),
        );
        Some(s == 303)
    }
}

fn status_kib(pid: u32) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn fds(pid: u32) -> u64 {
    fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count() as u64)
        .unwrap_or(0)
}

/// What one attack does: it runs until `stop`, on the source port.
type Attack = fn(u16, &Arc<AtomicBool>, &Ctx);

struct Ctx {
    conns: usize,
    /// A session of a source (cookie, home page token), for the submit attacks.
    jar: String,
    csrf: String,
}

/// `n` threads each running `f` in a loop until `stop`.
fn threads(n: usize, stop: &Arc<AtomicBool>, f: impl Fn() + Send + Sync + 'static) {
    let f = Arc::new(f);
    for _ in 0..n {
        let (stop, f) = (stop.clone(), f.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                f();
            }
        });
    }
}

/// `n` connections, each opened on its own circuit, sending `head` then `chunk` every `every`
/// until `stop` (held open, then dropped).
fn holders(
    port: u16,
    n: usize,
    stop: &Arc<AtomicBool>,
    head: String,
    chunk: &'static [u8],
    every: Duration,
) {
    for _ in 0..n {
        let (stop, head) = (stop.clone(), head.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let Ok(mut s) = on_circuit(port, fresh_circuit()) else {
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                };
                if s.write_all(head.as_bytes()).is_err() {
                    continue;
                }
                while !stop.load(Ordering::SeqCst) {
                    if !chunk.is_empty() && s.write_all(chunk).is_err() {
                        break;
                    }
                    std::thread::sleep(every);
                }
            }
        });
    }
}

fn huge_login_bodies(port: u16, stop: &Arc<AtomicBool>, _: &Ctx) {
    static MIB: [u8; 1 << 20] = [b'a'; 1 << 20];
    threads(8, stop, move || {
        let Ok(mut s) = on_circuit(port, fresh_circuit()) else {
            return;
        };
        let head = "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 268435456\r\n\r\n";
        if s.write_all(head.as_bytes()).is_err() {
            return;
        }
        for _ in 0..256 {
            if s.write_all(&MIB).is_err() {
                break;
            }
        }
    });
}

fn multipart_floods(port: u16, stop: &Arc<AtomicBool>, ctx: &Ctx) {
    static MIB: [u8; 1 << 20] = [b'x'; 1 << 20];
    for preamble in [true, false] {
        let head = format!(
            "POST /en/submit HTTP/1.1\r\nHost: x\r\nCookie: {}\r\nContent-Type: multipart/form-data; boundary=BB\r\nContent-Length: 268435456\r\n\r\n{}",
            ctx.jar,
            if preamble { "" } else { "--BB\r\nX-Endless: " }
        );
        threads(4, stop, move || {
            let Ok(mut s) = on_circuit(port, fresh_circuit()) else {
                return;
            };
            if s.write_all(head.as_bytes()).is_err() {
                return;
            }
            for _ in 0..256 {
                if s.write_all(&MIB).is_err() {
                    break;
                }
            }
        });
    }
}

fn trickled_bodies(port: u16, stop: &Arc<AtomicBool>, ctx: &Ctx) {
    let head = "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n".to_owned();
    holders(port, ctx.conns, stop, head, b"a", Duration::from_secs(1));
}

fn idle_connections(port: u16, stop: &Arc<AtomicBool>, ctx: &Ctx) {
    holders(
        port,
        ctx.conns.max(1100),
        stop,
        String::new(),
        b"",
        Duration::from_millis(200),
    );
}

fn anonymous_gets(port: u16, stop: &Arc<AtomicBool>, _: &Ctx) {
    threads(16, stop, move || {
        let _ = http(port, fresh_circuit(), "GET", "/en/", &[], b"");
    });
}

fn login_flood_one_circuit(port: u16, stop: &Arc<AtomicBool>, _: &Ctx) {
    threads(200, stop, move || {
        let _ = generate(port, 0xbad);
    });
}

fn empty_file_parts(port: u16, stop: &Arc<AtomicBool>, ctx: &Ctx) {
    let mut body = String::new();
    body.push_str(&format!(
        "--BB\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n",
        ctx.csrf
    ));
    for i in 0..4000 {
        body.push_str(&format!(
            "--BB\r\nContent-Disposition: form-data; name=\"files\"; filename=\"f{i}\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n"
        ));
    }
    body.push_str("--BB--\r\n");
    let jar = ctx.jar.clone();
    threads(4, stop, move || {
        let _ = http(
            port,
            fresh_circuit(),
            "POST",
            "/en/submit",
            &[
                ("Cookie", &jar),
                ("Content-Type", "multipart/form-data; boundary=BB"),
            ],
            body.as_bytes(),
        );
    });
}

/// Uploads sent at 8 KiB a second each (above the minimum rate), `conns` of them at once.
fn slow_uploads(port: u16, stop: &Arc<AtomicBool>, ctx: &Ctx) {
    static CHUNK: [u8; 8192] = [b'u'; 8192];
    let head = format!(
        "POST /en/submit HTTP/1.1\r\nHost: x\r\nCookie: {}\r\nContent-Type: multipart/form-data; boundary=BB\r\nContent-Length: 1073741824\r\n\r\n--BB\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--BB\r\nContent-Disposition: form-data; name=\"files\"; filename=\"slow.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n",
        ctx.jar, ctx.csrf
    );
    holders(port, ctx.conns, stop, head, &CHUNK, Duration::from_secs(1));
}

/// A server of its own for one class: ports, the child, a journalist and a source's codename.
struct Server {
    port: u16,
    jport: u16,
    child: Child,
    journalist: Journalist,
    codename: String,
    ctx: Ctx,
    _work: tempfile::TempDir,
}

impl Server {
    /// `postern init` in a fresh folder, the bench's config (PROXY headers on both interfaces,
    /// cheap Argon2), `postern serve`, a journalist account and a first codename.
    fn fresh(postern: &Path, conns: usize) -> Result<Server> {
        let work = tempfile::tempdir()?;
        let w = work.path();
        let id = age::x25519::Identity::generate();
        let recipient = id.to_public().to_string();
        let free = || -> Result<u16> { Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port()) };
        let (port, jport) = (free()?, free()?);
        let data = w.join("data");
        let out = Command::new(postern)
            .args(["init", "--recipient", &recipient, "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data")
            .arg(&data)
            .output()?;
        if !out.status.success() {
            bail!("postern init failed");
        }
        let config = data.join("postern.toml");
        let auth = w.join("authorized_clients");
        fs::create_dir(&auth)?;
        fs::write(
            auth.join("placeholder.auth"),
            "descriptor:x25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
        )?;
        let mut text = String::new();
        for line in fs::read_to_string(&config)?.lines() {
            let key = line.split('=').next().map(str::trim).unwrap_or("");
            match key {
                "proxy_protocol" => text.push_str("proxy_protocol = true\n"),
                // The point is the limits, not the KDF: cheap Argon2 on a shared 2-core machine.
                "argon2_m_kib" => text.push_str("argon2_m_kib = 64\n"),
                "argon2_t" => text.push_str("argon2_t = 1\n"),
                _ => {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
        text.push_str(&format!(
            "\n[journalist]\nlisten = \"127.0.0.1:{jport}\"\ncookie_secure = false\nproxy_protocol = true\nauthorized_clients_dir = \"{}\"\n",
            auth.display()
        ));
        fs::write(&config, text)?;
        let mut child = start(postern, &config, jport)?;
        let setup = || -> Result<(Journalist, String, String, String)> {
            let journalist = Journalist::add(postern, &config)?;
            let (codename, jar, csrf) =
                generate(port, fresh_circuit()).context("a first codename")?;
            Ok((journalist, codename, jar, csrf))
        };
        let (journalist, codename, jar, csrf) = match setup() {
            Ok(v) => v,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        Ok(Server {
            port,
            jport,
            child,
            journalist,
            codename,
            ctx: Ctx { conns, jar, csrf },
            _work: work,
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the measuring clients saw while one attack ran.
#[derive(Default)]
struct Seen {
    loads: Vec<f64>,
    failed_loads: u32,
    src: (u32, u32),
    journ: (u32, u32),
}

/// Until `end`, three clients of their own, each in its own thread so that none waits for
/// another: page loads of `/en/` every 100 ms on one circuit, a real source logging in (3 tries
/// each time, a fresh circuit each try) and a real journalist doing the same (as often as fresh
/// TOTP steps allow).
fn measure(server: &mut Server, end: Instant) -> Seen {
    let (port, jport) = (server.port, server.jport);
    let codename = server.codename.clone();
    let loads = std::thread::spawn(move || {
        let probe = fresh_circuit();
        let (mut loads, mut failed) = (Vec::new(), 0u32);
        while Instant::now() < end {
            let t = Instant::now();
            let (s, _, _) = http(port, probe, "GET", "/en/", &[], b"");
            if s == 200 {
                loads.push(t.elapsed().as_secs_f64() * 1000.0);
            } else {
                failed += 1;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        (loads, failed)
    });
    let source = std::thread::spawn(move || {
        let (mut ok, mut n) = (0u32, 0u32);
        while Instant::now() < end {
            n += 1;
            if (0..3).any(|_| source_login(port, &codename)) {
                ok += 1;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        (ok, n)
    });
    // A login "visit" counts once a try was made; it succeeds if one of up to 3 tries does.
    let (mut j_ok, mut j_n) = (0u32, 0u32);
    'visits: while Instant::now() < end {
        for i in 0..3 {
            match server.journalist.login(jport, end) {
                // No fresh code before the end: a visit not begun is not counted.
                None if i == 0 => break 'visits,
                None => {
                    j_n += 1;
                    break 'visits;
                }
                Some(true) => {
                    j_ok += 1;
                    j_n += 1;
                    continue 'visits;
                }
                Some(false) => {}
            }
        }
        j_n += 1;
    }
    let (loads, failed_loads) = loads.join().unwrap_or_default();
    let src = source.join().unwrap_or_default();
    Seen {
        loads,
        failed_loads,
        src,
        journ: (j_ok, j_n),
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let secs = cli.secs.clamp(1, 60);
    let exe = std::env::current_exe()?;
    let bin_dir = exe.parent().context("exe dir")?.to_path_buf();
    let postern = bin_dir.join("postern");
    if !postern.exists() {
        bail!(
            "{} not found: build postern-server first",
            postern.display()
        );
    }
    println!("== abuse-bench: postern serve under each attack class, {secs} s each ==");
    println!(
        "command: {}",
        std::env::args().collect::<Vec<_>>().join(" ")
    );
    println!(
        "build: {}",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    println!("at start: {}", stats::uptime());
    println!(
        "each class against a fresh server (its own data folder and ports): a peak is that class's alone"
    );
    println!(
        "{:<24} {:>8} {:>8} {:>6} {:>7} {:>7} {:>8} {:>7} {:>7}",
        "class", "idle RSS", "peak RSS", "fds", "p50 ms", "p99 ms", "loads", "source", "journ."
    );
    let classes: [(&str, Attack); 8] = [
        ("huge login bodies", huge_login_bodies),
        ("multipart floods", multipart_floods),
        ("trickled bodies", trickled_bodies),
        ("idle connections", idle_connections),
        ("anonymous GET flood", anonymous_gets),
        ("login flood 1 circuit", login_flood_one_circuit),
        ("empty file parts", empty_file_parts),
        ("slow uploads", slow_uploads),
    ];
    for (name, attack) in classes {
        if cli.only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let mut server = Server::fresh(&postern, cli.conns)?;
        let pid = server.child.id();
        // The idle server once its first pages and logins are done.
        std::thread::sleep(Duration::from_millis(500));
        let before = status_kib(pid);
        let stop = Arc::new(AtomicBool::new(false));
        let peak_rss = Arc::new(AtomicU64::new(0));
        let peak_fds = Arc::new(AtomicU64::new(0));
        {
            let (stop, peak_rss, peak_fds) = (stop.clone(), peak_rss.clone(), peak_fds.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    peak_rss.fetch_max(status_kib(pid), Ordering::SeqCst);
                    peak_fds.fetch_max(fds(pid), Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(50));
                }
            });
        }
        attack(server.port, &stop, &server.ctx);
        // Let the attack build up, then measure page loads and logins while it runs.
        std::thread::sleep(Duration::from_secs(secs.min(3)));
        let end = Instant::now() + Duration::from_secs(secs.saturating_sub(3).max(1));
        let seen = measure(&mut server, end);
        stop.store(true, Ordering::SeqCst);
        let peak = peak_rss.load(Ordering::SeqCst);
        let loads = stats::Samples(seen.loads.clone());
        println!(
            "{name:<24} {:>4} MiB {:>4} MiB {:>6} {:>7.1} {:>7.1} {:>8} {:>7} {:>7}",
            before / 1024,
            peak / 1024,
            peak_fds.load(Ordering::SeqCst),
            loads.median(),
            percentile(&seen.loads, 0.99),
            format!(
                "{}/{}",
                seen.loads.len(),
                seen.loads.len() as u32 + seen.failed_loads
            ),
            format!("{}/{}", seen.src.0, seen.src.1),
            format!("{}/{}", seen.journ.0, seen.journ.1),
        );
        if name == "slow uploads" {
            println!(
                "  slow uploads: {:.1} KiB RSS each over the idle server ({} connections)",
                peak.saturating_sub(before) as f64 / cli.conns.max(1) as f64,
                cli.conns
            );
        }
        drop(server);
        // Let the attack's threads see their server gone before the next class starts.
        std::thread::sleep(Duration::from_secs(2));
    }
    println!("at end: {}", stats::uptime());
    Ok(())
}

fn percentile(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

fn start(postern: &Path, config: &Path, jport: u16) -> Result<Child> {
    let child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 16384; exec \"$0\" serve --config \"$1\"")
        .arg(postern)
        .arg(config)
        .env("POSTERN_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", jport)).is_err() {
        if Instant::now() > deadline {
            bail!("the server did not start");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(child)
}
