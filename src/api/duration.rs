//! Durations as written in specs: a positive whole number and a unit (`1500ms`, `30s`, `10m`, `1h`).

use std::time::Duration;

/// The OpenAPI pattern every duration field carries, so the API server rejects bad ones.
pub const DURATION_PATTERN: &str = "^0*[1-9][0-9]{0,8}(ms|s|m|h)$";

/// Why a duration string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not a duration: write a positive whole number and a unit, e.g. 1500ms, 30s, 10m or 1h"
)]
pub struct DurationError {
    /// The rejected text.
    pub text: String,
}

/// Parses a duration written as `<positive integer><ms|s|m|h>`.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let invalid = || DurationError {
        text: text.to_owned(),
    };
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let value: u64 = number.parse().map_err(|_| invalid())?;
    if value == 0 || digits > 9 {
        return Err(invalid());
    }
    match unit {
        "ms" => Ok(Duration::from_millis(value)),
        "s" => Ok(Duration::from_secs(value)),
        "m" => Ok(Duration::from_secs(value * 60)),
        "h" => Ok(Duration::from_secs(value * 3600)),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_unit() {
        assert_eq!(parse_duration("1500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
    }

    #[test]
    fn rejects_zero_negative_and_unitless() {
        for bad in ["0s", "-5s", "10", "s", "", "1.5s", "10d", "1234567890s"] {
            assert!(parse_duration(bad).is_err(), "{bad} should be rejected");
        }
    }
}
