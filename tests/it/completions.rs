//! `devup completions SHELL`: a script that asks devup at each TAB, so
//! daemon names are offered (`devup logs <TAB>`); `schema` and
//! `completions` do not list the `-f` they have no use for.
use crate::harness;

use harness::{Project, devup_bin, recorders};

/// What bash's completion offers for `words` (the last one being
/// completed), with devup's script sourced; `None` (after a skip notice)
/// when bash is not installed.
fn bash_offers(project: &Project, words: &[&str]) -> Option<Vec<String>> {
    if !harness::programs::installed("bash") {
        return None;
    }
    let bin_dir = devup_bin().parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let quoted: Vec<String> = words.iter().map(|word| format!("'{word}'")).collect();
    let script = format!(
        "source <(devup completions bash)\n\
         COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_TYPE=9\n\
         _clap_complete_devup devup '{current}' '{previous}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        words = quoted.join(" "),
        cword = words.len() - 1,
        current = words[words.len() - 1],
        previous = words[words.len() - 2],
    );
    let output = std::process::Command::new("bash")
        .args(["-c", &script])
        .current_dir(project.dir())
        .env("PATH", path)
        .env_remove("DEVUP_FILE")
        .output()
        .expect("running bash");
    assert!(output.status.success(), "{output:?}");
    Some(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(String::from)
            .filter(|line| !line.is_empty())
            .collect(),
    )
}

#[test]
fn bash_completes_the_daemon_names_of_the_manifest() {
    let project = Project::new(&recorders(&[("redis", &[]), ("web", &["redis"])]));
    let Some(offered) = bash_offers(&project, &["devup", "logs", ""]) else {
        return;
    };
    assert!(
        offered.starts_with(&["redis".to_string(), "web".to_string()]),
        "{offered:?}"
    );
    let Some(offered) = bash_offers(&project, &["devup", "down", "w"]) else {
        return;
    };
    assert_eq!(offered, ["web"]);
}

#[test]
fn the_completion_protocol_answers_with_names_and_subcommands() {
    let project = Project::new(&recorders(&[("redis", &[]), ("web", &["redis"])]));
    project
        .devup(["--", "devup", "restart", "re"])
        .env("COMPLETE", "fish")
        .status(0)
        .stdout("redis\n")
        .run();
    project
        .devup(["--", "devup", "sta"])
        .env("COMPLETE", "fish")
        .status(0)
        .stdout("status\tShow each daemon's state, pid and uptime (exit 0 when all run, else 3)\n")
        .run();
    // Outside a project there are no names to offer, and no error.
    let elsewhere = std::env::temp_dir();
    project
        .devup(["--", "devup", "logs", ""])
        .env("COMPLETE", "fish")
        .current_dir(&elsewhere)
        .status(0)
        .stdout(
            "\
--file\tThe manifest (default: $DEVUP_FILE, else the nearest daemons.yaml)
--quiet\tPrint nothing but errors
--lines\tHow many lines of each log
--follow\tKeep printing what is appended to each, like `tail -F`
--help\tPrint help
--version\tPrint version
",
        )
        .stderr("")
        .run();
}

#[test]
fn every_shell_gets_a_script_for_devup_and_devdown() {
    let project = Project::new(&recorders(&[("db", &[])]));
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        // Partial: the scripts are clap_complete's text, not devup's; each
        // must call back with COMPLETE, for devdown too.
        eprintln!("{shell}");
        project
            .devup(["completions", shell])
            .status(0)
            .stdout_includes("COMPLETE")
            .stdout_includes("devdown")
            .stderr("")
            .run();
    }
}

#[test]
fn schema_and_completions_help_list_no_manifest_flag() {
    let project = Project::new(&recorders(&[("db", &[])]));
    assert_eq!(
        project.devup(["schema", "--help"]).status(0).run().stdout,
        "Print the JSON Schema of the manifest\n\n\
         Usage: devup schema\n\n\
         Options:\n  \
         -h, --help     Print help\n  \
         -V, --version  Print version\n"
    );
    let help = project
        .devup(["completions", "--help"])
        .status(0)
        .run()
        .stdout;
    assert!(!help.contains("--file") && !help.contains("-q"), "{help}");
    assert!(help.contains("Usage: devup completions <SHELL>"), "{help}");
}
