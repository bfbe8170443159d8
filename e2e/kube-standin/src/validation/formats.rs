//! `format`: kube-apiserver keeps only the formats of apiextensions-apiserver's
//! `supportedVersionedFormats` (all others, `int32`, `int64`, `float`, `double` included, are
//! dropped and never checked) and checks strings against kube-openapi's `strfmt` registry.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;

/// A format kube-apiserver checks.
pub struct Format {
    /// The name as the schema spells it (`date-time`), used in messages.
    pub name: String,
    check: Check,
}

#[derive(Clone, Copy)]
enum Check {
    BsonObjectId,
    Uri,
    Email,
    Hostname,
    Ipv4,
    Ipv6,
    Cidr,
    Mac,
    Uuid(Option<char>),
    Isbn(bool, bool),
    CreditCard,
    Ssn,
    HexColor,
    RgbColor,
    Byte,
    Password,
    Date,
    Duration,
    DateTime,
}

impl Format {
    /// The format `name`, when kube-apiserver checks it (`-` is ignored, as go-openapi does).
    pub fn supported(name: &str) -> Option<Self> {
        let check = match name.replace('-', "").as_str() {
            "bsonobjectid" => Check::BsonObjectId,
            "uri" => Check::Uri,
            "email" => Check::Email,
            "hostname" => Check::Hostname,
            "ipv4" => Check::Ipv4,
            "ipv6" => Check::Ipv6,
            "cidr" => Check::Cidr,
            "mac" => Check::Mac,
            "uuid" => Check::Uuid(None),
            "uuid3" => Check::Uuid(Some('3')),
            "uuid4" => Check::Uuid(Some('4')),
            "uuid5" => Check::Uuid(Some('5')),
            "isbn" => Check::Isbn(true, true),
            "isbn10" => Check::Isbn(true, false),
            "isbn13" => Check::Isbn(false, true),
            "creditcard" => Check::CreditCard,
            "ssn" => Check::Ssn,
            "hexcolor" => Check::HexColor,
            "rgbcolor" => Check::RgbColor,
            "byte" => Check::Byte,
            "password" => Check::Password,
            "date" => Check::Date,
            "duration" => Check::Duration,
            "datetime" => Check::DateTime,
            _ => return None,
        };
        Some(Self {
            name: name.to_owned(),
            check,
        })
    }

    /// Whether `text` is valid in this format.
    pub fn accepts(&self, text: &str) -> bool {
        match self.check {
            Check::BsonObjectId => text.len() == 24 && text.bytes().all(|b| b.is_ascii_hexdigit()),
            Check::Uri => is_request_uri(text),
            Check::Email => is_email(text),
            Check::Hostname => is_hostname(text),
            Check::Ipv4 => is_ip(text) && text.contains('.'),
            Check::Ipv6 => is_ip(text) && text.contains(':'),
            Check::Cidr => is_cidr(text),
            Check::Mac => is_mac(text),
            Check::Uuid(version) => is_uuid(text, version),
            Check::Isbn(ten, thirteen) => {
                (ten && is_isbn(text, 10)) || (thirteen && is_isbn(text, 13))
            }
            Check::CreditCard => is_credit_card(text),
            Check::Ssn => text.len() == 11 && matches(&SSN, text),
            Check::HexColor => matches(&HEX_COLOR, text),
            Check::RgbColor => matches(&RGB_COLOR, text),
            Check::Byte => matches(&BASE64, text),
            Check::Password => true,
            Check::Date => is_date(text),
            Check::Duration => is_duration(text),
            Check::DateTime => is_date_time(text),
        }
    }
}

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the format patterns are constants that compile")
}

static HOSTNAME: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z0-9\p{S}\p{L}])(-?[a-zA-Z0-9\p{S}\p{L}]){1,62})$",
    )
});
static UUID: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
});
static UUID3: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
});
static UUID4: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$")
});
static UUID5: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$")
});
static SSN: LazyLock<Regex> = LazyLock::new(|| regex(r"^[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}$"));
static HEX_COLOR: LazyLock<Regex> = LazyLock::new(|| regex(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"));
static RGB_COLOR: LazyLock<Regex> = LazyLock::new(|| {
    let byte = r"\s*(0|[1-9][0-9]?|1[0-9][0-9]?|2[0-4][0-9]|25[0-5])\s*";
    regex(&format!(r"^rgb\({byte},{byte},{byte}\)$"))
});
static BASE64: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$")
});
static CREDIT_CARD: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|(222[1-9]|22[3-9][0-9]|2[3-6][0-9]{2}|27[01][0-9]|2720)[0-9]{12}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35[0-9]{3})[0-9]{11}|6[27][0-9]{14})$",
    )
});
static TIME_OF_DAY: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$")
});
static SCALA_DURATION: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^\s*(?:[0-9]+\s*[A-Za-zµ]+\s*)+$"));
static SCALA_DURATION_PART: LazyLock<Regex> = LazyLock::new(|| regex(r"([0-9]+)\s*([A-Za-zµ]+)"));
static GO_DURATION: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"^[-+]?(?:0|(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+)$")
});

fn matches(regex: &Regex, text: &str) -> bool {
    regex.is_match(text)
}

/// `govalidator.IsRequestURI` (`url.ParseRequestURI`): an absolute URI or an absolute path.
fn is_request_uri(text: &str) -> bool {
    let scheme_len = text
        .find(':')
        .filter(|&i| {
            i > 0
                && text[..i].starts_with(|c: char| c.is_ascii_alphabetic())
                && text[..i]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
        .map(|i| i + 1);
    let valid_escapes = text
        .split('%')
        .skip(1)
        .all(|rest| rest.len() >= 2 && rest.as_bytes()[..2].iter().all(u8::is_ascii_hexdigit));
    (scheme_len.is_some() || text.starts_with('/'))
        && valid_escapes
        && !text.chars().any(|c| c.is_ascii_control() || c == ' ')
}

/// `net/mail.ParseAddress`, simplified: `local@domain`, optionally as `Name <local@domain>`.
fn is_email(text: &str) -> bool {
    let address = match (text.rfind('<'), text.strip_suffix('>')) {
        (Some(start), Some(inner)) => &inner[start + 1..],
        _ => text.trim(),
    };
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !address
                    .chars()
                    .any(|c| c.is_whitespace() || c == '<' || c == '>')
        }
        None => false,
    }
}

/// strfmt's `IsHostname`: its pattern, at most 255 bytes, labels of at most 63.
fn is_hostname(text: &str) -> bool {
    matches(&HOSTNAME, text) && text.len() <= 255 && text.split('.').all(|l| l.len() <= 63)
}

/// `net.ParseIP` (no zones, IPv4 without leading zeros).
fn is_ip(text: &str) -> bool {
    text.parse::<Ipv4Addr>().is_ok() || text.parse::<Ipv6Addr>().is_ok()
}

/// `net.ParseCIDR`: an address and a decimal prefix length that fits it.
fn is_cidr(text: &str) -> bool {
    let Some((address, bits)) = text.split_once('/') else {
        return false;
    };
    let max = if address.parse::<Ipv4Addr>().is_ok() {
        32
    } else if address.parse::<Ipv6Addr>().is_ok() {
        128
    } else {
        return false;
    };
    !bits.is_empty()
        && bits.len() <= 3
        && bits.bytes().all(|b| b.is_ascii_digit())
        && !(bits.len() > 1 && bits.starts_with('0'))
        && bits.parse::<u32>().is_ok_and(|b| b <= max)
}

/// `net.ParseMAC`: 6, 8 or 20 octets as `xx:xx:..`, `xx-xx-..` or `xxxx.xxxx.xxxx`.
fn is_mac(text: &str) -> bool {
    let hex = |group: &str, len: usize| {
        group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit())
    };
    let octets = |sep: char| {
        let groups: Vec<&str> = text.split(sep).collect();
        [6, 8, 20].contains(&groups.len()) && groups.iter().all(|g| hex(g, 2))
    };
    let dotted = {
        let groups: Vec<&str> = text.split('.').collect();
        [3, 4, 10].contains(&groups.len()) && groups.iter().all(|g| hex(g, 4))
    };
    octets(':') || octets('-') || dotted
}

/// strfmt's UUID patterns (any case, each hyphen optional; `version` fixes the version digit).
fn is_uuid(text: &str, version: Option<char>) -> bool {
    let pattern = match version {
        None => &UUID,
        Some('3') => &UUID3,
        Some('4') => &UUID4,
        Some(_) => &UUID5,
    };
    matches(pattern, text)
}

/// `govalidator.IsISBN10`/`IsISBN13`: digits (spaces and hyphens ignored) with a valid check digit.
fn is_isbn(text: &str, len: usize) -> bool {
    let digits: Vec<char> = text.chars().filter(|c| *c != ' ' && *c != '-').collect();
    if digits.len() != len {
        return false;
    }
    let value = |i: usize, c: char| match c {
        'X' if len == 10 && i == 9 => Some(10),
        c => c.to_digit(10),
    };
    let Some(values) = digits
        .iter()
        .enumerate()
        .map(|(i, c)| value(i, *c))
        .collect::<Option<Vec<u32>>>()
    else {
        return false;
    };
    let sum: u32 = if len == 10 {
        values.iter().zip((1..=10).rev()).map(|(v, w)| v * w).sum()
    } else {
        let weight = |i: usize| if i.is_multiple_of(2) { 1 } else { 3 };
        values.iter().enumerate().map(|(i, v)| v * weight(i)).sum()
    };
    sum.is_multiple_of(if len == 10 { 11 } else { 10 })
}

/// `govalidator.IsCreditCard`: a known card number shape and a valid Luhn checksum.
fn is_credit_card(text: &str) -> bool {
    let digits: String = text.chars().filter(|c| *c != ' ' && *c != '-').collect();
    if !matches(&CREDIT_CARD, &digits) {
        return false;
    }
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| match (i % 2, d * 2) {
            (0, _) => d,
            (_, doubled) if doubled > 9 => doubled - 9,
            (_, doubled) => doubled,
        })
        .sum();
    sum.is_multiple_of(10)
}

/// `time.Parse("2006-01-02", text)`: a real calendar date.
fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(year, 4) && digits(month, 2) && digits(day, 2)) {
        return false;
    }
    let (Ok(year), Ok(month), Ok(day)) = (year.parse(), month.parse::<u8>(), day.parse()) else {
        return false;
    };
    time::Month::try_from(month)
        .and_then(|m| time::Date::from_calendar_date(year, m, day))
        .is_ok()
}

/// strfmt's `IsDateTime`: a date, `T`, and `hh:mm:ss[.frac](Z|±hh:mm)` (case-insensitive).
fn is_date_time(text: &str) -> bool {
    let lower = text.to_lowercase();
    let parts: Vec<&str> = lower.split('t').collect();
    if text.len() < 4 || parts.len() < 2 || !is_date(parts[0]) {
        return false;
    }
    TIME_OF_DAY
        .captures(parts[1])
        .is_some_and(|m| &m[1] <= "23" && &m[2] <= "59" && &m[3] <= "59")
}

/// strfmt's `ParseDuration`: Go's `time.ParseDuration`, or `3 days 4 hours` style units.
fn is_duration(text: &str) -> bool {
    if matches(&GO_DURATION, text) {
        return true;
    }
    const UNITS: [&[&str]; 8] = [
        &["ns", "nano"],
        &["us", "µs", "micro"],
        &["ms", "milli"],
        &["s", "sec"],
        &["m", "min"],
        &["h", "hr", "hour"],
        &["d", "day"],
        &["w", "wk", "week"],
    ];
    matches(&SCALA_DURATION, text)
        && SCALA_DURATION_PART.captures_iter(text).any(|part| {
            let unit = part[2].to_lowercase();
            UNITS.iter().any(|variants| {
                variants.iter().enumerate().any(|(i, variant)| {
                    unit == *variant || (i == variants.len() - 1 && unit.starts_with(variant))
                })
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(format: &str, good: &[&str], bad: &[&str]) {
        let format = Format::supported(format).expect("a supported format");
        for text in good {
            assert!(
                format.accepts(text),
                "{} should accept {text:?}",
                format.name
            );
        }
        for text in bad {
            assert!(
                !format.accepts(text),
                "{} should reject {text:?}",
                format.name
            );
        }
    }

    #[test]
    fn only_the_formats_kube_apiserver_checks_are_kept() {
        for dropped in [
            "int32",
            "int64",
            "float",
            "double",
            "quantity",
            "k8s-short-name",
        ] {
            assert!(Format::supported(dropped).is_none(), "{dropped}");
        }
        check(
            "date-time",
            &["2024-05-01T10:00:00Z", "2024-05-01t10:00:00.123+02:00"],
            &[
                "2024-05-01",
                "2024-02-30T10:00:00Z",
                "2024-05-01T25:00:00Z",
                "yesterday",
            ],
        );
        check("date", &["2024-02-29"], &["2023-02-29", "2024-2-01"]);
        check(
            "duration",
            &["1h30m", "3 days", "0", "1.5s"],
            &["1 fortnight", "h"],
        );
        check("byte", &["aGVsbG8="], &["hello!", ""]);
        check(
            "uuid",
            &[
                "123e4567-e89b-12d3-a456-426614174000",
                "123E4567E89B12D3A456426614174000",
            ],
            &["123e4567-e89b-12d3-a456"],
        );
        check(
            "uuid4",
            &["123e4567-e89b-42d3-a456-426614174000"],
            &["123e4567-e89b-12d3-a456-426614174000"],
        );
        check("ipv4", &["10.0.0.1"], &["10.0.0.256", "::1"]);
        check("ipv6", &["::1", "fe80::1"], &["10.0.0.1"]);
        check(
            "cidr",
            &["10.0.0.0/8", "::/0"],
            &["10.0.0.0/33", "10.0.0.0"],
        );
        check(
            "mac",
            &["00:1a:2b:3c:4d:5e", "001a.2b3c.4d5e"],
            &["00:1a:2b"],
        );
        check(
            "hostname",
            &["db.example.com", "localhost"],
            &["-bad.example.com", "a..b"],
        );
        check("email", &["a@b.c", "Ann <a@b.c>"], &["a.b.c"]);
        check(
            "uri",
            &["https://example.com/x", "/path"],
            &["relative/path", "http://a b"],
        );
        check("hexcolor", &["#fff", "336699"], &["#ffff"]);
        check("rgbcolor", &["rgb(1, 2, 255)"], &["rgb(256,0,0)"]);
        check("isbn10", &["0-321-75104-3"], &["0-321-75104-4"]);
        check("isbn13", &["978-0321751041"], &["978-0321751042"]);
        check(
            "creditcard",
            &["4111 1111 1111 1111"],
            &["4111 1111 1111 1112"],
        );
        check("ssn", &["123-45-6789"], &["123456789"]);
        check("bsonobjectid", &["507f1f77bcf86cd799439011"], &["507f1f77"]);
    }
}
