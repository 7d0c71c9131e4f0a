//! `memcpy` and `memmove` for the static (musl) build of the auditor.
//!
//! The release auditor is linked statically against musl (`scripts/build-auditor.sh`), because glibc
//! spends close to a millisecond of every process start asking the CPU for its cache sizes (see
//! "Performance" in the README). musl's `memcpy` is written for size: it aligns the destination one
//! byte at a time, then moves eight bytes at a time with `rep movsq`, and finishes one byte at a time.
//! Rust calls `memcpy` for every string it copies and every large value it moves, mostly a few dozen
//! bytes each, and on those musl's version made a warm audit spend a fifth of its time copying.
//!
//! These two replace musl's: a single `rep movsb`, which x86-64 processors run as a fast string move
//! (ERMS, since 2012) and, on processors that report FSRM (since 2019), fast for short lengths too. The
//! linker takes the program's own definitions of a symbol before it looks in `libc.a`, so musl's
//! `memcpy.o` and `memmove.o` are never linked (musl's `memmove` calls into its `memcpy`, which is why
//! both are defined here). The glibc build keeps glibc's, which pick an implementation per processor.

use core::arch::asm;

/// Copies `n` bytes from `src` to `dest`, first byte first.
///
/// # Safety
/// `src` must be valid for reading and `dest` for writing `n` bytes; if the two ranges overlap, `dest`
/// must not lie inside `src`'s range after its start (a forward copy would read bytes it has already
/// overwritten).
#[inline]
pub(crate) unsafe fn copy_forward(dest: *mut u8, src: *const u8, n: usize) {
    // SAFETY: the caller's contract; `rep movsb` reads and writes exactly `n` bytes upwards from the
    // two pointers (the direction flag is clear, as the ABI requires on every call).
    unsafe {
        asm!("rep movsb", inout("rcx") n => _, inout("rdi") dest => _, inout("rsi") src => _,
            options(nostack, preserves_flags));
    }
}

/// Copies `n` bytes from `src` to `dest`, last byte first: the copy for a `dest` that overlaps the end
/// of `src`. Rare (inserting into the middle of a vector), and slower: processors have no fast
/// backward string move.
///
/// # Safety
/// `src` must be valid for reading and `dest` for writing `n` bytes.
#[inline]
pub(crate) unsafe fn copy_backward(dest: *mut u8, src: *const u8, n: usize) {
    if n == 0 {
        return;
    }
    // SAFETY: the caller's contract; with the direction flag set, `rep movsb` moves `n` bytes downwards
    // from the last byte of each range. The flag is cleared again before returning, as the ABI requires.
    unsafe {
        asm!("std", "rep movsb", "cld", inout("rcx") n => _, inout("rdi") dest.add(n - 1) => _,
            inout("rsi") src.add(n - 1) => _, options(nostack));
    }
}

/// C's `memcpy`: the ranges do not overlap.
///
/// # Safety
/// As C's `memcpy`.
#[cfg(target_env = "musl")]
#[unsafe(no_mangle)]
pub(crate) unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: C's contract for memcpy is copy_forward's, with no overlap at all.
    unsafe { copy_forward(dest, src, n) };
    dest
}

/// C's `memmove`: the ranges may overlap.
///
/// # Safety
/// As C's `memmove`.
#[cfg(target_env = "musl")]
#[unsafe(no_mangle)]
pub(crate) unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: both ranges are valid (C's contract); the direction is chosen so that no byte is read
    // after it was overwritten.
    unsafe { move_bytes(dest, src, n) };
    dest
}

/// `memmove`'s choice of direction: forward unless `dest` starts inside `src`'s range, after its start.
///
/// # Safety
/// `src` must be valid for reading and `dest` for writing `n` bytes.
#[inline]
pub(crate) unsafe fn move_bytes(dest: *mut u8, src: *const u8, n: usize) {
    let ahead = (dest as usize).wrapping_sub(src as usize);
    if ahead == 0 {
        return;
    }
    // SAFETY: the caller's contract; a destination at least `n` bytes after the source (or anywhere
    // before it, which wraps around to a large distance) reads every byte before writing over it.
    unsafe { if ahead >= n { copy_forward(dest, src, n) } else { copy_backward(dest, src, n) } }
}

#[cfg(test)]
mod tests {
    use super::{copy_forward, move_bytes};

    /// Every length from 0 to 300 at every alignment of both ends, against `copy_from_slice`.
    #[test]
    fn forward_copies_match_the_standard_library() {
        let source: Vec<u8> = (0..400u32).map(|i| (i * 7 + 3) as u8).collect();
        for offset in 0..16 {
            for len in 0..300 {
                let mut mine = vec![0xAAu8; 400];
                let mut theirs = mine.clone();
                // SAFETY: both ranges lie inside their vectors (offset + len < 400) and do not overlap.
                unsafe { copy_forward(mine.as_mut_ptr().add(offset), source.as_ptr().add(15 - offset), len) };
                theirs[offset..offset + len].copy_from_slice(&source[15 - offset..15 - offset + len]);
                assert_eq!(mine, theirs, "offset {offset}, length {len}");
            }
        }
    }

    /// Overlapping moves in both directions, and the degenerate ones (no move, empty move), against
    /// `copy_within`.
    #[test]
    fn overlapping_moves_match_the_standard_library() {
        let start: Vec<u8> = (0..512u32).map(|i| (i * 13 + 1) as u8).collect();
        for (src, dest) in [(100, 101), (101, 100), (100, 164), (164, 100), (0, 200), (200, 0), (50, 50)] {
            for len in [0, 1, 2, 7, 8, 9, 63, 64, 65, 200, 300] {
                let mut mine = start.clone();
                let mut theirs = start.clone();
                // SAFETY: both ranges lie inside the vector (at most 200 + 300 < 512).
                unsafe { move_bytes(mine.as_mut_ptr().add(dest), mine.as_ptr().add(src), len) };
                theirs.copy_within(src..src + len, dest);
                assert_eq!(mine, theirs, "from {src} to {dest}, length {len}");
            }
        }
    }
}
