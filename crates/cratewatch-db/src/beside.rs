//! Running a short helper task in parallel with the caller's own work, on another CPU.
//!
//! Linux puts a newly created thread on its parent's CPU when it can (the parent is about to wait for
//! it, as far as the scheduler knows, and some virtual machines' kernels pack threads onto few CPUs on
//! purpose), and moves it to an idle CPU only at the next load-balancing pass, about a millisecond
//! later. A freshness check that takes about a millisecond would then share one CPU with the work it
//! should overlap, and gain nothing. So, where the process may use several CPUs, the caller moves the
//! helper to the CPUs other than its own before the helper first runs, and stays on its own CPU until
//! the helper is done; the caller's CPU set is restored afterwards. (A thread that is waiting to run is
//! moved at once; a running thread that moves itself waits for the kernel's migration thread on its
//! old CPU, which is the caller's, busy with the work: measured, the helper then started 0.35–0.75 ms
//! after it was created, instead of at once.) Elsewhere, or if any of this fails, the two simply run
//! as threads.

use std::thread::JoinHandle;

/// Runs `helper` on another thread, preferably on another CPU, while `work` runs here; returns
/// `work`'s result and whether `helper` finished without panicking. Should the thread not start,
/// `helper` runs here after `work`.
pub(crate) fn run_beside<R>(helper: impl Fn() + Sync, work: impl FnOnce() -> R) -> (R, bool) {
    let placement = Placement::new();
    let helper = &helper;
    // SAFETY: the thread borrows `helper` (and what it borrows), which live until this function
    // returns; `Joined` joins the thread before that, when `work` returns and when it unwinds.
    #[expect(unsafe_code, reason = "a thread whose handle can be placed on a CPU before it runs")]
    let spawned = unsafe { std::thread::Builder::new().spawn_unchecked(helper) };
    let mut thread = Joined(spawned.ok());
    if let (Some(p), Some(handle)) = (&placement, &thread.0) {
        p.move_helper(handle);
        p.hold_caller();
    }
    let result = work();
    let helped = match thread.0.take() {
        Some(handle) => handle.join().is_ok(),
        None => std::panic::catch_unwind(std::panic::AssertUnwindSafe(helper)).is_ok(),
    };
    if let Some(p) = &placement {
        p.release_caller();
    }
    (result, helped)
}

/// Joins the helper thread when dropped, so that it never outlives what it borrows.
struct Joined(Option<JoinHandle<()>>);

impl Drop for Joined {
    fn drop(&mut self) {
        if let Some(handle) = self.0.take() {
            let _ = handle.join();
        }
    }
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

    /// Moves the helper to the CPUs other than the caller's (a failure leaves it where it is).
    fn move_helper(&self, handle: &JoinHandle<()>) {
        use std::os::unix::thread::JoinHandleExt;
        let others = (0..rustix::thread::CpuSet::MAX_CPU).filter(|&c| c != self.caller_cpu && self.allowed.is_set(c));
        #[expect(unsafe_code, reason = "pthread_setaffinity_np on a thread this process started")]
        // SAFETY: `cpu_set_t` is plain bits, valid when zeroed; CPU_SET is given CPU numbers below the
        // set's size; the thread is not joined yet, so its pthread_t is valid.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            for cpu in others.take_while(|&c| c < 8 * std::mem::size_of::<libc::cpu_set_t>()) {
                libc::CPU_SET(cpu, &mut set);
            }
            // std gives the handle as an integer; musl's pthread_t is a pointer.
            #[cfg(target_env = "musl")]
            let thread = handle.as_pthread_t() as usize as libc::pthread_t;
            #[cfg(not(target_env = "musl"))]
            let thread = handle.as_pthread_t();
            libc::pthread_setaffinity_np(thread, std::mem::size_of_val(&set), &set);
        }
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

    fn move_helper(&self, _: &JoinHandle<()>) {}

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

    /// With several CPUs allowed, the helper runs on none but the others, from its first instruction,
    /// and the caller stays on its own while the work runs.
    #[test]
    fn places_the_helper_on_another_cpu() {
        #[cfg(target_os = "linux")]
        {
            if rustix::thread::sched_getaffinity(None).unwrap().count() < 2 {
                return;
            }
            let seen = std::sync::Mutex::new(Vec::new());
            let helper = || {
                let affinity = rustix::thread::sched_getaffinity(None).unwrap();
                seen.lock().unwrap().push((rustix::thread::sched_getcpu(), affinity));
            };
            let work = || {
                let cpu = rustix::thread::sched_getcpu();
                // Long enough for the scheduler to have moved a caller that was not held.
                let until = std::time::Instant::now() + std::time::Duration::from_millis(20);
                while std::time::Instant::now() < until {
                    std::hint::spin_loop();
                }
                (cpu, rustix::thread::sched_getcpu(), rustix::thread::sched_getaffinity(None).unwrap())
            };
            let ((before, after, held), helped) = run_beside(helper, work);
            assert!(helped);
            assert_eq!((before, held.count()), (after, 1), "the caller stays on its CPU");
            let seen = seen.into_inner().unwrap();
            let (helper_cpu, helper_affinity) = &seen[0];
            assert_ne!(*helper_cpu, before, "the helper ran on the caller's CPU");
            assert!(!helper_affinity.is_set(before), "the helper may run on the caller's CPU");
        }
    }

    #[test]
    fn reports_a_panicking_helper() {
        let (_, helped) = run_beside(|| panic!("helper failed"), || ());
        assert!(!helped);
    }
}
