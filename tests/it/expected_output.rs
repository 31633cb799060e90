//! The harness' whole-output comparison itself: placeholders, padding,
//! lines that may be missing or come in any order, and the diff a
//! mismatch shows. A real run of devup gives the outputs.

use crate::harness;

use harness::Test;
use harness::expected::Context;

fn context() -> Context {
    let mut context = Context::default();
    context.set("dir", "/tmp/project");
    context
}

#[test]
fn placeholders_stand_for_the_run_s_values_and_for_what_varies() {
    let context = context();
    let actual = "db: ready in 12ms (pid 4242)\nerror: /tmp/project/daemons.yaml: bad\n";
    assert!(context.matches_whole(
        "db: ready in {time} (pid {pid})\nerror: {dir}/daemons.yaml: bad\n",
        actual
    ));
    // The whole output: a missing line, an extra one or another word fail.
    assert!(!context.matches_whole("db: ready in {time} (pid {pid})\n", actual));
    assert!(!context.matches_whole(
        "db: ready in {time} (pid {pid})\nerror: {dir}/daemons.yaml: worse\n",
        actual
    ));
    assert_eq!(
        context.normalise(actual),
        "db: ready in {time} (pid {pid})\nerror: {dir}/daemons.yaml: bad\n"
    );
}

#[test]
fn padding_next_to_a_wildcard_is_any_width_and_maybe_lines_may_be_missing() {
    let context = context();
    let table = "db   running          812  5ms\nweb  running        31415  1.5s\n";
    assert!(context.matches_whole(
        "db   running  {pid}  {time}\nweb  running  {pid}  {time}\n",
        table
    ));
    let expected = "a: starting\n{maybe}a: waiting for pid file\na: failed after {time}\n";
    assert!(context.matches_whole(expected, "a: starting\na: failed after 3ms\n"));
    assert!(context.matches_whole(
        expected,
        "a: starting\na: waiting for pid file\na: failed after 3ms\n"
    ));
    assert!(context.matches_lines_in_any_order(
        "a: ready\n{maybe}b: waiting\nb: ready\n",
        "b: ready\na: ready\n"
    ));
    assert!(!context.matches_lines_in_any_order("a: ready\nb: ready\n", "b: ready\n"));
}

#[test]
fn a_mismatch_shows_a_line_diff_against_the_normalised_output() {
    let diff = context().diff(
        "db: starting\ndb: ready in {time}\n",
        "db: starting\ndb: failed after 2.0s\n",
    );
    assert_eq!(
        diff,
        "  db: starting\n- db: ready in {time}\n+ db: failed after {time}\n"
    );
}

#[test]
#[should_panic(expected = "unexpected stderr (- expected, + actual):\n- nothing\n+ error: ")]
fn a_run_whose_output_differs_fails_at_the_test_with_the_diff() {
    Test::new()
        .args(["--no-such-flag"])
        .status(2)
        .stderr("nothing\n")
        .run();
}
