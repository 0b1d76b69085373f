//! Keeping the server's resident memory near what it uses (SPEC: ≤ 100 MB at 100,000
//! people). glibc's malloc gives threads arenas of their own (up to eight per core) and
//! keeps what is freed in them for reuse: after one 100,000-row import the server stayed
//! at 192 MB. Two arenas are plenty for a server whose work is mostly waiting on I/O, and
//! memory freed after large work (an import, exports) is handed back to the system.
//! Large blocks (a password hash's 19 MiB, a file being imported) get pages of their own,
//! returned when freed: glibc would otherwise raise its threshold after the first such
//! block and serve the next ones from an arena, which then keeps them.
//! musl's allocator (the image's static build) returns freed memory by itself.

/// Blocks from this size on are mapped on their own (and unmapped when freed).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const OWN_PAGES_FROM: libc::c_int = 256 << 10;
/// Free memory at the top of an arena beyond this is returned at once.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_ABOVE: libc::c_int = 1 << 20;

/// At start, before the runtime's threads allocate.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes malloc parameters; called once before other threads.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        // Setting these fixes them (glibc's dynamic threshold is off from then on).
        libc::mallopt(libc::M_MMAP_THRESHOLD, OWN_PAGES_FROM);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_ABOVE);
    }
}

/// Returns free memory at the top of each arena and whole free pages inside them.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim is safe to call at any time from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Trims when dropped: held by work that allocates much and briefly, created before what it
/// allocates, so that it is dropped (and trims) after all of it.
pub struct TrimWhenDone;

impl Drop for TrimWhenDone {
    fn drop(&mut self) {
        trim();
    }
}
