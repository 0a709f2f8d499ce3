//! The systemd glue: listening sockets passed by socket activation, and the readiness message.
//!
//! The shipped units (`deploy/systemd/`) run `postern serve` with `PrivateNetwork=yes` and no
//! address family at all: the server cannot create a socket, it only accepts on the ones systemd
//! bound for it (`postern-source.socket`, `postern-journalist.socket`) and passed as file
//! descriptors (`LISTEN_FDS`, `LISTEN_PID`, `LISTEN_FDNAMES`). A config names them with
//! `listen = "systemd:source"`, after each socket unit's `FileDescriptorName=`.
//!
//! The environment is read once, before the async runtime starts threads (the crates that read
//! it also unset it), and the descriptors are then handed out by name, each at most once. Turning
//! a raw descriptor into a listener happens inside `listenfd`, which checks that it really is a
//! listening unix stream socket: this crate forbids `unsafe`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use anyhow::{Context, Result, bail};

/// The descriptors systemd passed to this process, by name.
struct Inherited {
    fds: listenfd::ListenFd,
    by_name: HashMap<String, usize>,
}

static INHERITED: OnceLock<Mutex<Inherited>> = OnceLock::new();

/// Most descriptors we accept from the environment (two interfaces; the rest is refused).
const MAX_FDS: usize = 16;

/// Reads `LISTEN_FDS`/`LISTEN_PID`/`LISTEN_FDNAMES` once. Call it before any thread starts;
/// later calls do nothing. Without socket activation there is simply nothing to take.
pub fn collect() {
    INHERITED.get_or_init(|| Mutex::new(read_env()));
}

fn read_env() -> Inherited {
    // `listenfd` checks LISTEN_PID and unsets LISTEN_FDS/LISTEN_PID; the names stay, so read
    // them first and drop them only if the counts agree.
    let names = std::env::var("LISTEN_FDNAMES").ok();
    let fds = listenfd::ListenFd::from_env();
    let by_name = names
        .as_deref()
        .map(|n| names_to_index(n, fds.len()))
        .unwrap_or_default();
    Inherited { fds, by_name }
}

/// Maps each name of `LISTEN_FDNAMES` (colon-separated, in descriptor order) to its index.
/// A count that does not match the descriptors, or a name given twice, yields nothing: better
/// to refuse to start than to serve one interface on the other's socket.
fn names_to_index(names: &str, count: usize) -> HashMap<String, usize> {
    let list: Vec<&str> = names.split(':').collect();
    if list.len() != count || count > MAX_FDS {
        return HashMap::new();
    }
    let mut map = HashMap::new();
    for (i, name) in list.into_iter().enumerate() {
        if map.insert(name.to_owned(), i).is_some() {
            return HashMap::new();
        }
    }
    map
}

/// Takes the listening unix socket that systemd passed under `name` (the socket unit's
/// `FileDescriptorName=`). Each name can be taken once.
pub fn take_unix_listener(name: &str) -> Result<std::os::unix::net::UnixListener> {
    collect();
    let Some(cell) = INHERITED.get() else {
        bail!("no socket named `{name}` was passed by systemd");
    };
    let mut inherited = cell
        .lock()
        .map_err(|_| anyhow::anyhow!("the inherited sockets are unavailable"))?;
    let Some(&index) = inherited.by_name.get(name) else {
        bail!(
            "no socket named `{name}` was passed by systemd (is `postern-{name}.socket` running, with FileDescriptorName={name}?)"
        );
    };
    let listener = inherited
        .fds
        .take_unix_listener(index)
        .with_context(|| format!("the socket `{name}` passed by systemd"))?;
    let Some(listener) = listener else {
        bail!("the socket `{name}` passed by systemd was already taken");
    };
    listener
        .set_nonblocking(true)
        .with_context(|| format!("the socket `{name}` passed by systemd"))?;
    Ok(listener)
}

/// Tells systemd the server is ready (`READY=1`), once every listener is bound. Outside
/// systemd (no `NOTIFY_SOCKET`) it does nothing.
pub fn notify_ready() {
    if let Err(e) = sd_notify::notify(false, &[sd_notify::NotifyState::Ready]) {
        tracing::warn!(error = %e, "could not notify systemd of readiness");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::names_to_index;

    #[test]
    fn names_map_to_descriptor_order() {
        let m = names_to_index("source:journalist", 2);
        assert_eq!(m.get("source"), Some(&0));
        assert_eq!(m.get("journalist"), Some(&1));
    }

    #[test]
    fn mismatched_or_duplicate_names_map_nothing() {
        assert!(names_to_index("source", 2).is_empty());
        assert!(names_to_index("source:journalist", 1).is_empty());
        assert!(names_to_index("source:source", 2).is_empty());
    }
}
