//! The server's configuration, and the checks that make it fail closed.
//!
//! The config file lives in the data folder (written by `postern init`). Loading it checks
//! everything an operator can get dangerously wrong, and refuses to start on any of it: no or an
//! invalid recipient, anything that looks like an age secret key, a data folder or key file that
//! other users can read.

use std::fs;
use std::net::SocketAddr;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use postern_spool::derive::{KdfParams, ServerSalt};
use postern_spool::keys::{SigningKey, VerifyingKey};
use postern_spool::recipients::Recipients;
use serde::{Deserialize, Serialize};

use crate::fsutil::read_text_bounded;

/// Name of the config file inside the data folder.
pub const CONFIG_FILE: &str = "postern.toml";
/// The server-wide codename salt.
pub const SALT_FILE: &str = "salt";
/// The spool signing key (secret).
pub const SIGNING_KEY_FILE: &str = "spool-signing.key";
/// Its public half, for `postern-review trust`.
pub const SIGNING_PUB_FILE: &str = "spool-signing.pub";
/// The newsroom's reply-signing key (public), pinned by `postern trust-newsroom`.
pub const NEWSROOM_KEY_FILE: &str = "newsroom-signing.pub";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Shown on every page.
    pub organization: String,
    /// The data folder: salt, signing key, spool.
    pub data_dir: PathBuf,
    /// The newsroom recipients (age1pq1… or age1…, never mixed). Every submission is sealed to all
    /// of them.
    pub recipients: Vec<String>,
    /// Retention: items older than this many days are deleted at startup and daily (off when
    /// absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    pub source: SourceListener,
    /// The journalist interface: off unless configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journalist: Option<JournalistListener>,
    #[serde(default)]
    pub limits: Limits,
    /// One log line per request (route template, method, status, latency). Off by default: a
    /// timed line per request helps whoever reads the journal match a source's visits to tor
    /// traffic. For debugging only; `POSTERN_DEBUG_REQUESTS=1` in the environment does the same.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub debug_request_log: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalistListener {
    /// `unix:/path` or a loopback `IP:PORT`; never the source interface's.
    pub listen: String,
    /// As for the source interface.
    #[serde(default = "yes")]
    pub cookie_secure: bool,
    /// The journalist onion service's `authorized_clients` folder (tor's client authorization):
    /// `postern journalist add` writes `NAME.auth` there, `remove` deletes it.
    pub authorized_clients_dir: PathBuf,
    /// Seconds an account is paused after repeated failed logins (doubling with each pause, up
    /// to 15 minutes at most).
    #[serde(default = "default_lockout")]
    pub lockout_seconds: u64,
    /// Sessions end after this many idle seconds.
    #[serde(default = "default_journalist_idle")]
    pub session_idle_seconds: u64,
    /// Sessions end this many hours after login, active or not.
    #[serde(default = "default_journalist_lifetime")]
    pub session_max_hours: u64,
    /// Most sessions kept in memory (anonymous ones never evict logged-in ones).
    #[serde(default = "default_journalist_sessions")]
    pub max_sessions: usize,
    /// As for the source interface: every connection must start with tor's PROXY header.
    #[serde(default)]
    pub proxy_protocol: bool,
}

impl JournalistListener {
    /// Every value within its range (see [`Limits::check`]).
    pub fn check(&self) -> Result<()> {
        let bounded: [(&str, u64, u64, u64); 4] = [
            ("lockout_seconds", self.lockout_seconds, 1, 15 * 60),
            (
                "session_idle_seconds",
                self.session_idle_seconds,
                1,
                24 * 3600,
            ),
            ("session_max_hours", self.session_max_hours, 1, 7 * 24),
            ("max_sessions", self.max_sessions as u64, 1, 1_000_000),
        ];
        for (key, value, min, max) in bounded {
            if !(min..=max).contains(&value) {
                bail!("journalist.{key} must be between {min} and {max}");
            }
        }
        Ok(())
    }
}

fn default_journalist_sessions() -> usize {
    1000
}

fn default_lockout() -> u64 {
    60
}

fn default_journalist_idle() -> u64 {
    15 * 60
}

fn default_journalist_lifetime() -> u64 {
    8
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceListener {
    /// `unix:/path` or a loopback `IP:PORT`.
    pub listen: String,
    /// Mark the session cookie `Secure` (Tor Browser treats .onion as a secure context). Turn it
    /// off only for tests with clients that drop Secure cookies over plain HTTP.
    #[serde(default = "yes")]
    pub cookie_secure: bool,
    /// Every connection must start with the PROXY protocol v1 header that tor writes with
    /// `HiddenServiceExportCircuitID haproxy` (the shipped torrc sets it); a connection without
    /// one is closed. The header's circuit id keys the per-circuit connection cap and login
    /// rate limit, so that one circuit's flood cannot starve the others.
    #[serde(default)]
    pub proxy_protocol: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest file, in bytes.
    pub max_file_bytes: u64,
    /// Largest request (all files and the message), in bytes.
    pub max_request_bytes: u64,
    /// Longest message, in characters.
    pub max_message_chars: usize,
    /// Uploads are refused while free space would drop below this, in bytes.
    pub disk_reserve_bytes: u64,
    /// Sessions end after this many idle minutes.
    pub session_idle_minutes: u32,
    /// Most sessions kept in memory.
    pub max_sessions: usize,
    /// Most codename derivations waiting for a core before new ones get "busy".
    pub argon2_queue: usize,
    /// Argon2id memory in KiB (tests lower it; production keeps the default).
    pub argon2_m_kib: u32,
    /// Argon2id passes.
    pub argon2_t: u32,
    /// Argon2id lanes.
    pub argon2_p: u32,
    /// Seconds an upload may stall before it is cut off.
    pub upload_idle_seconds: u64,
    /// Seconds a small form request may take in total.
    pub form_deadline_seconds: u64,
    /// Seconds a client has to send its request headers (against slowloris).
    pub header_read_seconds: u64,
    /// Largest resumable upload (tus), in bytes.
    pub max_upload_bytes: u64,
    /// Most bytes all open resumable uploads together may still send.
    pub max_uploads_total_bytes: u64,
    /// A resumable upload is removed with its segments after this many days without progress.
    pub upload_expire_days: u32,
    /// An upload body (form or tus PATCH) must bring at least this many bytes in every
    /// `upload_rate_window_seconds`, or it is cut off (a trickle can't pin a connection).
    pub upload_min_window_bytes: u64,
    /// The window of `upload_min_window_bytes`, in seconds.
    pub upload_rate_window_seconds: u64,
    /// Most files in one form submission (empty file parts are skipped and not counted).
    pub max_items_per_request: u64,
    /// Most items a source may have in the spool before form submissions are refused.
    pub max_items_per_source: u64,
    /// Most open connections per interface; more are closed at once.
    pub max_connections: usize,
    /// Seconds a client may leave a response unread before its connection is closed.
    pub write_timeout_seconds: u64,
    /// Most open resumable uploads of one source.
    pub max_open_uploads_per_source: usize,
    /// Most open resumable uploads in all.
    pub max_open_uploads: usize,
    /// With `proxy_protocol`: most open connections of one tor circuit, per interface.
    pub max_connections_per_circuit: usize,
    /// With `proxy_protocol`: most tor circuits whose login budget (and, on the journalist
    /// interface, failed logins) are remembered at once, per interface; past it the quiet ones,
    /// then the least recently seen, are forgotten.
    /// Between 1 and [`MAX_TRACKED_CIRCUITS`].
    pub max_tracked_circuits: usize,
    /// Bundles of a selection larger than this travel in parts of at most about this many bytes
    /// (an item larger than that is a part of its own). At least 1 MiB.
    pub bundle_part_bytes: u64,
}

/// The most `limits.max_tracked_circuits` may be: a few MiB of entries per interface.
pub const MAX_TRACKED_CIRCUITS: usize = 65_536;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 2 << 30,
            max_request_bytes: 4 << 30,
            max_message_chars: 100_000,
            disk_reserve_bytes: 1 << 30,
            session_idle_minutes: 30,
            max_sessions: 10_000,
            argon2_queue: 64,
            argon2_m_kib: KdfParams::DEFAULT.m_kib,
            argon2_t: KdfParams::DEFAULT.t,
            argon2_p: KdfParams::DEFAULT.p,
            upload_idle_seconds: 120,
            form_deadline_seconds: 60,
            header_read_seconds: 20,
            max_upload_bytes: 200 << 30,
            max_uploads_total_bytes: 2 << 40,
            upload_expire_days: 7,
            upload_min_window_bytes: 32 * 1024,
            upload_rate_window_seconds: 30,
            max_items_per_request: 100,
            max_items_per_source: 10_000,
            max_connections: 512,
            write_timeout_seconds: 60,
            max_open_uploads_per_source: 16,
            max_open_uploads: 4096,
            max_connections_per_circuit: 16,
            max_tracked_circuits: 4096,
            bundle_part_bytes: postern_spool::bundle::DEFAULT_PART_SIZE,
        }
    }
}

impl Limits {
    /// `(key, value, min, max)` of every bounded limit. A zero that would refuse every visitor
    /// (or divide by it) and a size that one typo turns into an unbounded allocation are both
    /// refused at load, naming the key and its range.
    fn bounded(&self) -> Vec<(&'static str, u64, u64, u64)> {
        let n = |v: usize| v as u64;
        vec![
            ("max_file_bytes", self.max_file_bytes, 1, u64::MAX),
            ("max_request_bytes", self.max_request_bytes, 1, u64::MAX),
            (
                "max_message_chars",
                n(self.max_message_chars),
                1,
                10_000_000,
            ),
            (
                "session_idle_minutes",
                self.session_idle_minutes.into(),
                1,
                7 * 24 * 60,
            ),
            ("max_sessions", n(self.max_sessions), 1, 1_000_000),
            ("argon2_queue", n(self.argon2_queue), 0, 65_536),
            ("argon2_m_kib", self.argon2_m_kib.into(), 8, 4 << 20),
            ("argon2_t", self.argon2_t.into(), 1, 64),
            ("argon2_p", self.argon2_p.into(), 1, 16),
            (
                "upload_idle_seconds",
                self.upload_idle_seconds,
                1,
                24 * 3600,
            ),
            ("form_deadline_seconds", self.form_deadline_seconds, 1, 3600),
            ("header_read_seconds", self.header_read_seconds, 1, 600),
            ("max_upload_bytes", self.max_upload_bytes, 1, u64::MAX),
            (
                "max_uploads_total_bytes",
                self.max_uploads_total_bytes,
                1,
                u64::MAX,
            ),
            ("upload_expire_days", self.upload_expire_days.into(), 1, 366),
            (
                "upload_min_window_bytes",
                self.upload_min_window_bytes,
                0,
                1 << 30,
            ),
            (
                "upload_rate_window_seconds",
                self.upload_rate_window_seconds,
                1,
                3600,
            ),
            (
                "max_items_per_request",
                self.max_items_per_request,
                1,
                1_000_000,
            ),
            (
                "max_items_per_source",
                self.max_items_per_source,
                1,
                100_000_000,
            ),
            ("max_connections", n(self.max_connections), 1, 1_000_000),
            ("write_timeout_seconds", self.write_timeout_seconds, 1, 3600),
            (
                "max_open_uploads_per_source",
                n(self.max_open_uploads_per_source),
                1,
                1_000_000,
            ),
            ("max_open_uploads", n(self.max_open_uploads), 1, 1_000_000),
            (
                "max_connections_per_circuit",
                n(self.max_connections_per_circuit),
                1,
                1_000_000,
            ),
            (
                "max_tracked_circuits",
                n(self.max_tracked_circuits),
                1,
                n(MAX_TRACKED_CIRCUITS),
            ),
            (
                "bundle_part_bytes",
                self.bundle_part_bytes,
                postern_spool::bundle::MIN_PART_SIZE,
                u64::MAX,
            ),
        ]
    }

    /// Every limit within its range, and Argon2's parameters ones it accepts.
    pub fn check(&self) -> Result<()> {
        for (key, value, min, max) in self.bounded() {
            if !(min..=max).contains(&value) {
                if max == u64::MAX {
                    bail!("limits.{key} must be at least {min}");
                }
                bail!("limits.{key} must be between {min} and {max}");
            }
        }
        argon2::Params::new(self.argon2_m_kib, self.argon2_t, self.argon2_p, Some(32)).map_err(
            |e| {
                anyhow::anyhow!(
                    "limits.argon2_m_kib, argon2_t and argon2_p are not valid Argon2id parameters: {e}"
                )
            },
        )?;
        Ok(())
    }

    pub fn kdf(&self) -> KdfParams {
        KdfParams {
            m_kib: self.argon2_m_kib,
            t: self.argon2_t,
            p: self.argon2_p,
        }
    }
}

/// A loaded and checked configuration.
pub struct Config {
    pub file: ConfigFile,
    pub recipients: Recipients,
    pub salt: ServerSalt,
    pub signing_key: SigningKey,
    /// The newsroom's reply-signing key, once pinned: replies are accepted and shown only if
    /// it signed them.
    pub newsroom_key: Option<VerifyingKey>,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config> {
        let meta = fs::metadata(path)
            .with_context(|| format!("cannot read the config {}", path.display()))?;
        if meta.len() > 1 << 20 {
            bail!("the config file is larger than 1 MiB: not a Postern config");
        }
        let text = read_text_bounded(path, 1 << 20)
            .with_context(|| format!("cannot read the config {}", path.display()))?;
        if text.to_ascii_uppercase().contains("AGE-SECRET-KEY-") {
            bail!(
                "the config file contains an age SECRET key: the server must only ever hold public recipients (age1…). Remove it, and treat that key as exposed"
            );
        }
        let file: ConfigFile = toml::from_str(&text).context("the config file is not valid")?;
        let recipients =
            Recipients::parse(&file.recipients).context("the config's recipients are not valid")?;
        let dir = &file.data_dir;
        check_private(dir, true).with_context(|| format!("data folder {}", dir.display()))?;
        let salt_path = dir.join(SALT_FILE);
        check_private(&salt_path, false)?;
        let salt = ServerSalt::parse(read_text_bounded(&salt_path, 1024)?.trim())
            .context("the salt file is damaged")?;
        let key_path = dir.join(SIGNING_KEY_FILE);
        check_private(&key_path, false)?;
        let key_text = zeroize::Zeroizing::new(read_text_bounded(&key_path, 4096)?);
        let signing_key = SigningKey::from_secret_text(&key_text)
            .context("the spool signing key file is damaged")?;
        file.limits.check()?;
        if let Some(j) = &file.journalist {
            j.check()?;
        }
        if file.retention_days == Some(0) {
            bail!("retention_days must be at least 1 (leave it out to keep items until deleted)");
        }
        let newsroom_key = read_newsroom_key(dir)?;
        Ok(Config {
            file,
            recipients,
            salt,
            signing_key,
            newsroom_key,
        })
    }

    pub fn spool_dir(&self) -> PathBuf {
        self.file.data_dir.join("spool")
    }
}

/// Where an interface listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Listen {
    Tcp(SocketAddr),
    Unix(PathBuf),
    /// A socket passed by systemd (socket activation), by its `FileDescriptorName=`.
    Systemd(String),
}

impl Listen {
    /// Parses `unix:/path`, `systemd:NAME` or a loopback `IP:PORT`. Anything else is refused:
    /// the interfaces are reached through tor, never directly.
    pub fn parse(s: &str) -> Result<Listen> {
        if let Some(path) = s.strip_prefix("unix:") {
            if path.is_empty() {
                bail!("`unix:` needs a socket path");
            }
            return Ok(Listen::Unix(PathBuf::from(path)));
        }
        if let Some(name) = s.strip_prefix("systemd:") {
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                bail!(
                    "`systemd:` needs the socket's FileDescriptorName (letters, digits, - and _)"
                );
            }
            return Ok(Listen::Systemd(name.to_owned()));
        }
        let addr: SocketAddr = s
            .parse()
            .with_context(|| format!("`{s}` is neither `unix:/path` nor `IP:PORT`"))?;
        if !addr.ip().is_loopback() {
            bail!(
                "refusing to listen on {addr}: only loopback addresses or unix sockets (tor connects to them)"
            );
        }
        Ok(Listen::Tcp(addr))
    }

    /// Whether two interfaces would share a listener (the same port, path or systemd socket).
    pub fn clashes_with(&self, other: &Listen) -> bool {
        match (self, other) {
            (Listen::Tcp(a), Listen::Tcp(b)) => a.port() == b.port() || a == b,
            (Listen::Unix(a), Listen::Unix(b)) => a == b,
            (Listen::Systemd(a), Listen::Systemd(b)) => a == b,
            _ => false,
        }
    }
}

/// The pinned newsroom key in `dir`, if any; a damaged file is an error, not "no key".
pub fn read_newsroom_key(dir: &Path) -> Result<Option<VerifyingKey>> {
    let path = dir.join(NEWSROOM_KEY_FILE);
    match fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        Ok(m) if !m.is_file() || m.len() > 1024 => {
            bail!("{} is not a key file", path.display())
        }
        Ok(_) => {}
    }
    let text = read_text_bounded(&path, 1024)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let key = VerifyingKey::parse(&text).with_context(|| {
        format!(
            "{} is damaged: it must hold the `ed25519:…` key that `postern-review keygen` printed",
            path.display()
        )
    })?;
    Ok(Some(key))
}

/// Refuses a path that other users can read or write, or that another user owns.
pub fn check_private(path: &Path, is_dir: bool) -> Result<()> {
    let meta =
        fs::symlink_metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.file_type().is_symlink() {
        bail!("{} is a symbolic link; refusing it", path.display());
    }
    if is_dir != meta.is_dir() {
        bail!(
            "{} is not a {}",
            path.display(),
            if is_dir { "folder" } else { "file" }
        );
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        bail!(
            "{} has loose permissions ({mode:03o}): only the server's user may access it (chmod {} {})",
            path.display(),
            if is_dir { "700" } else { "600" },
            path.display()
        );
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        bail!(
            "{} belongs to another user (uid {}, the server runs as {me})",
            path.display(),
            meta.uid()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_limits_pass_their_own_check() {
        Limits::default().check().unwrap();
    }

    /// Every bounded limit, one below its minimum and one above its maximum, is refused with an
    /// error naming it; at its minimum and maximum it is accepted (Argon2's own rule aside).
    #[test]
    fn every_limit_out_of_its_range_is_refused_by_name() {
        let keys: Vec<_> = Limits::default()
            .bounded()
            .into_iter()
            .map(|(k, _, min, max)| (k, min, max))
            .collect();
        assert!(keys.len() >= 26, "every limit with a range is listed");
        for (key, min, max) in keys {
            let set = |v: u64| {
                let mut text = format!("{key} = {v}\n");
                if key.starts_with("argon2_m") {
                    // Argon2 needs m >= 8 p: keep p at 1 so that the range alone decides.
                    text.push_str("argon2_p = 1\n");
                }
                let limits: Limits = toml::from_str(&text).unwrap();
                limits.check()
            };
            let fits = |v: u64| -> bool {
                // Values that don't fit the field's type can't be written in the config at all.
                let text = format!("{key} = {v}\n");
                v <= i64::MAX as u64 && toml::from_str::<Limits>(&text).is_ok()
            };
            if min > 0 && fits(min - 1) {
                let e = set(min - 1).unwrap_err().to_string();
                assert!(e.contains(&format!("limits.{key} ")), "{key} below: {e}");
            }
            if fits(min) {
                set(min).unwrap_or_else(|e| panic!("{key} = {min}: {e}"));
            }
            if max < u64::MAX && fits(max + 1) {
                let e = set(max + 1).unwrap_err().to_string();
                assert!(e.contains(&format!("limits.{key} ")), "{key} above: {e}");
            }
            if fits(max) {
                set(max).unwrap_or_else(|e| panic!("{key} = {max}: {e}"));
            }
        }
    }

    #[test]
    fn tracked_circuits_outside_1_to_65536_are_refused() {
        for bad in [0u64, 65_537, 1 << 40] {
            let l: Limits = toml::from_str(&format!("max_tracked_circuits = {bad}")).unwrap();
            let e = l.check().unwrap_err().to_string();
            assert_eq!(
                e, "limits.max_tracked_circuits must be between 1 and 65536",
                "{bad}"
            );
        }
        for good in [1u64, 4096, 65_536] {
            let l: Limits = toml::from_str(&format!("max_tracked_circuits = {good}")).unwrap();
            l.check().unwrap();
        }
    }

    #[test]
    fn argon2_parameters_argon2_refuses_are_refused_at_load() {
        let l: Limits = toml::from_str("argon2_m_kib = 8\nargon2_p = 4").unwrap();
        let e = l.check().unwrap_err().to_string();
        assert!(e.contains("not valid Argon2id parameters"), "{e}");
    }

    #[test]
    fn journalist_values_out_of_range_are_refused_by_name() {
        let base = "listen = \"127.0.0.1:2\"\nauthorized_clients_dir = \"a\"\n";
        let j: JournalistListener = toml::from_str(base).unwrap();
        j.check().unwrap();
        for (key, bad) in [
            ("lockout_seconds", 0u64),
            ("lockout_seconds", 901),
            ("session_idle_seconds", 0),
            ("session_max_hours", 0),
            ("session_max_hours", 169),
            ("max_sessions", 0),
        ] {
            let j: JournalistListener = toml::from_str(&format!("{base}{key} = {bad}\n")).unwrap();
            let e = j.check().unwrap_err().to_string();
            assert!(e.starts_with(&format!("journalist.{key} must be")), "{e}");
        }
    }
}
