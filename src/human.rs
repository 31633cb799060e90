//! How devup shows values to people (durations, for now). A leaf module:
//! every layer may use it, and it uses none of them.

use std::time::Duration;

/// `212ms`, `3.4s`, `2m05s`: how devup shows a duration to people.
pub fn format_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1000 {
        format!("{millis}ms")
    } else if millis < 60_000 {
        format!("{:.1}s", duration.as_secs_f64())
    } else {
        let secs = duration.as_secs();
        format!("{}m{:02}s", secs / 60, secs % 60)
    }
}
