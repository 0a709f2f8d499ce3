//! `tus-bench`: resumable uploads (tus 1.0, `postern-send`) measured against the plain form.
//!
//! 1. Throughput: the same file through the form (one multipart POST, sent with `sendfile`) and
//!    through `postern-send --direct` (tus PATCHes of `--segment-mib`, each sealed into its own
//!    segment, fsynced and committed), over loopback to the real `postern serve`.
//! 2. Re-sent bytes per cut: `postern-send` through a relay that cuts `--cuts` PATCH connections
//!    at random points; the upstream bytes of that run minus those of an uncut run, per cut.
//! 3. Server memory during `--concurrent` resumable uploads at once (each PATCHes
//!    `--concurrent-mib` MiB as fast as it can): VmRSS before, and its peak during (sampled).
//!
//! 4. With `--scale-segments N` (and nothing else): tus at constant cost. Two servers side by
//!    side, one holding an open upload of 1 segment, the other one of N (its log extended with N
//!    synthetic segment records, spool-format §13.5, then restarted so it reads them once);
//!    alternating rounds time a creation (then its termination) and a 64 KiB PATCH on each, and
//!    print min and median per server, their ratio (N / 1), and each server's peak RSS.
//!
//! ```text
//! cargo build --release -p postern-server -p postern-send -p postern-e2e
//! target/release/tus-bench --size-mib 1024 --cuts 50 --concurrent 100
//! target/release/tus-bench --scale-segments 100000 --scale-rounds 9
//! ```
#![allow(clippy::indexing_slicing)] // A developer tool over data it builds itself.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;

#[path = "../bench_stats.rs"]
mod stats;
use stats::Samples;

#[derive(Parser)]
#[command(name = "tus-bench", about = "Benchmark Postern's resumable uploads")]
struct Cli {
    /// Size of the file, in MiB.
    #[arg(long, default_value_t = 256)]
    size_mib: u64,
    /// postern-send's request body size, in MiB.
    #[arg(long, default_value_t = 16)]
    segment_mib: u64,
    /// Rounds of the throughput comparison (each side once per round, alternating).
    #[arg(long, default_value_t = 5)]
    rounds: u32,
    /// Cuts for the re-sent-bytes measurement (0 to skip).
    #[arg(long, default_value_t = 50)]
    cuts: usize,
    /// Concurrent resumable uploads for the memory measurement (0 to skip).
    #[arg(long, default_value_t = 100)]
    concurrent: usize,
    /// MiB each concurrent upload sends.
    #[arg(long, default_value_t = 16)]
    concurrent_mib: u64,
    /// Only the constant-cost measurement, with an upload of this many segments (0: skip).
    #[arg(long, default_value_t = 0)]
    scale_segments: u64,
    /// Alternating rounds of the constant-cost measurement (at least 5).
    #[arg(long, default_value_t = 9, value_parser = clap::value_parser!(u64).range(5..))]
    scale_rounds: u64,
    /// Work directory (default: a temporary directory under the target dir).
    #[arg(long)]
    dir: Option<PathBuf>,
}

const BOUNDARY: &str = "tus-bench-boundary-7f3a";

fn main() -> Result<()> {
    let cli = Cli::parse();
    let exe = std::env::current_exe()?;
    let bin_dir = exe.parent().context("exe dir")?.to_path_buf();
    let postern = bin_dir.join("postern");
    let send = bin_dir.join("postern-send");
    for b in [&postern, &send] {
        if !b.exists() {
            bail!(
                "{} not found: build with `cargo build --release -p postern-server -p postern-send`",
                b.display()
            );
        }
    }
    let work = match &cli.dir {
        Some(d) => {
            fs::create_dir_all(d)?;
            tempfile::tempdir_in(d)?
        }
        None => tempfile::tempdir_in(bin_dir.parent().unwrap_or(&bin_dir))?,
    };
    let w = work.path();
    if cli.scale_segments > 0 {
        return scale(&cli, &postern, w);
    }
    println!("== tus-bench: resumable uploads (tus, postern-send) vs the plain form ==");
    println!(
        "command: {}",
        std::env::args().collect::<Vec<_>>().join(" ")
    );

    let id = age::x25519::Identity::generate();
    let recipient = id.to_public().to_string();
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let data = w.join("data");
    run(Command::new(&postern)
        .args([
            "init",
            "--recipient",
            &recipient,
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data",
        ])
        .arg(&data))?;
    let config = data.join("postern.toml");
    let mut text = fs::read_to_string(&config)?;
    for (from, to) in [
        (
            "max_file_bytes = 2147483648",
            "max_file_bytes = 1099511627776",
        ),
        (
            "max_request_bytes = 4294967296",
            "max_request_bytes = 1099511627776",
        ),
        (
            "disk_reserve_bytes = 1073741824",
            "disk_reserve_bytes = 268435456",
        ),
        // The concurrent uploads all come from one source: the bench's config only, the
        // shipped default (16) stays.
        (
            "max_open_uploads_per_source = 16",
            "max_open_uploads_per_source = 4096",
        ),
    ] {
        if !text.contains(from) {
            bail!("the generated config has no `{from}` line to raise for the bench");
        }
        text = text.replace(from, to);
    }
    fs::write(&config, text)?;
    let mut server = Server::start(&postern, &config, port)?;
    let session = Session::generate(port)?;
    let codename_file = w.join("codename");
    fs::write(&codename_file, &session.codename)?;

    let input = w.join("input.bin");
    make_random_file(&input, cli.size_mib << 20)?;
    let mib = cli.size_mib as f64;

    // 1. Throughput: form and tus alternating, the order swapped every round.
    println!("load before the rounds: {}", stats::uptime());
    let mut form = Samples::default();
    let mut tus = Samples::default();
    for round in 0..cli.rounds {
        for side in if round % 2 == 0 { [0, 1] } else { [1, 0] } {
            let t = Instant::now();
            if side == 0 {
                let status = session.upload_form(&input)?;
                if status != 200 {
                    bail!("form upload answered {status}");
                }
                form.push(t.elapsed().as_secs_f64());
            } else {
                send_file(
                    &send,
                    port,
                    &codename_file,
                    &w.join("state"),
                    cli.segment_mib,
                    &input,
                )?;
                tus.push(t.elapsed().as_secs_f64());
            }
            clean_spool(&data.join("spool"), cli.size_mib << 20)?;
        }
        println!("round {}/{}: {}", round + 1, cli.rounds, stats::uptime());
    }
    println!();
    println!(
        "throughput, {} MiB, loopback, {} alternating rounds (sealed, fsynced, committed; tus with {} MiB segments):",
        cli.size_mib, cli.rounds, cli.segment_mib
    );
    println!("{}", stats::side("form (one POST)", &form, mib));
    println!("{}", stats::side("postern-send (tus)", &tus, mib));
    println!(
        "  tus vs form: {}  (target >= 0.95x median)",
        stats::ratio(&tus, &form)
    );

    // 2. Re-sent bytes per cut.
    if cli.cuts > 0 {
        let base = Relay::start(port, Vec::new())?;
        send_file(
            &send,
            base.port,
            &codename_file,
            &w.join("state"),
            cli.segment_mib,
            &input,
        )?;
        let uncut = base.forwarded.load(Ordering::SeqCst);
        clean_spool(&data.join("spool"), cli.size_mib << 20)?;
        let len = cli.size_mib << 20;
        let per = (len / cli.cuts as u64).max(2);
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let budgets: Vec<u64> = (0..cli.cuts)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                per / 4 + x % (per / 2)
            })
            .collect();
        let relay = Relay::start(port, budgets)?;
        let t = Instant::now();
        let mut runs = 0;
        loop {
            runs += 1;
            if runs > 500 {
                bail!("postern-send did not finish through the cutting relay");
            }
            if send_file(
                &send,
                relay.port,
                &codename_file,
                &w.join("state"),
                cli.segment_mib,
                &input,
            )
            .is_ok()
            {
                break;
            }
        }
        let secs = t.elapsed().as_secs_f64();
        let cut = relay.forwarded.load(Ordering::SeqCst);
        let cuts = relay.cuts.load(Ordering::SeqCst);
        clean_spool(&data.join("spool"), cli.size_mib << 20)?;
        println!();
        println!(
            "cuts: {cuts} connections cut at random points, {runs} postern-send runs, {secs:.1} s"
        );
        println!(
            "  upstream bytes: {uncut} uncut, {cut} cut; re-sent (incl. request headers) per cut: {:.1} KiB",
            cut.saturating_sub(uncut) as f64 / 1024.0 / cuts.max(1) as f64
        );
    }
    fs::remove_file(&input)?;

    // 3. Memory during concurrent uploads.
    if cli.concurrent > 0 {
        let before = server.rss_kib()?;
        let len = cli.concurrent_mib << 20;
        let mut locs = Vec::new();
        for _ in 0..cli.concurrent {
            locs.push(session.create(len)?);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(before));
        let pid = server.child.id();
        let (s2, p2) = (stop.clone(), peak.clone());
        let sampler = std::thread::spawn(move || {
            while !s2.load(Ordering::SeqCst) {
                if let Ok(k) = status_kib(pid, "VmRSS:") {
                    p2.fetch_max(k, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        let t = Instant::now();
        let handles: Vec<_> = locs
            .into_iter()
            .map(|loc| {
                let cookie = session.cookie.clone();
                std::thread::spawn(move || patch_generated(port, &cookie, &loc, len))
            })
            .collect();
        let mut ok = 0;
        for h in handles {
            if matches!(h.join(), Ok(Ok(204))) {
                ok += 1;
            }
        }
        let secs = t.elapsed().as_secs_f64();
        stop.store(true, Ordering::SeqCst);
        let _ = sampler.join();
        let peak = peak.load(Ordering::SeqCst);
        println!();
        println!(
            "memory, {} concurrent resumable uploads of {} MiB each ({ok} answered 204, {secs:.1} s, {:.1} MiB/s in total):",
            cli.concurrent,
            cli.concurrent_mib,
            (cli.concurrent as u64 * cli.concurrent_mib) as f64 / secs
        );
        println!(
            "  server VmRSS {:.1} MiB before, peak {:.1} MiB during: {:.0} KiB per upload  (target <= 256 KiB; {})",
            before as f64 / 1024.0,
            peak as f64 / 1024.0,
            peak.saturating_sub(before) as f64 / cli.concurrent as f64,
            stats::uptime()
        );
    }
    server.stop();
    Ok(())
}

fn send_file(
    send: &Path,
    port: u16,
    codename: &Path,
    state: &Path,
    segment_mib: u64,
    file: &Path,
) -> Result<()> {
    run(Command::new(send)
        .args(["--to", &format!("http://127.0.0.1:{port}"), "--direct"])
        .arg("--codename-file")
        .arg(codename)
        .arg("--state-dir")
        .arg(state)
        .args(["--segment-mib", &segment_mib.to_string()])
        .args(["--max-retries", "3", "--retry-base-ms", "20"])
        // Every round sends the same file: without `--again` the rounds after the first find
        // the "delivered" marker and send nothing.
        .arg("--again")
        .arg(file))
}

fn run(cmd: &mut Command) -> Result<()> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

fn make_random_file(path: &Path, len: u64) -> Result<()> {
    let mut f = std::io::BufWriter::with_capacity(1 << 20, fs::File::create(path)?);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut buf = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        for b in buf.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b.copy_from_slice(&x.to_le_bytes()[..b.len()]);
        }
        let n = left.min(buf.len() as u64) as usize;
        f.write_all(&buf[..n])?;
        left -= n as u64;
    }
    f.flush()?;
    Ok(())
}

/// Removes committed items (so the disk does not fill up between measurements).
/// Empties the spool's items after a round, and fails unless the round committed at least
/// `at_least` bytes of ciphertext (a round that sent nothing must not count as a fast one).
fn clean_spool(spool: &Path, at_least: u64) -> Result<()> {
    let mut committed = 0u64;
    for e in fs::read_dir(spool.join("sources"))? {
        let items = e?.path().join("items");
        if items.exists() {
            for f in fs::read_dir(&items)? {
                let p = f?.path();
                committed += fs::metadata(&p)?.len();
                fs::remove_file(p)?;
            }
        }
    }
    if committed < at_least {
        bail!("the round committed {committed} bytes, less than the {at_least} it sent");
    }
    Ok(())
}

fn status_kib(pid: u32, field: &str) -> Result<u64> {
    let s = fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = s
        .lines()
        .find(|l| l.starts_with(field))
        .context("no such field")?;
    Ok(line.split_whitespace().nth(1).context("value")?.parse()?)
}

struct Server {
    child: Child,
}

impl Server {
    fn start(postern: &Path, config: &Path, port: u16) -> Result<Server> {
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
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("the server did not start");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Server { child })
    }

    fn rss_kib(&self) -> Result<u64> {
        status_kib(self.child.id(), "VmRSS:")
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Session {
    port: u16,
    cookie: String,
    csrf: String,
    codename: String,
}

impl Session {
    fn generate(port: u16) -> Result<Session> {
        // An anonymous page sets only the stateless form cookie; the session cookie comes with
        // the codename.
        let (_, h, body) = http(port, "GET", "/en/", &[], b"")?;
        let form = cookie_named(&h, "postern-form").context("no form cookie")?;
        let csrf = csrf_of(&body)?;
        let (_, h, page) = http(
            port,
            "POST",
            "/en/generate",
            &[
                ("Cookie", &format!("postern-form={form}")),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            format!("csrf={csrf}").as_bytes(),
        )?;
        let cookie = cookie_of(&h).context("no session cookie")?;
        let start = page.find("class=\"codename\"").context("no codename")?;
        let rest = &page[start..];
        let open = rest.find('>').context("codename")? + 1;
        let close = rest.find("</").context("codename")?;
        let codename = rest[open..close].trim().to_owned();
        let (_, _, home) = http(
            port,
            "GET",
            "/en/home",
            &[("Cookie", &format!("postern={cookie}"))],
            b"",
        )?;
        let csrf = csrf_of(&home)?;
        Ok(Session {
            port,
            cookie,
            csrf,
            codename,
        })
    }

    fn upload_form(&self, path: &Path) -> Result<u16> {
        let mut f = fs::File::open(path)?;
        let len = f.metadata()?.len();
        let pre = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"bench.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            self.csrf
        );
        let post = format!("\r\n--{BOUNDARY}--\r\n");
        let mut s = TcpStream::connect(("127.0.0.1", self.port))?;
        s.write_all(format!(
            "POST /en/submit HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: postern={}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n",
            self.cookie,
            pre.len() as u64 + len + post.len() as u64
        ).as_bytes())?;
        s.write_all(pre.as_bytes())?;
        if std::io::copy(&mut f, &mut s)? != len {
            bail!("the file changed during the upload");
        }
        s.write_all(post.as_bytes())?;
        status_line(s)
    }

    /// A new tus upload of `len` bytes, with the browser session.
    fn create(&self, len: u64) -> Result<String> {
        let (status, h, _) = http(
            self.port,
            "POST",
            "/api/v1/uploads",
            &[
                ("Cookie", &format!("postern={}", self.cookie)),
                ("Tus-Resumable", "1.0.0"),
                ("Upload-Length", &len.to_string()),
            ],
            b"",
        )?;
        if status != 201 {
            bail!("creation answered {status}");
        }
        h.lines()
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.eq_ignore_ascii_case("location"))
                    .map(|(_, v)| v)
            })
            .map(|l| l.trim().to_owned())
            .context("no location")
    }
}

/// One PATCH of `len` generated bytes at offset 0.
fn patch_generated(port: u16, cookie: &str, loc: &str, len: u64) -> Result<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.write_all(format!(
        "PATCH {loc} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: postern={cookie}\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: {len}\r\n\r\n"
    ).as_bytes())?;
    let mut buf = vec![0u8; 256 << 10];
    let mut x: u8 = 3;
    let mut left = len;
    while left > 0 {
        for v in buf.iter_mut() {
            x = x.wrapping_mul(31).wrapping_add(7);
            *v = x;
        }
        let n = left.min(buf.len() as u64) as usize;
        s.write_all(&buf[..n])?;
        left -= n as u64;
    }
    status_line(s)
}

fn status_line(s: TcpStream) -> Result<u16> {
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line)?;
    Ok(line.split_whitespace().nth(1).unwrap_or("0").parse()?)
}

/// One request; answers (status, headers, body).
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(u16, String, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
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
}

fn cookie_of(headers: &str) -> Option<String> {
    cookie_named(headers, "postern")
}

/// The value of the cookie `name` that `headers` set, if any.
fn cookie_named(headers: &str, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    headers
        .lines()
        .filter_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
                .and_then(|(_, v)| v.trim().strip_prefix(prefix.as_str()))
        })
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
        .find(|v| !v.is_empty())
}

fn csrf_of(page: &str) -> Result<String> {
    let marker = "name=\"csrf\" value=\"";
    let at = page.find(marker).context("no csrf field")? + marker.len();
    Ok(page.get(at..at + 64).context("short csrf")?.to_owned())
}

/// A relay that cuts PATCH connections after the next budget of upstream bytes.
struct Relay {
    port: u16,
    forwarded: Arc<AtomicU64>,
    cuts: Arc<AtomicU64>,
}

impl Relay {
    fn start(target: u16, budgets: Vec<u64>) -> Result<Relay> {
        let l = TcpListener::bind("127.0.0.1:0")?;
        let port = l.local_addr()?.port();
        let forwarded = Arc::new(AtomicU64::new(0));
        let cuts = Arc::new(AtomicU64::new(0));
        let budgets = Arc::new(std::sync::Mutex::new(budgets.into_iter()));
        let (f, c) = (forwarded.clone(), cuts.clone());
        std::thread::spawn(move || {
            for conn in l.incoming() {
                let Ok(client) = conn else { continue };
                let Ok(up) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let (f, c, b) = (f.clone(), c.clone(), budgets.clone());
                std::thread::spawn(move || {
                    let _ = pipe(client, up, &b, &f, &c);
                });
            }
        });
        Ok(Relay {
            port,
            forwarded,
            cuts,
        })
    }
}

fn pipe(
    client: TcpStream,
    up: TcpStream,
    budgets: &std::sync::Mutex<std::vec::IntoIter<u64>>,
    fwd: &AtomicU64,
    cuts: &AtomicU64,
) -> Result<()> {
    let (mut c_r, mut u_w) = (client.try_clone()?, up.try_clone()?);
    let (mut u_r, mut c_w) = (up, client);
    let back = std::thread::spawn(move || {
        let _ = std::io::copy(&mut u_r, &mut c_w);
        let _ = c_w.shutdown(std::net::Shutdown::Both);
    });
    let mut left = u64::MAX;
    let mut first = true;
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = match c_r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if first {
            first = false;
            if buf[..n].starts_with(b"PATCH ") {
                left = budgets
                    .lock()
                    .ok()
                    .and_then(|mut b| b.next())
                    .unwrap_or(u64::MAX);
            }
        }
        let take = (n as u64).min(left) as usize;
        if u_w.write_all(&buf[..take]).is_err() {
            break;
        }
        fwd.fetch_add(take as u64, Ordering::SeqCst);
        left -= take as u64;
        if left == 0 {
            cuts.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(100));
            break;
        }
    }
    let _ = u_w.shutdown(std::net::Shutdown::Both);
    let _ = c_r.shutdown(std::net::Shutdown::Both);
    let _ = back.join();
    Ok(())
}

/// A server of its own for the constant-cost measurement: init, a session, one open upload
/// whose log is extended to `segments` segments, restarted.
struct ScaleSide {
    server: Server,
    port: u16,
    /// `Bearer <token>` of the upload's source (the browser session ended with the restart).
    auth: String,
    loc: String,
    offset: u64,
    label: String,
}

/// Bytes of each timed PATCH.
const SCALE_PATCH: u64 = 64 << 10;

fn scale_side(postern: &Path, dir: &Path, segments: u64, rounds: u64) -> Result<ScaleSide> {
    let id = age::x25519::Identity::generate();
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let data = dir.join("data");
    run(Command::new(postern)
        .args([
            "init",
            "--recipient",
            &id.to_public().to_string(),
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data",
        ])
        .arg(&data))?;
    let config = data.join("postern.toml");
    let mut server = Server::start(postern, &config, port)?;
    let session = Session::generate(port)?;
    // One byte per synthetic segment, then room for the timed PATCHes.
    let length = segments + (rounds + 1) * SCALE_PATCH;
    let loc = session.create(length)?;
    server.stop();
    let upload = loc.rsplit('/').next().context("upload id")?;
    let log = data.join("spool/uploads").join(format!("{upload}.log"));
    let header = fs::read_to_string(&log)?;
    let expires = header
        .lines()
        .next()
        .and_then(|l| l.split(' ').nth(6))
        .context("log header")?
        .to_owned();
    let mut out = std::io::BufWriter::new(fs::OpenOptions::new().append(true).open(&log)?);
    let line = |body: String| {
        let check = hex::encode(&<sha2::Sha256 as sha2::Digest>::digest(body.as_bytes())[..4]);
        format!("{body} {check}\n")
    };
    for i in 0..segments {
        let mut raw = [0u8; 48];
        rand::Rng::fill_bytes(&mut rand::rng(), &mut raw);
        let item = hex::encode(&raw[..16]);
        out.write_all(line(format!("pending {item}")).as_bytes())?;
        out.write_all(
            line(format!(
                "segment {i} {item} {i} 1 {} 0 {expires}",
                hex::encode(&raw[16..])
            ))
            .as_bytes(),
        )?;
    }
    out.flush()?;
    drop(out);
    let server = Server::start(postern, &config, port)?;
    let (st, _, body) = http(
        port,
        "POST",
        "/api/v1/login",
        &[],
        session.codename.as_bytes(),
    )?;
    if st != 200 {
        bail!("the API login answered {st}");
    }
    let token = body
        .split('"')
        .nth(3)
        .filter(|t| t.len() == 64)
        .context("no token")?;
    Ok(ScaleSide {
        server,
        port,
        auth: format!("Bearer {token}"),
        loc,
        offset: segments,
        label: format!("{segments} segment(s)"),
    })
}

/// One PATCH of `len` generated bytes at `offset`; its status.
fn patch_at(port: u16, auth: &str, loc: &str, offset: u64, len: u64) -> Result<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.write_all(format!(
        "PATCH {loc} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: {auth}\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: {offset}\r\nContent-Length: {len}\r\n\r\n"
    ).as_bytes())?;
    s.write_all(&vec![7u8; usize::try_from(len)?])?;
    status_line(s)
}

fn min_median(v: &mut [f64]) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[0], v[v.len() / 2])
}

fn scale(cli: &Cli, postern: &Path, w: &Path) -> Result<()> {
    let n = cli.scale_segments;
    println!("preparing: one server with an upload of 1 segment, one with {n} ...");
    let mut sides = [
        scale_side(postern, &w.join("one"), 1, cli.scale_rounds)?,
        scale_side(postern, &w.join("many"), n, cli.scale_rounds)?,
    ];
    let mut create = [Vec::new(), Vec::new()];
    let mut patch = [Vec::new(), Vec::new()];
    for round in 0..cli.scale_rounds {
        // Alternate which side goes first.
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for k in order {
            let side = &mut sides[k];
            let api = [
                ("Authorization", side.auth.as_str()),
                ("Tus-Resumable", "1.0.0"),
            ];
            let t = Instant::now();
            let (st, h, _) = http(
                side.port,
                "POST",
                "/api/v1/uploads",
                &[api[0], api[1], ("Upload-Length", "1024")],
                b"",
            )?;
            create[k].push(t.elapsed().as_secs_f64() * 1e3);
            if st != 201 {
                bail!("creation answered {st}");
            }
            let loc = h
                .lines()
                .find_map(|l| l.strip_prefix("location: "))
                .context("no location")?
                .trim()
                .to_owned();
            let (st, _, _) = http(side.port, "DELETE", &loc, &api, b"")?;
            if st != 204 {
                bail!("termination answered {st}");
            }
            let t = Instant::now();
            let st = patch_at(side.port, &side.auth, &side.loc, side.offset, SCALE_PATCH)?;
            patch[k].push(t.elapsed().as_secs_f64() * 1e3);
            if st != 204 {
                bail!("PATCH answered {st} ({})", side.label);
            }
            side.offset += SCALE_PATCH;
        }
    }
    println!();
    println!(
        "tus at constant cost, {} alternating rounds (ms; ratio = {n} segments / 1 segment):",
        cli.scale_rounds
    );
    for (what, v) in [("creation", &mut create), ("PATCH 64 KiB", &mut patch)] {
        let (a_min, a_med) = min_median(&mut v[0]);
        let (b_min, b_med) = min_median(&mut v[1]);
        println!(
            "  {what:<13} 1 segment: min {a_min:.2} median {a_med:.2}   {n} segments: min {b_min:.2} median {b_med:.2}   ratio min {:.2} median {:.2}",
            b_min / a_min,
            b_med / a_med
        );
    }
    for side in &sides {
        println!(
            "  peak RSS, server with {}: {:.1} MiB",
            side.label,
            status_kib(side.server.child.id(), "VmHWM:")? as f64 / 1024.0
        );
    }
    Ok(())
}
