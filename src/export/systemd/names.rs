//! The names of the units: `devup-P-NAME.service` and `devup-P.target`,
//! where P is the project, by default the manifest directory's name
//! reduced to `[a-z0-9-]`.

use std::path::Path;

/// The default project name for a manifest in `dir`: lowercased, every run
/// of other characters a single `-`, no `-` at either end; `devup` when
/// nothing is left.
pub fn project_name(dir: &Path) -> String {
    let name = dir
        .file_name()
        .map(|name| name.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    reduce(&name)
}

fn reduce(name: &str) -> String {
    let mut reduced = String::new();
    for c in name.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            reduced.push(c);
        } else if !reduced.is_empty() && !reduced.ends_with('-') {
            reduced.push('-');
        }
    }
    let reduced = reduced.trim_end_matches('-').to_string();
    if reduced.is_empty() {
        "devup".into()
    } else {
        reduced
    }
}

/// Checks a `--project` value: `[a-z0-9-]`, not empty.
pub fn check_project(project: &str) -> Result<(), String> {
    if project.is_empty()
        || !project
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(format!(
            "the project name `{project}` must be made of a-z, 0-9 and `-` (it becomes part of unit names)"
        ));
    }
    Ok(())
}

/// `devup-P-NAME.service`, or why NAME cannot be part of a unit name.
pub fn service_name(project: &str, name: &str) -> Result<String, String> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
    let unit = format!("devup-{project}-{name}.service");
    if !valid || unit.len() > 255 {
        return Err(format!(
            "the name `{name}` cannot be part of a systemd unit name (letters, digits, `-`, `_`, `.`, `:`, at most 255 bytes in all)"
        ));
    }
    Ok(unit)
}

/// `devup-P.target`.
pub fn target_name(project: &str) -> String {
    format!("devup-{project}.target")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_is_the_directory_name_reduced() {
        assert_eq!(project_name(Path::new("/home/me/My App_2")), "my-app-2");
        assert_eq!(project_name(Path::new("/srv/--shop--")), "shop");
        assert_eq!(project_name(Path::new("/srv/ÜÜ")), "devup");
        assert_eq!(project_name(Path::new("/")), "devup");
    }

    #[test]
    fn project_names_are_checked() {
        assert_eq!(check_project("shop-2"), Ok(()));
        assert!(check_project("Shop").is_err());
        assert!(check_project("").is_err());
    }

    #[test]
    fn unit_names() {
        assert_eq!(
            service_name("shop", "db_main").unwrap(),
            "devup-shop-db_main.service"
        );
        assert!(service_name("shop", "my db").is_err());
        assert!(service_name("shop", "a@b").is_err());
        assert_eq!(target_name("shop"), "devup-shop.target");
    }
}
