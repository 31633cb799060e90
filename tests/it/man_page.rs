//! `devup man`: the man page devup(1), generated from the clap
//! definitions, renders without a warning and documents every subcommand
//! `devup --help` lists.
use crate::harness;

use harness::{Project, recorders};

/// The subcommands `devup --help` lists.
fn subcommands(project: &Project) -> Vec<String> {
    let help = project.devup(["--help"]).status(0).run().stdout;
    help.split("Commands:\n")
        .nth(1)
        .expect("a Commands section")
        .lines()
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(String::from)
        .collect()
}

#[test]
fn the_man_page_renders_and_documents_every_subcommand() {
    let project = Project::new(&recorders(&[("db", &[])]));
    let page = project.devup(["man"]).status(0).run().stdout;
    assert!(
        page.lines().any(|line| line.starts_with(".TH devup 1")),
        "{page}"
    );
    if !harness::programs::installed("groff") {
        return;
    }
    let mut groff = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-rLL=200n"])
        .env("GROFF_NO_SGR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("running groff");
    use std::io::Write;
    groff
        .stdin
        .take()
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let output = groff.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "", "groff warned");
    // Bold and underline are drawn by overstriking; read the letters only.
    let text = String::from_utf8_lossy(&output.stdout);
    let text = regex::Regex::new(".\x08").unwrap().replace_all(&text, "");
    let names = subcommands(&project);
    assert!(names.len() >= 11, "{names:?}");
    // Partial: the page as groff renders it depends on groff's version;
    // every command has its section, and the words that matter are there.
    for name in names {
        assert!(
            text.contains(&format!("   devup {name}\n")),
            "no section for `devup {name}` in:\n{text}"
        );
    }
    for words in ["--json", "--follow", "Exit codes: 0 success", "COMMANDS"] {
        assert!(text.contains(words), "{words:?} missing in:\n{text}");
    }
}
