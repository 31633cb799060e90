//! The escaping of `devup export systemd` checked against a real systemd:
//! nasty argv words and environment values are written with
//! `devup::export::systemd::escape`, a unit prints what systemd handed it
//! (`printf '%s\0'`, `env -0`) into a file inside a throw-away systemd box,
//! and what comes back is exactly what went in.

use crate::sdbox;

use std::path::PathBuf;

use devup::export::systemd::escape;
use sdbox::SdBox;

/// Words that break naive quoting: quotes, backslashes, specifiers,
/// variables, whitespace of every kind, control bytes, a lone `;`, an empty
/// word, non-ASCII text, and a pseudo-random mix of every ASCII byte.
fn nasty_words() -> Vec<String> {
    let mut words: Vec<String> = [
        "plain",
        "",
        ";",
        "two words",
        "it's",
        "say \"hi\"",
        "back\\slash",
        "trailing\\",
        "100%",
        "%n %i %%",
        "$HOME",
        "${HOME}",
        "$$",
        "tab\there",
        "new\nline",
        "cr\rlf",
        "\x01\x1b[31mred\x7f",
        "ünïcødé ✓",
        "\u{85}next line",
        "-dash",
        "@at",
        "'",
        "\"",
    ]
    .iter()
    .map(|word| word.to_string())
    .collect();
    // A fixed linear congruential sequence over every non-NUL ASCII byte,
    // with now and then a character from the rest of Unicode.
    let mut state: u32 = 12345;
    let mut next = || {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        state >> 8
    };
    for _ in 0..200 {
        let word: String = (0..12)
            .map(|_| {
                let value = next();
                if value % 8 == 0 {
                    char::from_u32(0x80 + value % 0x2_0000).unwrap_or('\u{fffd}')
                } else {
                    char::from(1 + (value % 127) as u8)
                }
            })
            .collect();
        words.push(word);
    }
    words
}

fn unit_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("devup-escaping-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn systemd_hands_each_command_word_and_environment_value_back_unchanged() {
    let words = nasty_words();
    let dir = unit_dir();
    let mut argv = vec!["/usr/bin/printf".to_string(), "%s\\0".to_string()];
    argv.extend(words.iter().cloned());
    let mut env_lines = String::new();
    for (index, word) in words.iter().enumerate() {
        env_lines.push_str(&format!(
            "Environment={}\n",
            escape::assignment(&format!("NASTY_{index}"), word).unwrap()
        ));
    }
    let words_unit = dir.join("devup-escape-words.service");
    std::fs::write(
        &words_unit,
        format!(
            "[Service]\nType=oneshot\nExecStart={}\nStandardOutput=file:{}\n",
            escape::command_line(&argv).unwrap(),
            escape::path(&dir.join("words.out")).unwrap()
        ),
    )
    .unwrap();
    let env_unit = dir.join("devup-escape-env.service");
    std::fs::write(
        &env_unit,
        format!(
            "[Service]\nType=oneshot\n{env_lines}ExecStart=/usr/bin/env -0\nStandardOutput=file:{}\n",
            escape::path(&dir.join("env.out")).unwrap()
        ),
    )
    .unwrap();

    let Some(sdbox) = SdBox::boot() else {
        return;
    };
    sdbox.install_units(&[words_unit, env_unit]);
    sdbox.sh("systemctl start devup-escape-words.service devup-escape-env.service");
    let printed = sdbox.run(&["cat", &dir.join("words.out").display().to_string()]);
    let printed: Vec<String> = printed
        .stdout
        .split(|byte| *byte == 0)
        .map(|word| String::from_utf8_lossy(word).into_owned())
        .collect();
    // printf's output ends with a NUL, so the split ends with "".
    assert_eq!(printed[..printed.len() - 1], words[..]);
    let env = sdbox.run(&["cat", &dir.join("env.out").display().to_string()]);
    let env: Vec<String> = env
        .stdout
        .split(|byte| *byte == 0)
        .map(|entry| String::from_utf8_lossy(entry).into_owned())
        .collect();
    for (index, word) in words.iter().enumerate() {
        let expected = format!("NASTY_{index}={word}");
        assert!(env.contains(&expected), "missing {expected:?} in {env:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
