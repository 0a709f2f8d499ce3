//! A bounded, expiring, in-memory session store.
//!
//! tower-sessions' `MemoryStore` never removes anything, so a flood of visitors grows it without
//! end. This store holds at most `max` sessions: expired ones are dropped on sight and swept
//! whenever the store is full, and if it is still full the anonymous session closest to expiry
//! is evicted. An authenticated session (one that holds the store's `auth_key`) is never evicted
//! to make room for an anonymous one: when only authenticated sessions are left, a new anonymous
//! session is refused (the visitor gets an error page), and only a new login may evict the
//! authenticated session closest to expiry. Nothing is ever written to disk.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

#[derive(Clone, Debug)]
pub struct BoundedStore {
    inner: Arc<Mutex<HashMap<Id, Record>>>,
    max: usize,
    /// The session key that marks an authenticated session.
    auth_key: &'static str,
}

impl BoundedStore {
    /// A store of at most `max` sessions; those holding `auth_key` are authenticated.
    pub fn new(max: usize, auth_key: &'static str) -> BoundedStore {
        BoundedStore {
            inner: Arc::new(Mutex::new(HashMap::new())),
            max: max.max(1),
            auth_key,
        }
    }

    /// Sessions currently held (for tests and metrics).
    pub fn len(&self) -> usize {
        self.inner.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Whether no session is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes room for `record`, or says there is none.
    fn make_room(&self, map: &mut HashMap<Id, Record>, record: &Record) -> bool {
        if map.len() < self.max {
            return true;
        }
        let now = OffsetDateTime::now_utc();
        map.retain(|_, r| r.expiry_date > now);
        let authenticated = record.data.contains_key(self.auth_key);
        while map.len() >= self.max {
            let anonymous = map
                .iter()
                .filter(|(_, r)| !r.data.contains_key(self.auth_key))
                .min_by_key(|(_, r)| r.expiry_date)
                .map(|(id, _)| *id);
            let victim = match anonymous {
                Some(id) => id,
                None if authenticated => match map.iter().min_by_key(|(_, r)| r.expiry_date) {
                    Some((id, _)) => *id,
                    None => return true,
                },
                None => return false,
            };
            map.remove(&victim);
        }
        true
    }
}

/// Whether the request carried a cookie named `name` (so a missing session means it expired).
pub fn had_cookie(headers: &axum::http::HeaderMap, name: &str) -> bool {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(';').any(|c| {
                c.trim()
                    .strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with('='))
            })
        })
}

fn full() -> session_store::Error {
    session_store::Error::Backend("the session store is full of logged-in sessions".into())
}

fn poisoned() -> session_store::Error {
    session_store::Error::Backend("session store lock poisoned".into())
}

#[async_trait]
impl SessionStore for BoundedStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let mut map = self.inner.lock().map_err(|_| poisoned())?;
        if !self.make_room(&mut map, record) {
            return Err(full());
        }
        while map.contains_key(&record.id) {
            record.id = Id::default();
        }
        map.insert(record.id, record.clone());
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let mut map = self.inner.lock().map_err(|_| poisoned())?;
        if !map.contains_key(&record.id) && !self.make_room(&mut map, record) {
            return Err(full());
        }
        map.insert(record.id, record.clone());
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let mut map = self.inner.lock().map_err(|_| poisoned())?;
        match map.get(id) {
            Some(r) if r.expiry_date > OffsetDateTime::now_utc() => Ok(Some(r.clone())),
            Some(_) => {
                map.remove(id);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let mut map = self.inner.lock().map_err(|_| poisoned())?;
        map.remove(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(secs: i64) -> Record {
        Record {
            id: Id::default(),
            data: Default::default(),
            expiry_date: OffsetDateTime::now_utc() + time::Duration::seconds(secs),
        }
    }

    #[tokio::test]
    async fn bounded_and_expiring() {
        let store = BoundedStore::new(3, "auth");
        let mut expired = record(-1);
        store.create(&mut expired).await.unwrap();
        assert!(store.load(&expired.id).await.unwrap().is_none());
        let mut ids = Vec::new();
        for i in 0..10 {
            let mut r = record(100 + i);
            store.create(&mut r).await.unwrap();
            ids.push(r.id);
            assert!(store.len() <= 3);
        }
        // The three that expire last survive.
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(store.load(id).await.unwrap().is_some(), i >= 7, "{i}");
        }
    }

    #[tokio::test]
    async fn anonymous_sessions_never_evict_authenticated_ones() {
        let store = BoundedStore::new(3, "auth");
        let mut signed = Vec::new();
        for i in 0..2 {
            let mut r = record(10 + i);
            r.data.insert("auth".into(), serde_json::json!("x"));
            store.create(&mut r).await.unwrap();
            signed.push(r.id);
        }
        // A flood of anonymous sessions, expiring later than the signed-in ones: they evict
        // each other, never a signed-in one.
        for i in 0..50 {
            let mut r = record(1000 + i);
            store.create(&mut r).await.unwrap();
        }
        for id in &signed {
            assert!(store.load(id).await.unwrap().is_some());
        }
        // Full of signed-in sessions: an anonymous one is refused, a login still gets in.
        let mut third = record(20);
        third.data.insert("auth".into(), serde_json::json!("y"));
        store.create(&mut third).await.unwrap();
        assert!(store.create(&mut record(5000)).await.is_err());
        let mut fourth = record(30);
        fourth.data.insert("auth".into(), serde_json::json!("z"));
        store.create(&mut fourth).await.unwrap();
        assert!(store.load(&fourth.id).await.unwrap().is_some());
        assert_eq!(store.len(), 3);
    }
}
