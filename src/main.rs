fn main() {
    tune_allocator();
    std::process::exit(xborder_cli::run());
}

/// glibc maps every allocation above its threshold (128 KiB, growing to at most 32 MiB) afresh
/// and returns it on free, so each batch's column buffers (hundreds of KiB to MiBs) were new
/// pages the kernel zeroed and faulted in. Keep them on the heap and reuse them instead.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only sets allocator parameters; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

#[path = "cli/mod.rs"]
mod xborder_cli;
