//! Where "now" comes from. The workflow functions take `now` as an argument; the server and the
//! scheduler read it from a [`Clock`], so tests can move time instead of waiting.

use std::sync::{Arc, Mutex, PoisonError};

use jiff::{SignedDuration, Timestamp};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that only moves when told to. Clones share one time, so a test can keep a handle while the
/// code under test holds another.
#[derive(Clone, Debug)]
pub struct ManualClock {
    now: Arc<Mutex<Timestamp>>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: Timestamp) -> ManualClock {
        ManualClock { now: Arc::new(Mutex::new(start)) }
    }

    /// Moves the clock to `to`, forwards or backwards.
    pub fn set(&self, to: Timestamp) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = to;
    }

    /// Moves the clock by `by` (negative durations move it back).
    ///
    /// # Panics
    ///
    /// When the result is outside the range of [`Timestamp`].
    pub fn advance(&self, by: SignedDuration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now = now.checked_add(by).expect("manual clock moved outside the range of a timestamp");
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_time() {
        let start: Timestamp = "2026-11-22T09:00:00Z".parse().unwrap();
        let clock = ManualClock::new(start);
        let handle = clock.clone();
        handle.advance(SignedDuration::from_hours(25));
        assert_eq!(clock.now(), "2026-11-23T10:00:00Z".parse().unwrap());
        handle.advance(SignedDuration::from_secs(-3600));
        assert_eq!(clock.now(), "2026-11-23T09:00:00Z".parse().unwrap());
        clock.set(start);
        assert_eq!(handle.now(), start);
    }

    #[test]
    fn clocks_are_usable_as_trait_objects() {
        let clocks: Vec<Box<dyn Clock>> =
            vec![Box::new(SystemClock), Box::new(ManualClock::new(Timestamp::UNIX_EPOCH))];
        assert!(clocks[0].now() > "2020-01-01T00:00:00Z".parse().unwrap());
        assert_eq!(clocks[1].now(), Timestamp::UNIX_EPOCH);
    }
}
