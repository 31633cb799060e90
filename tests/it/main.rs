//! The integration tests: one test binary over real processes. The harness
//! modules (`support`, `common`, `real_support`, `ports`, `dispositions`) serve
//! every test file; each other module holds the tests of one concept.
#![allow(clippy::result_large_err)]

// The harness.
mod common;
mod dispositions;
mod ports;
mod real_support;
mod sdbox;
mod support;
mod waiting;

// One concept a file.
mod cli_hints;
mod common_flags;
mod completions;
mod connect;
mod contract;
mod control_bytes;
mod converge;
mod converge_faults;
mod converge_view;
mod daemonize;
mod daemonize_exec;
mod discovery;
mod down;
mod env_files;
mod exec;
mod exec_exit_codes;
mod exec_signals;
mod export_systemd;
mod failure_reports;
mod file_faults;
mod hostile_pid_files;
mod inspect_commands;
mod interrupted_commands;
mod interrupts;
mod json_events;
mod leases;
mod leases_concurrency;
mod leases_library;
mod library_api;
mod log_follow;
mod logs;
mod lost_devup_dir;
mod man_page;
mod manifest_cli;
mod manifest_errors;
mod manifest_fuzz;
mod manifest_limits;
mod manifest_load;
mod manifest_shared_files;
mod orphans;
mod output_capture;
mod pid_files;
mod pid_reuse;
mod ping_diagnostics;
mod ping_schedule;
mod ping_self_connect;
mod pings;
mod plan;
mod port_holders;
mod progress;
mod races;
mod ready_holds;
mod real_daemons;
mod restarts;
mod safety_identity;
mod schema;
mod session;
mod sigkill_recovery;
mod start;
mod start_failure_kinds;
mod start_failures;
mod start_race;
mod status;
mod status_starting;
mod stop;
mod stop_faults;
mod systemd_escaping;
mod systemd_units;
mod task_manifest_errors;
mod tasks;
mod terminal_output;
mod up;
mod wait;
