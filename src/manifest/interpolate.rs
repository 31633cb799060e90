//! `${VAR}` and `${VAR:-default}` in manifest strings, taken from devup's own
//! environment (passed in, so tests are deterministic). `$$` is a literal
//! `$`; a bare `$NAME` is left as it is, for the shell to expand. This file
//! owns the string rule only; which strings it applies to, and the position
//! of an error, are the validator's business.

/// Looks a variable up in devup's environment.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Expands `${VAR}`, `${VAR:-default}` and `$$` in `text`. An unset `${VAR}`
/// without a default is an error naming the variable; so is a `${` that is
/// never closed or an empty name.
pub fn interpolate(text: &str, env: Lookup<'_>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let close = body.find('}').ok_or_else(|| {
                format!("`${{` is never closed in `{text}`; write `$${{` for a literal `${{`")
            })?;
            let inner = &body[..close];
            let (name, default) = match inner.split_once(":-") {
                Some((name, default)) => (name, Some(default)),
                None => (inner, None),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!(
                    "`${{{inner}}}` is not a variable reference; expected `${{NAME}}` or `${{NAME:-default}}`"
                ));
            }
            // `${VAR:-default}` uses the default when VAR is unset or empty,
            // as the shell does.
            match (
                env(name).filter(|value| !value.is_empty() || default.is_none()),
                default,
            ) {
                (Some(value), _) => out.push_str(&value),
                (None, Some(default)) => out.push_str(default),
                (None, None) => {
                    return Err(format!(
                        "environment variable `{name}` is not set; set it, or give a default with `${{{name}:-default}}`"
                    ));
                }
            }
            rest = &body[close + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOME" => Some("/home/dev".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn braced_forms_expand_and_bare_names_stay() {
        assert_eq!(interpolate("${HOME}/x", &env).unwrap(), "/home/dev/x");
        assert_eq!(interpolate("${PORT:-6380}", &env).unwrap(), "6380");
        assert_eq!(interpolate("${HOME:-/tmp}", &env).unwrap(), "/home/dev");
        assert_eq!(interpolate("${EMPTY:-x}", &env).unwrap(), "x");
        assert_eq!(interpolate("${EMPTY}", &env).unwrap(), "");
        assert_eq!(interpolate("echo $HOME $1", &env).unwrap(), "echo $HOME $1");
        assert_eq!(
            interpolate("cost: $$5 and $${HOME}", &env).unwrap(),
            "cost: $5 and ${HOME}"
        );
        assert_eq!(interpolate("trailing $", &env).unwrap(), "trailing $");
        assert_eq!(interpolate("${A:-}", &env).unwrap(), "");
    }

    #[test]
    fn unset_unclosed_and_malformed_references_are_errors() {
        assert_eq!(
            interpolate("${NOPE}", &env).unwrap_err(),
            "environment variable `NOPE` is not set; set it, or give a default with `${NOPE:-default}`"
        );
        assert_eq!(
            interpolate("a ${HOME", &env).unwrap_err(),
            "`${` is never closed in `a ${HOME`; write `$${` for a literal `${`"
        );
        assert_eq!(
            interpolate("${}", &env).unwrap_err(),
            "`${}` is not a variable reference; expected `${NAME}` or `${NAME:-default}`"
        );
    }
}
