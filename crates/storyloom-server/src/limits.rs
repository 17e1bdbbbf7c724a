//! In-process sliding-window limiters for sign-up and sign-in (per client address, and failed
//! sign-ins per email).
//!
//! A sliding log rather than a token bucket because the contract wants exact
//! `X-RateLimit-Remaining`/`-Reset` headers: the log knows precisely when each counted attempt
//! leaves the window. Memory is bounded by the limit per key, and idle keys are swept.

use std::{
    collections::{HashMap, VecDeque},
    hash::Hash,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// The client address a chain of trusted proxies reported in `X-Forwarded-For`: the entry
/// `hops` from the right (1: the rightmost, appended by the proxy in front of us).
///
/// Each proxy appends the address it received the request from, so the rightmost `hops`
/// entries are the ones our proxies wrote; everything to their left came from the client,
/// who can write anything there (taking the leftmost let one client rotate it past every
/// per-address limit). `values` are the header's occurrences in order (several headers form
/// one list). `None` when the chain is shorter than `hops` or the entry is not an address:
/// the caller then uses the connection's peer, the nearest proxy.
pub fn forwarded_client<'a>(
    values: impl IntoIterator<Item = &'a str>,
    hops: usize,
) -> Option<IpAddr> {
    let entries: Vec<&str> = values
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let at = entries.len().checked_sub(hops.max(1))?;
    entries[at].parse().ok()
}

/// Outcome of asking a limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the attempt is allowed (and was counted).
    pub allowed: bool,
    /// The window's limit.
    pub limit: u32,
    /// Attempts left in the window after this one.
    pub remaining: u32,
    /// Seconds until the oldest counted attempt leaves the window.
    pub reset_after: Duration,
}

/// A keyed sliding-window limiter.
#[derive(Debug)]
pub struct SlidingWindow<K> {
    limit: u32,
    window: Duration,
    state: Mutex<State<K>>,
}

#[derive(Debug)]
struct State<K> {
    log: HashMap<K, VecDeque<Instant>>,
    calls: u64,
}

impl<K: Hash + Eq + Clone> SlidingWindow<K> {
    /// `limit` attempts per `window`.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            state: Mutex::new(State {
                log: HashMap::new(),
                calls: 0,
            }),
        }
    }

    fn with_log<R>(&self, key: &K, now: Instant, f: impl FnOnce(&mut VecDeque<Instant>) -> R) -> R {
        let mut st = match self.state.lock() {
            Ok(g) => g,
            // A panic while holding the lock cannot leave the log inconsistent in a way that
            // matters for rate limiting; keep serving.
            Err(poisoned) => poisoned.into_inner(),
        };
        st.calls += 1;
        if st.calls.is_multiple_of(1024) {
            let window = self.window;
            st.log
                .retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        let q = st.log.entry(key.clone()).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            q.pop_front();
        }
        f(q)
    }

    fn decision(&self, q: &VecDeque<Instant>, now: Instant, allowed: bool) -> Decision {
        let used = q.len() as u32;
        let reset_after = q
            .front()
            .map(|t| (*t + self.window).saturating_duration_since(now))
            .unwrap_or(self.window);
        Decision {
            allowed,
            limit: self.limit,
            remaining: self.limit.saturating_sub(used),
            reset_after,
        }
    }

    /// Count an attempt if the window has room.
    pub fn check(&self, key: &K) -> Decision {
        let now = Instant::now();
        self.with_log(key, now, |q| {
            let allowed = (q.len() as u32) < self.limit;
            if allowed {
                q.push_back(now);
            }
            self.decision(q, now, allowed)
        })
    }

    /// Whether the window has room, without counting.
    pub fn peek(&self, key: &K) -> Decision {
        let now = Instant::now();
        self.with_log(key, now, |q| {
            let allowed = (q.len() as u32) < self.limit;
            self.decision(q, now, allowed)
        })
    }

    /// Count an attempt unconditionally (e.g. a failure that already happened).
    pub fn record(&self, key: &K) {
        let now = Instant::now();
        self.with_log(key, now, |q| {
            q.push_back(now);
            // Keep memory bounded even if callers record past the limit.
            while q.len() > self.limit as usize {
                q.pop_front();
            }
        });
    }

    /// Forget a key (e.g. failures of an email after a successful sign-in).
    pub fn clear(&self, key: &K) {
        if let Ok(mut st) = self.state.lock() {
            st.log.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_client_is_the_entry_our_proxies_wrote() {
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        assert_eq!(forwarded_client(["1.1.1.1, 2.2.2.2"], 1), ip("2.2.2.2"));
        assert_eq!(
            forwarded_client(["1.1.1.1, 2.2.2.2, 3.3.3.3"], 2),
            ip("2.2.2.2")
        );
        assert_eq!(
            forwarded_client(["1.1.1.1", "2.2.2.2"], 1),
            ip("2.2.2.2"),
            "headers join"
        );
        assert_eq!(forwarded_client([" 2001:db8::1 "], 1), ip("2001:db8::1"));
        assert_eq!(
            forwarded_client(["2.2.2.2"], 2),
            None,
            "shorter than the chain"
        );
        assert_eq!(forwarded_client(["1.1.1.1, junk"], 1), None);
        assert_eq!(forwarded_client([], 1), None);
        assert_eq!(
            forwarded_client(["1.1.1.1, 2.2.2.2"], 0),
            ip("2.2.2.2"),
            "0 means 1"
        );
    }

    #[test]
    fn allows_up_to_limit_then_refuses() {
        let l = SlidingWindow::new(3, Duration::from_secs(60));
        let ds: Vec<_> = (0..4).map(|_| l.check(&"k")).collect();
        assert_eq!(ds.iter().filter(|d| d.allowed).count(), 3);
        assert_eq!(ds[2].remaining, 0);
        assert!(!ds[3].allowed);
        assert!(ds[3].reset_after > Duration::from_secs(58));
        assert!(l.check(&"other").allowed, "keys are independent");
    }

    #[test]
    fn window_slides() {
        let l = SlidingWindow::new(1, Duration::from_millis(30));
        assert!(l.check(&1).allowed);
        assert!(!l.check(&1).allowed);
        std::thread::sleep(Duration::from_millis(40));
        assert!(l.check(&1).allowed);
    }
}
