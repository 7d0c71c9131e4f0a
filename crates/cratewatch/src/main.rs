//! The `cratewatch` command: parses arguments and hands over to the libraries.
//!
//! Exit codes: 0 clean, 1 findings (vulnerabilities, denied warnings, or diagnostics for `db check`),
//! 2 error.

mod audit_config;
mod built;
mod cli;
mod cmd_audit;
mod cmd_db;
mod cmd_osv;
mod cmd_service;
mod duration;
#[cfg(all(target_arch = "x86_64", any(test, target_env = "musl")))]
#[expect(unsafe_code, reason = "memcpy and memmove for the static build, in inline assembly")]
mod fast_copy;
mod fixes;
mod output;
mod paths;
mod remote;
mod render;

use std::process::ExitCode;

use clap::Parser;

/// The static (musl) build's allocator. musl's own is built for size and hardening rather than speed:
/// with it (and musl's `memcpy`), a warm audit's lockfile parse took 2.1 ms instead of glibc's 1.7 and
/// the advisory lookup 1.75 ms instead of 1.1. Transparent huge pages are off (`no_thp`): a short run
/// that touches a few megabytes would pay for zeroing whole 2 MiB pages.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Before the arguments are parsed, so that clap's allocations land in the faulted-in heap too (an
    // audit then takes 289 page faults rather than 328); `serve`, `reach` and `user` pay for it once,
    // well under a millisecond, before they are handed to the service.
    keep_memory();
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Audit(args) => end_now(cmd_audit::run(*args)),
        cli::Command::Serve(forward) => cmd_service::forward("serve", forward.args),
        cli::Command::User(forward) => cmd_service::forward("user", forward.args),
        cli::Command::Osv { command: cli::OsvCommand::Export(args) } => cmd_osv::export(args),
        cli::Command::Db { command: cli::DbCommand::Check(args) } => cmd_db::check(args),
        cli::Command::Reach(forward) => cmd_service::forward("reach", forward.args),
    };
    result.unwrap_or_else(|err| ExitCode::from(failed(&err)))
}

/// Says why a command failed, on one line; its exit code.
fn failed(err: &anyhow::Error) -> u8 {
    output::error_line(err);
    2
}

/// Ends the process with the result of an audit, without the exit handlers. The allocator's would give
/// its pages back to the kernel a block at a time (about sixty `madvise` calls, each a TLB shootdown on
/// the other CPU), which the kernel is about to do anyway (1–3% of a warm audit). Everything an audit
/// writes is written by now (its output is flushed as it is written; standard error is unbuffered),
/// locks are released by the kernel, and nothing an audit creates is removed on drop.
fn end_now(result: anyhow::Result<u8>) -> ! {
    use std::io::Write;
    let code = i32::from(result.unwrap_or_else(|err| failed(&err)));
    let _ = std::io::stdout().lock().flush();
    #[cfg(unix)]
    {
        #[expect(unsafe_code, reason = "_exit, to skip the exit handlers")]
        // SAFETY: `_exit` takes a plain integer and does not return; nothing that runs after this point
        // is needed (see above).
        unsafe {
            libc::_exit(code)
        }
    }
    #[cfg(not(unix))]
    std::process::exit(code)
}

/// An audit is a short run that allocates a few large blocks (the lockfile's text, the parsed entries,
/// the decoded advisories) and frees some of them on the way. glibc gives blocks over 128 KiB their own
/// mapping and returns it at once: every such block then costs two system calls, fresh zeroed pages
/// faulted in one at a time, and a TLB shootdown on the other CPU (where the freshness check runs)
/// when it is unmapped. Kept in the main heap instead, a freed block's pages are reused by the next
/// allocation. The heap's first megabyte is also faulted in with one system call rather than one page
/// fault per page (a page fault costs about a microsecond on a virtual machine, and an audit touches a
/// few hundred pages). Memory is given back when the process ends, a few milliseconds later.
fn keep_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // glibc's largest mmap threshold (32 MiB on 64-bit targets): larger blocks are still mapped.
        const MAPPED_ABOVE: libc::c_int = 32 << 20;
        const WARM: usize = 1 << 20;
        const PAGE: usize = 4096;
        #[expect(unsafe_code, reason = "mallopt, malloc and madvise on a block this function owns")]
        // SAFETY: called before any other thread exists; mallopt takes plain integers; the block is
        // allocated here, only advised (its contents are not read), and freed here.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MAPPED_ABOVE);
            libc::mallopt(libc::M_TRIM_THRESHOLD, MAPPED_ABOVE);
            let block = libc::malloc(WARM);
            if !block.is_null() {
                let start = (block as usize).next_multiple_of(PAGE);
                let end = (block as usize + WARM) / PAGE * PAGE;
                // Fails on kernels before 5.14: the pages are then faulted in as they are used.
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_POPULATE_WRITE);
                libc::free(block);
            }
        }
    }
}
