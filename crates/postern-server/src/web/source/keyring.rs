//! The reply identities of logged-in sources, in memory only.
//!
//! At login the codename yields the source's reply identity; the server keeps it here, under a
//! random handle that the session stores, so that the source's replies can be opened while it is
//! logged in. It never reaches disk, a cookie, the session store or a log. Entries go at logout,
//! after the session's idle time, or when the ring is full (the longest-idle first); a reply
//! identity (hybrid and classical halves) zeroises its secrets when dropped (see
//! `postern_spool::derive::ReplyIdentity`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use postern_spool::derive::ReplyIdentity;

struct Entry {
    identity: ReplyIdentity,
    last_used: Instant,
}

pub struct Keyring {
    inner: Mutex<HashMap<[u8; 32], Entry>>,
    max: usize,
    idle: Duration,
}

impl Keyring {
    pub fn new(max: usize, idle: Duration) -> Keyring {
        Keyring {
            inner: Mutex::new(HashMap::new()),
            max: max.max(1),
            idle,
        }
    }

    /// Keeps `identity` and returns its new handle (64 hex digits).
    pub fn insert(&self, identity: ReplyIdentity) -> Option<String> {
        let mut handle = [0u8; 32];
        rand::Rng::fill_bytes(&mut rand::rng(), &mut handle);
        let mut map = self.inner.lock().ok()?;
        let now = Instant::now();
        map.retain(|_, e| now.duration_since(e.last_used) < self.idle);
        while map.len() >= self.max {
            let oldest = map
                .iter()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(h, _)| *h)?;
            map.remove(&oldest);
        }
        map.insert(
            handle,
            Entry {
                identity,
                last_used: now,
            },
        );
        Some(hex::encode(handle))
    }

    /// Runs `f` with the identity under `handle`, if it is still there and not idle too long.
    pub fn with<T>(&self, handle: &str, f: impl FnOnce(&ReplyIdentity) -> T) -> Option<T> {
        let key = parse_handle(handle)?;
        let mut map = self.inner.lock().ok()?;
        let now = Instant::now();
        let fresh = map
            .get(&key)
            .is_some_and(|e| now.duration_since(e.last_used) < self.idle);
        if !fresh {
            map.remove(&key);
            return None;
        }
        let entry = map.get_mut(&key)?;
        entry.last_used = now;
        Some(f(&entry.identity))
    }

    /// Forgets the identity under `handle` (logout).
    pub fn remove(&self, handle: &str) {
        if let (Some(key), Ok(mut map)) = (parse_handle(handle), self.inner.lock()) {
            map.remove(&key);
        }
    }

    /// Forgets every identity idle for too long; returns how many are left.
    pub fn prune(&self) -> usize {
        let Ok(mut map) = self.inner.lock() else {
            return 0;
        };
        let now = Instant::now();
        map.retain(|_, e| now.duration_since(e.last_used) < self.idle);
        map.len()
    }
}

fn parse_handle(handle: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(handle, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_idle_and_removable() {
        let ring = Keyring::new(2, Duration::from_secs(60));
        let a = ReplyIdentity::generate(&mut rand::rng());
        let a_pub = a.hybrid().to_public();
        let ha = ring.insert(a).unwrap();
        assert_eq!(ring.with(&ha, |i| i.hybrid().to_public()), Some(a_pub));
        let hb = ring
            .insert(ReplyIdentity::generate(&mut rand::rng()))
            .unwrap();
        std::thread::sleep(Duration::from_millis(5));
        // Touch a, so b is the longest idle when a third arrives.
        assert!(ring.with(&ha, |_| ()).is_some());
        let hc = ring
            .insert(ReplyIdentity::generate(&mut rand::rng()))
            .unwrap();
        assert!(ring.with(&hb, |_| ()).is_none());
        assert!(ring.with(&ha, |_| ()).is_some());
        ring.remove(&hc);
        assert!(ring.with(&hc, |_| ()).is_none());
        assert!(ring.with("not hex", |_| ()).is_none());
        // Idle expiry.
        let short = Keyring::new(4, Duration::from_millis(1));
        let h = short
            .insert(ReplyIdentity::generate(&mut rand::rng()))
            .unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert!(short.with(&h, |_| ()).is_none());
        assert_eq!(short.prune(), 0);
    }
}
