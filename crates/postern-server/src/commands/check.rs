//! `postern check`: what an operator (and the units, before start) runs on the real host to learn
//! what is wrong with a deployment. Each check prints one `OK` or `FAIL` line, a failure with a
//! hint saying what to do; the exit status is non-zero when any check fails.
//!
//! The one check that matters most is [`check_client_auth`]: tor enables client authorization for
//! an onion service only if it loads at least one `*.auth` file, and ignores malformed ones
//! silently. A journalist service whose every auth file is malformed is therefore public. The
//! check refuses an empty folder *and* any malformed file; `postern serve` calls it before it
//! starts, and the tor unit runs `postern check --journalist-auth-only` before tor starts.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use postern_spool::recipients::Recipients;

use postern_spool::sanitize::for_terminal;

use crate::config::{ConfigFile, SALT_FILE, SIGNING_KEY_FILE, check_private};
use crate::storage::client_auth::check_client_auth;

/// Largest torrc or config we read.
const MAX_TEXT_FILE: u64 = 1 << 20;
/// Most files scanned for secret keys in the data folder (outside the spool).
const MAX_SCANNED_FILES: usize = 10_000;

/// What `postern check` was asked to look at.
pub struct Options {
    pub config: PathBuf,
    pub torrc: Option<PathBuf>,
    pub journalist_auth_only: bool,
}

/// The printed result: one line per check.
#[derive(Default)]
pub struct Report {
    pub lines: Vec<(bool, String, String)>,
}

impl Report {
    fn ok(&mut self, what: &str, detail: impl Into<String>) {
        self.lines.push((true, what.to_owned(), detail.into()));
    }

    fn fail(&mut self, what: &str, hint: impl Into<String>) {
        self.lines.push((false, what.to_owned(), hint.into()));
    }

    fn record(&mut self, what: &str, r: Result<String>) {
        match r {
            Ok(detail) => self.ok(what, detail),
            Err(e) => self.fail(what, format!("{e:#}")),
        }
    }

    pub fn failures(&self) -> usize {
        self.lines.iter().filter(|(ok, _, _)| !ok).count()
    }

    pub fn print(&self) {
        for (ok, what, detail) in &self.lines {
            if *ok {
                println!("OK    {what}: {}", for_terminal(detail));
            } else {
                println!("FAIL  {what}: {}", for_terminal(detail));
            }
        }
        let failed = self.failures();
        if failed == 0 {
            println!("all {} checks passed", self.lines.len());
        } else {
            println!("{failed} of {} checks FAILED", self.lines.len());
        }
    }
}

/// Runs the checks `opts` asks for; never stops at the first failure.
pub fn run(opts: &Options) -> Report {
    let mut r = Report::default();
    let file = match load_config_file(&opts.config) {
        Ok(f) => {
            r.ok("config", "readable, valid, no secret key in it");
            f
        }
        Err(e) => {
            r.fail("config", format!("{e:#}"));
            return r;
        }
    };
    if opts.journalist_auth_only {
        journalist_auth(&mut r, &file, true);
        return r;
    }
    r.record(
        "recipients",
        Recipients::parse(&file.recipients)
            .map(|_| format!("{} newsroom recipient(s)", file.recipients.len()))
            .context("fix `recipients` in the config: only public age1pq1… (or only age1…) recipients from `postern-review keygen`"),
    );
    r.record("data folder", data_folder(&file.data_dir));
    r.record(
        "no secret key on the server",
        no_secret_keys(&file.data_dir),
    );
    r.record(
        "disk reserve",
        disk_reserve(&file.data_dir, file.limits.disk_reserve_bytes),
    );
    journalist_auth(&mut r, &file, false);
    if let Some(torrc) = &opts.torrc {
        r.record("tor config", check_torrc(torrc, &file));
    }
    r
}

fn journalist_auth(r: &mut Report, file: &ConfigFile, required: bool) {
    const WHAT: &str = "journalist client authorization";
    match &file.journalist {
        Some(j) => r.record(
            WHAT,
            check_client_auth(&j.authorized_clients_dir)
                .map(|n| format!("in effect, {n} journalist key(s)")),
        ),
        None if required => r.fail(WHAT, "the config has no [journalist] section"),
        None => r.ok(WHAT, "no journalist interface configured"),
    }
}

/// Parses the config file alone (no data folder access), refusing any secret key in it.
pub fn load_config_file(path: &Path) -> Result<ConfigFile> {
    let text = read_text(path)?;
    if text.to_ascii_uppercase().contains("AGE-SECRET-KEY-") {
        bail!(
            "{} contains an age SECRET key: the server must only hold public recipients (age1…). Remove it, and treat that key as exposed",
            path.display()
        );
    }
    toml::from_str(&text).with_context(|| format!("{} is not a valid config", path.display()))
}

fn read_text(path: &Path) -> Result<String> {
    let meta = fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.len() > MAX_TEXT_FILE {
        bail!("{} is larger than 1 MiB", path.display());
    }
    fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn data_folder(dir: &Path) -> Result<String> {
    check_private(dir, true)?;
    check_private(&dir.join(SALT_FILE), false)?;
    check_private(&dir.join(SIGNING_KEY_FILE), false)?;
    check_private(&dir.join("spool"), true)?;
    Ok(format!(
        "{} and its keys are private to this user",
        dir.display()
    ))
}

/// No age secret key anywhere in the data folder's files (the spool's ciphertext aside): a
/// newsroom key belongs on the air-gapped machine only.
fn no_secret_keys(dir: &Path) -> Result<String> {
    let mut stack = vec![dir.to_path_buf()];
    let mut scanned = 0usize;
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).with_context(|| format!("cannot list {}", d.display()))? {
            let entry = entry.with_context(|| format!("cannot list {}", d.display()))?;
            let path = entry.path();
            let meta = fs::symlink_metadata(&path)?;
            if meta.is_dir() {
                // The spool holds age ciphertext only; the server writes it, and it is large.
                if d == dir && entry.file_name() == "spool" {
                    continue;
                }
                stack.push(path);
                continue;
            }
            if !meta.is_file() || meta.len() > MAX_TEXT_FILE {
                continue;
            }
            scanned += 1;
            if scanned > MAX_SCANNED_FILES {
                bail!("more than {MAX_SCANNED_FILES} files in {}", dir.display());
            }
            let name = entry.file_name();
            if name == SIGNING_KEY_FILE || name == SALT_FILE {
                continue;
            }
            let bytes = fs::read(&path)?;
            let upper = String::from_utf8_lossy(&bytes).to_ascii_uppercase();
            if upper.contains("AGE-SECRET-KEY-") {
                bail!(
                    "{} holds an age SECRET key: newsroom keys live on the air-gapped machine only. Delete it from this host and rotate that key",
                    path.display()
                );
            }
        }
    }
    Ok(format!("{scanned} file(s) scanned"))
}

fn disk_reserve(dir: &Path, reserve: u64) -> Result<String> {
    let s = rustix::fs::statvfs(dir)
        .with_context(|| format!("cannot read the free space of {}", dir.display()))?;
    let avail = s.f_bavail.saturating_mul(s.f_frsize);
    if avail < reserve {
        bail!(
            "{} MiB free, below the reserve of {} MiB: every upload is refused. Free space, or grow the file system",
            avail >> 20,
            reserve >> 20
        );
    }
    Ok(format!(
        "{} MiB free, reserve {} MiB",
        avail >> 20,
        reserve >> 20
    ))
}

/// One onion service of a torrc: its directory and the options that follow it.
struct Service {
    dir: String,
    options: Vec<(String, String)>,
}

impl Service {
    fn get(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    fn role(&self) -> &str {
        self.dir
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
    }
}

/// The shipped tor settings, checked on a torrc: `SocksPort 0`, `SafeLogging 1`, no single-hop
/// option, every onion service forwarding to a unix socket only, the source service with
/// proof-of-work, intro-point DoS defences and stream limits, and (when the journalist interface
/// is configured) a journalist service. Services are told apart by the last component of their
/// `HiddenServiceDir` (`…/source`, `…/journalist`). Each service must agree with its interface
/// in the config (see [`agrees_with`]).
pub fn check_torrc(path: &Path, file: &ConfigFile) -> Result<String> {
    let text = read_text(path)?;
    let mut global: Vec<(String, String)> = Vec::new();
    let mut services: Vec<Service> = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (key, value) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let (key, value) = (key.to_owned(), value.trim().to_owned());
        if key.eq_ignore_ascii_case("HiddenServiceDir") {
            services.push(Service {
                dir: value,
                options: Vec::new(),
            });
        } else if key.to_ascii_lowercase().starts_with("hiddenservice") {
            let Some(s) = services.last_mut() else {
                bail!("{key} comes before any HiddenServiceDir");
            };
            s.options.push((key, value));
        } else {
            global.push((key, value));
        }
    }
    let get = |k: &str| -> Vec<&str> {
        global
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
            .collect()
    };
    if get("SocksPort") != ["0"] {
        bail!("set `SocksPort 0`: this tor serves onion services only");
    }
    if get("SafeLogging") != ["1"] {
        bail!("set `SafeLogging 1`: tor's logs must not carry addresses");
    }
    for banned in [
        "HiddenServiceSingleHopMode",
        "HiddenServiceNonAnonymousMode",
        "HiddenServiceDirGroupReadable",
    ] {
        let anywhere = global.iter().any(|(k, _)| k.eq_ignore_ascii_case(banned))
            || services.iter().any(|s| {
                s.options
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case(banned))
            });
        if anywhere {
            bail!("remove `{banned}`: it gives away the server's location or its keys");
        }
    }
    if services.is_empty() {
        bail!("no onion service (HiddenServiceDir) in {}", path.display());
    }
    for s in &services {
        let ports: Vec<&str> = s
            .options
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("HiddenServicePort"))
            .map(|(_, v)| v.as_str())
            .collect();
        if ports.is_empty() {
            bail!("the onion service {} has no HiddenServicePort", s.dir);
        }
        for p in ports {
            let target = p.split_whitespace().nth(1).unwrap_or("");
            let ok = target
                .strip_prefix("unix:")
                .is_some_and(|t| t.trim_matches('"').starts_with('/'));
            if !ok {
                bail!(
                    "`HiddenServicePort {p}` of {}: forward to an absolute unix socket only (`80 unix:/run/postern/…sock`), never to a TCP address",
                    s.dir
                );
            }
        }
    }
    let Some(source) = services.iter().find(|s| s.role() == "source") else {
        bail!("no source onion service (a HiddenServiceDir ending in /source)");
    };
    for (key, want) in [
        ("HiddenServicePoWDefensesEnabled", "1"),
        ("HiddenServiceEnableIntroDoSDefense", "1"),
        ("HiddenServiceMaxStreamsCloseCircuit", "1"),
    ] {
        if source.get(key) != Some(want) {
            bail!("the source service needs `{key} {want}` (DoS defence)");
        }
    }
    let max_streams: u32 = source
        .get("HiddenServiceMaxStreams")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if max_streams == 0 {
        bail!("the source service needs `HiddenServiceMaxStreams N` with N > 0");
    }
    agrees_with(
        source,
        "source",
        &file.source.listen,
        file.source.proxy_protocol,
    )?;
    if let Some(j) = &file.journalist {
        let Some(service) = services.iter().find(|s| s.role() == "journalist") else {
            bail!(
                "the config has a [journalist] section but the torrc no journalist onion service (a HiddenServiceDir ending in /journalist)"
            );
        };
        agrees_with(service, "journalist", &j.listen, j.proxy_protocol)?;
    }
    Ok(format!(
        "{} onion service(s), unix targets only, source DoS defences on",
        services.len()
    ))
}

/// An onion service and the interface it forwards to agree: tor writes its PROXY header
/// (`HiddenServiceExportCircuitID haproxy`) exactly when the config's `proxy_protocol` expects
/// it (otherwise every request fails, or every connection is closed), and a config that listens
/// on `unix:PATH` is where the service's ports forward. (With `systemd:NAME` the path is in the
/// socket unit; a TCP address cannot be a target, see the unix-only rule.)
fn agrees_with(service: &Service, role: &str, listen: &str, proxy_protocol: bool) -> Result<()> {
    let export = service
        .options
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("HiddenServiceExportCircuitID"))
        .map(|(_, v)| v.as_str())
        .next_back();
    let sends_header = export.is_some_and(|v| v.eq_ignore_ascii_case("haproxy"));
    if sends_header && !proxy_protocol {
        bail!(
            "the torrc's {role} service sends tor's PROXY header (`HiddenServiceExportCircuitID haproxy`) but the config's [{role}] has no `proxy_protocol = true`: every request would fail. Add `proxy_protocol = true` under [{role}]"
        );
    }
    if proxy_protocol && !sends_header {
        bail!(
            "the config's [{role}] has `proxy_protocol = true` but the torrc's {role} service does not send tor's PROXY header: every connection would be closed. Add `HiddenServiceExportCircuitID haproxy` to the {role} service"
        );
    }
    let targets = service
        .options
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("HiddenServicePort"))
        .map(|(_, v)| v.split_whitespace().nth(1).unwrap_or("").trim_matches('"'));
    match listen.split_once(':') {
        Some(("unix", path)) => {
            for target in targets {
                if target.strip_prefix("unix:") != Some(path) {
                    bail!(
                        "the torrc's {role} service forwards to `{target}`, but the config's [{role}] listens on `unix:{path}`: make them the same socket"
                    );
                }
            }
        }
        Some(("systemd", _)) => {}
        _ => bail!(
            "the config's [{role}] listens on `{listen}`, which tor cannot forward to (unix sockets only): use `systemd:{role}` or `unix:/run/postern/{role}.sock`"
        ),
    }
    Ok(())
}

/// `postern check`: prints the report; false when a check failed.
pub fn main(opts: &Options) -> bool {
    let report = run(opts);
    report.print();
    report.failures() == 0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::storage::client_auth::is_valid_auth_line;

    const GOOD: &str = "descriptor:x25519:DCWWTXI346XJYZBYTB4TX6YO2DN4BH7KUSVV7BLMR45FC6TRSNAQ\n";

    fn auth_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        fs::set_permissions(d.path(), fs::Permissions::from_mode(0o755)).unwrap();
        for (name, text) in files {
            fs::write(d.path().join(name), text).unwrap();
        }
        d
    }

    #[test]
    fn auth_lines() {
        assert!(is_valid_auth_line(GOOD));
        assert!(is_valid_auth_line(&GOOD.to_ascii_lowercase()));
        // Wrong length, wrong alphabet, wrong type, padding, non-canonical end, two keys.
        assert!(!is_valid_auth_line(
            "descriptor:x25519:DCWWTXI346XJYZBYTB4TX6YO2DN4BH7KUSVV7BLMR45FC6TRSNA"
        ));
        assert!(!is_valid_auth_line(
            "descriptor:x25519:DCWWTXI346XJYZBYTB4TX6YO2DN4BH7KUSVV7BLMR45FC6TRSNAQ===="
        ));
        assert!(!is_valid_auth_line(
            "descriptor:x25519:OM7TGIVRYMY6PFX6GAC6ATRTA5U6WW6U7A4ZNHQDI6OVL52XVV1Q"
        ));
        assert!(!is_valid_auth_line(
            "descriptor:ed25519:DCWWTXI346XJYZBYTB4TX6YO2DN4BH7KUSVV7BLMR45FC6TRSNAQ"
        ));
        assert!(!is_valid_auth_line(
            "descriptor:x25519:DCWWTXI346XJYZBYTB4TX6YO2DN4BH7KUSVV7BLMR45FC6TRSNAB"
        ));
        assert!(!is_valid_auth_line(
            "descriptor:x25519:om7TGIVRYMY6PFX6GAC6ATRTA5U6WW6U7A4ZNHQDI6OVL52XVV2Q"
        ));
        assert!(!is_valid_auth_line(&format!("{GOOD}{GOOD}")));
        assert!(!is_valid_auth_line(""));
    }

    #[test]
    fn client_auth_counts_good_files() {
        let d = auth_dir(&[("alice.auth", GOOD), ("bob.auth", GOOD), ("notes.txt", "x")]);
        assert_eq!(check_client_auth(d.path()).unwrap(), 2);
    }

    #[test]
    fn client_auth_refuses_an_empty_folder() {
        let d = auth_dir(&[("README", "not an auth file")]);
        let e = format!("{:#}", check_client_auth(d.path()).unwrap_err());
        assert!(e.contains("no journalist is authorized"), "{e}");
    }

    #[test]
    fn client_auth_refuses_any_malformed_file() {
        // One good file does not excuse a bad one: tor would silently drop it.
        let d = auth_dir(&[
            ("alice.auth", GOOD),
            ("bob.auth", "descriptor:x25519:SHORT\n"),
        ]);
        let e = format!("{:#}", check_client_auth(d.path()).unwrap_err());
        assert!(e.contains("malformed"), "{e}");
        // The fail-open case: every file malformed.
        let d = auth_dir(&[(
            "bob.auth",
            "x25519:DCWWTXI346XJYZBYTB4TX6YO2DN4BH7KUSVV7BLMR45FC6TRSNAQ\n",
        )]);
        assert!(check_client_auth(d.path()).is_err());
    }

    #[test]
    fn client_auth_refuses_symlinks_missing_and_writable_folders() {
        let d = auth_dir(&[("alice.auth", GOOD)]);
        std::os::unix::fs::symlink(d.path().join("alice.auth"), d.path().join("eve.auth")).unwrap();
        let e = format!("{:#}", check_client_auth(d.path()).unwrap_err());
        assert!(e.contains("not a regular file"), "{e}");

        assert!(check_client_auth(&d.path().join("missing")).is_err());

        let d = auth_dir(&[("alice.auth", GOOD)]);
        fs::set_permissions(d.path(), fs::Permissions::from_mode(0o777)).unwrap();
        let e = format!("{:#}", check_client_auth(d.path()).unwrap_err());
        assert!(e.contains("can be written by other users"), "{e}");
    }

    /// The shipped torrc passes; each rule has a variant that fails.
    #[test]
    fn torrc_rules() {
        let shipped = include_str!("../../../../deploy/tor/torrc");
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("torrc");
        let cfg = config("systemd:source", true, Some(("systemd:journalist", true)));
        let check = |text: &str| {
            fs::write(&path, text).unwrap();
            check_torrc(&path, &cfg).map_err(|e| format!("{e:#}"))
        };
        check(shipped).unwrap();
        let cases: &[(&str, &str, &str)] = &[
            ("SocksPort 0", "SocksPort 9050", "SocksPort 0"),
            ("SafeLogging 1", "SafeLogging 0", "SafeLogging 1"),
            (
                "HiddenServicePoWDefensesEnabled 1",
                "HiddenServicePoWDefensesEnabled 0",
                "PoWDefensesEnabled",
            ),
            (
                "HiddenServiceEnableIntroDoSDefense 1",
                "",
                "IntroDoSDefense",
            ),
            (
                "HiddenServiceMaxStreamsCloseCircuit 1",
                "",
                "MaxStreamsCloseCircuit",
            ),
            (
                "unix:/run/postern/source.sock",
                "127.0.0.1:8080",
                "unix socket only",
            ),
            (
                "unix:/run/postern/journalist.sock",
                "unix:run/journalist.sock",
                "unix socket only",
            ),
            (
                "HiddenServiceDir /var/lib/postern-tor/journalist",
                "HiddenServiceDir /var/lib/postern-tor/other",
                "no journalist onion service",
            ),
        ];
        for (from, to, want) in cases {
            assert!(shipped.contains(from), "{from} not in the shipped torrc");
            let e = check(&shipped.replacen(from, to, 1)).unwrap_err();
            assert!(e.contains(want), "{from} -> {to}: {e}");
        }
        let e = check(&format!(
            "{shipped}\nHiddenServiceNonAnonymousMode 1\nHiddenServiceSingleHopMode 1\n"
        ))
        .unwrap_err();
        assert!(
            e.contains("HiddenServiceSingleHopMode") || e.contains("NonAnonymous"),
            "{e}"
        );
    }

    /// A config with `[source]` at `source` and, if given, a `[journalist]` section.
    fn config(source: &str, proxy: bool, journalist: Option<(&str, bool)>) -> ConfigFile {
        let mut text = format!(
            "organization = \"x\"\ndata_dir = \"/nonexistent\"\nrecipients = []\n[source]\nlisten = \"{source}\"\nproxy_protocol = {proxy}\n"
        );
        if let Some((listen, proxy)) = journalist {
            text.push_str(&format!(
                "[journalist]\nlisten = \"{listen}\"\nauthorized_clients_dir = \"/nonexistent\"\nproxy_protocol = {proxy}\n"
            ));
        }
        toml::from_str(&text).unwrap()
    }

    /// The torrc's PROXY header and socket paths must agree with the config, each way, with
    /// an error that says what to change.
    #[test]
    fn the_torrc_agrees_with_proxy_protocol_and_the_listen_sockets() {
        let shipped = include_str!("../../../../deploy/tor/torrc");
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("torrc");
        fs::write(&path, shipped).unwrap();
        let check = |cfg: ConfigFile| check_torrc(&path, &cfg).map_err(|e| format!("{e:#}"));
        // The shipped pair: systemd sockets, the header on both services.
        check(config(
            "systemd:source",
            true,
            Some(("systemd:journalist", true)),
        ))
        .unwrap();
        check(config("systemd:source", true, None)).unwrap();
        // The header is sent but not expected, per interface.
        let e = check(config("systemd:source", false, None)).unwrap_err();
        assert!(
            e.contains("source service sends tor's PROXY header")
                && e.contains("`proxy_protocol = true` under [source]"),
            "{e}"
        );
        let e = check(config(
            "systemd:source",
            true,
            Some(("systemd:journalist", false)),
        ))
        .unwrap_err();
        assert!(
            e.contains("[journalist] has no `proxy_protocol = true`"),
            "{e}"
        );
        // Expected but not sent.
        let no_header = shipped.replacen("HiddenServiceExportCircuitID haproxy", "", 1);
        fs::write(&path, &no_header).unwrap();
        let e = check(config("systemd:source", true, None)).unwrap_err();
        assert!(
            e.contains("does not send tor's PROXY header")
                && e.contains("Add `HiddenServiceExportCircuitID haproxy` to the source service"),
            "{e}"
        );
        check(config("systemd:source", false, None)).unwrap();
        let other = shipped.replace(
            "HiddenServiceExportCircuitID haproxy",
            "HiddenServiceExportCircuitID none",
        );
        fs::write(&path, &other).unwrap();
        let e = check(config("systemd:source", true, None)).unwrap_err();
        assert!(e.contains("does not send"), "{e}");
        // Unix sockets: the same path on both sides.
        fs::write(&path, shipped).unwrap();
        check(config(
            "unix:/run/postern/source.sock",
            true,
            Some(("unix:/run/postern/journalist.sock", true)),
        ))
        .unwrap();
        let e = check(config("unix:/run/other.sock", true, None)).unwrap_err();
        assert!(
            e.contains("forwards to `unix:/run/postern/source.sock`")
                && e.contains("listens on `unix:/run/other.sock`"),
            "{e}"
        );
        let e = check(config("127.0.0.1:8080", true, None)).unwrap_err();
        assert!(e.contains("tor cannot forward to"), "{e}");
    }
}
