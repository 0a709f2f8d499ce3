//! Shared helpers: building and running the workspace's binaries, the tools the tests need,
//! reviewer homes, spools made with the library, and the one `Server` harness (a running
//! `postern serve`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use postern_spool::codename::Codename;
use postern_spool::day::Day;
use postern_spool::derive::{KdfParams, ServerSalt, derive};
use postern_spool::envelope::{Header, Kind};
use postern_spool::ids::{ItemId, SourceId};
use postern_spool::keys::SigningKey;
use postern_spool::recipients::Recipients;
use postern_spool::record::{ItemRecord, SourceRecord};
use postern_spool::spool::Spool;
use rand::SeedableRng;
use rand::rngs::StdRng;

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Builds (once per test run) and returns the path of a workspace binary, in the same profile
/// as the tests.
pub fn bin(name: &str) -> PathBuf {
    // target/<profile>/deps/e2e-… is this test binary; the bins sit in target/<profile>/.
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build.current_dir(workspace_root()).args([
            "build",
            "--quiet",
            "-p",
            "postern-review",
            "-p",
            "postern-server",
            "-p",
            "postern-send",
        ]);
        // `cargo test --release` runs the binaries built in release too (benchmarks time them).
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("running cargo build");
        assert!(status.success(), "building the binaries failed");
    });
    let path = profile_dir.join(name);
    assert!(path.exists(), "{} not built", path.display());
    path
}

/// A tool that must be installed (by `tests/run`, from the Debian package of the same name);
/// the test fails loudly without it.
pub fn tool(name: &str) -> PathBuf {
    sys_tool(name, name)
}

/// A tool from the Debian package `package`, in sbin as well as bin; fails loudly when missing.
pub fn sys_tool(name: &str, package: &str) -> PathBuf {
    for dir in ["/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("{name} is not installed: tests/run installs it (apt-get install {package})");
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Option<PathBuf>> = const { std::cell::RefCell::new(None) };
}

/// While alive, the servers' and reviewers' folders made on this thread go under `base`
/// instead of the system's temporary folder (for tests that need room, on the disk of
/// `target/`).
pub struct ScratchIn(Option<PathBuf>);

impl ScratchIn {
    pub fn new(base: &Path) -> ScratchIn {
        ScratchIn(SCRATCH.with(|s| s.replace(Some(base.to_owned()))))
    }
}

impl Drop for ScratchIn {
    fn drop(&mut self) {
        let before = self.0.take();
        SCRATCH.with(|s| *s.borrow_mut() = before);
    }
}

/// A temporary folder, under the [`ScratchIn`] base of this thread if one is set.
pub fn tempdir() -> tempfile::TempDir {
    match SCRATCH.with(|s| s.borrow().clone()) {
        Some(base) => tempfile::tempdir_in(base).unwrap(),
        None => tempfile::tempdir().unwrap(),
    }
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().expect("spawning")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A reviewer home with keys made by `postern-review keygen` (cheap scrypt for speed): a hybrid
/// post-quantum newsroom key, or with [`Reviewer::classical`] a classical X25519 one.
pub struct Reviewer {
    pub dir: tempfile::TempDir,
    pub passphrase_file: PathBuf,
    pub recipient: String,
    pub signing_pub: String,
}

pub const PASSPHRASE: &str = "correct gravity battery staple";

impl Reviewer {
    pub fn new() -> Reviewer {
        Reviewer::with_keygen_args(&[])
    }

    /// A reviewer with a classical X25519 newsroom key (`keygen --classical`), for tools that
    /// do not read hybrid keys (Debian's age 1.1).
    pub fn classical() -> Reviewer {
        Reviewer::with_keygen_args(&["--classical"])
    }

    fn with_keygen_args(extra: &[&str]) -> Reviewer {
        let dir = tempdir();
        let passphrase_file = dir.path().join("passphrase");
        std::fs::write(&passphrase_file, format!("{PASSPHRASE}\n")).unwrap();
        let mut r = Reviewer {
            passphrase_file,
            recipient: String::new(),
            signing_pub: String::new(),
            dir,
        };
        let mut args = vec!["keygen", "--scrypt-work-factor", "12"];
        args.extend_from_slice(extra);
        let out = r.cmd(&args);
        assert!(out.status.success(), "keygen: {}", stderr(&out));
        r.recipient = std::fs::read_to_string(r.home().join("recipient.txt"))
            .unwrap()
            .trim()
            .to_owned();
        r.signing_pub = std::fs::read_to_string(r.home().join("signing-key.pub"))
            .unwrap()
            .trim()
            .to_owned();
        assert!(stdout(&out).contains(&r.recipient));
        assert_eq!(r.recipient.starts_with("age1pq1"), extra.is_empty());
        r
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn cmd(&self, args: &[&str]) -> Output {
        run(&mut self.command(args))
    }

    /// The `postern-review` command line of [`Reviewer::cmd`], not yet run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin("postern-review"));
        c.arg("--home")
            .arg(self.home())
            .arg("--passphrase-file")
            .arg(&self.passphrase_file)
            .args(args);
        c
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args);
        assert!(
            out.status.success(),
            "postern-review {args:?} failed:\n{}",
            stderr(&out)
        );
        stdout(&out)
    }

    /// Pins `server`'s key, imports a copy of its spool (`want` must be in what import prints)
    /// and extracts everything into a fresh folder; the spool must hold items of one source
    /// (others may have none), whose folder it returns.
    pub fn receive(&self, server: &Server, want: &str) -> Received {
        self.ok(&["trust", &server.signing_pub()]);
        let imported = self.ok(&["import", server.spool().to_str().unwrap()]);
        assert!(imported.contains(want), "{imported}");
        let dir = tempfile::tempdir().unwrap();
        self.ok(&["extract", "--all", "--to", dir.path().to_str().unwrap()]);
        let folders: Vec<PathBuf> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(folders.len(), 1, "one source's folder: {folders:?}");
        let folder = folders[0].clone();
        let spool = Spool::open(&server.spool()).unwrap();
        let senders: Vec<SourceId> = spool
            .sources()
            .unwrap()
            .into_iter()
            .filter(|s| !spool.items(s).unwrap().is_empty())
            .collect();
        assert_eq!(senders.len(), 1, "items of one source: {senders:?}");
        assert_eq!(
            folder.file_name().unwrap().to_str().unwrap(),
            source_folder(&senders[0]),
            "filed by source"
        );
        Received { _dir: dir, folder }
    }

    pub fn recipients(&self) -> Recipients {
        Recipients::parse([&self.recipient]).unwrap()
    }
}

/// What [`Reviewer::receive`] extracted: the folder of the one source.
pub struct Received {
    /// Keeps the temporary folder alive.
    _dir: tempfile::TempDir,
    folder: PathBuf,
}

impl Received {
    /// The source's folder.
    pub fn path(&self) -> &Path {
        &self.folder
    }

    /// The file extracted for an item named `name` (`<day>_<name>` in the source's folder).
    pub fn file(&self, name: &str) -> PathBuf {
        extracted(&self.folder, name)
    }
}

/// The folder `postern-review extract` files a source's items in: its designation (words
/// joined by `-`) and the first 8 hex digits of its id.
pub fn source_folder(id: &SourceId) -> String {
    format!(
        "{}-{}",
        postern_spool::designation::designation(id).replace(' ', "-"),
        &id.to_string()[..8]
    )
}

/// `name` without the day that `extract` puts before it (`2026-12-01_`); fails if it has none.
pub fn undated(name: &str) -> &str {
    let (day, rest) = name
        .split_once('_')
        .unwrap_or_else(|| panic!("{name:?} has no day"));
    let b = day.as_bytes();
    assert!(
        b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit()),
        "{name:?} does not start with a day"
    );
    rest
}

/// The one file under `dir` (searched recursively) that `extract` wrote for an item named
/// `name`: `<day>_<name>`.
pub fn extracted(dir: &Path, name: &str) -> PathBuf {
    let mut files = Vec::new();
    all_files(dir, &mut files);
    let hits: Vec<PathBuf> = files
        .into_iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.split_once('_'))
                .is_some_and(|(_, rest)| rest == name)
        })
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "one file extracted for {name:?} in {dir:?}: {hits:?}"
    );
    let p = hits[0].clone();
    undated(p.file_name().unwrap().to_str().unwrap());
    p
}

/// A server-side spool, written with the library as the server will write it.
pub struct ServerSpool {
    /// Keeps the temporary folder alive as long as the spool.
    _dir: tempfile::TempDir,
    pub spool: Spool,
    pub key: SigningKey,
    pub rng: StdRng,
    pub recipients: Recipients,
}

impl ServerSpool {
    pub fn new(recipients: Recipients, seed: u64) -> ServerSpool {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = StdRng::seed_from_u64(seed);
        let spool = Spool::create(&dir.path().join("spool"), &mut rng).unwrap();
        let key = SigningKey::generate(&mut rng);
        ServerSpool {
            _dir: dir,
            spool,
            key,
            rng,
            recipients,
        }
    }

    pub fn root(&self) -> PathBuf {
        self.spool.root().to_path_buf()
    }

    /// A new source, as the server creates one at its first submission.
    pub fn source(&mut self) -> SourceId {
        let codename = Codename::generate(&mut self.rng);
        let salt = ServerSalt::from_bytes([1; 16]);
        let keys = derive(&codename, &salt, KdfParams::INSECURE_FAST_FOR_TESTS).unwrap();
        let rec = SourceRecord {
            source: keys.id,
            reply: keys.reply_recipient_for(&self.recipients).to_string(),
            day: Day(20_421),
        };
        self.spool
            .ensure_source(&mut self.rng, &rec, &self.key)
            .unwrap();
        keys.id
    }

    pub fn store(
        &mut self,
        source: &SourceId,
        kind: Kind,
        name: &str,
        content: &[u8],
    ) -> ItemRecord {
        let mut h = Header::new(kind, ItemId::from_bytes([0; 16]), Day(20_421));
        h.name = name.to_owned();
        h.content_type = "application/octet-stream".into();
        self.spool
            .store(
                &mut self.rng,
                &self.key,
                &self.recipients,
                source,
                h,
                &mut &*content,
            )
            .unwrap()
    }

    /// Writes a bundle of everything to `path`, with its signed manifest (one part).
    pub fn bundle(&self, path: &Path) {
        let mut listed = Vec::new();
        for s in self.spool.sources().unwrap() {
            for i in self.spool.items(&s).unwrap() {
                listed.push((s, i));
            }
        }
        let manifest = postern_spool::bundle::BundleManifest {
            selection: postern_spool::ids::SelectionId::from_bytes([1; 16]),
            part: 1,
            parts: 1,
            items: listed,
        }
        .sign(&self.key)
        .unwrap();
        let f = std::fs::File::create(path).unwrap();
        let mut w = postern_spool::bundle::BundleWriter::new(f, &manifest).unwrap();
        for s in self.spool.sources().unwrap() {
            let items = self.spool.items(&s).unwrap();
            if items.is_empty() {
                continue;
            }
            let rec = std::fs::read(self.spool.source_record_path(&s)).unwrap();
            w.add_source(&s, &rec).unwrap();
            for i in items {
                let (age, recp) = self.spool.item_paths(&s, &i);
                let rec = std::fs::read(recp).unwrap();
                let mut f = std::fs::File::open(&age).unwrap();
                let size = f.metadata().unwrap().len();
                w.add_item(&s, &i, &rec, size, &mut f).unwrap();
            }
        }
        w.finish().unwrap();
    }

    pub fn verifying_key(&self) -> String {
        self.key.verifying_key().to_string()
    }
}

/// Deterministic pseudo-random content.
pub fn content(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// Every file under `dir`, recursively.
pub fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            all_files(&e.path(), out);
        } else {
            out.push(e.path());
        }
    }
}

/// The texts of the `<day>_message-*` files `postern-review extract` wrote into `dir`, sorted.
pub fn messages_in(dir: &Path) -> Vec<String> {
    let mut texts: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| undated(p.file_name().unwrap().to_str().unwrap()).starts_with("message-"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    texts.sort();
    texts
}

/// `needle` occurs in `hay`. An empty needle is a mistake in the test, not a match.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    assert!(!needle.is_empty(), "searching for nothing");
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Polls `f` every 50 ms until it holds; fails after `limit`.
pub fn wait_until(limit: Duration, what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Where a listener of `postern serve` is.
#[derive(Clone, Debug)]
pub enum Addr {
    /// A loopback TCP port.
    Port(u16),
    /// A unix socket (its path must stay under 108 bytes: put it in a short folder under /tmp).
    Unix(PathBuf),
}

impl Addr {
    /// As a `listen = "…"` value of the config.
    pub fn listen(&self) -> String {
        match self {
            Addr::Port(port) => format!("127.0.0.1:{port}"),
            Addr::Unix(sock) => format!("unix:{}", sock.display()),
        }
    }

    fn accepts(&self) -> bool {
        match self {
            Addr::Port(port) => std::net::TcpStream::connect(("127.0.0.1", *port)).is_ok(),
            Addr::Unix(sock) => std::os::unix::net::UnixStream::connect(sock).is_ok(),
        }
    }
}

/// A running `postern serve`, with its data folder and log.
pub struct Server {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    /// The source interface's loopback port; 0 when it listens on a unix socket.
    pub port: u16,
    pub log: PathBuf,
    source: Addr,
    child: Option<std::process::Child>,
}

impl Server {
    /// `postern init` with `recipient` on a free loopback port, then `tweak` on the config text,
    /// then start.
    pub fn new(recipient: &str, tweak: impl FnOnce(String) -> String) -> Server {
        Server::init(recipient, Addr::Port(free_port()), tweak)
    }

    /// Like [`Server::new`], but the source interface listens on the unix socket `sock` (whose
    /// path must stay under 108 bytes: put it in a short folder under /tmp).
    pub fn new_unix(recipient: &str, sock: &Path, tweak: impl FnOnce(String) -> String) -> Server {
        Server::init(recipient, Addr::Unix(sock.to_owned()), tweak)
    }

    fn init(recipient: &str, source: Addr, tweak: impl FnOnce(String) -> String) -> Server {
        let dir = tempdir();
        let data = dir.path().join("data");
        let out = run(Command::new(bin("postern"))
            .args([
                "init",
                "--org",
                "Test Newsroom",
                "--listen",
                &source.listen(),
                "--recipient",
                recipient,
                "--data",
            ])
            .arg(&data));
        assert!(out.status.success(), "postern init: {}", stderr(&out));
        let config = data.join("postern.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        assert!(
            text.contains(&source.listen()),
            "the config listens on {}: {text}",
            source.listen()
        );
        std::fs::write(&config, tweak(text)).unwrap();
        let log = dir.path().join("server.log");
        let mut s = Server {
            dir,
            config,
            port: match source {
                Addr::Port(port) => port,
                Addr::Unix(_) => 0,
            },
            log,
            source,
            child: None,
        };
        s.start();
        s
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The process id of the running `postern serve`, if it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    pub fn spool(&self) -> PathBuf {
        self.data().join("spool")
    }

    pub fn signing_pub(&self) -> String {
        std::fs::read_to_string(self.data().join("spool-signing.pub"))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// Starts `postern serve` and waits until the source interface accepts connections.
    pub fn start(&mut self) {
        self.start_with_env(&[]);
    }

    /// [`Server::start`] with extra environment variables (for example a debug build's test
    /// fault hook).
    pub fn start_with_env(&mut self, vars: &[(&str, &str)]) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new(bin("postern"))
            .arg("serve")
            .arg("--config")
            .arg(&self.config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .envs(vars.iter().copied())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let source = self.source.clone();
        self.wait_listening(&source, "the source interface");
    }

    /// Waits (30 s at most) until `addr` accepts connections; fails at once if the server
    /// exits.
    pub fn wait_listening(&mut self, addr: &Addr, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !addr.accepts() {
            assert!(
                Instant::now() < deadline,
                "{what} did not start on {}: {}",
                addr.listen(),
                self.log_text()
            );
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                panic!("server exited with {status}: {}", self.log_text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits (30 s at most) until the server process ended by itself; its exit status.
    pub fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                self.child = None;
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no chance to clean up.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Files under the spool's tmp/ (in-flight or leftover writes).
    pub fn temporaries(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.spool().join("tmp"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect()
    }

    /// Committed items, over all sources.
    pub fn item_count(&self) -> usize {
        let spool = Spool::open(&self.spool()).unwrap();
        spool
            .sources()
            .unwrap()
            .iter()
            .map(|s| spool.items(s).unwrap().len())
            .sum()
    }

    /// `postern <args…> --config <this server's config>`.
    pub fn cli(&self, args: &[&str]) -> Output {
        run(Command::new(bin("postern"))
            .args(args)
            .arg("--config")
            .arg(&self.config))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}
