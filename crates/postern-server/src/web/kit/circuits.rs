//! Per-circuit budgets (token buckets keyed by tor circuit id) with a hard cap on entries.
//!
//! Every circuit that logs in gets an entry, and an attacker with many circuits can make many:
//! the map is therefore bounded. When it is full, the entries whose bucket has refilled (the
//! same as no entry at all) go first; if none has, the least recently used goes. The circuit
//! being flooded is the most recently used, so eviction never gives a flood a fresh budget;
//! a circuit that was evicted starts again with a full one, as a new circuit would.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::listen::Circuit;

#[derive(Clone, Copy, Debug)]
struct Bucket {
    /// Tokens left at `last`.
    tokens: f64,
    last: Instant,
}

/// A token bucket per circuit: `burst` at once, then `per_second`.
pub struct CircuitBudgets {
    map: Mutex<HashMap<u32, Bucket>>,
    max_entries: usize,
    per_second: f64,
    burst: f64,
}

impl CircuitBudgets {
    pub fn new(per_second: u32, burst: u32, max_entries: usize) -> CircuitBudgets {
        CircuitBudgets {
            map: Mutex::new(HashMap::new()),
            max_entries: max_entries.max(1),
            per_second: f64::from(per_second.max(1)),
            burst: f64::from(burst.max(1)),
        }
    }

    /// Spends one token of `circuit`'s budget: false if it has none left.
    pub fn check(&self, circuit: Circuit) -> bool {
        self.check_at(circuit, Instant::now())
    }

    fn refilled(&self, b: &Bucket, now: Instant) -> f64 {
        let secs = now.saturating_duration_since(b.last).as_secs_f64();
        (b.tokens + secs * self.per_second).min(self.burst)
    }

    pub fn check_at(&self, circuit: Circuit, now: Instant) -> bool {
        let Ok(mut map) = self.map.lock() else {
            return false;
        };
        if let Some(b) = map.get(&circuit.0).copied() {
            let tokens = self.refilled(&b, now);
            let ok = tokens >= 1.0;
            let left = if ok { tokens - 1.0 } else { tokens };
            map.insert(
                circuit.0,
                Bucket {
                    tokens: left,
                    last: now,
                },
            );
            return ok;
        }
        if map.len() >= self.max_entries {
            self.evict(&mut map, now);
        }
        map.insert(
            circuit.0,
            Bucket {
                tokens: self.burst - 1.0,
                last: now,
            },
        );
        true
    }

    /// Makes room for one entry: the full buckets go, else the least recently used one.
    fn evict(&self, map: &mut HashMap<u32, Bucket>, now: Instant) {
        map.retain(|_, b| self.refilled(b, now) < self.burst);
        if map.len() < self.max_entries {
            return;
        }
        let oldest = map.iter().min_by_key(|(_, b)| b.last).map(|(k, _)| *k);
        if let Some(k) = oldest {
            map.remove(&k);
        }
    }

    /// Forgets the circuits whose budget has refilled (called every minute).
    pub fn forget_quiet(&self) {
        let now = Instant::now();
        if let Ok(mut map) = self.map.lock() {
            map.retain(|_, b| self.refilled(b, now) < self.burst);
            map.shrink_to_fit();
        }
    }

    /// Circuits with an entry now.
    pub fn len(&self) -> usize {
        self.map.lock().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How long a full budget takes to come back (for documentation and tests).
pub fn refill_time(per_second: u32, burst: u32) -> Duration {
    Duration::from_secs_f64(f64::from(burst.max(1)) / f64::from(per_second.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_circuit_gets_its_burst_then_its_rate() {
        let b = CircuitBudgets::new(1, 5, 16);
        let t = Instant::now();
        let c = Circuit(7);
        assert!((0..5).all(|_| b.check_at(c, t)), "the burst");
        assert!(!b.check_at(c, t), "then nothing");
        assert!(b.check_at(Circuit(8), t), "another circuit is unaffected");
        assert!(!b.check_at(c, t + Duration::from_millis(500)));
        assert!(
            b.check_at(c, t + Duration::from_millis(1600)),
            "one a second"
        );
        assert!(!b.check_at(c, t + Duration::from_millis(1700)));
    }

    #[test]
    fn the_map_is_capped_and_never_frees_the_flooded_circuit() {
        let cap = 64;
        let b = CircuitBudgets::new(1, 5, cap);
        let t = Instant::now();
        let flood = Circuit(1);
        assert!((0..5).all(|_| b.check_at(flood, t)));
        // 10,000 other circuits, each once, the flood trying between each: the map stays at
        // its cap, and the flood's empty budget is never replaced by a fresh one.
        for i in 0..10_000u32 {
            let now = t + Duration::from_micros(u64::from(i));
            assert!(b.check_at(Circuit(1000 + i), now), "a new circuit gets in");
            assert!(!b.check_at(flood, now), "the flood stays refused ({i})");
            assert!(b.len() <= cap, "{} entries", b.len());
        }
        // Once refilled, entries are forgotten.
        let later = t + refill_time(1, 5) + Duration::from_secs(1);
        let map = b.map.lock().unwrap();
        assert!(map.values().all(|x| b.refilled(x, later) >= b.burst));
    }

    #[test]
    fn full_buckets_go_before_recently_used_ones() {
        let b = CircuitBudgets::new(1, 2, 3);
        let t = Instant::now();
        // Circuit 1: quiet since t (refilled by t + 3 s). Circuits 2 and 3: busy at t + 3 s.
        assert!(b.check_at(Circuit(1), t));
        let t3 = t + Duration::from_secs(3);
        for c in [2, 3] {
            assert!(b.check_at(Circuit(c), t3));
            assert!(b.check_at(Circuit(c), t3));
            assert!(!b.check_at(Circuit(c), t3));
        }
        assert!(b.check_at(Circuit(4), t3));
        assert_eq!(b.len(), 3);
        // 2 and 3 kept their empty budgets.
        assert!(!b.check_at(Circuit(2), t3));
        assert!(!b.check_at(Circuit(3), t3));
    }
}
