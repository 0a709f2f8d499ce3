//! A bounded, expiring, in-memory session store.
//!
//! tower-sessions' `MemoryStore` never removes anything, so a flood of visitors grows it without
//! end. This store holds at most `max` sessions: expired ones are dropped on sight and swept
//! whenever the store is full, and if it is still full the session closest to expiry is evicted.
//! Nothing is ever written to disk.

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
}

impl BoundedStore {
    pub fn new(max: usize) -> BoundedStore {
        BoundedStore {
            inner: Arc::new(Mutex::new(HashMap::new())),
            max: max.max(1),
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

    fn make_room(map: &mut HashMap<Id, Record>, max: usize) {
        if map.len() < max {
            return;
        }
        let now = OffsetDateTime::now_utc();
        map.retain(|_, r| r.expiry_date > now);
        while map.len() >= max {
            let Some(oldest) = map
                .iter()
                .min_by_key(|(_, r)| r.expiry_date)
                .map(|(id, _)| *id)
            else {
                break;
            };
            map.remove(&oldest);
        }
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

fn poisoned() -> session_store::Error {
    session_store::Error::Backend("session store lock poisoned".into())
}

#[async_trait]
impl SessionStore for BoundedStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let mut map = self.inner.lock().map_err(|_| poisoned())?;
        Self::make_room(&mut map, self.max);
        while map.contains_key(&record.id) {
            record.id = Id::default();
        }
        map.insert(record.id, record.clone());
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let mut map = self.inner.lock().map_err(|_| poisoned())?;
        if !map.contains_key(&record.id) {
            Self::make_room(&mut map, self.max);
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
        let store = BoundedStore::new(3);
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
}
