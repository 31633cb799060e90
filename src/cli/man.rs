//! `devup man`: the man page devup(1), generated from the clap definitions
//! (clap_mangen), so it always lists exactly the commands and flags there
//! are: the top-level synopsis and options, then a COMMANDS section with
//! each subcommand's synopsis and options, then the notes (exit codes).

use std::io;

use clap::CommandFactory;
use clap_mangen::Man;

use super::args::DevupArgs;

/// The whole page, in roff.
pub(super) fn page() -> io::Result<String> {
    let command = DevupArgs::command();
    let man = Man::new(command.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    out.extend_from_slice(b".SH COMMANDS\n");
    for sub in command.get_subcommands() {
        let name = format!("devup {}", sub.get_name());
        out.extend_from_slice(format!(".SS \"{name}\"\n").as_bytes());
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            out.extend_from_slice(format!("{}\n.PP\n", escape(&about.to_string())).as_bytes());
        }
        let sub = Man::new(sub.clone().bin_name(name));
        for section in [
            Man::render_synopsis_section as fn(&Man, &mut dyn io::Write) -> io::Result<()>,
            Man::render_options_section,
        ] {
            let mut text = Vec::new();
            section(&sub, &mut text)?;
            // Within COMMANDS, a subcommand's sections are paragraphs.
            let text = String::from_utf8_lossy(&text)
                .lines()
                .filter(|line| !line.starts_with(".SH "))
                .map(|line| format!("{line}\n"))
                .collect::<String>();
            out.extend_from_slice(text.as_bytes());
        }
    }
    let mut extra = Vec::new();
    man.render_extra_section(&mut extra)?;
    let extra = String::from_utf8_lossy(&extra).replace(".SH EXTRA", ".SH NOTES");
    out.extend_from_slice(extra.as_bytes());
    man.render_version_section(&mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `text` safe as a roff text line: backslashes doubled, a leading `.` or
/// `'` (a control line) escaped.
fn escape(text: &str) -> String {
    let text = text.replace('\\', "\\\\");
    if text.starts_with('.') || text.starts_with('\'') {
        format!("\\&{text}")
    } else {
        text
    }
}
