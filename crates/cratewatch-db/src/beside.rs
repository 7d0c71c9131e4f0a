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

use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant};

/// Runs `helper` on another thread, preferably on another CPU, while `work` runs here; returns
/// `work`'s result and whether `helper` finished without panicking. The thread is the one
/// [`stand_by`] started, if this thread did and it is still waiting, else a new one. Should no thread
/// start, `helper` runs here after `work`.
pub(crate) fn run_beside<R>(helper: impl Fn() + Sync, work: impl FnOnce() -> R) -> (R, bool) {
    let helper: &(dyn Fn() + Sync) = &helper;
    if let Some(standby) = take_standby() {
        return standby.run(helper, work);
    }
    let placement = Placement::new();
    // SAFETY: the thread borrows `helper` (and what it borrows), which live until this function
    // returns; `Joined` joins the thread before that, when `work` returns and when it unwinds.
    #[expect(unsafe_code, reason = "a thread whose handle can be placed on a CPU before it runs")]
    let spawned = unsafe { std::thread::Builder::new().spawn_unchecked(helper) };
    let mut thread = Joined(spawned.ok());
    if let (Some(p), Some(handle)) = (&placement, &thread.0) {
        p.move_helper(handle);
        p.hold_caller();
    }
    finish(thread.0.take(), helper, work, placement.as_ref())
}

/// Runs `work`, then waits for the helper thread (or, without one, runs `helper` here).
fn finish<R>(
    thread: Option<JoinHandle<()>>,
    helper: &(dyn Fn() + Sync),
    work: impl FnOnce() -> R,
    placement: Option<&Placement>,
) -> (R, bool) {
    let mut thread = Joined(thread);
    let result = work();
    let helped = match thread.0.take() {
        Some(handle) => handle.join().is_ok(),
        None => std::panic::catch_unwind(std::panic::AssertUnwindSafe(helper)).is_ok(),
    };
    if let Some(p) = placement {
        p.release_caller();
    }
    (result, helped)
}

/// How long a standing-by helper spins for its task before it sleeps. A warm audit hands it over
/// about 0.1–0.2 ms after it starts; a sleeping thread on an idle CPU takes 0.1–0.2 ms to wake on a
/// virtual machine (the CPU halts, and the host must run it again). Not longer: when the host runs
/// this VM's CPUs on fewer of its own, a spinning thread takes time from the caller (hand-overs were
/// seen 2 ms late, the whole spin, with a longer one).
const SPIN: Duration = Duration::from_micros(500);

/// Starts, ahead of time, the thread that the next freshness check of this thread
/// ([`CompiledDb::open_with`](crate::CompiledDb::open_with)) will run on, on a CPU other than this
/// one, where it waits for its task (spinning for up to 0.5 ms, then asleep); this thread
/// stays on its own CPU until the task is done or [`cancel_standby`] is called (threads and processes
/// it starts meanwhile inherit that). A new thread takes 0.15–0.25 ms to run on another, idle CPU;
/// started before the caller's remaining set-up (opening the cache), it is running by the time its
/// task comes. Started only by the audit command, which checks a cache's freshness once per run;
/// unused, it ends with the process or when [`cancel_standby`] is called.
pub fn stand_by() {
    let mut slot = STANDBY.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if slot.is_none() {
        *slot = Standby::start();
    }
}

/// Ends the thread [`stand_by`] started, if it is still waiting (before work that needs every CPU).
pub fn cancel_standby() {
    drop(take_standby());
}

static STANDBY: Mutex<Option<Standby>> = Mutex::new(None);

fn take_standby() -> Option<Standby> {
    let mut slot = STANDBY.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    match slot.take() {
        Some(standby) if standby.caller == std::thread::current().id() => Some(standby),
        other => {
            *slot = other;
            None
        }
    }
}

/// A helper thread waiting for its task.
struct Standby {
    /// The thread and where its task goes; taken by `run`, so that dropping an unused standby ends it.
    thread: Option<(JoinHandle<()>, Arc<AtomicPtr<()>>)>,
    caller: ThreadId,
    placement: Option<Placement>,
}

/// What `Standby::task` holds to tell the thread to end without a task.
const QUIT: *mut () = std::ptr::dangling_mut();

impl Standby {
    fn start() -> Option<Standby> {
        let task = Arc::new(AtomicPtr::new(std::ptr::null_mut()));
        let waiting = Arc::clone(&task);
        let handle = std::thread::Builder::new().spawn(move || wait_for_task(&waiting)).ok()?;
        // The caller is held on its CPU from now on, not only once the task is handed over: a caller
        // left free was seen reaching the hand-over 1.6-2.4 ms late, once after moving onto the CPU
        // where the helper spins (on a kernel that packs threads onto few CPUs).
        let placement = Placement::new();
        if let Some(p) = &placement {
            p.move_helper(&handle);
            p.hold_caller();
        }
        Some(Standby { thread: Some((handle, task)), caller: std::thread::current().id(), placement })
    }

    fn run<R>(mut self, helper: &(dyn Fn() + Sync), work: impl FnOnce() -> R) -> (R, bool) {
        let Some((handle, task)) = self.thread.take() else { return finish(None, helper, work, None) };
        // `finish` releases the caller, held since `start`.
        let placement = self.placement.take();
        let reference: &(dyn Fn() + Sync) = helper;
        let pointer = std::ptr::from_ref(&reference).cast_mut().cast::<()>();
        // The thread borrows `reference` (and through it `helper`) from here until it ends: `finish`
        // joins it before this function returns, when `work` returns and when it unwinds.
        task.store(pointer, Ordering::Release);
        handle.thread().unpark();
        finish(Some(handle), helper, work, placement.as_ref())
    }
}

impl Drop for Standby {
    fn drop(&mut self) {
        if let Some((handle, task)) = self.thread.take() {
            task.store(QUIT, Ordering::Release);
            handle.thread().unpark();
        }
        if let Some(p) = self.placement.take() {
            p.release_caller();
        }
    }
}

/// The standing-by thread: waits for a task, runs it, and ends.
fn wait_for_task(task: &AtomicPtr<()>) {
    let until = Instant::now() + SPIN;
    let mut spins = 0u32;
    loop {
        let pointer = task.load(Ordering::Acquire);
        if pointer == QUIT {
            return;
        }
        if !pointer.is_null() {
            // SAFETY: `Standby::run` stored a pointer to a `&(dyn Fn() + Sync)` that stays alive until
            // this thread is joined, after this call returns.
            #[expect(unsafe_code, reason = "a task lent across threads until the thread is joined")]
            let helper = unsafe { *pointer.cast::<&(dyn Fn() + Sync)>() };
            helper();
            return;
        }
        spins = spins.wrapping_add(1);
        if !spins.is_multiple_of(64) || Instant::now() < until {
            std::hint::spin_loop();
        } else {
            std::thread::park();
        }
    }
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

    /// A helper started ahead of time runs the next task of the thread that started it, on a CPU
    /// other than the caller's; a panic in it is reported.
    #[test]
    fn a_standing_by_helper_takes_the_next_task() {
        let _serial = STANDBY_TESTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let before = affinity();
        super::stand_by();
        assert!(standing_by_for_this_thread());
        if several_cpus() {
            assert_eq!(affinity().map(|a| a.len()), Some(1), "the caller is held on its CPU while the helper waits");
        }
        let ran = std::sync::Mutex::new(None);
        let helper = || *ran.lock().unwrap() = Some((std::thread::current().id(), current_cpu()));
        let ((caller, cpu), helped) = run_beside(helper, || (std::thread::current().id(), current_cpu()));
        assert!(helped);
        let (helper_thread, helper_cpu) = ran.into_inner().unwrap().expect("the helper ran");
        assert_ne!(helper_thread, caller);
        if several_cpus() {
            assert_ne!(helper_cpu, cpu, "the helper ran on the caller's CPU");
        }
        assert!(super::take_standby().is_none(), "the standby was used");
        assert_eq!(affinity(), before, "the caller's CPUs are restored");

        super::stand_by();
        let (_, helped) = run_beside(|| panic!("helper failed"), || ());
        assert!(!helped);
    }

    /// Another thread's standby is neither used nor ended by this thread's tasks.
    #[test]
    fn a_standby_belongs_to_its_thread() {
        let _serial = STANDBY_TESTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (started, go) = (std::sync::Barrier::new(2), std::sync::Barrier::new(2));
        std::thread::scope(|scope| {
            let other = scope.spawn(|| {
                let before = affinity();
                super::stand_by();
                started.wait();
                go.wait();
                let kept = standing_by_for_this_thread();
                let held = affinity();
                super::cancel_standby();
                assert!(!standing_by_for_this_thread());
                kept && (held.map(|h| h.len()) == Some(1)) == several_cpus() && affinity() == before
            });
            started.wait();
            let (result, helped) = run_beside(|| (), || 7);
            go.wait();
            assert_eq!((result, helped), (7, true));
            assert!(other.join().unwrap(), "this thread's task took the other thread's standby");
        });
    }

    /// The standby slot is one for the process: the tests that use it take turns.
    static STANDBY_TESTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn standing_by_for_this_thread() -> bool {
        let slot = super::STANDBY.lock().unwrap();
        slot.as_ref().is_some_and(|s| s.caller == std::thread::current().id())
    }

    /// The CPUs this thread may run on (Linux).
    fn affinity() -> Option<Vec<usize>> {
        #[cfg(target_os = "linux")]
        {
            let set = rustix::thread::sched_getaffinity(None).ok()?;
            Some((0..rustix::thread::CpuSet::MAX_CPU).filter(|&c| set.is_set(c)).collect())
        }
        #[cfg(not(target_os = "linux"))]
        None
    }

    fn current_cpu() -> usize {
        #[cfg(target_os = "linux")]
        return rustix::thread::sched_getcpu();
        #[cfg(not(target_os = "linux"))]
        0
    }

    fn several_cpus() -> bool {
        #[cfg(target_os = "linux")]
        return rustix::thread::sched_getaffinity(None).unwrap().count() > 1;
        #[cfg(not(target_os = "linux"))]
        false
    }

    #[test]
    fn reports_a_panicking_helper() {
        let (_, helped) = run_beside(|| panic!("helper failed"), || ());
        assert!(!helped);
    }
}
