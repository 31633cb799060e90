//! Honest progress, over real daemons: the screen a terminal is left with
//! (live lines cleared, one final line per daemon, also after Ctrl-C), the
//! before_start share of `ready in`, and plain lines in the order things
//! happened, each compared whole (times and pids as `{time}` and `{pid}`).
use crate::harness;

use harness::Project;
use regex::Regex;

/// The width of the pseudo-terminal `on_terminal` runs on.
const COLUMNS: usize = 80;

/// What a terminal shows after `bytes` were written to it: carriage
/// returns, newlines, cursor up/down and line erasing are applied; colours
/// and other sequences are dropped; trailing blanks are trimmed.
fn screen(bytes: &str) -> String {
    let mut rows: Vec<Vec<char>> = vec![Vec::new()];
    let (mut row, mut col) = (0usize, 0usize);
    let mut chars = bytes.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => col = 0,
            '\n' => {
                row += 1;
                if rows.len() <= row {
                    rows.push(Vec::new());
                }
            }
            '\x1b' => {
                if chars.peek() != Some(&'[') {
                    continue;
                }
                chars.next();
                let mut params = String::new();
                let command = loop {
                    match chars.next() {
                        Some(c) if c.is_ascii_digit() || c == ';' || c == '?' => params.push(c),
                        Some(c) => break c,
                        None => break ' ',
                    }
                };
                let n = params.parse::<usize>().unwrap_or(1);
                match command {
                    'A' => row = row.saturating_sub(n),
                    'B' => {
                        row += n;
                        while rows.len() <= row {
                            rows.push(Vec::new());
                        }
                    }
                    'K' if params == "2" => rows[row].clear(),
                    'K' => rows[row].truncate(col),
                    'J' => rows.truncate(row + 1),
                    _ => {}
                }
            }
            c => {
                // Autowrap, as a terminal does: a character past the last
                // column goes to the start of the next line (live lines
                // are padded to the width and rely on it).
                if col >= COLUMNS {
                    row += 1;
                    col = 0;
                    if rows.len() <= row {
                        rows.push(Vec::new());
                    }
                }
                let line = &mut rows[row];
                while line.len() < col {
                    line.push(' ');
                }
                if col < line.len() {
                    line[col] = c;
                } else {
                    line.push(c);
                }
                col += 1;
            }
        }
    }
    let mut text: Vec<String> = rows
        .iter()
        .map(|line| line.iter().collect::<String>().trim_end().to_string())
        .collect();
    while text.last().is_some_and(|line| line.is_empty()) {
        text.pop();
    }
    text.join("\n") + "\n"
}

/// Runs `shell` (which may call `$DEVUP`) on a pseudo-terminal of
/// `COLUMNS` columns (see [`harness::on_terminal`]): what it wrote, or
/// `None` when `script` is not installed.
fn on_terminal(project: &Project, shell: &str) -> Option<String> {
    let shell = format!("stty cols {COLUMNS} rows 40; {shell}");
    let output = harness::on_terminal(project.dir(), &shell, &[])?;
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

const WITH_BEFORE_START: &str = "daemons:\n  db:\n    daemonize: true\n    \
     before_start: \"sleep 0.3\"\n    start: \": {tag}; exec sleep 600\"\n  \
     web:\n    daemonize: true\n    depends_on: [db]\n    start: \": {tag}; exec sleep 601\"\n";

#[test]
fn a_terminal_is_left_with_one_final_line_per_daemon() {
    let project = Project::new(WITH_BEFORE_START);
    let Some(output) = on_terminal(&project, "\"$DEVUP\"") else {
        return;
    };
    project.assert_text(
        "the screen",
        &screen(&output),
        "✔ db   ready in {time} (before_start {time}, pid {pid})\n\
         ✔ web  ready in {time} (pid {pid})\n\
         up: 2 ready in {time}\n",
    );
}

#[test]
fn a_converge_leaves_the_stops_then_the_starts_and_one_summary() {
    let project = Project::new(WITH_BEFORE_START);
    project.devup(["up"]).status(0).run();
    project.edit("daemons.yaml", "exec sleep 600", "exec sleep 602");
    let Some(output) = on_terminal(&project, "\"$DEVUP\"") else {
        return;
    };
    project.assert_text(
        "the screen",
        &screen(&output),
        "db: changed (start), restarting\n\
         ✔ web  stopped in {time} (pid {pid})\n\
         ✔ db   stopped in {time} (pid {pid})\n\
         ✔ db   ready in {time} (before_start {time}, pid {pid})\n\
         ✔ web  ready in {time} (pid {pid})\n\
         up: 2 restarted in {time}\n",
    );
}

#[test]
fn ready_counts_from_the_daemons_turn_including_before_start() {
    let project = Project::new(WITH_BEFORE_START);
    let outcome = project.devup(["db"]).status(0).run();
    let line = outcome
        .stderr
        .lines()
        .find(|line| line.starts_with("db: ready in "))
        .expect("the ready line")
        .to_string();
    let seconds = |text: &str| -> f64 {
        let text = text.trim_end_matches([',', ')']);
        match text.strip_suffix("ms") {
            Some(ms) => ms.parse::<f64>().unwrap() / 1000.0,
            None => text.trim_end_matches('s').parse().unwrap(),
        }
    };
    let words: Vec<&str> = line.split(' ').collect();
    // db: ready in TOTAL (before_start SHARE, pid N)
    assert_eq!(words[4], "(before_start", "{line}");
    let (total, share) = (seconds(words[3]), seconds(words[5]));
    assert!(share >= 0.3, "the before_start slept 0.3 s: {line}");
    assert!(total >= share, "the total includes the share: {line}");
}

#[test]
fn after_ctrl_c_no_spinner_line_is_left_above_the_failure() {
    let project = Project::new(
        "daemons:\n  slow:\n    daemonize: true\n    \
         start: \": {tag}; touch started; exec sleep 600\"\n    ping: { log: \"^never$\" }\n  \
         after:\n    daemonize: true\n    depends_on: [slow]\n    start: \": {tag}; exec sleep 601\"\n",
    );
    let shell = "\"$DEVUP\" & pid=$!; while [ ! -e started ]; do sleep 0.02; done; \
                 kill -INT $pid; wait $pid";
    let Some(output) = on_terminal(&project, shell) else {
        return;
    };
    project.assert_text(
        "the screen",
        &screen(&output),
        "✖ slow   failed after {time}\n\
         ⏭ after  skipped (interrupted)\n\
         up: 1 failed, 1 skipped in {time}\n\
         \n\
         error: slow: start interrupted; the start was aborted\n",
    );
}

#[test]
fn plain_lines_say_spawned_before_waiting_and_name_the_forked_daemon() {
    let project = Project::new(
        "daemons:\n  app:\n    pid_file: app.pid\n    \
         start: \"sh -c ': {tag}; exec sleep 600' & echo $! > app.pid\"\n    \
         ping: { command: \"true\" }\n",
    );
    // Spawned comes before any wait; the start command may exit before its
    // wait for the pid file is reported.
    project
        .devup(["app"])
        .status(0)
        .stderr(
            "\
app: starting
app: spawned (pid {pid})
{maybe}app: waiting for pid file
app: waiting for ping (pid {pid}, the daemon the start command forked)
app: ready in {time} (pid {pid})
up: 1 ready in {time}
",
        )
        .run();
}

#[test]
fn an_already_running_daemon_does_not_say_starting() {
    let project = Project::new(WITH_BEFORE_START);
    project.devup(["db"]).status(0).run();
    project
        .devup(["db"])
        .status(0)
        .stderr("db: already running (pid {pid})\nup: 1 already running in {time}\n")
        .run();
}

#[test]
fn a_long_before_start_is_cut_to_the_terminal_width_with_an_ellipsis() {
    let project = Project::new(
        "daemons:\n  db:\n    daemonize: true\n    \
         before_start: \"sleep 0.3; : a-before-start-command-far-too-long-for-a-narrow-terminal\"\n    \
         start: \": {tag}; exec sleep 600\"\n",
    );
    let Some(output) = on_terminal(&project, "stty cols 40 rows 20; \"$DEVUP\"") else {
        return;
    };
    let escapes = Regex::new("\x1b\\[[0-9;?]*[A-Za-z]").unwrap();
    let plain = escapes.replace_all(&output, "");
    let live: Vec<&str> = plain
        .split(['\r', '\n'])
        .map(str::trim_end)
        .filter(|segment| segment.contains("before_start: sleep"))
        .collect();
    assert!(!live.is_empty(), "no live before_start line in {output:?}");
    for line in &live {
        assert!(
            line.chars().count() <= 40,
            "wider than 40 columns: {line:?}"
        );
        // Partial: each redraw holds a later elapsed time.
        let line = line.rsplit_once(' ').map_or(*line, |(head, _)| head);
        assert!(
            line.ends_with("db  before_start: sleep 0.3; :…"),
            "{line:?}"
        );
    }
}
