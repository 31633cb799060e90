//! Spawning a start command inside its own reaper. Each start forks a small
//! helper process H that is a child subreaper (`PR_SET_CHILD_SUBREAPER`): it
//! forks the start command G, and every process of the start that is
//! orphaned (the daemon after a double fork, its intermediate processes) is
//! reparented to H instead of init. H reaps them all and reports each exit,
//! and finally "all gone", on a pipe. So the death of a daemon that went into
//! the background is seen at once, the whole start tree is known (H's
//! descendants), the subreaper flag never touches the host process, and
//! parallel starts never see each other's orphans.
//!
//! Everything H and G need (argv with the program's path resolved, envp,
//! directory, file descriptors) is prepared before `fork()`: between `fork`
//! and `execve` the child of a possibly multithreaded process may only make
//! async-signal-safe calls, so H and G call nothing but raw syscalls
//! (they live in `sys/start_helper.rs`, with every other `unsafe`).
//! Reading the reports lives in `start_tree.rs`.

use std::ffi::{CString, OsStr, OsString};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::DaemonSpec;
use super::start_tree::StartTree;
use crate::sys::fd::dup_above_stdio;
use crate::sys::start_helper::ExecImage;

/// One start, ready to fork.
pub(crate) struct PreparedStart {
    image: ExecImage,
}

/// Resolves `program` the way `execvp` would, with the PATH the command will
/// see, but before forking.
fn resolve_program(program: &str, path_var: Option<&OsStr>, dir: &Path) -> Option<PathBuf> {
    if program.contains('/') {
        return Some(dir.join(program));
    }
    let path_var = path_var.unwrap_or(OsStr::new("/usr/local/bin:/usr/bin:/bin"));
    std::env::split_paths(path_var)
        .map(|entry| dir.join(entry).join(program))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
}

fn c_string(bytes: &[u8]) -> Result<CString, String> {
    CString::new(bytes).map_err(|_| "a NUL byte in the command or its environment".to_string())
}

impl PreparedStart {
    /// Prepares the daemon's start command: its argv, its environment
    /// (devup's own, then the daemon's `env`, then `extra_env`; devup's own
    /// `NOTIFY_SOCKET` is never passed on), its directory, stdin from
    /// /dev/null and stdout+stderr to `output`. The error is a reason for
    /// people.
    pub(crate) fn new(
        spec: &DaemonSpec,
        extra_env: &[(String, String)],
        output: &impl AsRawFd,
    ) -> Result<PreparedStart, String> {
        let mut env: Vec<(OsString, OsString)> = std::env::vars_os()
            .filter(|(key, _)| key != "NOTIFY_SOCKET")
            .collect();
        for (key, value) in spec.env.iter().chain(extra_env.iter().map(|(k, v)| (k, v))) {
            env.retain(|(existing, _)| existing != key.as_str());
            env.push((key.into(), value.into()));
        }
        // A daemon devup detaches is the process it spawns: no shell between.
        let argv = if spec.daemonize {
            spec.start.daemon_argv()
        } else {
            spec.start.argv()
        };
        let path_var = env
            .iter()
            .find(|(key, _)| key == "PATH")
            .map(|(_, value)| value.as_os_str());
        let program = resolve_program(&argv[0], path_var, &spec.dir)
            .ok_or_else(|| format!("command not found: {}", argv[0]))?;
        let argv: Vec<CString> = argv
            .iter()
            .map(|arg| c_string(arg.as_bytes()))
            .collect::<Result<_, _>>()?;
        let envp: Vec<CString> = env
            .iter()
            .map(|(key, value)| {
                let mut pair = key.as_bytes().to_vec();
                pair.push(b'=');
                pair.extend_from_slice(value.as_bytes());
                c_string(&pair)
            })
            .collect::<Result<_, _>>()?;
        let io_error = |what: &str, error: std::io::Error| format!("{what}: {error}");
        let dev_null =
            std::fs::File::open("/dev/null").map_err(|e| io_error("opening /dev/null", e))?;
        let image = ExecImage::new(
            c_string(program.as_os_str().as_bytes())?,
            argv,
            envp,
            c_string(spec.dir.as_os_str().as_bytes())?,
            dup_above_stdio(dev_null.as_raw_fd())
                .map_err(|e| io_error("duplicating /dev/null", e))?,
            dup_above_stdio(output.as_raw_fd())
                .map_err(|e| io_error("duplicating the output", e))?,
            spec.daemonize,
        );
        Ok(PreparedStart { image })
    }

    /// Starts the helper H, which clones and reaps the start command.
    /// Returns at once; the start's progress arrives as records on the
    /// tree's pipe.
    pub(crate) fn spawn(self) -> std::io::Result<StartTree> {
        let (helper, reports, memory) = self.image.spawn()?;
        StartTree::new(helper, reports, memory)
    }
}
