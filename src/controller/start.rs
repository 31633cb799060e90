//! One start, under the daemon's lock: refuse when it runs, clear a stale pid
//! file, refuse when a foreign process holds the ping's address, run the
//! `before_start` steps, spawn the start command in its own start tree, wait
//! for readiness, and then either let the daemon go (recording what was
//! started) or kill everything the start spawned and say why, with the
//! command's output and the log lines of this start.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::time::Instant;

use super::notify::NotifySocket;
use super::output_file::{capture_path, open_capture};
use super::run_command::{self, RunEnd};
use super::running::{self, PidCheck};
use super::spawn::PreparedStart;
use super::state::StartedState;
use super::wait::{StartWait, WaitEnd};
use super::{
    BeforeStart, DaemonController, Event, Fingerprint, Ping, Started, StopRecipe, excerpt,
    leftover, pid_file, ping_check, port_holder, process, settle,
};
use crate::error::{Error, ExitStatus, LogExcerpt, Result, StartFailure, WaitingFor};

impl DaemonController {
    /// Starts the daemon; the caller holds the lock.
    pub(crate) fn start_locked(&self) -> Result<Started> {
        let check = running::check_removing_corrupt(self.spec(), |event| self.emit(event))?;
        self.start_checked(check)
    }

    /// [`Self::start_locked`], given the check the caller just made under
    /// the lock (a daemon found not running: nothing since could start it).
    pub(crate) fn start_checked(&self, mut check: PidCheck) -> Result<Started> {
        let spec = self.spec();
        // Checked again only when the cleaning ended a process.
        if !matches!(check, PidCheck::Running { .. })
            && !leftover::clean(spec, spec.start_abort_timeout, &[]).is_empty()
        {
            check = running::check(spec)?;
        }
        match check {
            PidCheck::Running { pid, .. } => {
                return Err(Error::AlreadyStarted {
                    daemon: spec.name.clone(),
                    pid,
                });
            }
            PidCheck::Stale { reason, .. } => {
                running::remove_stale(spec, reason, |event| self.emit(event))?
            }
            PidCheck::Missing => {}
        }
        // A state file without a pid file says nothing about the next start.
        let _ = StartedState::remove(&spec.state_file);
        if let Some(ping) = &spec.ping
            && let Some(address) = ping_check::foreign_listener(ping)
        {
            return Err(self.start_failed(
                StartFailure::AddressInUse {
                    address: address.to_string(),
                    holder: port_holder::describe(spec, ping),
                },
                LogExcerpt::default(),
                LogExcerpt::default(),
            ));
        }
        // The definition as it is when the start begins: an input edited
        // during the start is seen as a change by the next `devup`.
        let definition = Fingerprint::of(spec);
        self.create_directories()?;
        let log_offset = spec.log_file.as_deref().map_or(0, excerpt::file_len);
        // The start's token goes to before_start too: a devup killed while
        // one runs leaves it to the next start or stop to end (leftover.rs).
        let token = leftover::new_token();
        leftover::mark(spec, &token).map_err(|source| {
            self.io_error(
                format!(
                    "writing the start marker next to {}",
                    spec.state_file.display()
                ),
                source,
            )
        })?;
        let token_env = [(leftover::TOKEN_VAR.to_string(), token.clone())];
        if let Err(error) = self.run_before_start(log_offset, &token_env) {
            leftover::unmark(spec);
            return Err(error);
        }

        let output = self.open_output()?;
        let notify = if spec.ping.as_ref().is_some_and(Ping::listens_for_notify) {
            Some(
                NotifySocket::bind()
                    .map_err(|source| self.io_error("creating the notify socket".into(), source))?,
            )
        } else {
            None
        };
        let extra_env: Vec<(String, String)> = notify
            .iter()
            .map(|socket| {
                let path = socket.path().display().to_string();
                ("NOTIFY_SOCKET".to_string(), path)
            })
            .chain(token_env)
            .collect();
        let prepared = PreparedStart::new(spec, &extra_env, &output).map_err(|reason| {
            self.start_failed(
                StartFailure::Prepare { reason },
                LogExcerpt::default(),
                LogExcerpt::default(),
            )
        })?;
        let started = Instant::now();
        let mut tree = prepared
            .spawn()
            .map_err(|source| self.io_error("forking the start command".into(), source))?;
        let emit = |event| self.emit(event);
        // Ready only once readiness holds: the daemon is looked at again
        // while the tree still reports its exit (`settle.rs`).
        let settle = spec.daemonize && spec.ping.is_none();
        let mut end = super::while_waiting(|| {
            let end = StartWait {
                spec,
                emit: &emit,
                abort: self.abort_signal(),
                tree: &mut tree,
                output: &output,
                log_offset,
                notify: notify.as_ref(),
                started,
            }
            .run();
            match end {
                WaitEnd::Ready { pid, start_ticks } => {
                    match settle::confirm(&mut tree, pid, start_ticks, settle) {
                        Ok(()) => end,
                        Err(failure) => WaitEnd::Failed(failure),
                    }
                }
                end => end,
            }
        });
        if let WaitEnd::Ready { pid, start_ticks } = end {
            let state = StartedState {
                pid,
                start_ticks,
                boot_id: process::boot_id().to_string(),
                process_id: process::identity(pid),
                version: super::state::STATE_VERSION,
                definition: Some(definition),
                recipe: Some(StopRecipe::of(spec)),
                ready_at_ms: std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |since| {
                        u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
                    }),
                ephemeral: false,
            };
            // Written before the tree is released: a daemon whose state
            // cannot be recorded (a full disk) is killed, not left running.
            if let Err(source) = state.write(&spec.state_file) {
                let reason = format!("cannot write the state file {}", spec.state_file.display());
                self.emit(Event::Aborting { reason });
                tree.kill_all(spec.start_abort_timeout, self.abort_signal());
                leftover::unmark(spec);
                let _ = pid_file::remove_pid_file(&spec.pid_file);
                return Err(self.io_error(
                    format!("writing the state file {}", spec.state_file.display()),
                    source,
                ));
            }
            match settle::confirm(&mut tree, pid, start_ticks, false) {
                Ok(()) => {
                    tree.release();
                    leftover::unmark(spec);
                    let elapsed = started.elapsed();
                    self.emit(Event::Ready { pid, elapsed });
                    return Ok(Started { pid, elapsed });
                }
                Err(failure) => {
                    let _ = StartedState::remove(&spec.state_file);
                    end = WaitEnd::Failed(failure);
                }
            }
        }

        let reason = match &end {
            WaitEnd::Failed(failure) | WaitEnd::PingFatal(failure, _) => failure.to_string(),
            WaitEnd::TimedOut(_) => "start_timeout passed".to_string(),
            WaitEnd::Aborted => "interrupted".to_string(),
            WaitEnd::Ready { .. } => unreachable!(),
        };
        self.emit(Event::Aborting {
            reason: reason.clone(),
        });
        tree.kill_all(spec.start_abort_timeout, self.abort_signal());
        leftover::unmark(spec);
        if !matches!(running::check(spec), Ok(PidCheck::Running { .. })) {
            let _ = pid_file::remove_pid_file(&spec.pid_file);
        }
        let output = if spec.daemonize {
            LogExcerpt::default()
        } else {
            excerpt::output_of(&output)
        };
        let log = self.log_excerpt(log_offset);
        Err(match end {
            WaitEnd::TimedOut(awaited) => {
                Error::start_timeout(spec.name.clone(), spec.start_timeout, awaited, output, log)
            }
            WaitEnd::Aborted => Error::Interrupted {
                daemon: spec.name.clone(),
            },
            WaitEnd::PingFatal(failure, lines) => {
                self.start_failed(failure, LogExcerpt::from_text(None, &lines.join("\n")), log)
            }
            WaitEnd::Failed(failure) => self.start_failed(failure, output, log),
            WaitEnd::Ready { .. } => unreachable!(),
        })
    }

    fn start_failed(&self, failure: StartFailure, output: LogExcerpt, log: LogExcerpt) -> Error {
        Error::start_failed(self.spec().name.clone(), failure, output, log)
    }

    pub(super) fn io_error(&self, action: String, source: std::io::Error) -> Error {
        Error::Io {
            daemon: self.spec().name.clone(),
            action,
            source,
        }
    }

    fn log_excerpt(&self, offset: u64) -> LogExcerpt {
        match &self.spec().log_file {
            Some(path) => excerpt::log_since(path, offset),
            None => LogExcerpt::default(),
        }
    }

    /// The pid file's directory; for `daemonize: true` also the log's.
    fn create_directories(&self) -> Result<()> {
        let spec = self.spec();
        let mut dirs = vec![spec.pid_file.parent()];
        if spec.daemonize {
            dirs.push(spec.log_file.as_deref().and_then(|path| path.parent()));
        }
        for dir in dirs.into_iter().flatten() {
            pid_file::create_dirs(dir).map_err(|source| {
                self.io_error(format!("creating the directory {}", dir.display()), source)
            })?;
        }
        Ok(())
    }

    /// Where the start command's stdout and stderr go: the log file (never
    /// truncated) for `daemonize: true`, else the output file next to the
    /// state file (see `output_file::capture_path`), emptied for this start.
    /// A daemon the command forks keeps it as its stdout after the start: a
    /// file anyone can see (and `du` counts), never an unlinked one.
    fn open_output(&self) -> Result<File> {
        let spec = self.spec();
        match (&spec.log_file, spec.daemonize) {
            (Some(path), true) => open_log(path).map_err(|source| {
                self.io_error(format!("opening the log file {}", path.display()), source)
            }),
            _ => {
                let path = capture_path(spec);
                open_capture(&path).map_err(|source| {
                    self.io_error(
                        format!("opening the output file {}", path.display()),
                        source,
                    )
                })
            }
        }
    }

    fn run_before_start(&self, log_offset: u64, token_env: &[(String, String)]) -> Result<()> {
        let spec = self.spec();
        for step in &spec.before_start {
            match step {
                BeforeStart::Command(command) => {
                    self.emit(Event::BeforeStart {
                        command: command.to_string(),
                    });
                    let run = super::while_waiting(|| {
                        run_command::run_with_env(
                            spec,
                            command,
                            spec.start_timeout,
                            Some(self.abort_signal()),
                            true,
                            token_env,
                        )
                    })
                    .map_err(|source| {
                        self.io_error(format!("running before_start `{command}`"), source)
                    })?;
                    let failure = match run.end {
                        RunEnd::Exited(status) if super::output_file::is_success(status) => {
                            continue;
                        }
                        RunEnd::Exited(status) => StartFailure::BeforeStart {
                            step: command.to_string(),
                            status: ExitStatus::from_wait_status(status),
                        },
                        RunEnd::TimedOut => {
                            return Err(Error::start_timeout(
                                spec.name.clone(),
                                spec.start_timeout,
                                WaitingFor::BeforeStart {
                                    step: command.to_string(),
                                },
                                run.output,
                                self.log_excerpt(log_offset),
                            ));
                        }
                        RunEnd::Aborted => {
                            return Err(Error::Interrupted {
                                daemon: spec.name.clone(),
                            });
                        }
                    };
                    return Err(self.start_failed(
                        failure,
                        run.output,
                        self.log_excerpt(log_offset),
                    ));
                }
                BeforeStart::Fn(step) => {
                    self.emit(Event::BeforeStart {
                        command: "before_start closure".into(),
                    });
                    if let Err(error) = step() {
                        return Err(self.start_failed(
                            StartFailure::BeforeStartFn {
                                error: error.to_string(),
                            },
                            LogExcerpt::default(),
                            self.log_excerpt(log_offset),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// Opens a `daemonize: true` daemon's log for appending, mode 0644 when it
/// is created. Never through a symlink planted at the path (O_NOFOLLOW), and
/// never waiting: a FIFO without a reader would block the open forever, so
/// only a regular file or a character device (/dev/null) is taken.
fn open_log(path: &std::path::Path) -> std::io::Result<File> {
    use std::os::unix::fs::FileTypeExt;
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|error| match error.raw_os_error() {
            Some(libc::ENXIO) => std::io::Error::other("it is a FIFO, not a regular file"),
            Some(libc::ELOOP) => std::io::Error::other("it is a symbolic link, not followed"),
            _ => error,
        })?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() && !kind.is_char_device() {
        return Err(std::io::Error::other("it is not a regular file"));
    }
    // The daemon gets it as stdout and stderr: blocking, as usual.
    nix::fcntl::fcntl(
        &file,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_APPEND),
    )?;
    Ok(file)
}
