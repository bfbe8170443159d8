//! Text the Go side would produce: `k8s.io/apimachinery/pkg/util/duration`, `metav1.Time`
//! parsing, `fmt.Fprint` of decoded JSON values and `encoding/json` output.

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// `duration.HumanDuration`: ~2–3 significant figures ("90s", "2m30s", "5h10m", "3d4h", "2y15d").
pub fn human_duration(d: Duration) -> String {
    let seconds = d.whole_seconds();
    if seconds < -1 {
        return "<invalid>".to_owned();
    } else if seconds < 0 {
        return "0s".to_owned();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = d.whole_minutes();
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = d.whole_hours();
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        }
    } else if hours < 24 * 365 * 2 {
        format!("{}d", hours / 24)
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        }
    } else {
        format!("{}y", hours / 24 / 365)
    }
}

/// `duration.ShortHumanDuration`: one unit ("5s", "3m", "2h", "4d", "1y").
pub fn short_human_duration(d: Duration) -> String {
    let seconds = d.whole_seconds();
    if seconds < -1 {
        "<invalid>".to_owned()
    } else if seconds < 0 {
        "0s".to_owned()
    } else if seconds < 60 {
        format!("{seconds}s")
    } else if d.whole_minutes() < 60 {
        format!("{}m", d.whole_minutes())
    } else if d.whole_hours() < 24 {
        format!("{}h", d.whole_hours())
    } else if d.whole_hours() < 24 * 365 {
        format!("{}d", d.whole_hours() / 24)
    } else {
        format!("{}y", d.whole_hours() / 24 / 365)
    }
}

/// An RFC 3339 timestamp (`metav1.Time` / `MicroTime`); `None` when absent, empty or invalid.
pub fn timestamp(value: &Value) -> Option<OffsetDateTime> {
    value
        .as_str()
        .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
}

/// `translateTimestampSince`: `HumanDuration(now - t)`, `<unknown>` for a missing timestamp.
pub fn since(now: OffsetDateTime, t: Option<OffsetDateTime>) -> String {
    t.map_or_else(|| "<unknown>".to_owned(), |t| human_duration(now - t))
}

/// A `date`-typed CRD column cell from its JSON string: `metav1.Time.UnmarshalQueryParameter`
/// then `ConvertToHumanReadableDateType`.
pub fn date_cell(text: &str, now: OffsetDateTime) -> String {
    if text.is_empty() || text == "null" {
        return "<unknown>".to_owned();
    }
    match OffsetDateTime::parse(text, &Rfc3339) {
        Ok(t) => human_duration(now - t),
        Err(_) => "<invalid>".to_owned(),
    }
}

/// What `JSONPath.PrintResults` writes for one value: maps and arrays as JSON, the rest as
/// `fmt.Fprint` prints them (`null` → `<no value>`).
pub fn go_text(value: &Value) -> String {
    match value {
        Value::Null => "<no value>".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => go_float_g(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::Array(_) | Value::Object(_) => go_json(value),
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`, which `%v` uses.
pub fn go_float_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    } else if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    } else if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        return f.to_string();
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

/// `encoding/json.Marshal` of a decoded value: sorted keys, HTML-safe escapes, Go float forms.
pub fn go_json(value: &Value) -> String {
    let mut out = String::new();
    write_json(value, &mut out);
    out
}

fn write_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => out.push_str(&i.to_string()),
            (None, Some(u)) => out.push_str(&u.to_string()),
            _ => out.push_str(&go_json_float(n.as_f64().unwrap_or(0.0))),
        },
        Value::String(s) => write_json_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(key, out);
                out.push(':');
                write_json(&map[key], out);
            }
            out.push('}');
        }
    }
}

fn go_json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let sci = format!("{f:e}");
        let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{}", exp.abs());
    }
    f.to_string()
}

fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}
