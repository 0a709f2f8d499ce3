//! `spool-bench`: seal/open throughput and memory of the Postern envelope, side by side with the
//! stock Go `age` CLI, on the same random input and the same X25519 key; and the same envelope
//! sealed to a hybrid post-quantum (`age1pq1…`) key beside it, with the per-item cost of a small
//! message (bytes and microseconds) for both kinds.
//!
//! Every operation runs as its own child process under GNU `time -f '%e %M'` (elapsed seconds and
//! peak RSS in KiB). Our side is this same binary, invoked through the hidden `seal` and `open`
//! subcommands, so both sides pay for process start-up, key parsing and file I/O alike.
//!
//! ```text
//! cargo build --release -p postern-e2e --bin spool-bench
//! target/release/spool-bench --size-mib 1024 --rounds 3 --flat-check
//! ```

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail, ensure};

#[path = "../bench_stats.rs"]
mod stats;
use clap::{Args, Parser, Subcommand};
use postern_spool::day::Day;
use postern_spool::envelope::{self, Header, Kind};
use postern_spool::ids::ItemId;
use postern_spool::pq::HybridIdentity;
use postern_spool::recipients::Recipients;
use stats::Samples;

const KIB: usize = 1024;
const MIB: u64 = 1024 * 1024;
/// Targets printed next to the results.
const TARGET_RATIO: f64 = 1.0;
const TARGET_RSS_MIB: f64 = 64.0;

#[derive(Parser)]
#[command(
    name = "spool-bench",
    about = "Benchmark Postern's envelope seal/open against the stock `age` CLI",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    #[command(flatten)]
    bench: BenchArgs,
}

#[derive(Args)]
struct BenchArgs {
    /// Size of the random input file, in MiB.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..))]
    size_mib: u64,
    /// Rounds per operation (alternating); min and median of each are reported.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    rounds: u32,
    /// Work directory (created if missing). An input file of the right size left there by an
    /// earlier `--keep` run is reused. Default: a fresh temporary directory under the target dir.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Keep the files this run created (input, key, outputs).
    #[arg(long)]
    keep: bool,
    /// Also run our seal and open on a file of 1/4 the size and compare their peak RSS.
    #[arg(long)]
    flat_check: bool,
    /// The stock age binary.
    #[arg(long, default_value = "/usr/bin/age")]
    age: PathBuf,
    /// The stock age-keygen binary.
    #[arg(long, default_value = "/usr/bin/age-keygen")]
    age_keygen: PathBuf,
    /// GNU time.
    #[arg(long, default_value = "/usr/bin/time")]
    time: PathBuf,
    #[command(flatten)]
    bufs: Buffers,
    /// Small messages sealed (in this process) per kind for the per-item cost; 0 to skip.
    #[arg(long, default_value_t = 2000)]
    small_count: u32,
    /// Size of each small message, in bytes.
    #[arg(long, default_value_t = 1024)]
    small_bytes: usize,
}

/// Buffer sizes of our side, passed through to the hidden subcommands.
#[derive(Args, Clone, Copy, Debug)]
struct Buffers {
    /// Seal: read buffer for the plaintext, in KiB. A multiple of 64 lets the envelope writer
    /// take whole frames straight from it.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(64..=65536))]
    seal_read_kib: u64,
    /// Open: `BufReader` capacity over the ciphertext, in KiB. age reads whole 64 KiB + 16
    /// ciphertext chunks; a capacity below that lets them bypass the buffer (no extra copy).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=65536))]
    open_read_kib: u64,
    /// `BufWriter` capacity of the output file, in KiB, on both seal and open.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=65536))]
    write_buf_kib: u64,
}

impl Buffers {
    fn args(&self) -> Vec<OsString> {
        vec![
            "--seal-read-kib".into(),
            self.seal_read_kib.to_string().into(),
            "--open-read-kib".into(),
            self.open_read_kib.to_string().into(),
            "--write-buf-kib".into(),
            self.write_buf_kib.to_string().into(),
        ]
    }
}

fn kib(n: u64) -> Result<usize> {
    usize::try_from(n)
        .ok()
        .and_then(|n| n.checked_mul(KIB))
        .context("buffer size too large")
}

#[derive(Subcommand)]
enum Cmd {
    /// The primitives alone, in memory on one core: RustCrypto ChaCha20-Poly1305 (what the age
    /// crate uses) and ring's (what the envelope's payload uses) on 64 KiB chunks, and the record
    /// hashes SHA-256 (version 1) and BLAKE3 (version 2), against `openssl speed`.
    Primitives {
        #[arg(long, default_value_t = 256)]
        size_mib: usize,
        #[arg(long, default_value_t = 5)]
        rounds: u32,
    },
    /// The record hashes alone (issue 18), in memory on one core, side by side in one run:
    /// SHA-256 (`sha2`, record version 1) against BLAKE3 (`blake3`, single-threaded
    /// `Hasher::update`, default features, record version 2). GB/s (10^9 bytes) at the median.
    Hashes {
        #[arg(long, default_value_t = 1024)]
        size_mib: usize,
        #[arg(long, default_value_t = 5)]
        rounds: u32,
    },
    /// Seal a file into an envelope (one timed operation of the benchmark).
    #[command(hide = true)]
    Seal {
        #[arg(long)]
        recipient: String,
        #[arg(long = "in")]
        input: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        bufs: Buffers,
    },
    /// Open an envelope to a file (one timed operation of the benchmark).
    #[command(hide = true)]
    Open {
        #[arg(long)]
        identity: PathBuf,
        #[arg(long = "in")]
        input: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        bufs: Buffers,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Some(Cmd::Primitives { size_mib, rounds }) => primitives(size_mib, rounds),
        Some(Cmd::Hashes { size_mib, rounds }) => hashes(size_mib, rounds),
        Some(Cmd::Seal {
            recipient,
            input,
            out,
            bufs,
        }) => cmd_seal(&recipient, &input, &out, bufs),
        Some(Cmd::Open {
            identity,
            input,
            out,
            bufs,
        }) => cmd_open(&identity, &input, &out, bufs),
        None => bench(&cli.bench),
    }
}

// ---------------------------------------------------------------------------------------------
// Our side: the two hidden subcommands.

fn cmd_seal(recipient: &str, input: &Path, out: &Path, bufs: Buffers) -> Result<()> {
    let recipients = Recipients::parse([recipient]).context("parsing --recipient")?;
    let mut header = Header::new(Kind::File, ItemId::from_bytes([0x5a; 16]), Day(20_000));
    header.name = "bench.bin".into();
    header.content_type = "application/octet-stream".into();

    let mut src = File::open(input).with_context(|| format!("opening {}", input.display()))?;
    let dst = BufWriter::with_capacity(
        kib(bufs.write_buf_kib)?,
        File::create(out).with_context(|| format!("creating {}", out.display()))?,
    );
    let mut sealer = envelope::seal(&recipients, &header, dst)?;
    let mut buf = vec![0u8; kib(bufs.seal_read_kib)?];
    loop {
        let n = read_fill(&mut src, &mut buf)?;
        if n == 0 {
            break;
        }
        sealer.write_all(buf.get(..n).unwrap_or_default())?;
    }
    let dst = sealer.finish()?;
    dst.into_inner().map_err(|e| e.into_error())?;
    Ok(())
}

fn cmd_open(identity: &Path, input: &Path, out: &Path, bufs: Buffers) -> Result<()> {
    let text =
        fs::read_to_string(identity).with_context(|| format!("opening {}", identity.display()))?;
    let identities: Vec<Box<dyn age::Identity>> = if text.contains("AGE-SECRET-KEY-PQ-1") {
        text.lines()
            .filter(|l| l.starts_with("AGE-SECRET-KEY-PQ-1"))
            .map(|l| {
                l.parse::<HybridIdentity>()
                    .map(|i| Box::new(i) as Box<dyn age::Identity>)
                    .map_err(|e| anyhow::anyhow!("{e}"))
            })
            .collect::<Result<_>>()?
    } else {
        age::IdentityFile::from_buffer(BufReader::new(text.as_bytes()))?
            .into_identities()?
            .into_iter()
            .map(|i| i as Box<dyn age::Identity>)
            .collect()
    };
    let src = BufReader::with_capacity(
        kib(bufs.open_read_kib)?,
        File::open(input).with_context(|| format!("opening {}", input.display()))?,
    );
    let mut reader = envelope::open(
        src,
        identities.iter().map(|i| i.as_ref() as &dyn age::Identity),
    )?;
    let mut dst = BufWriter::with_capacity(
        kib(bufs.write_buf_kib)?,
        File::create(out).with_context(|| format!("creating {}", out.display()))?,
    );
    reader.copy_to(&mut dst)?;
    dst.into_inner().map_err(|e| e.into_error())?;
    Ok(())
}

/// Reads until `buf` is full or the end of input; returns how many bytes were read.
fn read_fill<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..) {
        if rest.is_empty() {
            break;
        }
        match r.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

// ---------------------------------------------------------------------------------------------
// The benchmark driver.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    AgeEnc,
    Seal,
    SealPq,
    AgeDec,
    Open,
    OpenPq,
}

const OPS: usize = 6;

impl Op {
    const ALL: [Op; OPS] = [
        Op::AgeEnc,
        Op::Seal,
        Op::SealPq,
        Op::AgeDec,
        Op::Open,
        Op::OpenPq,
    ];

    fn label(self) -> &'static str {
        match self {
            Op::AgeEnc => "age -r  (stock encrypt)",
            Op::Seal => "seal    (postern, X25519)",
            Op::SealPq => "seal-pq (postern, hybrid)",
            Op::AgeDec => "age -d  (stock decrypt)",
            Op::Open => "open    (postern, X25519)",
            Op::OpenPq => "open-pq (postern, hybrid)",
        }
    }

    fn short(self) -> &'static str {
        match self {
            Op::AgeEnc => "age -r",
            Op::Seal => "seal",
            Op::SealPq => "seal-pq",
            Op::AgeDec => "age -d",
            Op::Open => "open",
            Op::OpenPq => "open-pq",
        }
    }
}

/// Paths and settings shared by every timed run.
struct Setup {
    exe: PathBuf,
    age: PathBuf,
    time: PathBuf,
    key: PathBuf,
    recipient: String,
    key_pq: PathBuf,
    recipient_pq: String,
    bufs: Buffers,
}

/// The files one size of input goes through.
struct Files {
    input: PathBuf,
    age_out: PathBuf,
    env_out: PathBuf,
    pq_out: PathBuf,
    age_dec: PathBuf,
    env_dec: PathBuf,
    pq_dec: PathBuf,
}

impl Files {
    fn new(dir: &Path, tag: &str, input: PathBuf) -> Files {
        Files {
            input,
            age_out: dir.join(format!("{tag}.age")),
            env_out: dir.join(format!("{tag}.env.age")),
            pq_out: dir.join(format!("{tag}.pq.age")),
            age_dec: dir.join(format!("{tag}.age.dec")),
            env_dec: dir.join(format!("{tag}.env.dec")),
            pq_dec: dir.join(format!("{tag}.pq.dec")),
        }
    }

    fn output(&self, op: Op) -> &Path {
        match op {
            Op::AgeEnc => &self.age_out,
            Op::Seal => &self.env_out,
            Op::SealPq => &self.pq_out,
            Op::AgeDec => &self.age_dec,
            Op::Open => &self.env_dec,
            Op::OpenPq => &self.pq_dec,
        }
    }

    fn all_outputs(&self) -> [&Path; OPS] {
        Op::ALL.map(|op| self.output(op))
    }
}

impl Setup {
    fn argv(&self, op: Op, f: &Files) -> Vec<OsString> {
        let mut v: Vec<OsString> = Vec::new();
        match op {
            Op::AgeEnc => {
                v.push(self.age.clone().into());
                v.extend(["-r".into(), self.recipient.clone().into(), "-o".into()]);
                v.push(f.age_out.clone().into());
                v.push(f.input.clone().into());
            }
            Op::Seal | Op::SealPq => {
                let (r, out) = if op == Op::Seal {
                    (&self.recipient, &f.env_out)
                } else {
                    (&self.recipient_pq, &f.pq_out)
                };
                v.push(self.exe.clone().into());
                v.extend(["seal".into(), "--recipient".into()]);
                v.push(r.clone().into());
                v.extend(["--in".into(), f.input.clone().into()]);
                v.extend(["--out".into(), out.clone().into()]);
                v.extend(self.bufs.args());
            }
            Op::AgeDec => {
                v.push(self.age.clone().into());
                v.extend([
                    "-d".into(),
                    "-i".into(),
                    self.key.clone().into(),
                    "-o".into(),
                ]);
                v.push(f.age_dec.clone().into());
                v.push(f.age_out.clone().into());
            }
            Op::Open | Op::OpenPq => {
                let (k, input, out) = if op == Op::Open {
                    (&self.key, &f.env_out, &f.env_dec)
                } else {
                    (&self.key_pq, &f.pq_out, &f.pq_dec)
                };
                v.push(self.exe.clone().into());
                v.extend(["open".into(), "--identity".into(), k.clone().into()]);
                v.extend(["--in".into(), input.clone().into()]);
                v.extend(["--out".into(), out.clone().into()]);
                v.extend(self.bufs.args());
            }
        }
        v
    }

    /// Runs `op` once under GNU time, after removing its previous output and flushing dirty
    /// pages (both untimed), so that no run pays for another's truncation or writeback.
    fn run(&self, op: Op, f: &Files) -> Result<Measure> {
        remove_if_exists(f.output(op))?;
        sync()?;
        timed(&self.time, &self.argv(op, f))
    }
}

#[derive(Clone, Copy, Debug)]
struct Measure {
    secs: f64,
    rss_kib: u64,
}

/// Every round's time, and the highest peak RSS over the rounds.
#[derive(Clone, Debug, Default)]
struct Summary {
    times: Samples,
    max_rss_kib: u64,
}

impl Summary {
    fn add(&mut self, m: Measure) {
        // `time` prints hundredths; keep ratios finite on tiny inputs.
        self.times.push(m.secs.max(0.005));
        self.max_rss_kib = self.max_rss_kib.max(m.rss_kib);
    }
    /// The median time.
    fn secs(&self) -> f64 {
        if self.times.0.is_empty() {
            0.005
        } else {
            self.times.median()
        }
    }
    fn rss_mib(&self) -> f64 {
        self.max_rss_kib as f64 / 1024.0
    }
}

fn timed(time: &Path, argv: &[OsString]) -> Result<Measure> {
    let out = Command::new(time)
        .args(["-f", "%e %M"])
        .args(argv)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("running {}", time.display()))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!(
            "`{}` failed ({}):\n{}",
            shell_join(argv.iter().map(OsString::as_os_str)),
            out.status,
            stderr.trim_end()
        );
    }
    // GNU time writes its line last, after anything the child wrote to stderr.
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .context("GNU time printed nothing")?;
    let mut fields = last.split_whitespace();
    let secs = fields
        .next()
        .and_then(|s| s.parse::<f64>().ok())
        .with_context(|| format!("cannot parse elapsed seconds from time output {last:?}"))?;
    let rss_kib = fields
        .next()
        .and_then(|s| s.parse::<u64>().ok())
        .with_context(|| format!("cannot parse max RSS from time output {last:?}"))?;
    Ok(Measure { secs, rss_kib })
}

fn bench(args: &BenchArgs) -> Result<()> {
    let exe = std::env::current_exe().context("locating this executable")?;
    for tool in [&args.age, &args.age_keygen, &args.time] {
        ensure!(
            tool.is_file(),
            "{} not found (apt-get install -y age time)",
            tool.display()
        );
    }
    let size = args
        .size_mib
        .checked_mul(MIB)
        .context("--size-mib too large")?;

    // Work directory and what to delete at the end.
    let mut cleanup = Cleanup::default();
    cleanup.keep = args.keep;
    let dir = match &args.dir {
        Some(d) => {
            if !d.exists() {
                fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
                cleanup.dirs.push(d.clone());
            }
            d.clone()
        }
        None => {
            // target/release/spool-bench -> target/
            let base = exe
                .parent()
                .and_then(Path::parent)
                .map(Path::to_path_buf)
                .unwrap_or_else(std::env::temp_dir);
            let tmp = tempfile::Builder::new()
                .prefix("spool-bench-")
                .tempdir_in(&base)
                .or_else(|_| tempfile::Builder::new().prefix("spool-bench-").tempdir())
                .context("creating a temporary work directory")?;
            let path = tmp.path().to_path_buf();
            cleanup.temp = Some(tmp);
            path
        }
    };

    // Input.
    let input = dir.join(format!("input-{}MiB.bin", args.size_mib));
    let reused = make_input(&input, size, &mut cleanup)?;

    // Key.
    let key = dir.join("key.txt");
    remove_if_exists(&key)?;
    cleanup.files.push(key.clone());
    let status = Command::new(&args.age_keygen)
        .arg("-o")
        .arg(&key)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("running age-keygen")?;
    ensure!(status.success(), "age-keygen failed: {status}");
    let recipient = Command::new(&args.age_keygen)
        .arg("-y")
        .arg(&key)
        .output()
        .context("running age-keygen -y")?;
    ensure!(recipient.status.success(), "age-keygen -y failed");
    let recipient = String::from_utf8(recipient.stdout)?.trim().to_owned();
    ensure!(
        recipient.starts_with("age1"),
        "unexpected recipient {recipient:?}"
    );

    // A hybrid key, in the same one-identity-per-line file format.
    let key_pq = dir.join("key-pq.txt");
    remove_if_exists(&key_pq)?;
    cleanup.files.push(key_pq.clone());
    let pq = HybridIdentity::generate(&mut rand::rng());
    let recipient_pq = pq.to_public().to_string();
    {
        use secrecy::ExposeSecret;
        fs::write(
            &key_pq,
            format!(
                "# public key: {recipient_pq}\n{}\n",
                pq.to_secret_string().expose_secret()
            ),
        )?;
    }

    let setup = Setup {
        exe: exe.clone(),
        age: args.age.clone(),
        time: args.time.clone(),
        key,
        recipient,
        key_pq,
        recipient_pq,
        bufs: args.bufs,
    };
    let files = Files::new(&dir, "main", input.clone());
    cleanup
        .files
        .extend(files.all_outputs().map(Path::to_path_buf));

    // Header.
    let age_version = Command::new(&args.age)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    println!("== spool-bench: Postern envelope (postern-spool) vs stock age ==");
    println!(
        "command:  {}",
        shell_join(
            std::env::args_os()
                .collect::<Vec<_>>()
                .iter()
                .map(OsString::as_os_str)
        )
    );
    println!(
        "input:    {} ({} bytes = {} MiB, random, {})",
        input.display(),
        size,
        args.size_mib,
        if reused { "reused" } else { "created" }
    );
    println!(
        "stock:    age {} ({}), key from {}",
        age_version,
        args.age.display(),
        args.age_keygen.display()
    );
    println!(
        "ours:     {} seal|open, same key file (age::IdentityFile); seal read buffer {} KiB, \
         open BufReader {} KiB, BufWriter {} KiB",
        exe.display(),
        args.bufs.seal_read_kib,
        args.bufs.open_read_kib,
        args.bufs.write_buf_kib
    );
    println!(
        "timing:   each op a separate child under `{} -f '%e %M'`; {} round(s), median \
         and min time per op, order alternates age/ours and flips every round",
        args.time.display(),
        args.rounds
    );
    println!(
        "fsync:    none on either side (both write to the page cache); the old output is \
         deleted and `sync` run before every op, untimed"
    );
    println!("commands:");
    for op in Op::ALL {
        println!(
            "  {:<7} {}",
            op.short(),
            shell_join(setup.argv(op, &files).iter().map(OsString::as_os_str))
        );
    }
    println!();

    // Rounds.
    println!(
        "openssl speed -evp chacha20-poly1305 (64 KiB, one core): {:.0} MiB/s",
        stats::openssl_chacha_mib_s().unwrap_or(f64::NAN)
    );
    println!("load before the rounds: {}", stats::uptime());
    let mut sums: [Summary; OPS] = std::array::from_fn(|_| Summary::default());
    for round in 0..args.rounds {
        let order = if round % 2 == 0 {
            [
                Op::AgeEnc,
                Op::Seal,
                Op::SealPq,
                Op::AgeDec,
                Op::Open,
                Op::OpenPq,
            ]
        } else {
            [
                Op::SealPq,
                Op::Seal,
                Op::AgeEnc,
                Op::OpenPq,
                Op::Open,
                Op::AgeDec,
            ]
        };
        let mut line = format!("round {}/{}:", round + 1, args.rounds);
        for op in order {
            let m = setup.run(op, &files)?;
            if let Some(s) = sums.get_mut(op_index(op)) {
                s.add(m);
            }
            let _ = write!(
                line,
                "  {} {:.2} s {:.1} MiB;",
                op.short(),
                m.secs,
                m.rss_kib as f64 / 1024.0
            );
        }
        println!("{}  [{}]", line.trim_end_matches(';'), stats::uptime());
        if round == 0 {
            verify(&files)?;
        }
    }
    println!(
        "verified: open and open-pq outputs (and age -d output) byte-identical to the input ({size} bytes)"
    );
    println!();

    // Table.
    let size_mib = size as f64 / MIB as f64;
    println!(
        "{:<28} {:>8} {:>9} {:>13}",
        "operation", "median s", "MiB/s", "peak RSS MiB"
    );
    for op in Op::ALL {
        let s = sum(&sums, op);
        println!(
            "{:<28} {:>8.2} {:>9.1} {:>13.1}",
            op.label(),
            s.secs(),
            size_mib / s.secs(),
            s.rss_mib()
        );
    }
    println!();
    for (ours, theirs, what) in [
        (Op::Seal, Op::AgeEnc, "seal throughput vs age -r"),
        (Op::Open, Op::AgeDec, "open throughput vs age -d"),
        (Op::SealPq, Op::AgeEnc, "hybrid seal throughput vs age -r"),
        (Op::OpenPq, Op::AgeDec, "hybrid open throughput vs age -d"),
    ] {
        let (o, t) = (sum(&sums, ours), sum(&sums, theirs));
        let ratio = t.secs() / o.secs();
        println!(
            "{what}: {}; spread {} vs {}  (target >= {TARGET_RATIO:.2}x median: {})  peak RSS {} {:.1} MiB vs {} \
             {:.1} MiB  (target: flat, well under {TARGET_RSS_MIB:.0} MiB, i.e. < {:.0}: {})",
            stats::ratio(&o.times, &t.times),
            o.times.spread(),
            t.times.spread(),
            met(ratio >= TARGET_RATIO),
            ours.short(),
            o.rss_mib(),
            theirs.short(),
            t.rss_mib(),
            TARGET_RSS_MIB / 2.0,
            met(o.rss_mib() < TARGET_RSS_MIB / 2.0),
        );
    }

    for (pq, classical, what) in [
        (Op::SealPq, Op::Seal, "hybrid vs X25519 seal"),
        (Op::OpenPq, Op::Open, "hybrid vs X25519 open"),
    ] {
        let (p, c) = (sum(&sums, pq), sum(&sums, classical));
        println!(
            "{what}: {:.2}x throughput (X25519 time / hybrid time), peak RSS {:.1} vs {:.1} MiB",
            c.secs() / p.secs(),
            p.rss_mib(),
            c.rss_mib()
        );
    }
    let (pq_len, env_len) = (
        fs::metadata(&files.pq_out)?.len(),
        fs::metadata(&files.env_out)?.len(),
    );
    println!(
        "ciphertext size: hybrid {pq_len} bytes, X25519 {env_len} bytes ({:+} bytes)",
        pq_len as i64 - env_len as i64
    );

    if args.small_count > 0 {
        small_messages(&setup, args.small_count, args.small_bytes)?;
    }

    // Memory does not grow with size.
    if args.flat_check {
        let quarter = size / 4;
        ensure!(quarter > 0, "--size-mib too small for --flat-check");
        let small_input = dir.join(format!("input-{}-quarter.bin", args.size_mib));
        remove_if_exists(&small_input)?;
        cleanup.files.push(small_input.clone());
        copy_prefix(&input, &small_input, quarter)?;
        let small = Files::new(&dir, "quarter", small_input);
        cleanup
            .files
            .extend(small.all_outputs().map(Path::to_path_buf));
        let seal = setup.run(Op::Seal, &small)?;
        let open = setup.run(Op::Open, &small)?;
        ensure!(
            same_contents(&small.input, &small.env_dec)?,
            "open output of the quarter-size file differs from its input"
        );
        let (big_seal, big_open) = (sum(&sums, Op::Seal), sum(&sums, Op::Open));
        let small_mib = quarter as f64 / MIB as f64;
        println!();
        println!("flat check (peak RSS of our side, MiB):");
        println!("  {:>10} {:>8} {:>8}", "input", "seal", "open");
        println!(
            "  {:>6.0} MiB {:>8.1} {:>8.1}   (one run, {:.2} s / {:.2} s)",
            small_mib,
            seal.rss_kib as f64 / 1024.0,
            open.rss_kib as f64 / 1024.0,
            seal.secs,
            open.secs
        );
        println!(
            "  {:>6.0} MiB {:>8.1} {:>8.1}   (max over {} rounds)",
            size_mib,
            big_seal.rss_mib(),
            big_open.rss_mib(),
            args.rounds
        );
        let grow_seal = big_seal.rss_mib() - seal.rss_kib as f64 / 1024.0;
        let grow_open = big_open.rss_mib() - open.rss_kib as f64 / 1024.0;
        println!(
            "  4x the data: seal RSS {grow_seal:+.1} MiB, open RSS {grow_open:+.1} MiB ({})",
            if grow_seal.abs() < 1.0 && grow_open.abs() < 1.0 {
                "flat"
            } else {
                "NOT flat"
            }
        );
    }

    if args.keep {
        println!();
        println!("kept: {}", dir.display());
    }
    Ok(())
}

fn op_index(op: Op) -> usize {
    Op::ALL.iter().position(|o| *o == op).unwrap_or(0)
}

/// The per-item cost of a small message, sealed in this process to one X25519 and to one hybrid
/// recipient, alternating in blocks, plus the cost of opening it.
fn small_messages(setup: &Setup, count: u32, bytes: usize) -> Result<()> {
    use std::time::Instant;
    let classical = Recipients::parse([&setup.recipient])?;
    let hybrid = Recipients::parse([&setup.recipient_pq])?;
    let key_pq = fs::read_to_string(&setup.key_pq)?;
    let id_pq: HybridIdentity = key_pq
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-PQ-1"))
        .context("hybrid key")?
        .parse()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let key = fs::read_to_string(&setup.key)?;
    let id: age::x25519::Identity = key
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .context("X25519 key")?
        .parse()
        .map_err(|e: &str| anyhow::anyhow!("{e}"))?;
    let msg = vec![0x61u8; bytes];
    let seal_one = |set: &Recipients| -> Result<Vec<u8>> {
        let h = Header::new(Kind::Message, ItemId::from_bytes([1; 16]), Day(20_000));
        let mut s = envelope::seal(set, &h, Vec::new())?;
        s.write_all(&msg)?;
        Ok(s.finish()?)
    };
    let open_one = |ct: &[u8], identity: &dyn age::Identity| -> Result<()> {
        let mut r = envelope::open(ct, std::iter::once(identity))?;
        let mut out = Vec::with_capacity(bytes);
        r.copy_to(&mut out)?;
        ensure!(out == msg, "small message round trip failed");
        Ok(())
    };
    // Seconds to seal and to open, and the size of one item: [X25519, hybrid].
    let mut seal_t = [0f64; 2];
    let mut open_t = [0f64; 2];
    let mut size = [0u64; 2];
    let block = 50.min(count).max(1);
    let mut done = 0;
    while done < count {
        let n = block.min(count - done);
        let kinds: [(&Recipients, &dyn age::Identity); 2] = [(&classical, &id), (&hybrid, &id_pq)];
        for ((set, identity), (st, (ot, sz))) in kinds.into_iter().zip(
            seal_t
                .iter_mut()
                .zip(open_t.iter_mut().zip(size.iter_mut())),
        ) {
            let start = Instant::now();
            let mut last = Vec::new();
            for _ in 0..n {
                last = seal_one(set)?;
            }
            *st += start.elapsed().as_secs_f64();
            *sz = last.len() as u64;
            let start = Instant::now();
            for _ in 0..n {
                open_one(&last, identity)?;
            }
            *ot += start.elapsed().as_secs_f64();
        }
        done += n;
    }
    let us = |s: f64| s * 1e6 / f64::from(count);
    let ([sc, sh], [oc, oh], [zc, zh]) = (seal_t, open_t, size);
    println!();
    println!(
        "small messages: {count} of {bytes} bytes per kind, sealed and opened in memory, alternating in blocks of {block}:"
    );
    println!(
        "  X25519  seal {:>8.1} us/item  open {:>8.1} us/item  {:>6} bytes/item",
        us(sc),
        us(oc),
        zc
    );
    println!(
        "  hybrid  seal {:>8.1} us/item  open {:>8.1} us/item  {:>6} bytes/item",
        us(sh),
        us(oh),
        zh
    );
    println!(
        "  hybrid - X25519: {:+.1} us to seal, {:+.1} us to open, {:+} bytes per item",
        us(sh) - us(sc),
        us(oh) - us(oc),
        zh as i64 - zc as i64
    );
    Ok(())
}

fn sum(sums: &[Summary; OPS], op: Op) -> Summary {
    sums.get(op_index(op)).cloned().unwrap_or_default()
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

/// Checks, once, that both decryptions reproduced the input exactly.
fn verify(f: &Files) -> Result<()> {
    ensure!(
        same_contents(&f.input, &f.env_dec)?,
        "our open output {} differs from the input",
        f.env_dec.display()
    );
    ensure!(
        same_contents(&f.input, &f.age_dec)?,
        "age -d output {} differs from the input",
        f.age_dec.display()
    );
    ensure!(
        same_contents(&f.input, &f.pq_dec)?,
        "our hybrid open output {} differs from the input",
        f.pq_dec.display()
    );
    Ok(())
}

/// Creates `path` with `size` random bytes, or reuses it if it already has that size. Returns
/// whether it was reused.
fn make_input(path: &Path, size: u64, cleanup: &mut Cleanup) -> Result<bool> {
    if fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == size) {
        return Ok(true);
    }
    cleanup.files.push(path.to_path_buf());
    let mut out = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        let chunk = buf.get_mut(..n).unwrap_or_default();
        rand::fill(chunk);
        out.write_all(chunk)?;
        left -= n as u64;
    }
    Ok(false)
}

fn copy_prefix(from: &Path, to: &Path, len: u64) -> Result<()> {
    let mut src = File::open(from)?.take(len);
    let mut dst = File::create(to)?;
    let n = io::copy(&mut src, &mut dst)?;
    ensure!(n == len, "input shorter than expected");
    Ok(())
}

/// Compares two files in streaming fashion.
fn same_contents(a: &Path, b: &Path) -> Result<bool> {
    if fs::metadata(a)?.len() != fs::metadata(b)?.len() {
        return Ok(false);
    }
    let (mut ra, mut rb) = (File::open(a)?, File::open(b)?);
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let na = read_fill(&mut ra, &mut ba)?;
        let nb = read_fill(&mut rb, &mut bb)?;
        if na != nb || ba.get(..na) != bb.get(..nb) {
            return Ok(false);
        }
        if na == 0 {
            return Ok(true);
        }
    }
}

fn remove_if_exists(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing {}", path.display())),
    }
}

fn sync() -> Result<()> {
    let status = Command::new("sync").status().context("running sync")?;
    ensure!(status.success(), "sync failed: {status}");
    Ok(())
}

fn shell_join<'a>(args: impl Iterator<Item = &'a OsStr>) -> String {
    args.map(|a| {
        let s = a.to_string_lossy();
        if !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
        {
            s.into_owned()
        } else {
            format!("'{}'", s.replace('\'', r"'\''"))
        }
    })
    .collect::<Vec<_>>()
    .join(" ")
}

/// Removes what this run created, unless `--keep`.
#[derive(Default)]
struct Cleanup {
    keep: bool,
    files: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
    temp: Option<tempfile::TempDir>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if self.keep {
            if let Some(t) = self.temp.take() {
                let _ = t.keep();
            }
            return;
        }
        for f in &self.files {
            let _ = fs::remove_file(f);
        }
        for d in &self.dirs {
            let _ = fs::remove_dir(d);
        }
        // A temporary directory removes itself (recursively) when dropped.
    }
}

/// `spool-bench hashes`: SHA-256 against BLAKE3 over the same buffer, alternating which goes first,
/// CPU time of this process (the machine is shared).
fn hashes(size_mib: usize, rounds: u32) -> Result<()> {
    use sha2::Digest;
    // Not a constant fill: some bytes of every block differ, as in ciphertext.
    let data: Vec<u8> = (0..size_mib << 20)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3])
        .collect();
    let (mut sha, mut b3) = (Samples::default(), Samples::default());
    let mut sink = 0u8;
    let me = std::process::id();
    for round in 0..rounds {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for side in order {
            let t = stats::cpu_secs(me)?;
            if side == 0 {
                sink ^= sha2::Sha256::digest(&data).first().copied().unwrap_or(0);
                sha.push(stats::cpu_secs(me)? - t);
            } else {
                let mut h = blake3::Hasher::new();
                h.update(&data);
                sink ^= h.finalize().as_bytes().first().copied().unwrap_or(0);
                b3.push(stats::cpu_secs(me)? - t);
            }
        }
    }
    let gb = (size_mib << 20) as f64 / 1e9;
    let mib = size_mib as f64;
    println!(
        "hashes, {size_mib} MiB in memory, one core, {rounds} alternating rounds ({}):",
        stats::uptime()
    );
    println!(
        "{}  {:.2} GB/s",
        stats::side("sha2 0.10 SHA-256", &sha, mib),
        gb / sha.median()
    );
    println!(
        "{}  {:.2} GB/s",
        stats::side("blake3 1 Hasher::update", &b3, mib),
        gb / b3.median()
    );
    println!(
        "  blake3 / sha256 at the median: {:.2}x (needed: 1.5x)",
        sha.median() / b3.median()
    );
    println!("  (checksum {sink})");
    Ok(())
}

/// `spool-bench primitives`: in-memory throughput of the cipher and the hash, alternating, with
/// OpenSSL's figures for the same work beside them.
fn primitives(size_mib: usize, rounds: u32) -> Result<()> {
    use chacha20poly1305::aead::{AeadInPlace, KeyInit};
    use sha2::Digest;
    let mut data = vec![0x5au8; size_mib << 20];
    let aead = chacha20poly1305::ChaCha20Poly1305::new(&[7u8; 32].into());
    let ring_key = ring::aead::LessSafeKey::new(
        ring::aead::UnboundKey::new(&ring::aead::CHACHA20_POLY1305, &[7u8; 32])
            .map_err(|_| anyhow::anyhow!("ring key"))?,
    );
    let nonce_of = |i: usize| {
        let mut nonce = [0u8; 12];
        for (n, b) in nonce.iter_mut().skip(3).zip((i as u64).to_be_bytes()) {
            *n = b;
        }
        nonce
    };
    let (mut chacha, mut ring_s, mut sha, mut b3) = (
        Samples::default(),
        Samples::default(),
        Samples::default(),
        Samples::default(),
    );
    let mut sink = 0u8;
    for round in 0..rounds {
        let order = match round % 4 {
            0 => [0, 1, 2, 3],
            1 => [1, 2, 3, 0],
            2 => [2, 3, 0, 1],
            _ => [3, 0, 1, 2],
        };
        for side in order {
            // CPU time, not wall time, as `openssl speed` counts it: the machine is shared.
            let me = std::process::id();
            let t = stats::cpu_secs(me)?;
            match side {
                0 => {
                    for (i, c) in data.chunks_mut(64 << 10).enumerate() {
                        let tag = aead
                            .encrypt_in_place_detached(&nonce_of(i).into(), b"", c)
                            .map_err(|_| anyhow::anyhow!("encrypt"))?;
                        sink ^= tag.first().copied().unwrap_or(0);
                    }
                    chacha.push(stats::cpu_secs(me)? - t);
                }
                1 => {
                    for (i, c) in data.chunks_mut(64 << 10).enumerate() {
                        let tag = ring_key
                            .seal_in_place_separate_tag(
                                ring::aead::Nonce::assume_unique_for_key(nonce_of(i)),
                                ring::aead::Aad::empty(),
                                c,
                            )
                            .map_err(|_| anyhow::anyhow!("encrypt"))?;
                        sink ^= tag.as_ref().first().copied().unwrap_or(0);
                    }
                    ring_s.push(stats::cpu_secs(me)? - t);
                }
                2 => {
                    sink ^= sha2::Sha256::digest(&data).first().copied().unwrap_or(0);
                    sha.push(stats::cpu_secs(me)? - t);
                }
                _ => {
                    let mut h = blake3::Hasher::new();
                    h.update(&data);
                    sink ^= h.finalize().as_bytes().first().copied().unwrap_or(0);
                    b3.push(stats::cpu_secs(me)? - t);
                }
            }
        }
    }
    let mib = size_mib as f64;
    println!(
        "primitives, {size_mib} MiB in memory, one core, {rounds} alternating rounds ({}):",
        stats::uptime()
    );
    println!("{}", stats::side("chacha20poly1305 0.10", &chacha, mib));
    println!(
        "{}",
        stats::side("ring 0.17 CHACHA20_POLY1305", &ring_s, mib)
    );
    println!("{}", stats::side("sha2 0.10 SHA-256", &sha, mib));
    println!("{}", stats::side("blake3 1 BLAKE3", &b3, mib));
    println!(
        "  openssl speed -evp chacha20-poly1305 (64 KiB): {:.0} MiB/s",
        stats::openssl_chacha_mib_s().unwrap_or(f64::NAN)
    );
    println!("  (checksum {sink})");
    Ok(())
}
