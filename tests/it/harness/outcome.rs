//! What a finished run did, and what a test expects of it: its exit
//! status and its whole stdout and stderr ([`expected.rs`](super::expected)
//! for the placeholders). Every check names the line of the test that
//! asked for it.

use std::panic::Location;

use super::expected::Context;
use super::project::Project;

/// One of a run's two output streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// How much of a stream a text must match.
#[derive(Clone, Copy, Debug)]
pub enum Extent {
    /// All of it, line for line.
    Whole,
    /// All of its lines, in any order (daemons started in parallel).
    AnyOrder,
    /// Somewhere in it (a named partial check: see the caller's comment).
    Includes,
}

/// One thing a test expects of a run.
#[derive(Clone, Debug)]
pub enum Expectation {
    /// The exit code.
    Status(i32),
    /// A text in a stream.
    Output(Stream, Extent, String),
}

/// An expectation and the test line that stated it.
#[derive(Clone, Debug)]
pub struct Expected {
    pub what: Expectation,
    pub at: &'static Location<'static>,
}

/// What a finished run did; every method asserts and returns `self`.
pub struct Outcome {
    /// The exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Everything it printed on stderr.
    pub stderr: String,
    /// The run's values (`{dir}`, ...) for its expectations.
    pub(super) context: Context,
    /// The project a [`Test::new`](super::Test::new) made, kept alive as
    /// long as its outcome.
    pub(super) project: Option<Project>,
}

/// Asserts that `actual` is `expected` whole (see `expected.rs`), with a
/// line diff when it is not.
#[track_caller]
pub fn assert_text(context: &Context, what: &str, actual: &str, expected: &str) {
    assert!(
        context.matches_whole(expected, actual),
        "unexpected {what} (- expected, + actual):\n{}\n--- actual {what}, as a literal:\n{:?}",
        context.diff(expected, actual),
        context.normalise(actual)
    );
}

impl std::fmt::Debug for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outcome")
            .field("code", &self.code)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish()
    }
}

impl Outcome {
    /// The outcome of `output`, checked with `context`'s placeholders.
    pub(super) fn new(output: std::process::Output, context: Context) -> Outcome {
        Outcome {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            context,
            project: None,
        }
    }

    /// The project a [`Test::new`](super::Test::new) made.
    pub fn project(&self) -> &Project {
        self.project
            .as_ref()
            .expect("a Test::new run owns its project")
    }

    fn context_dump(&self) -> String {
        format!(
            "\n--- exit code: {:?}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.code,
            self.context.normalise(&self.stdout),
            self.context.normalise(&self.stderr)
        )
    }

    fn stream(&self, stream: Stream) -> &str {
        match stream {
            Stream::Stdout => &self.stdout,
            Stream::Stderr => &self.stderr,
        }
    }

    /// Checks one expectation, failing the test at the caller's line (and
    /// naming the line that stated it).
    #[track_caller]
    pub(super) fn check(&self, expected: &Expected) {
        if let Some(failure) = self.failure(&expected.what) {
            if super::record::recorded(expected, self) {
                return;
            }
            panic!(
                "{failure}\n--- expected at {}{}",
                expected.at,
                self.context_dump()
            );
        }
    }

    /// The normalised text of `stream`, as a test would expect it.
    pub(super) fn normalised(&self, stream: Stream) -> String {
        self.context.normalise(self.stream(stream))
    }

    fn failure(&self, what: &Expectation) -> Option<String> {
        let context = &self.context;
        match what {
            Expectation::Status(code) => (self.code != Some(*code))
                .then(|| format!("exit code {:?}, expected {code}", self.code)),
            Expectation::Output(stream, extent, text) => {
                let actual = self.stream(*stream);
                let name = stream.name();
                match extent {
                    Extent::Whole => (!context.matches_whole(text, actual)).then(|| {
                        format!(
                            "unexpected {name} (- expected, + actual):\n{}\n--- actual {name}, \
                             as a literal:\n{:?}",
                            context.diff(text, actual),
                            context.normalise(actual)
                        )
                    }),
                    Extent::AnyOrder => {
                        (!context.matches_lines_in_any_order(text, actual)).then(|| {
                            format!(
                                "{name} is not these lines in any order:\n{text}\n--- actual \
                                 {name}, as a literal:\n{:?}",
                                context.normalise(actual)
                            )
                        })
                    }
                    Extent::Includes => {
                        (!context.occurs_in(text, actual)).then(|| format!("{name} lacks {text:?}"))
                    }
                }
            }
        }
    }

    #[track_caller]
    fn expect(self, what: Expectation) -> Outcome {
        self.check(&Expected {
            what,
            at: Location::caller(),
        });
        self
    }

    /// It exited with `code`.
    #[track_caller]
    pub fn status(self, code: i32) -> Outcome {
        self.expect(Expectation::Status(code))
    }

    /// Its whole stdout is `text` (placeholders: see `expected.rs`).
    #[track_caller]
    pub fn stdout(self, text: &str) -> Outcome {
        self.expect(Expectation::Output(
            Stream::Stdout,
            Extent::Whole,
            text.into(),
        ))
    }

    /// Its whole stderr is `text` (placeholders: see `expected.rs`).
    #[track_caller]
    pub fn stderr(self, text: &str) -> Outcome {
        self.expect(Expectation::Output(
            Stream::Stderr,
            Extent::Whole,
            text.into(),
        ))
    }

    /// Its stderr is the lines of `text`, in any order.
    #[track_caller]
    pub fn stderr_any_order(self, text: &str) -> Outcome {
        self.expect(Expectation::Output(
            Stream::Stderr,
            Extent::AnyOrder,
            text.into(),
        ))
    }

    /// Its stderr includes `text`: a partial check, for output that is not
    /// the same from run to run; say why where it is used.
    #[track_caller]
    pub fn stderr_includes(self, text: &str) -> Outcome {
        self.expect(Expectation::Output(
            Stream::Stderr,
            Extent::Includes,
            text.into(),
        ))
    }

    /// Its stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON: {error}{}", self.context_dump()))
    }
}
