//! Nothing half-written survives an interrupt.
//!
//! Three layers, so that each way of stopping is covered:
//!
//! - extracted files are written to unnamed temporaries (`O_TMPFILE`, see `dest`), which the
//!   kernel frees however the process ends, SIGKILL included;
//! - SIGINT and SIGTERM are caught by a thread that removes what is staged under a name (the
//!   store's `tmp/`, a named fallback temporary in a destination folder) and then exits with the
//!   conventional status (130, 143);
//! - every command that opens the store first takes the home's lock and sweeps the store
//!   (`Spool::sweep`): whatever a SIGKILL or a power cut left staged is removed before anything
//!   else runs.
//!
//! The handler is installed only once the passphrase was read (a signal at the prompt keeps its
//! default action, which restores the terminal).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Folders whose every file is ours to remove on a signal (the store's `tmp/`, under the lock).
static FOLDERS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Single files to remove on a signal.
static FILES: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

/// Removes every file in `dir` on SIGINT or SIGTERM.
pub fn empty_on_signal(dir: &Path) {
    if let Ok(mut f) = FOLDERS.lock() {
        f.push(dir.to_path_buf());
    }
}

/// Removes `path` on SIGINT or SIGTERM, until [`forget`] is called.
pub fn remove_on_signal(path: &Path) {
    if let Ok(mut f) = FILES.lock() {
        f.get_or_insert_with(HashSet::new)
            .insert(path.to_path_buf());
    }
}

/// `path` was removed or given its final name.
pub fn forget(path: &Path) {
    if let Ok(mut f) = FILES.lock()
        && let Some(set) = f.as_mut()
    {
        set.remove(path);
    }
}

/// Starts the thread that cleans up on SIGINT and SIGTERM. Idempotent.
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
            return; // the store sweep of the next command still removes what is left
        };
        std::thread::spawn(move || {
            if let Some(sig) = signals.forever().next() {
                clean();
                eprintln!("postern-review: interrupted; nothing half-written was kept");
                std::process::exit(128 + sig);
            }
        });
    });
}

fn clean() {
    // Take the locks and never give them back: nothing may register anything new now.
    let files = FILES.lock();
    if let Ok(files) = &files
        && let Some(set) = files.as_ref()
    {
        for p in set {
            let _ = std::fs::remove_file(p);
        }
    }
    let folders = FOLDERS.lock();
    if let Ok(folders) = &folders {
        for dir in folders.iter() {
            if let Ok(list) = std::fs::read_dir(dir) {
                for e in list.flatten() {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
    std::mem::forget(files);
    std::mem::forget(folders);
}
