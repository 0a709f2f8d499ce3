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
//! A small state file per file (in `--state-dir`) lets it resume after a crash or a reboot: the
//! upload's address, the file's size and modification time, and the last offset the server
//! confirmed. It holds no file content, no codename and no token, and its name is a hash, not the
//! file's name. It is removed once the file is sent.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use clap::Parser;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

mod sealed;

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
    /// Where the small resume state files are kept.
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// Size of each request body (each goes over a fresh Tor circuit), in MiB.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub(crate) segment_mib: u64,
    /// Give up (and keep the state to resume later) after this many failures in a row.
    #[arg(long, default_value_t = 20)]
    max_retries: u32,
    /// First retry delay in milliseconds; it doubles after each failure, up to 5 minutes.
    #[arg(long, default_value_t = 2000)]
    retry_base_ms: u64,
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
    let state_dir = match &args.state_dir {
        Some(d) => d.clone(),
        None => default_state_dir()?,
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&state_dir)
        .with_context(|| format!("cannot create {}", state_dir.display()))?;
    let net = Net {
        base,
        socks: args.socks.clone(),
        direct: args.direct,
    };
    let mut session = Session {
        net,
        codename,
        token: None,
    };
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
            Some(r) => sealed::send_file(&mut session, &retry, &state_dir, file, args, r),
            None => send_file(&mut session, &retry, &state_dir, file, args),
        }
        .with_context(|| format!("{}", file.display()))?;
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

fn default_state_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("XDG_STATE_HOME") {
        return Ok(PathBuf::from(d).join("postern-send"));
    }
    let home =
        std::env::var_os("HOME").ok_or_else(|| anyhow!("no home folder: pass --state-dir"))?;
    Ok(PathBuf::from(home).join(".local/state/postern-send"))
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

/// The resume state of one file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct State {
    pub(crate) upload: String,
    pub(crate) size: u64,
    pub(crate) mtime: i64,
    pub(crate) length: u64,
    pub(crate) offset: u64,
}

impl State {
    fn encode(&self) -> String {
        format!(
            "postern-send 1\nupload {}\nsize {}\nmtime {}\nlength {}\noffset {}\n",
            self.upload, self.size, self.mtime, self.length, self.offset
        )
    }

    pub(crate) fn parse(text: &str) -> Option<State> {
        let mut l = text.lines();
        let mut f = |k: &str| {
            l.next()?
                .strip_prefix(k)?
                .strip_prefix(' ')
                .map(str::to_owned)
        };
        if f("postern-send")? != "1" {
            return None;
        }
        let upload = f("upload")?;
        if !upload.starts_with("/api/v1/uploads/") || upload.len() > 100 {
            return None;
        }
        Some(State {
            upload,
            size: f("size")?.parse().ok()?,
            mtime: f("mtime")?.parse().ok()?,
            length: f("length")?.parse().ok()?,
            offset: f("offset")?.parse().ok()?,
        })
    }

    pub(crate) fn save(&self, path: &Path) -> Result<()> {
        let tmp = path.with_extension("tmp");
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(self.encode().as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        Ok(())
    }
}

/// The state file of `file` for this server: a hash, so the name reveals nothing.
pub(crate) fn state_path(dir: &Path, base: &str, file: &Path) -> Result<PathBuf> {
    let canon = fs::canonicalize(file)?;
    let mut h = Sha256::new();
    h.update(base.as_bytes());
    h.update([0]);
    h.update(canon.as_os_str().as_encoded_bytes());
    Ok(dir.join(format!(
        "{}.state",
        hex::encode(h.finalize().get(..16).unwrap_or_default())
    )))
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

fn send_file(s: &mut Session, retry: &Retry, dir: &Path, file: &Path, args: &Args) -> Result<()> {
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
    let spath = state_path(dir, &s.net.base, file)?;
    let saved = fs::read_to_string(&spath)
        .ok()
        .and_then(|t| State::parse(&t));
    let mut state = match saved {
        Some(st) if st.size == size && st.mtime == mtime && st.length == length => {
            eprintln!(
                "resuming {} at {} of {length} bytes",
                file.display(),
                st.offset
            );
            st
        }
        _ => {
            let upload = with_retries(s, retry, |s| s.create(length, size, &name))?;
            let st = State {
                upload,
                size,
                mtime,
                length,
                offset: 0,
            };
            st.save(&spath)?;
            st
        }
    };
    let seg = args.segment_mib << 20;
    let mut failures = 0u32;
    let mut known = false;
    while state.offset < length || !known {
        // After any failure, and at the start, ask the server where it stands: it keeps what
        // arrived of a cut-off request.
        if !known {
            match with_retries(s, retry, |s| s.offset(&state.upload))? {
                Some(o) => state.offset = o,
                None => {
                    let _ = fs::remove_file(&spath);
                    bail!(
                        "the server no longer has this upload (expired or removed); run again to start over"
                    );
                }
            }
            known = true;
            state.save(&spath)?;
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
            Ok(o) => {
                failures = 0;
                state.offset = o;
                state.save(&spath)?;
                eprintln!("{}: {} of {length} bytes", file.display(), state.offset);
            }
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
    let _ = fs::remove_file(&spath);
    println!(
        "sent {} ({size} bytes, {length} with padding)",
        file.display()
    );
    Ok(())
}

pub(crate) fn backoff(retry: &Retry, failures: u32) -> Duration {
    let factor = 1u32 << failures.saturating_sub(1).min(16);
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
    fn state_round_trip_holds_no_name() {
        let st = State {
            upload: "/api/v1/uploads/00112233445566778899aabbccddeeff".into(),
            size: 10,
            mtime: -5,
            length: 12,
            offset: 4,
        };
        assert_eq!(State::parse(&st.encode()), Some(st));
        assert_eq!(State::parse("postern-send 1\nupload /etc/passwd\n"), None);
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
