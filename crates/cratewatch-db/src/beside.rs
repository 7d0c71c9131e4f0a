//! Running a short helper task in parallel with the caller's own work, on another CPU.
//!
//! Linux keeps a newly created thread on its parent's CPU when it can (the parent is about to wait for
//! it, as far as the scheduler knows), and moves it to an idle CPU only at the next load-balancing
//! pass, about a millisecond later. A freshness check that takes about a millisecond would then share
//! one CPU with the work it should overlap, and gain nothing. So, where the process may use several
//! CPUs, the helper moves itself to the CPUs other than the caller's, and the caller stays on its own
//! until the helper is done; the caller's CPU set is restored afterwards. Elsewhere, or if any of this
//! fails, the two simply run as threads.

/// Runs `helper` on another thread, preferably on another CPU, while `work` runs here; returns
/// `work`'s result and whether `helper` finished without panicking.
pub(crate) fn run_beside<R: Send>(helper: impl FnOnce() + Send, work: impl FnOnce() -> R) -> (R, bool) {
    let placement = Placement::new();
    std::thread::scope(|scope| {
        let helper = scope.spawn(|| {
            if let Some(p) = &placement {
                p.move_helper();
            }
            helper();
        });
        if let Some(p) = &placement {
            p.hold_caller();
        }
        let result = work();
        let helped = helper.join().is_ok();
        if let Some(p) = &placement {
            p.release_caller();
        }
        (result, helped)
    })
}

#[cfg(target_os = "linux")]
struct Placement {
    allowed: rustix::thread::CpuSet,
    caller_cpu: usize,
}

#[cfg(target_os = "linux")]
impl Placement {
    /// The caller's CPU and the CPUs the process may use, if there is more than one.
    fn new() -> Option<Placement> {
        let allowed = rustix::thread::sched_getaffinity(None).ok()?;
        (allowed.count() > 1).then(|| Placement { allowed, caller_cpu: rustix::thread::sched_getcpu() })
    }

    fn others(&self) -> rustix::thread::CpuSet {
        let mut others = self.allowed;
        others.unset(self.caller_cpu);
        others
    }

    fn move_helper(&self) {
        let _ = rustix::thread::sched_setaffinity(None, &self.others());
    }

    fn hold_caller(&self) {
        let mut own = rustix::thread::CpuSet::new();
        own.set(self.caller_cpu);
        let _ = rustix::thread::sched_setaffinity(None, &own);
    }

    fn release_caller(&self) {
        let _ = rustix::thread::sched_setaffinity(None, &self.allowed);
    }
}

#[cfg(not(target_os = "linux"))]
struct Placement;

#[cfg(not(target_os = "linux"))]
impl Placement {
    fn new() -> Option<Placement> {
        None
    }

    fn move_helper(&self) {}

    fn hold_caller(&self) {}

    fn release_caller(&self) {}
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::run_beside;

    #[test]
    fn runs_both_and_returns_the_work() {
        let ran = AtomicUsize::new(0);
        let (result, helped) = run_beside(|| _ = ran.fetch_add(1, Ordering::SeqCst), || 42);
        assert_eq!((result, helped, ran.load(Ordering::SeqCst)), (42, true, 1));
    }

    #[test]
    fn restores_the_callers_cpus() {
        #[cfg(target_os = "linux")]
        {
            let before = rustix::thread::sched_getaffinity(None).unwrap();
            run_beside(|| (), || ());
            assert_eq!(rustix::thread::sched_getaffinity(None).unwrap(), before);
        }
    }

    #[test]
    fn reports_a_panicking_helper() {
        let (_, helped) = run_beside(|| panic!("helper failed"), || ());
        assert!(!helped);
    }
}
