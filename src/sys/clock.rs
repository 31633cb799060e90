//! The kernel's clocks as `/proc` counts them.

use std::time::Duration;

/// CLOCK_BOOTTIME now: time since boot, suspend included, the clock a
/// process's start ticks in `/proc/PID/stat` are counted on.
pub(crate) fn since_boot() -> Duration {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own; the clock
    // exists on every Linux kernel devup supports.
    unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut time) };
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

/// The kernel's clock ticks per second (`_SC_CLK_TCK`), the unit of
/// `/proc/PID/stat`'s times; 100 when it cannot be read.
pub(crate) fn ticks_per_second() -> u64 {
    // SAFETY: sysconf only reads a constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as u64 } else { 100 }
}
