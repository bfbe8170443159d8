//! Migration versions: compared numerically segment by segment (`2` < `10`, `1.2` < `1.10`).

use std::cmp::Ordering;
use std::fmt;

/// A migration version as written in its file name, ordered by its numeric segments.
///
/// Segments are the runs of ASCII digits in the text; any other characters (`.`, `_`, `-`)
/// separate them. `1.2` < `1.10`, `2` < `10`, `1` == `01` in order (but they are still distinct
/// strings; duplicate detection compares segments, so `1` and `01` collide).
#[derive(Debug, Clone, Eq)]
pub struct Version {
    text: String,
    segments: Vec<u128>,
}

/// Why a string is not a version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a version: {reason}")]
pub struct InvalidVersion {
    /// The rejected text.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl Version {
    /// Parses a version: digits separated by `.`, `_` or `-`, starting and ending with a digit.
    pub fn parse(text: &str) -> Result<Self, InvalidVersion> {
        let invalid = |reason| InvalidVersion {
            text: text.to_owned(),
            reason,
        };
        if text.is_empty() {
            return Err(invalid("it is empty"));
        }
        if !text.starts_with(|c: char| c.is_ascii_digit())
            || !text.ends_with(|c: char| c.is_ascii_digit())
        {
            return Err(invalid("it must start and end with a digit"));
        }
        let mut segments = Vec::new();
        for part in text.split(['.', '_', '-']) {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(
                    "only digits separated by single '.', '_' or '-' are allowed",
                ));
            }
            let value = part
                .parse::<u128>()
                .map_err(|_| invalid("a segment is too large"))?;
            segments.push(value);
        }
        Ok(Self {
            text: text.to_owned(),
            segments,
        })
    }

    /// The version exactly as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        // Missing trailing segments count as zero: `1` == `1.0`, `1` < `1.1`.
        let len = self.segments.len().max(other.segments.len());
        (0..len)
            .map(|i| {
                let a = self.segments.get(i).copied().unwrap_or(0);
                let b = other.segments.get(i).copied().unwrap_or(0);
                a.cmp(&b)
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for Version {
    type Err = InvalidVersion;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn compares_numerically_per_segment() {
        assert!(v("2") < v("10"));
        assert!(v("1.2") < v("1.10"));
        assert!(v("1_9") < v("1_10"));
        assert!(v("20240101120000") < v("20240102000000"));
        assert!(v("2024-01-01-000000") < v("2024-01-02-000000"));
        assert_eq!(v("1"), v("1.0"));
        assert_eq!(v("0001"), v("1"));
        assert_eq!(v("0001").as_str(), "0001");
    }

    #[test]
    fn rejects_non_versions() {
        for bad in ["", "a1", "1a", "1..2", "1.", ".1", "v1", "1 2"] {
            assert!(Version::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
