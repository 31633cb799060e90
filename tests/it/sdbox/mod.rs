//! A real systemd for tests: booted as pid 1 of private namespaces (mount,
//! pid, cgroup, network with loopback only, uts, ipc) on a throw-away
//! copy-on-write overlay of `/` (see `init.sh`, which refuses to boot on
//! anything else: systemd's boot would empty the real /tmp and start the
//! machine's services). Every host file written before [`SdBox::boot`] is
//! readable inside; what the box writes is thrown away when it powers off
//! (on drop). [`SdBox::run`] runs a command in the box's namespaces, so
//! `systemctl` talks to the box's systemd.
//!
//! Needs root, `unshare`, `nsenter` and `/lib/systemd/systemd`; without
//! them [`SdBox::boot`] prints a skip notice and returns `None`, except
//! under `CI=true`, where it fails the test.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long the box may take to boot (it takes about a second).
const BOOT_DEADLINE: Duration = Duration::from_secs(30);

/// A booted systemd box.
pub struct SdBox {
    scratch: PathBuf,
    cgroup: String,
    outer: Child,
    pid: u32,
}

/// Why the box cannot be booted here, or `None` when it can.
fn missing() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root".into());
    }
    for path in [
        "/lib/systemd/systemd",
        "/usr/bin/unshare",
        "/usr/bin/nsenter",
        "/sys/fs/cgroup/systemd",
        "/sys/fs/cgroup/unified",
    ] {
        if !Path::new(path).exists() {
            return Some(format!("{path} is missing"));
        }
    }
    None
}

fn skip(reason: &str) -> Option<SdBox> {
    crate::harness::skip_unless(false, &format!("cannot boot a systemd box ({reason})"));
    None
}

impl SdBox {
    /// Boots a box, or skips (see the module doc).
    pub fn boot() -> Option<SdBox> {
        if let Some(reason) = missing() {
            return skip(&reason);
        }
        let scratch = tempdir();
        let cgroup = format!(
            "devup-sdbox-{}",
            scratch.file_name().unwrap().to_string_lossy()
        );
        for hierarchy in ["systemd", "unified"] {
            std::fs::create_dir_all(format!("/sys/fs/cgroup/{hierarchy}/{cgroup}"))
                .expect("making the box's cgroups");
        }
        let init = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/sdbox/init.sh");
        let log = std::fs::File::create(scratch.with_extension("log")).expect("box log");
        // The shell moves itself into the box's cgroups, then becomes
        // unshare, whose child (pid 1 of the new namespaces) runs init.sh.
        let outer = Command::new("/bin/sh")
            .arg("-c")
            .arg(
                "echo $$ > /sys/fs/cgroup/systemd/$1/cgroup.procs && \
                 echo $$ > /sys/fs/cgroup/unified/$1/cgroup.procs && \
                 exec unshare --cgroup --pid --fork --mount --uts --ipc --net \"$2\" \"$3\"",
            )
            .args(["sh", &cgroup])
            .arg(&init)
            .arg(&scratch)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("spawning unshare");
        let mut sdbox = SdBox {
            scratch,
            cgroup,
            pid: 0,
            outer,
        };
        let deadline = Instant::now() + BOOT_DEADLINE;
        loop {
            if sdbox.pid == 0 {
                sdbox.pid = child_of(sdbox.outer.id()).unwrap_or(0);
            }
            // Only once pid 1 has chrooted into the overlay: before that,
            // its root is the real one, and nothing may run there.
            let chrooted = sdbox.pid != 0
                && std::fs::read_link(format!("/proc/{}/root", sdbox.pid))
                    .is_ok_and(|root| root != Path::new("/"));
            if chrooted {
                let state = sdbox.run(&["systemctl", "is-system-running"]);
                let state = String::from_utf8_lossy(&state.stdout);
                if state.contains("running") || state.contains("degraded") {
                    return Some(sdbox);
                }
            }
            if Instant::now() >= deadline || matches!(sdbox.outer.try_wait(), Ok(Some(_))) {
                let log = std::fs::read_to_string(sdbox.scratch.with_extension("log"))
                    .unwrap_or_default();
                return skip(&format!("systemd did not come up: {log}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs `argv` inside the box (its mount, pid and network namespaces,
    /// its root, in `/`).
    pub fn run(&self, argv: &[&str]) -> Output {
        Command::new("nsenter")
            .args([
                "-t",
                &self.pid.to_string(),
                "-m",
                "-p",
                "-n",
                "-r",
                "-w",
                "--",
            ])
            .args(argv)
            .stdin(Stdio::null())
            .output()
            .expect("running nsenter")
    }

    /// Runs `script` under `/bin/sh -c` in the box; fails the test unless
    /// it exits 0; returns its stdout.
    pub fn sh(&self, script: &str) -> String {
        let output = self.run(&["/bin/sh", "-c", script]);
        if !output.status.success() {
            let journal = self.run(&["journalctl", "--no-pager", "-n", "60"]);
            panic!(
                "in the box: `{script}` failed ({}):\nstdout: {}\nstderr: {}\njournal:\n{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
                String::from_utf8_lossy(&journal.stdout)
            );
        }
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Waits until every one of `units` is inactive: `systemctl stop` of a
    /// target returns when the target is stopped, while the services that
    /// are `PartOf=` it still stop (after it, the reverse of `After=`).
    pub fn wait_inactive(&self, units: &[&str]) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let mut argv = vec!["systemctl", "is-active"];
            argv.extend_from_slice(units);
            let states = self.run(&argv);
            let states = String::from_utf8_lossy(&states.stdout).into_owned();
            if states.lines().all(|state| state == "inactive")
                && states.lines().count() == units.len()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "still not inactive: {units:?}: {states}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Copies `files` into the box's `/run/systemd/system` and reloads.
    pub fn install_units(&self, files: &[PathBuf]) {
        for file in files {
            self.sh(&format!("cp '{}' /run/systemd/system/", file.display()));
        }
        self.sh("systemctl daemon-reload");
    }
}

impl Drop for SdBox {
    fn drop(&mut self) {
        if self.pid != 0 {
            let _ = self.run(&["systemctl", "poweroff"]);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && matches!(self.outer.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(50));
        }
        // The outer process is ours (our child, not yet reaped).
        let _ = self.outer.kill();
        let _ = self.outer.wait();
        for hierarchy in ["systemd", "unified"] {
            let dir = PathBuf::from(format!("/sys/fs/cgroup/{hierarchy}/{}", self.cgroup));
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for entry in entries.flatten() {
                    if entry.path().is_dir() {
                        let _ = std::fs::remove_dir(entry.path());
                    }
                }
            }
            let _ = std::fs::remove_dir(&dir);
        }
        let _ = std::fs::remove_dir_all(&self.scratch);
        let _ = std::fs::remove_file(self.scratch.with_extension("log"));
    }
}

/// The first child of `pid` (the box's pid 1, as the host sees it).
fn child_of(pid: u32) -> Option<u32> {
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
    children.split_whitespace().next()?.parse().ok()
}

fn tempdir() -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "devup-sdbox-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("making the box's scratch dir");
    dir
}
