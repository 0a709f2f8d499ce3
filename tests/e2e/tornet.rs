//! A private Tor network on loopback, started by `tests/support/tor-testnet`: the one harness of
//! the onion-service tests (source, journalist and deployment).

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("support/tor-testnet")
}

/// A running private Tor network. [`TorNet::stop`] stops it and checks that it stopped;
/// dropping it stops it too, and after a failure keeps the folder (with every tor's log) and
/// prints its path.
pub struct TorNet {
    dir: Option<tempfile::TempDir>,
    env: HashMap<String, String>,
}

impl TorNet {
    /// `tor-testnet start <dir> <args…> --owner-pid <this process>`, in a short folder under
    /// /tmp named `prefix…` (unix socket paths must stay under 108 bytes). Panics with the
    /// script's stderr on failure, keeping its logs (including a missing `tor`: these tests
    /// never skip).
    pub fn start<I, S>(prefix: &str, args: I) -> TorNet
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir_in("/tmp")
            .unwrap();
        let t = Instant::now();
        let out = Command::new(script())
            .arg("start")
            .arg(dir.path())
            .args(args)
            .args(["--owner-pid", &std::process::id().to_string()])
            .stdin(Stdio::null())
            .output()
            .expect("running tests/support/tor-testnet");
        if !out.status.success() {
            let kept = dir.keep();
            panic!(
                "tor-testnet start failed ({}); logs kept in {}:\n{}",
                out.status,
                kept.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // The script's progress (shown with --nocapture or on failure): where the time went.
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        eprintln!("tor-testnet: network ready in {:.1?}", t.elapsed());
        let env = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        TorNet {
            dir: Some(dir),
            env,
        }
    }

    /// A `KEY=VALUE` the script printed (`SOCKS`, `SOCKS_NOAUTH`, `ONION_<SERVICE>`).
    pub fn get(&self, key: &str) -> &str {
        self.env
            .get(key)
            .unwrap_or_else(|| panic!("tor-testnet printed no {key}=: {:?}", self.env))
    }

    /// The network's folder (its `common.torrc`, each tor's state and log).
    pub fn path(&self) -> &Path {
        self.dir.as_ref().unwrap().path()
    }

    /// `tor-testnet stop`, which must succeed.
    pub fn stop(mut self) {
        let dir = self.dir.take().unwrap();
        let out = Command::new(script())
            .arg("stop")
            .arg(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "tor-testnet stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for TorNet {
    fn drop(&mut self) {
        let Some(dir) = self.dir.take() else { return };
        let out = Command::new(script())
            .arg("stop")
            .arg(dir.path())
            .stdin(Stdio::null())
            .output();
        let stopped = matches!(&out, Ok(o) if o.status.success());
        if std::thread::panicking() || !stopped {
            let kept = dir.keep();
            eprintln!(
                "tor-testnet: logs kept in {} (stop: {:?})",
                kept.display(),
                out.map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            );
        }
    }
}
