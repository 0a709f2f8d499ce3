//! `ingest-bench`: the server's upload path, measured side by side with the stock `age` CLI.
//!
//! 1. Throughput: a file uploaded over loopback HTTP into the spool (multipart, through the real
//!    `postern serve`: session, CSRF, sealing, fsync, commit), against `age -r` encrypting the same
//!    file to the same recipient, best of N rounds each, alternating; and a second server whose
//!    newsroom key is hybrid post-quantum (`age1pq1…`), uploaded to in the same rounds; then the
//!    per-item cost of small messages (bytes stored and microseconds per HTTP upload), classical
//!    and hybrid servers side by side.
//! 2. Memory flat in file size: peak RSS of the server (VmHWM) during one large upload of
//!    generated data.
//! 3. Memory per slow upload: RSS growth of the server with many concurrent uploads trickling at
//!    about 1 KiB/s each.
//!
//! ```text
//! cargo build --release -p postern-server -p postern-e2e
//! target/release/ingest-bench --size-mib 1024 --big-gib 10 --slow 500
//! ```
#![allow(clippy::indexing_slicing)] // A developer tool over data it builds itself.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;

#[path = "../bench_stats.rs"]
mod stats;
use stats::Samples;

#[derive(Parser)]
#[command(
    name = "ingest-bench",
    about = "Benchmark Postern's upload path against the stock age CLI"
)]
struct Cli {
    /// Size of the file for the throughput comparison, in MiB.
    #[arg(long, default_value_t = 1024)]
    size_mib: u64,
    /// Rounds of the throughput comparison (each side once per round, alternating).
    #[arg(long, default_value_t = 5)]
    rounds: u32,
    /// Size of the single large upload for the flat-memory check, in GiB (0 to skip).
    #[arg(long, default_value_t = 10)]
    big_gib: u64,
    /// Concurrent slow uploads (0 to skip).
    #[arg(long, default_value_t = 500)]
    slow: usize,
    /// Seconds the slow uploads trickle before memory is measured.
    #[arg(long, default_value_t = 20)]
    slow_seconds: u64,
    /// The `postern` binary (default: next to this one).
    #[arg(long)]
    postern: Option<PathBuf>,
    /// Work directory (default: a temporary directory under the target dir).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Small messages uploaded per server for the per-item cost (0 to skip).
    #[arg(long, default_value_t = 200)]
    small: u32,
    /// Concurrent full-speed form uploads for the memory-per-upload measure (0 to skip).
    #[arg(long, default_value_t = 100)]
    concurrent: usize,
    /// MiB each concurrent upload sends.
    #[arg(long, default_value_t = 16)]
    concurrent_mib: u64,
    /// Size of each small message, in bytes.
    #[arg(long, default_value_t = 1024)]
    small_bytes: u64,
}

const BOUNDARY: &str = "ingest-bench-boundary-51c0";

fn main() -> Result<()> {
    let cli = Cli::parse();
    let exe = std::env::current_exe()?;
    let bin_dir = exe.parent().context("exe dir")?.to_path_buf();
    let postern = cli
        .postern
        .clone()
        .unwrap_or_else(|| bin_dir.join("postern"));
    if !postern.exists() {
        bail!(
            "{} not found: build it first with `cargo build --release -p postern-server`",
            postern.display()
        );
    }
    let work = match &cli.dir {
        Some(d) => {
            fs::create_dir_all(d)?;
            tempfile::tempdir_in(d)?
        }
        None => tempfile::tempdir_in(bin_dir.parent().unwrap_or(&bin_dir))?,
    };
    let w = work.path();
    println!("== ingest-bench: `postern serve` upload path vs stock `age -r` ==");
    println!(
        "command: {}",
        std::env::args().collect::<Vec<_>>().join(" ")
    );
    println!("server:  {}", postern.display());

    // Key and server.
    let key = w.join("key.txt");
    run(Command::new("age-keygen").arg("-o").arg(&key))?;
    let recipient = String::from_utf8(
        Command::new("age-keygen")
            .arg("-y")
            .arg(&key)
            .output()?
            .stdout,
    )?
    .trim()
    .to_owned();
    let (port, data, config) = init_server(&postern, w, "data", &recipient)?;
    let mut server = Server::start(&postern, &config, port)?;
    let session = Session::login(port)?;
    // The same server with a hybrid newsroom key.
    let recipient_pq = postern_spool::pq::HybridIdentity::generate(&mut rand::rng())
        .to_public()
        .to_string();
    let (port_pq, data_pq, config_pq) = init_server(&postern, w, "data-pq", &recipient_pq)?;
    let mut server_pq = Server::start(&postern, &config_pq, port_pq)?;
    let session_pq = Session::login(port_pq)?;
    println!("servers: classical age1… key on port {port}, hybrid age1pq1… key on port {port_pq}");

    // 1. Throughput.
    let input = w.join("input.bin");
    make_random_file(&input, cli.size_mib << 20)?;
    println!(
        "openssl speed -evp chacha20-poly1305 (64 KiB, one core): {:.0} MiB/s",
        stats::openssl_chacha_mib_s().unwrap_or(f64::NAN)
    );
    println!("load before the rounds: {}", stats::uptime());
    // [age -r + sync, cp + sync, postern classical, postern hybrid]
    let mut times: [Samples; 4] = Default::default();
    let mut cpu = Samples::default();
    let mut idle = Samples::default();
    let names = [
        "age -r + sync",
        "cp + sync",
        "postern (X25519 key)",
        "postern (hybrid key)",
    ];
    for round in 0..cli.rounds {
        let age_out = w.join("age.out");
        // Every side once per round, the order rotated by one every round.
        let mut order = [0usize, 1, 2, 3];
        order.rotate_left(round as usize % 4);
        for which in order {
            match which {
                0 => {
                    let _ = fs::remove_file(&age_out);
                    let t = Instant::now();
                    run(Command::new("age")
                        .args(["-r", &recipient, "-o"])
                        .arg(&age_out)
                        .arg(&input))?;
                    // age does not fsync; the server does. Sync here too, and count it.
                    run(Command::new("sync").arg(&age_out))?;
                    times[0].push(t.elapsed().as_secs_f64());
                    let _ = fs::remove_file(&age_out);
                }
                1 => times[1].push(stats::cp_sync(&input, &age_out)?),
                _ => {
                    let (sess, pid) = if which == 2 {
                        (&session, server.child.id())
                    } else {
                        (&session_pq, server_pq.child.id())
                    };
                    let c0 = stats::cpu_secs(pid)?;
                    let m0 = stats::machine_ticks()?;
                    let t = Instant::now();
                    let status = sess.upload_file(&input)?;
                    if status != 200 {
                        bail!("upload answered {status}");
                    }
                    times[which].push(t.elapsed().as_secs_f64());
                    if which == 2 {
                        cpu.push(stats::cpu_secs(pid)? - c0);
                        idle.push(stats::idle_share(m0, stats::machine_ticks()?) * 100.0);
                    }
                }
            }
        }
        println!("round {}/{}: {}", round + 1, cli.rounds, stats::uptime());
        clean_spool(&data.join("spool"))?;
        clean_spool(&data_pq.join("spool"))?;
    }
    let mib = cli.size_mib as f64;
    println!();
    println!(
        "throughput, {} MiB file, {} alternating rounds (age -r + sync of its output; ours: HTTP upload, sealed, fsynced, committed):",
        cli.size_mib, cli.rounds
    );
    for (name, t) in names.iter().zip(&times) {
        println!("{}", stats::side(name, t, mib));
    }
    println!(
        "  postern (X25519) vs age -r + sync: {}  (target >= 1.0x median)",
        stats::ratio(&times[2], &times[0])
    );
    println!(
        "  postern (hybrid) vs age -r + sync: {}",
        stats::ratio(&times[3], &times[0])
    );
    println!(
        "  postern (X25519) vs cp + sync:     {}",
        stats::ratio(&times[2], &times[1])
    );
    println!(
        "  server CPU per GiB uploaded (utime + stime from /proc/PID/stat): min {:.2} s, median {:.2} s",
        cpu.min() * 1024.0 / mib,
        cpu.median() * 1024.0 / mib
    );
    // Whether a second core is there to seal one upload in parallel (issue 18): what the whole
    // machine (server, client, kernel) left idle while the one upload ran.
    println!(
        "  machine CPU idle while the X25519 upload ran (/proc/stat, idle + iowait): min {:.0} %, median {:.0} %",
        idle.min(),
        idle.median()
    );
    fs::remove_file(&input)?;

    // 1b. Small messages: per-item cost.
    if cli.small > 0 {
        let small = w.join("small.bin");
        make_random_file(&small, cli.small_bytes)?;
        // [classical, hybrid]: total seconds, stored bytes of the last item.
        let mut secs = [0f64; 2];
        let mut bytes = [0u64; 2];
        let block = 20.min(cli.small).max(1);
        let mut done = 0;
        while done < cli.small {
            let n = block.min(cli.small - done);
            for (i, sess) in [&session, &session_pq].into_iter().enumerate() {
                let t = Instant::now();
                for _ in 0..n {
                    let status = sess.upload_file(&small)?;
                    if status != 200 {
                        bail!("small upload answered {status}");
                    }
                }
                secs[i] += t.elapsed().as_secs_f64();
            }
            done += n;
        }
        for (i, d) in [&data, &data_pq].into_iter().enumerate() {
            bytes[i] = stored_item_bytes(&d.join("spool"))?;
            clean_spool(&d.join("spool"))?;
        }
        let us = |s: f64| s * 1e6 / f64::from(cli.small);
        println!();
        println!(
            "small messages: {} uploads of {} bytes per server, alternating in blocks of {block} (HTTP, sealed, fsynced, committed):",
            cli.small, cli.small_bytes
        );
        println!(
            "  classical  {:>8.0} us/item  {:>6} bytes stored/item (ciphertext)",
            us(secs[0]),
            bytes[0]
        );
        println!(
            "  hybrid     {:>8.0} us/item  {:>6} bytes stored/item (ciphertext)",
            us(secs[1]),
            bytes[1]
        );
        println!(
            "  hybrid - classical: {:+.0} us, {:+} bytes per item",
            us(secs[1]) - us(secs[0]),
            bytes[1] as i64 - bytes[0] as i64
        );
        fs::remove_file(&small)?;
    }
    server_pq.stop();

    // 2. One large upload: peak RSS.
    if cli.big_gib > 0 {
        // VmHWM already holds the login's Argon2 peak (64 MiB by design, freed after the
        // login), so sample the resident set during the upload instead.
        let before = server.rss_kib()?;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let pid = server.child.id();
        let sampler = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut max = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    if let Ok(kib) = status_kib(pid, "VmRSS:") {
                        max = max.max(kib);
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                max
            })
        };
        let t = Instant::now();
        let status = session.upload_generated(cli.big_gib << 30)?;
        let secs = t.elapsed().as_secs_f64();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let peak = sampler.join().unwrap_or(0);
        println!();
        println!(
            "one {} GiB upload: status {status}, {:.1} s ({:.0} MiB/s)",
            cli.big_gib,
            secs,
            (cli.big_gib << 10) as f64 / secs
        );
        println!(
            "  server RSS before {:.1} MiB, peak during the upload {:.1} MiB (sampled every 20 ms)  (target < 64 MiB)",
            before as f64 / 1024.0,
            peak as f64 / 1024.0
        );
        println!(
            "  (VmHWM {:.1} MiB includes the login's Argon2id, m = 64 MiB, before the upload)",
            server.hwm_kib()? as f64 / 1024.0
        );
        clean_spool(&data.join("spool"))?;
    }

    // 2b. Many full-speed uploads at once: memory per upload in flight.
    if cli.concurrent > 0 {
        server.stop();
        server = Server::start(&postern, &config, port)?;
        let session = Session::login(port)?;
        std::thread::sleep(Duration::from_millis(500));
        let before = server.rss_kib()?;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let pid = server.child.id();
        let sampler = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut max = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    if let Ok(kib) = status_kib(pid, "VmRSS:") {
                        max = max.max(kib);
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                max
            })
        };
        let len = cli.concurrent_mib << 20;
        let t = Instant::now();
        let ok = std::thread::scope(|sc| {
            let hs: Vec<_> = (0..cli.concurrent)
                .map(|_| sc.spawn(|| session.upload_generated(len)))
                .collect();
            hs.into_iter()
                .map(|h| matches!(h.join(), Ok(Ok(200))))
                .filter(|ok| *ok)
                .count()
        });
        let secs = t.elapsed().as_secs_f64();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let peak = sampler.join().unwrap_or(0);
        println!();
        println!(
            "{} concurrent form uploads of {} MiB at full speed ({ok} answered 200, {secs:.1} s, {:.1} MiB/s in total; {}):",
            cli.concurrent,
            cli.concurrent_mib,
            (cli.concurrent as u64 * cli.concurrent_mib) as f64 / secs,
            stats::uptime()
        );
        println!(
            "  server VmRSS {:.1} MiB before, peak {:.1} MiB during: {:.0} KiB per upload  (target <= 256 KiB)",
            before as f64 / 1024.0,
            peak as f64 / 1024.0,
            peak.saturating_sub(before) as f64 / cli.concurrent as f64
        );
        clean_spool(&data.join("spool"))?;
    }

    // 3. Many slow uploads.
    if cli.slow > 0 {
        // A fresh server, so that the measurement is not inflated by the large upload's peak.
        server.stop();
        server = Server::start(&postern, &config, port)?;
        let session = Session::login(port)?;
        std::thread::sleep(Duration::from_millis(500));
        // A full-speed upload alone, and again while the trickles run: does their presence
        // cost throughput?
        let fast_len = cli.size_mib.min(256) << 20;
        let t = Instant::now();
        session.upload_generated(fast_len)?;
        let alone = t.elapsed().as_secs_f64();
        clean_spool(&data.join("spool"))?;
        std::thread::sleep(Duration::from_millis(500));
        let base = server.rss_kib()?;
        let mut conns = Vec::with_capacity(cli.slow);
        for _ in 0..cli.slow {
            conns.push(session.start_slow_upload()?);
        }
        let chunk = vec![0x5au8; 1024];
        let mut during = 0;
        let mut beside = 0.0;
        std::thread::scope(|sc| -> Result<()> {
            let mut fast = None;
            for second in 0..cli.slow_seconds {
                let t = Instant::now();
                for c in conns.iter_mut() {
                    c.write_all(&chunk)?;
                }
                if second == cli.slow_seconds / 2 {
                    // Memory is read before the full-speed upload adds its own buffers.
                    during = server.rss_kib()?;
                    let session = &session;
                    fast = Some(sc.spawn(move || {
                        let t = Instant::now();
                        session
                            .upload_generated(fast_len)
                            .map(|_| t.elapsed().as_secs_f64())
                    }));
                }
                std::thread::sleep(Duration::from_secs(1).saturating_sub(t.elapsed()));
            }
            if let Some(h) = fast {
                beside = h.join().map_err(|_| anyhow::anyhow!("upload thread"))??;
            }
            Ok(())
        })?;
        let temporaries = fs::read_dir(data.join("spool/tmp"))?.count();
        drop(conns);
        let per = (during.saturating_sub(base)) as f64 / cli.slow as f64;
        println!();
        println!(
            "{} concurrent uploads trickling 1 KiB/s for {} s ({} temporaries open):",
            cli.slow, cli.slow_seconds, temporaries
        );
        println!(
            "  server RSS before {:.1} MiB, during {:.1} MiB: {:.0} KiB per upload  (target <= 256 KiB)",
            base as f64 / 1024.0,
            during as f64 / 1024.0,
            per
        );
        std::thread::sleep(Duration::from_secs(2));
        println!(
            "  one {} MiB full-speed upload: {alone:.2} s alone, {beside:.2} s beside the trickles ({:.2}x the throughput alone; one sample each, {})",
            fast_len >> 20,
            alone / beside,
            stats::uptime()
        );
        let left = fs::read_dir(data.join("spool/tmp"))?.count();
        println!("  after the clients went away: {left} temporaries left");
    }
    server.stop();
    Ok(())
}

/// `postern init` in `w/<name>` with `recipient`, with limits raised for the benchmark; returns
/// its port, data folder and config file.
fn init_server(
    postern: &Path,
    w: &Path,
    name: &str,
    recipient: &str,
) -> Result<(u16, PathBuf, PathBuf)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let data = w.join(name);
    run(Command::new(postern)
        .args([
            "init",
            "--recipient",
            recipient,
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data",
        ])
        .arg(&data))?;
    let config = data.join("postern.toml");
    let text = fs::read_to_string(&config)?
        .replace(
            "max_file_bytes = 2147483648",
            "max_file_bytes = 1099511627776",
        )
        .replace(
            "max_request_bytes = 4294967296",
            "max_request_bytes = 1099511627776",
        )
        .replace(
            "disk_reserve_bytes = 1073741824",
            "disk_reserve_bytes = 268435456",
        )
        .replace("upload_idle_seconds = 120", "upload_idle_seconds = 600");
    fs::write(&config, text)?;
    Ok((port, data, config))
}

/// The size of one stored item ciphertext (`.age`) in the spool; all are alike here.
fn stored_item_bytes(spool: &Path) -> Result<u64> {
    for e in fs::read_dir(spool.join("sources"))? {
        for i in fs::read_dir(e?.path().join("items"))? {
            let p = i?.path();
            if p.extension().is_some_and(|x| x == "age") {
                return Ok(fs::metadata(&p)?.len());
            }
        }
    }
    bail!("no item in {}", spool.display())
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
            let bytes = x.to_le_bytes();
            b.copy_from_slice(&bytes[..b.len()]);
        }
        let n = left.min(buf.len() as u64) as usize;
        f.write_all(&buf[..n])?;
        left -= n as u64;
    }
    f.flush()?;
    Ok(())
}

fn clean_spool(spool: &Path) -> Result<()> {
    let sources = spool.join("sources");
    for e in fs::read_dir(&sources)? {
        let items = e?.path().join("items");
        if items.exists() {
            for f in fs::read_dir(&items)? {
                fs::remove_file(f?.path())?;
            }
        }
    }
    Ok(())
}

struct Server {
    child: Child,
}

fn status_kib(pid: u32, field: &str) -> Result<u64> {
    let s = fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = s
        .lines()
        .find(|l| l.starts_with(field))
        .context("no such field")?;
    Ok(line.split_whitespace().nth(1).context("value")?.parse()?)
}

impl Server {
    fn start(postern: &Path, config: &Path, port: u16) -> Result<Server> {
        // Hundreds of uploads need more than the default 1,024 descriptors.
        let child = Command::new("sh")
            .arg("-c")
            .arg("ulimit -n 16384; exec \"$0\" serve --config \"$1\"")
            .arg(postern)
            .arg(config)
            .env("POSTERN_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
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

    fn hwm_kib(&self) -> Result<u64> {
        status_kib(self.child.id(), "VmHWM:")
    }

    fn rss_kib(&self) -> Result<u64> {
        status_kib(self.child.id(), "VmRSS:")
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Session {
    port: u16,
    cookie: String,
    csrf: String,
}

impl Session {
    fn login(port: u16) -> Result<Session> {
        // An anonymous page sets only the stateless form cookie; the session cookie comes with
        // the codename.
        let (_, h, body) = http(port, "GET", "/en/", None, "", b"")?;
        let form = cookie_named(&h, "postern-form").context("no form cookie")?;
        let csrf = csrf_of(&body)?;
        let (_, h, _) = http(
            port,
            "POST",
            "/en/generate",
            Some(&format!("postern-form={form}")),
            "application/x-www-form-urlencoded",
            format!("csrf={csrf}").as_bytes(),
        )?;
        let cookie = cookie_named(&h, "postern").context("no session cookie")?;
        let (_, _, body) = http(
            port,
            "GET",
            "/en/home",
            Some(&format!("postern={cookie}")),
            "",
            b"",
        )?;
        let csrf = csrf_of(&body)?;
        Ok(Session { port, cookie, csrf })
    }

    fn preamble(&self, filename: &str) -> String {
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            self.csrf
        )
    }

    fn head(&self, content_length: u64) -> String {
        format!(
            "POST /en/submit HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: postern={}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {content_length}\r\n\r\n",
            self.cookie
        )
    }

    fn upload_stream(
        &self,
        len: u64,
        fill: &mut dyn FnMut(&mut [u8]) -> Result<usize>,
    ) -> Result<u16> {
        let pre = self.preamble("bench.bin");
        let post = format!("\r\n--{BOUNDARY}--\r\n");
        let mut s = TcpStream::connect(("127.0.0.1", self.port))?;
        s.write_all(
            self.head(pre.len() as u64 + len + post.len() as u64)
                .as_bytes(),
        )?;
        s.write_all(pre.as_bytes())?;
        let mut buf = vec![0u8; 256 << 10];
        let mut left = len;
        while left > 0 {
            let want = left.min(buf.len() as u64) as usize;
            let n = fill(&mut buf[..want])?;
            if n == 0 {
                bail!("input ended early");
            }
            s.write_all(&buf[..n])?;
            left -= n as u64;
        }
        s.write_all(post.as_bytes())?;
        let mut r = BufReader::new(s);
        let mut line = String::new();
        r.read_line(&mut line)?;
        Ok(line.split_whitespace().nth(1).unwrap_or("0").parse()?)
    }

    /// Uploads a file the way an efficient client would: the body goes from the page cache to
    /// the socket with `sendfile` (what `std::io::copy` does from a file to a TCP stream on
    /// Linux), so the client, which shares the machine's cores with the server here, spends
    /// next to no CPU copying it.
    fn upload_file(&self, path: &Path) -> Result<u16> {
        let mut f = fs::File::open(path)?;
        let len = f.metadata()?.len();
        let pre = self.preamble("bench.bin");
        let post = format!("\r\n--{BOUNDARY}--\r\n");
        let mut s = TcpStream::connect(("127.0.0.1", self.port))?;
        s.write_all(
            self.head(pre.len() as u64 + len + post.len() as u64)
                .as_bytes(),
        )?;
        s.write_all(pre.as_bytes())?;
        let sent = std::io::copy(&mut f, &mut s)?;
        if sent != len {
            bail!("the file changed during the upload");
        }
        s.write_all(post.as_bytes())?;
        let mut r = BufReader::new(s);
        let mut line = String::new();
        r.read_line(&mut line)?;
        Ok(line.split_whitespace().nth(1).unwrap_or("0").parse()?)
    }

    fn upload_generated(&self, len: u64) -> Result<u16> {
        let mut x: u8 = 1;
        self.upload_stream(len, &mut |b| {
            for v in b.iter_mut() {
                x = x.wrapping_mul(31).wrapping_add(7);
                *v = x;
            }
            Ok(b.len())
        })
    }

    /// Opens an upload that announces 1 GiB and sends only its preamble.
    fn start_slow_upload(&self) -> Result<TcpStream> {
        let pre = self.preamble("slow.bin");
        let mut s = TcpStream::connect(("127.0.0.1", self.port))?;
        s.write_all(self.head(1 << 30).as_bytes())?;
        s.write_all(pre.as_bytes())?;
        Ok(s)
    }
}

fn http(
    port: u16,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    ctype: &str,
    body: &[u8],
) -> Result<(u16, String, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(c) = cookie {
        head.push_str(&format!("Cookie: {c}\r\n"));
    }
    if !ctype.is_empty() {
        head.push_str(&format!("Content-Type: {ctype}\r\n"));
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
