//! Durations as the manifest spells them: `500ms`, `15s`, `2m`, or a plain
//! number of seconds (`30`, `1.5`), at most one day
//! ([`crate::controller::MAX_DURATION`]). This file owns the parsing and the
//! message for a duration that is not one; it knows nothing of keys.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::controller::MAX_DURATION;
use serde::de::{self, Deserializer, Visitor};

/// What a valid duration looks like, appended to every duration error.
pub const EXPECTED: &str =
    "expected a number of seconds or a number followed by ms, s or m (500ms, 15s, 2m)";

/// Parses `500ms`, `15s`, `2m`, `1.5` (seconds) or `1.5s`.
pub fn parse(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let invalid = || format!("invalid duration `{text}`; {EXPECTED}");
    let (number, unit_secs) = if let Some(number) = trimmed.strip_suffix("ms") {
        (number, 0.001)
    } else if let Some(number) = trimmed.strip_suffix('s') {
        (number, 1.0)
    } else if let Some(number) = trimmed.strip_suffix('m') {
        (number, 60.0)
    } else {
        (trimmed, 1.0)
    };
    let number = number.trim_end();
    // Only plain decimal numbers: no sign, no exponent, no `inf`/`nan`.
    let plain = !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit() || c == '.')
        && number.chars().filter(|&c| c == '.').count() <= 1
        && number.chars().any(|c| c.is_ascii_digit());
    if !plain {
        if number.starts_with('-') {
            return Err(format!(
                "invalid duration `{text}`: it is negative; {EXPECTED}"
            ));
        }
        return Err(invalid());
    }
    let value: f64 = number.parse().map_err(|_| invalid())?;
    let Some(duration) = from_secs(value * unit_secs) else {
        // A plain number past what a `Duration` holds: far past the bound.
        return Err(format!("invalid duration `{text}`: {TOO_LONG}"));
    };
    bounded(text, duration)
}

/// Refuses a duration above [`MAX_DURATION`] (one day): a deadline that
/// far is a typo, and the bound keeps every deadline representable.
fn bounded(text: &str, duration: Duration) -> Result<Duration, String> {
    if duration > MAX_DURATION {
        return Err(format!("invalid duration `{text}`: {TOO_LONG}"));
    }
    Ok(duration)
}

/// Why a duration above [`MAX_DURATION`] is refused.
const TOO_LONG: &str = "it is longer than the longest devup allows, one day (86400s, 1440m)";

/// A number of seconds from YAML (an integer or a float).
pub fn from_number(seconds: f64) -> Result<Duration, String> {
    if seconds < 0.0 {
        return Err(format!(
            "invalid duration `{seconds}`: it is negative; {EXPECTED}"
        ));
    }
    let Some(duration) = from_secs(seconds) else {
        // Past what a `Duration` holds (`1e300`): far past the bound.
        return Err(format!("invalid duration `{seconds:?}`: {TOO_LONG}"));
    };
    bounded(&seconds.to_string(), duration)
}

fn from_secs(seconds: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(seconds).ok()
}

/// A duration key's value: a string with a unit, or a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawDuration(pub Duration);

impl<'de> Deserialize<'de> for RawDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;

        impl Visitor<'_> for DurationVisitor {
            type Value = RawDuration;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration (500ms, 15s, 2m, or a number of seconds)")
            }

            fn visit_u64<E: de::Error>(self, seconds: u64) -> Result<RawDuration, E> {
                bounded(&seconds.to_string(), Duration::from_secs(seconds))
                    .map(RawDuration)
                    .map_err(E::custom)
            }

            fn visit_i64<E: de::Error>(self, seconds: i64) -> Result<RawDuration, E> {
                from_number(seconds as f64)
                    .map(RawDuration)
                    .map_err(E::custom)
            }

            fn visit_f64<E: de::Error>(self, seconds: f64) -> Result<RawDuration, E> {
                from_number(seconds).map(RawDuration).map_err(E::custom)
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<RawDuration, E> {
                parse(text).map(RawDuration).map_err(E::custom)
            }
        }

        deserializer.deserialize_any(DurationVisitor)
    }
}

impl schemars::JsonSchema for RawDuration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A duration: `500ms`, `15s`, `2m`, or a number of seconds.",
            "oneOf": [
                { "type": "number", "minimum": 0 },
                { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?\\s*(ms|s|m)?$" }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_plain_numbers_parse() {
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("15s"), Ok(Duration::from_secs(15)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("0.5s"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("10 s"), Ok(Duration::from_secs(10)));
    }

    #[test]
    fn garbage_and_negatives_are_rejected_with_the_expected_forms() {
        assert_eq!(
            parse("fast"),
            Err(format!("invalid duration `fast`; {EXPECTED}"))
        );
        assert_eq!(
            parse("-5s"),
            Err(format!(
                "invalid duration `-5s`: it is negative; {EXPECTED}"
            ))
        );
        assert_eq!(
            parse("5h"),
            Err(format!("invalid duration `5h`; {EXPECTED}"))
        );
        assert_eq!(
            parse("1e3"),
            Err(format!("invalid duration `1e3`; {EXPECTED}"))
        );
        assert_eq!(parse(""), Err(format!("invalid duration ``; {EXPECTED}")));
        assert_eq!(
            from_number(1e300),
            Err(format!("invalid duration `1e300`: {TOO_LONG}"))
        );
        let digits = "9".repeat(40);
        assert_eq!(
            parse(&format!("{digits}m")),
            Err(format!("invalid duration `{digits}m`: {TOO_LONG}"))
        );
        assert_eq!(
            from_number(-1.0),
            Err(format!("invalid duration `-1`: it is negative; {EXPECTED}"))
        );
    }

    #[test]
    fn yaml_numbers_and_strings_deserialize() {
        let value: RawDuration = serde_yaml::from_str("2").unwrap();
        assert_eq!(value.0, Duration::from_secs(2));
        let value: RawDuration = serde_yaml::from_str("0.25").unwrap();
        assert_eq!(value.0, Duration::from_millis(250));
        let value: RawDuration = serde_yaml::from_str("250ms").unwrap();
        assert_eq!(value.0, Duration::from_millis(250));
        let error = serde_yaml::from_str::<RawDuration>("-3").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("invalid duration `-3`: it is negative"),
            "{error}"
        );
    }
}
