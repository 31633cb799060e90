//! Fuzzes the whole manifest path, load + interpolate + validate, with
//! arbitrary bytes: no input may panic or hang, and every rejection must be
//! an error that names the file and says where (line and column) unless it
//! is about the file as a whole. Non-UTF-8 input goes through
//! `Manifest::load` (a file on a tmpfs), UTF-8 through `Manifest::parse`.
#![no_main]

use std::path::Path;

use devup::Manifest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("/fuzz/daemons.yaml");
    let env = |name: &str| (name == "SET").then(|| "value".to_string());
    let result = match std::str::from_utf8(data) {
        Ok(text) => Manifest::parse_with_env(text, path, &env),
        Err(_) => {
            let file = std::env::temp_dir().join(format!("devup-fuzz-{}.yaml", std::process::id()));
            std::fs::write(&file, data).expect("writing the input");
            Manifest::load_with_env(&file, &env)
        }
    };
    if let Err(error) = result {
        assert!(!error.problems.is_empty(), "an error without a problem");
        for problem in &error.problems {
            assert!(!problem.message.is_empty(), "a problem without a message");
            assert!(
                problem.line.is_some()
                    || problem.daemon.is_some()
                    || problem.key.is_some()
                    || about_the_whole_file(&problem.message),
                "a rejection without a position: {problem:?}"
            );
        }
        let _ = error.to_string();
    }
});

/// Problems about the file as a whole, which have no better position than
/// the file itself: it is empty, or has no `daemons:` at all. (A problem
/// may also be placed by its daemon or key path alone.)
fn about_the_whole_file(message: &str) -> bool {
    message.starts_with("the manifest is empty") || message.starts_with("missing `daemons:`")
}
