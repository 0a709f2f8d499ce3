//! `postern-send`: sends very large files to a Postern server, resumably, over Tor.
//!
//! It speaks tus 1.0 to the server's `/api/v1/uploads` through Tor's SOCKS port (9050 by default;
//! 9150 for Tor Browser's tor), and refuses to connect directly unless `--direct` is given (for
//! tests). Every request goes over its own connection with fresh random SOCKS credentials, so tor
//! (IsolateSOCKSAuth, on by default) gives each segment a fresh circuit: a day-long upload is not
//! one long-lived circuit. The total is padded with zeros to its PADMÉ bucket, so the amount
//! sent says little about the file's true size; the server records the true length in the
//! sealed manifest and the reviewer drops the padding.
//!
//! A small state file per file (in `--state-dir`) lets it resume after a crash or a reboot. It is
//! sealed with a key derived from the codename, under a name derived from it too (see `vault`):
//! without the codename, the folder is noise of one size that confirms no newsroom, no file and
//! no codename; the source types the codename again to resume. It holds no file content and no
//! token. Once the server confirms it has every byte, postern-send says so and keeps only a sealed
//! "delivered" marker in place of the resume state, so that running the same command again sends
//! nothing (`--again` sends the file once more). A lost last answer is no loss: the server still
//! answers for a delivered upload, and postern-send asks before it sends anything again.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use clap::Parser;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

mod sealed;
mod vault;

use vault::{State, Vault};

/// Send files to a Postern newsroom over Tor, resumably. Run it again with the same arguments to
/// resume after any interruption.
#[derive(Parser)]
#[command(name = "postern-send", version, about)]
pub(crate) struct Args {
    /// The newsroom's address: http://….onion (as on its source page).
    #[arg(long, value_name = "URL")]
    to: String,
    /// Read the codename from the first line of FILE instead of asking for it.
    #[arg(long, value_name = "FILE")]
    codename_file: Option<PathBuf>,
    /// Tor's SOCKS port: 127.0.0.1:9050 for the system tor, 127.0.0.1:9150 for Tor Browser's.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:9050")]
    socks: String,
    /// Connect without Tor. Only for tests on this machine: it reveals your address.
    #[arg(long)]
    direct: bool,
    /// Where the small resume state files are kept (default: a folder named from the codename
    /// in `$XDG_STATE_HOME` or `~/.local/state`).
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// Size of each request body (each goes over a fresh Tor circuit), in MiB.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub(crate) segment_mib: u64,
    /// Give up (and keep the state to resume later) after this many failures in a row.
    #[arg(long, default_value_t = 20)]
    max_retries: u32,
    /// Delay before the second retry in a row, in milliseconds (the first goes at once, on a new
    /// circuit); it doubles after each further failure, up to 5 minutes.
    #[arg(long, default_value_t = 2000)]
    retry_base_ms: u64,
    /// Send a file again although it was delivered already (by default a delivered file is not
    /// sent twice).
    #[arg(long)]
    pub(crate) again: bool,
    /// Do not pad the total to its PADMÉ bucket.
    #[arg(long)]
    no_pad: bool,
    /// Encrypt on this computer, to the newsroom's keys, before sending: the server then only
    /// ever sees ciphertext. Needs --fingerprint.
    #[arg(long, requires = "fingerprint")]
    encrypt: bool,
    /// The fingerprint of a newsroom key, as published on the newsroom's own website (give it
    /// once per key). The keys the server offers must match exactly, or nothing is sent.
    #[arg(long, value_name = "FP")]
    fingerprint: Vec<String>,
    /// The files to send.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Error text can quote what a server (or a relay) sent, or a path: sanitised.
            eprintln!(
                "postern-send: {}",
                postern_spool::sanitize::for_terminal(&format!("{e:#}"))
            );
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<()> {
    let base = args.to.trim_end_matches('/').to_owned();
    if !base.starts_with("http://") {
        bail!("--to must be an http:// address (onion services use plain HTTP inside Tor)");
    }
    if !args.direct {
        let host = base.trim_start_matches("http://");
        let host = host.split(['/', ':']).next().unwrap_or("");
        if !host.ends_with(".onion") {
            bail!("--to must be a .onion address (or pass --direct for a test server)");
        }
    }
    let codename = read_codename(args)?;
    let net = Net {
        base,
        socks: args.socks.clone(),
        direct: args.direct,
    };
    let mut session = Session {
        net,
        codename: codename.clone(),
        token: None,
    };
    // The state keys (an Argon2 run here) and the API login (one on the server) take about as
    // long: side by side. A login that fails for now is tried again by the first request.
    let (vault, login) = std::thread::scope(|scope| {
        let vault = scope.spawn(|| match &args.state_dir {
            Some(d) => Vault::open(d, &codename),
            None => Vault::open_default(&default_state_base()?, &codename),
        });
        let login = session.auth();
        (vault.join(), login)
    });
    drop(codename);
    let vault = vault.map_err(|_| anyhow!("deriving the state keys failed"))??;
    if let Err(Failure::Fatal(e)) = login {
        return Err(e);
    }
    let retry = Retry {
        max: args.max_retries,
        base: Duration::from_millis(args.retry_base_ms),
    };
    let sealed_to = if args.encrypt {
        Some(sealed::checked_recipients(
            &mut session,
            &retry,
            &args.fingerprint,
        )?)
    } else {
        None
    };
    for file in &args.files {
        match &sealed_to {
            Some(r) => sealed::send_file(&mut session, &retry, &vault, file, args, r),
            None => send_file(&mut session, &retry, &vault, file, args),
        }
        .with_context(|| shown(file))?;
    }
    Ok(())
}

fn read_codename(args: &Args) -> Result<Zeroizing<String>> {
    let text = match &args.codename_file {
        Some(f) => {
            let mut s = Zeroizing::new(String::new());
            File::open(f)
                .with_context(|| format!("cannot read {}", f.display()))?
                .take(4096)
                .read_to_string(&mut s)?;
            s
        }
        None => Zeroizing::new(rpassword::prompt_password("Codename: ")?),
    };
    let line = Zeroizing::new(text.lines().next().unwrap_or("").trim().to_owned());
    if line.is_empty() {
        bail!("no codename given");
    }
    Ok(line)
}

/// The user's state folder (`$XDG_STATE_HOME`, or `~/.local/state`); the states go in a folder
/// under it named from the codename ([`Vault::open_default`]).
fn default_state_base() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    let home =
        std::env::var_os("HOME").ok_or_else(|| anyhow!("no home folder: pass --state-dir"))?;
    Ok(PathBuf::from(home).join(".local/state"))
}

pub(crate) struct Net {
    pub(crate) base: String,
    socks: String,
    direct: bool,
}

impl Net {
    /// A new agent for one request: a new connection, and over Tor new random SOCKS
    /// credentials, hence a new circuit.
    fn agent(&self) -> Result<ureq::Agent> {
        let mut cfg = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_idle_connections(0)
            .timeout_connect(Some(Duration::from_secs(120)))
            .timeout_recv_response(Some(Duration::from_secs(600)));
        if !self.direct {
            let mut cred = [0u8; 16];
            rand::Rng::fill_bytes(&mut rand::rng(), &mut cred);
            let (user, pass) = cred.split_at(8);
            let url = format!(
                "socks5h://{}:{}@{}",
                hex::encode(user),
                hex::encode(pass),
                self.socks
            );
            let proxy = ureq::Proxy::new(&url).context("bad --socks address")?;
            cfg = cfg.proxy(Some(proxy));
        } else {
            cfg = cfg.proxy(None);
        }
        Ok(ureq::Agent::new_with_config(cfg.build()))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

pub(crate) struct Session {
    pub(crate) net: Net,
    codename: Zeroizing<String>,
    token: Option<Zeroizing<String>>,
}

/// A request failed in a way worth retrying (network, server busy), or for good.
pub(crate) enum Failure {
    Retry(String),
    Fatal(anyhow::Error),
    /// The token expired (the server restarted, or the session went idle).
    Unauthorized,
}

impl From<ureq::Error> for Failure {
    fn from(e: ureq::Error) -> Failure {
        Failure::Retry(e.to_string())
    }
}

type Resp = ureq::http::Response<ureq::Body>;

impl Session {
    fn auth(&mut self) -> Result<String, Failure> {
        if let Some(t) = &self.token {
            return Ok(format!("Bearer {}", t.as_str()));
        }
        let agent = self.net.agent().map_err(Failure::Fatal)?;
        let mut r = agent
            .post(self.net.url("/api/v1/login"))
            .header("Content-Type", "text/plain")
            .send(self.codename.as_bytes())?;
        match r.status().as_u16() {
            200 => {}
            400 => {
                return Err(Failure::Fatal(anyhow!(
                    "the server did not accept the codename (check it)"
                )));
            }
            s => return Err(Failure::Retry(format!("login: HTTP {s}"))),
        }
        let body = Zeroizing::new(r.body_mut().read_to_string()?);
        let v: serde_json::Value =
            serde_json::from_str(&body).map_err(|_| Failure::Retry("login: not JSON".into()))?;
        let token = v
            .get("token")
            .and_then(|t| t.as_str())
            .ok_or_else(|| Failure::Retry("login: no token".into()))?;
        self.token = Some(Zeroizing::new(token.to_owned()));
        Ok(format!("Bearer {token}"))
    }

    fn check_auth(&mut self, r: &Resp) -> Result<(), Failure> {
        if r.status().as_u16() == 401 {
            self.token = None;
            return Err(Failure::Unauthorized);
        }
        Ok(())
    }

    fn create(&mut self, length: u64, content: u64, name: &str) -> Result<String, Failure> {
        let meta = format!(
            "filename {},filetype {},postern-content-length {}",
            b64(name.as_bytes()),
            b64(b"application/octet-stream"),
            b64(content.to_string().as_bytes())
        );
        self.create_with(length, &meta)
    }

    pub(crate) fn create_with(&mut self, length: u64, meta: &str) -> Result<String, Failure> {
        let auth = self.auth()?;
        let agent = self.net.agent().map_err(Failure::Fatal)?;
        let r = agent
            .post(self.net.url("/api/v1/uploads"))
            .header("Tus-Resumable", "1.0.0")
            .header("Authorization", &auth)
            .header("Upload-Length", &length.to_string())
            .header("Upload-Metadata", meta)
            .send_empty()?;
        self.check_auth(&r)?;
        match r.status().as_u16() {
            201 => {}
            413 => {
                return Err(Failure::Fatal(anyhow!(
                    "the file is larger than the server accepts"
                )));
            }
            s => return Err(Failure::Retry(format!("creating the upload: HTTP {s}"))),
        }
        let loc = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .filter(|l| l.starts_with("/api/v1/uploads/") && l.len() < 100)
            .ok_or_else(|| Failure::Fatal(anyhow!("the server gave no upload address")))?;
        Ok(loc.to_owned())
    }

    /// The server's offset; `None` if the upload is gone (expired or removed).
    pub(crate) fn offset(&mut self, loc: &str) -> Result<Option<u64>, Failure> {
        let auth = self.auth()?;
        let agent = self.net.agent().map_err(Failure::Fatal)?;
        let r = agent
            .head(self.net.url(loc))
            .header("Tus-Resumable", "1.0.0")
            .header("Authorization", &auth)
            .call()?;
        self.check_auth(&r)?;
        match r.status().as_u16() {
            200 => Ok(Some(upload_offset(&r)?)),
            404 | 410 => Ok(None),
            s => Err(Failure::Retry(format!("asking for the offset: HTTP {s}"))),
        }
    }

    /// Sends a whole body with its SHA-256: the server keeps all of it or nothing.
    pub(crate) fn patch_checked(
        &mut self,
        loc: &str,
        offset: u64,
        body: &[u8],
    ) -> Result<u64, Failure> {
        let auth = self.auth()?;
        let agent = self.net.agent().map_err(Failure::Fatal)?;
        let sum = format!("sha256 {}", b64(&Sha256::digest(body)));
        let r = agent
            .patch(self.net.url(loc))
            .header("Tus-Resumable", "1.0.0")
            .header("Authorization", &auth)
            .header("Content-Type", "application/offset+octet-stream")
            .header("Upload-Offset", &offset.to_string())
            .header("Upload-Checksum", &sum)
            .send(body)?;
        self.check_auth(&r)?;
        match r.status().as_u16() {
            204 => upload_offset(&r),
            409 => Err(Failure::Retry("offset mismatch; asking the server".into())),
            s => Err(Failure::Retry(format!("sending: HTTP {s}"))),
        }
    }

    /// The newsroom's recipients from `/public-key`.
    pub(crate) fn public_keys(&mut self) -> Result<Vec<String>, Failure> {
        let agent = self.net.agent().map_err(Failure::Fatal)?;
        let mut r = agent.get(self.net.url("/public-key")).call()?;
        if r.status().as_u16() != 200 {
            return Err(Failure::Retry(format!(
                "public key: HTTP {}",
                r.status().as_u16()
            )));
        }
        let text = r
            .body_mut()
            .with_config()
            // Up to 32 hybrid (age1pq1…, 1959 characters) keys with their fingerprints.
            .limit(128 * 1024)
            .read_to_string()?;
        Ok(text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_owned)
            .collect())
    }

    /// Sends `len` bytes at `offset`; returns the server's new offset.
    fn patch(
        &mut self,
        loc: &str,
        offset: u64,
        len: u64,
        body: &mut dyn Read,
    ) -> Result<u64, Failure> {
        let auth = self.auth()?;
        let agent = self.net.agent().map_err(Failure::Fatal)?;
        let r = agent
            .patch(self.net.url(loc))
            .header("Tus-Resumable", "1.0.0")
            .header("Authorization", &auth)
            .header("Content-Type", "application/offset+octet-stream")
            .header("Upload-Offset", &offset.to_string())
            .header("Content-Length", &len.to_string())
            .send(ureq::SendBody::from_reader(body))?;
        self.check_auth(&r)?;
        match r.status().as_u16() {
            204 => upload_offset(&r),
            409 => Err(Failure::Retry("offset mismatch; asking the server".into())),
            s => Err(Failure::Retry(format!("sending: HTTP {s}"))),
        }
    }
}

fn b64(s: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn upload_offset(r: &Resp) -> Result<u64, Failure> {
    r.headers()
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| Failure::Retry("no Upload-Offset in the answer".into()))
}

pub(crate) struct Retry {
    pub(crate) max: u32,
    pub(crate) base: Duration,
}

/// A path as printed: through the terminal sanitiser (a file name can hold escape sequences).
pub(crate) fn shown(file: &Path) -> String {
    postern_spool::sanitize::for_terminal(&file.display().to_string())
}

/// Bytes in readable units.
pub(crate) fn human(n: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} bytes")
    } else {
        format!("{v:.1} {}", UNITS.get(u).copied().unwrap_or("?"))
    }
}

/// Percent, rate and time left of one file, from the bytes the server confirmed in this run.
pub(crate) struct Meter {
    started: Instant,
    from: u64,
}

impl Meter {
    pub(crate) fn new(from: u64) -> Meter {
        Meter {
            started: Instant::now(),
            from,
        }
    }

    pub(crate) fn line(&self, offset: u64, length: u64) -> String {
        self.line_after(self.started.elapsed().as_secs_f64(), offset, length)
    }

    fn line_after(&self, secs: f64, offset: u64, length: u64) -> String {
        let pct = if length == 0 {
            100.0
        } else {
            offset as f64 * 100.0 / length as f64
        };
        let done = offset.saturating_sub(self.from);
        let mut out = format!("{pct:.1}% of {}", human(length));
        if secs > 0.0 && done > 0 {
            let rate = done as f64 / secs;
            let left = (length - offset.min(length)) as f64 / rate;
            out.push_str(&format!(
                ", {}/s, about {} left",
                human(rate as u64),
                eta(left)
            ));
        }
        out
    }
}

fn eta(secs: f64) -> String {
    let s = secs.round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// Where a send of `file` starts: the sealed state of an earlier run (resumed), or a new upload
/// made by `create`. `None` when the file was delivered already and `--again` was not given.
/// `shape` is the file's size, mtime and the upload's length: a changed file starts afresh.
pub(crate) fn start(
    s: &mut Session,
    retry: &Retry,
    vault: &Vault,
    file: &Path,
    args: &Args,
    (size, mtime, length): (u64, i64, u64),
    mut create: impl FnMut(&mut Session) -> Result<String, Failure>,
) -> Result<Option<(PathBuf, State)>> {
    let spath = vault.path(&s.net.base, file)?;
    let fresh = State {
        to: s.net.base.clone(),
        upload: String::new(),
        size,
        mtime,
        length,
        offset: 0,
        delivered: false,
    };
    let earlier = vault.load(&spath).filter(|st| {
        st.to == fresh.to && st.size == size && st.mtime == mtime && st.length == length
    });
    match earlier {
        Some(st) if !st.delivered => {
            eprintln!(
                "resuming {} at {} of {}",
                shown(file),
                human(st.offset),
                human(length)
            );
            return Ok(Some((spath, st)));
        }
        Some(_) if !args.again => {
            println!(
                "{} was delivered already: nothing sent (--again sends it once more)",
                shown(file)
            );
            return Ok(None);
        }
        _ => {}
    }
    let upload = with_retries(s, retry, |s| create(s))?;
    let st = State { upload, ..fresh };
    vault.save(&spath, &st)?;
    Ok(Some((spath, st)))
}

/// The server confirmed every byte: say so, and keep only the sealed "delivered" marker.
pub(crate) fn delivered(vault: &Vault, spath: &Path, state: &State, file: &Path) -> Result<()> {
    let marker = State {
        upload: String::new(),
        offset: state.length,
        delivered: true,
        ..state.clone()
    };
    vault.save(spath, &marker)?;
    println!(
        "delivered: the newsroom's server confirmed it has all of {} ({})",
        shown(file),
        human(state.size)
    );
    Ok(())
}

/// The file's bytes from `offset`, then zeros up to `end` (the padding).
struct Source {
    file: File,
    size: u64,
    pos: u64,
    end: u64,
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.end {
            return Ok(0);
        }
        let want = usize::try_from((self.end - self.pos).min(buf.len() as u64)).unwrap_or(0);
        let slot = buf.get_mut(..want).unwrap_or_default();
        let n = if self.pos < self.size {
            let in_file = usize::try_from((self.size - self.pos).min(want as u64)).unwrap_or(0);
            let got = self
                .file
                .read(slot.get_mut(..in_file).unwrap_or_default())?;
            if got == 0 {
                return Err(io::Error::other("the file got shorter while sending"));
            }
            got
        } else {
            slot.fill(0);
            want
        };
        self.pos += n as u64;
        Ok(n)
    }
}

fn send_file(
    s: &mut Session,
    retry: &Retry,
    vault: &Vault,
    file: &Path,
    args: &Args,
) -> Result<()> {
    let meta = fs::metadata(file).context("cannot read the file")?;
    if !meta.is_file() {
        bail!("not a regular file");
    }
    let size = meta.len();
    let mtime = meta.mtime();
    let length = if args.no_pad {
        size
    } else {
        postern_spool::padme::padme(size)
    };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some((spath, mut state)) =
        start(s, retry, vault, file, args, (size, mtime, length), |s| {
            s.create(length, size, &name)
        })?
    else {
        return Ok(());
    };
    let mut meter: Option<Meter> = None;
    let seg = args.segment_mib << 20;
    let mut failures = 0u32;
    let mut known = false;
    while state.offset < length || !known {
        // After any failure, and at the start, ask the server where it stands: it keeps what
        // arrived of a cut-off request.
        if !known {
            match with_retries(s, retry, |s| s.offset(&state.upload))? {
                Some(o) if o <= length => state.offset = o,
                Some(_) => bail!("the server reports more bytes than the file has"),
                None => {
                    vault.remove(&spath);
                    bail!(
                        "the server no longer has this upload (expired or removed); run again to start over"
                    );
                }
            }
            known = true;
            meter.get_or_insert_with(|| Meter::new(state.offset));
            vault.save(&spath, &state)?;
            continue;
        }
        let len = seg.min(length - state.offset);
        let mut f = File::open(file)?;
        f.seek(SeekFrom::Start(state.offset.min(size)))?;
        let mut src = Source {
            file: f,
            size,
            pos: state.offset,
            end: state.offset + len,
        };
        match s.patch(&state.upload, state.offset, len, &mut src) {
            Ok(o) if o > state.offset && o <= length => {
                failures = 0;
                state.offset = o;
                vault.save(&spath, &state)?;
                if let Some(m) = &meter {
                    eprintln!("{}: {}", shown(file), m.line(state.offset, length));
                }
            }
            Ok(_) => known = false,
            Err(Failure::Fatal(e)) => return Err(e),
            Err(Failure::Unauthorized) => known = false,
            Err(Failure::Retry(why)) => {
                failures += 1;
                if failures > retry.max {
                    bail!(
                        "gave up after {} retries ({why}); run the same command again to resume",
                        retry.max
                    );
                }
                let wait = backoff(retry, failures);
                eprintln!(
                    "interrupted ({}); retrying in {} ms",
                    postern_spool::sanitize::for_terminal(&why),
                    wait.as_millis()
                );
                std::thread::sleep(wait);
                known = false;
            }
        }
    }
    delivered(vault, &spath, &state, file)
}

/// The wait before retry number `failures` (1 for the first after a success). The first goes at
/// once: it goes on a new connection (over Tor, a new circuit), and a dropped circuit, the usual
/// failure, is not mended by waiting. Then `base`, doubling after each failure, up to 5 minutes.
pub(crate) fn backoff(retry: &Retry, failures: u32) -> Duration {
    if failures <= 1 {
        return Duration::ZERO;
    }
    let factor = 1u32 << (failures - 2).min(16);
    retry
        .base
        .saturating_mul(factor)
        .min(Duration::from_secs(300))
}

/// Runs `f` until it succeeds, retrying with backoff (and logging in again after a 401).
pub(crate) fn with_retries<T>(
    s: &mut Session,
    retry: &Retry,
    mut f: impl FnMut(&mut Session) -> Result<T, Failure>,
) -> Result<T> {
    let mut failures = 0u32;
    loop {
        match f(s) {
            Ok(v) => return Ok(v),
            Err(Failure::Fatal(e)) => return Err(e),
            Err(Failure::Unauthorized) | Err(Failure::Retry(_)) if failures < retry.max => {
                failures += 1;
                std::thread::sleep(backoff(retry, failures));
            }
            Err(Failure::Unauthorized) => bail!("the server refused the login {} times", retry.max),
            Err(Failure::Retry(why)) => bail!(
                "gave up after {} retries ({why}); run the same command again to resume",
                retry.max
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_first_retry_goes_at_once_then_the_wait_doubles_to_five_minutes() {
        let r = Retry {
            max: 20,
            base: Duration::from_millis(2000),
        };
        let ms = |n| backoff(&r, n).as_millis();
        assert_eq!(ms(0), 0);
        assert_eq!(ms(1), 0, "a dropped circuit: at once, on a new one");
        assert_eq!(ms(2), 2000);
        assert_eq!(ms(3), 4000);
        assert_eq!(ms(4), 8000);
        assert_eq!(ms(9), 256_000);
        assert_eq!(ms(10), 300_000, "capped");
        assert_eq!(ms(u32::MAX), 300_000);
    }

    #[test]
    fn the_meter_shows_percent_rate_and_time_left() {
        let m = Meter::new(0);
        let l = m.line_after(10.0, 10 << 20, 40 << 20);
        assert!(
            l.starts_with("25.0% of 40.0 MiB, 1.0 MiB/s, about 30 s left"),
            "{l}"
        );
        assert_eq!(human(1023), "1023 bytes");
        assert_eq!(human(3 << 30), "3.0 GiB");
        assert_eq!(eta(3725.0), "1 h 2 min");
        // Only what this run sent counts towards the rate.
        let resumed = Meter::new(30 << 20);
        let l = resumed.line_after(5.0, 35 << 20, 40 << 20);
        assert!(
            l.starts_with("87.5% of 40.0 MiB, 1.0 MiB/s, about 5 s left"),
            "{l}"
        );
    }

    #[test]
    fn source_pads_with_zeros() {
        let dir = std::env::temp_dir().join(format!("postern-send-test-{}", std::process::id()));
        fs::write(&dir, b"abcdef").unwrap();
        let mut f = File::open(&dir).unwrap();
        f.seek(SeekFrom::Start(4)).unwrap();
        let mut s = Source {
            file: f,
            size: 6,
            pos: 4,
            end: 9,
        };
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        fs::remove_file(&dir).unwrap();
        assert_eq!(out, b"ef\0\0\0");
    }
}
