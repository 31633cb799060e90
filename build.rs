//! Links the `devup` and `devdown` commands as position-dependent
//! executables on x86-64 Linux, the way Go links its tools by default.
//!
//! A position-independent executable has its 14,000 or so pointers in
//! read-only data (vtables, tables of strings) fixed up by the dynamic loader
//! at every exec, which writes some 70 pages before `main` runs. Linked at a
//! fixed address they are fixed up once, at link time. Every invocation of
//! `devup` is a short process, so this is a cost of every command: 0.25 to
//! 0.35 ms of a 1.7 ms `devup --version` on the machine where it was measured
//! (see `bench/README.md`). The library, the tests and the shared objects
//! are not affected. `DEVUP_PIE=1` at build time keeps the default.

fn main() {
    println!("cargo:rerun-if-env-changed=DEVUP_PIE");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let keep_pie = std::env::var_os("DEVUP_PIE").is_some_and(|value| value == "1");
    if target_os == "linux" && target_arch == "x86_64" && !keep_pie {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
