//! Decoder for `application/vnd.kubernetes.protobuf` request bodies, which kubectl's typed
//! commands (`kubectl create namespace|configmap|secret|serviceaccount|job|role|rolebinding|
//! token`, `kubectl auth can-i`) send: the 4-byte
//! magic `k8s\0`, then a `runtime.Unknown` whose `raw` is the object's own message. The result
//! is the JSON object kube-apiserver would hold after decoding it into the Go type, i.e. what
//! `json.Marshal` of that Go value gives (`omitempty`, pointers, inline structs, `null` for
//! zero times and nil slices, base64 for bytes).

mod schema;
#[cfg(test)]
mod tests;

use base64::Engine as _;
use serde_json::{Map, Value};

use schema::{Field, INLINE, Kind, MAP, Message, OMITEMPTY, POINTER, REPEATED};

/// Why a protobuf body could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum ProtobufError {
    /// The body does not start with `k8s\0`.
    #[error("protobuf body does not start with the Kubernetes magic prefix k8s\\0")]
    MissingMagic,
    /// The wire data is truncated or malformed.
    #[error("malformed protobuf at {0}")]
    Malformed(String),
    /// A field arrived with a wire type its schema does not allow.
    #[error("protobuf field {path} has wire type {wire_type}, which does not fit its type")]
    WireType {
        /// JSON path of the field.
        path: String,
        /// The wire type received.
        wire_type: u8,
    },
    /// The object's apiVersion and kind have no protobuf schema here.
    #[error("protobuf bodies are not supported for kind {kind:?} of apiVersion {api_version:?}")]
    UnsupportedKind {
        /// `typeMeta.apiVersion` of the body.
        api_version: String,
        /// `typeMeta.kind` of the body.
        kind: String,
    },
    /// `runtime.Unknown.contentEncoding` is set (Kubernetes never sets it).
    #[error("unsupported protobuf content encoding {0:?}")]
    ContentEncoding(String),
    /// A value cannot be represented in JSON.
    #[error("invalid value at {path}: {reason}")]
    Invalid {
        /// JSON path of the value.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Decodes a `application/vnd.kubernetes.protobuf` body into the JSON object it encodes.
pub fn decode(body: &[u8]) -> Result<Value, ProtobufError> {
    let unknown = body
        .strip_prefix(b"k8s\0".as_slice())
        .ok_or(ProtobufError::MissingMagic)?;
    let (mut api_version, mut kind) = (String::new(), String::new());
    let mut raw: &[u8] = &[];
    let mut reader = Reader::new(unknown);
    while let Some((number, value)) = reader.next("")? {
        match (number, value) {
            (1, Wire::Bytes(type_meta)) => {
                let mut reader = Reader::new(type_meta);
                while let Some((number, value)) = reader.next("typeMeta")? {
                    match (number, value) {
                        (1, Wire::Bytes(bytes)) => api_version = lossy(bytes),
                        (2, Wire::Bytes(bytes)) => kind = lossy(bytes),
                        _ => {}
                    }
                }
            }
            (2, Wire::Bytes(bytes)) => raw = bytes,
            (3, Wire::Bytes(bytes)) if !bytes.is_empty() => {
                return Err(ProtobufError::ContentEncoding(lossy(bytes)));
            }
            _ => {}
        }
    }
    let Some(message) = schema::root(&api_version, &kind) else {
        return Err(ProtobufError::UnsupportedKind { api_version, kind });
    };
    let mut skipped = Vec::new();
    let mut object = Map::new();
    if !api_version.is_empty() {
        object.insert("apiVersion".into(), Value::String(api_version));
    }
    if !kind.is_empty() {
        object.insert("kind".into(), Value::String(kind));
    }
    decode_message(message, raw, "", &mut object, &mut skipped)?;
    if !skipped.is_empty() {
        tracing::debug!(fields = ?skipped, "protobuf body: skipped unknown fields");
    }
    Ok(Value::Object(object))
}

/// One field value as read off the wire.
#[derive(Clone, Copy)]
enum Wire<'a> {
    Varint(u64),
    /// Fixed-width values are skipped: no supported message has `double`/`fixed` fields.
    Fixed64,
    Bytes(&'a [u8]),
    Fixed32,
}

impl Wire<'_> {
    fn wire_type(self) -> u8 {
        match self {
            Wire::Varint(_) => 0,
            Wire::Fixed64 => 1,
            Wire::Bytes(_) => 2,
            Wire::Fixed32 => 5,
        }
    }
}

/// Reads (field number, value) pairs from a message's bytes.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    fn varint(&mut self, path: &str) -> Result<u64, ProtobufError> {
        let mut value = 0u64;
        for (index, byte) in self.buf.iter().enumerate().take(10) {
            value |= u64::from(byte & 0x7f) << (7 * index);
            if byte & 0x80 == 0 {
                self.buf = &self.buf[index + 1..];
                return Ok(value);
            }
        }
        Err(malformed(path))
    }

    fn take(&mut self, len: usize, path: &str) -> Result<&'a [u8], ProtobufError> {
        if len > self.buf.len() {
            return Err(malformed(path));
        }
        let (head, tail) = self.buf.split_at(len);
        self.buf = tail;
        Ok(head)
    }

    fn next(&mut self, path: &str) -> Result<Option<(u32, Wire<'a>)>, ProtobufError> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let key = self.varint(path)?;
        let number = u32::try_from(key >> 3).map_err(|_| malformed(path))?;
        if number == 0 {
            return Err(malformed(path));
        }
        let value = match key & 7 {
            0 => Wire::Varint(self.varint(path)?),
            1 => {
                self.take(8, path)?;
                Wire::Fixed64
            }
            2 => {
                let len = usize::try_from(self.varint(path)?).map_err(|_| malformed(path))?;
                Wire::Bytes(self.take(len, path)?)
            }
            5 => {
                self.take(4, path)?;
                Wire::Fixed32
            }
            _ => return Err(malformed(path)),
        };
        Ok(Some((number, value)))
    }
}

fn malformed(path: &str) -> ProtobufError {
    ProtobufError::Malformed(if path.is_empty() {
        "the top level".into()
    } else {
        path.into()
    })
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn child(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// What was read for one field of a message.
enum Seen<'a> {
    /// A scalar; the last occurrence wins.
    Scalar(Wire<'a>),
    /// A single message; occurrences concatenate (protobuf merge semantics).
    Message(Vec<u8>),
    /// Slice elements or map entries, already converted.
    List(Vec<Value>),
    Map(Map<String, Value>),
}

/// Decodes `bytes` as `message` and adds its JSON fields to `out`.
fn decode_message(
    message: &'static Message,
    bytes: &[u8],
    path: &str,
    out: &mut Map<String, Value>,
    skipped: &mut Vec<String>,
) -> Result<(), ProtobufError> {
    let mut seen: Vec<Option<Seen<'_>>> = message.fields.iter().map(|_| None).collect();
    let mut reader = Reader::new(bytes);
    while let Some((number, wire)) = reader.next(path)? {
        let Some(index) = message
            .fields
            .iter()
            .position(|field| field.number == number)
        else {
            skipped.push(format!("{path}: {} field {number}", message.name));
            continue;
        };
        let field = &message.fields[index];
        let field_path = child(path, field.json);
        let slot = &mut seen[index];
        if field.has(MAP) {
            let Wire::Bytes(entry) = wire else {
                return Err(wire_error(field_path, wire));
            };
            let (key, value) = decode_map_entry(field, entry, &field_path, skipped)?;
            if let Some(Seen::Map(map)) = slot {
                map.insert(key, value);
            } else {
                *slot = Some(Seen::Map(Map::from_iter([(key, value)])));
            }
        } else if field.has(REPEATED) {
            if !matches!(slot, Some(Seen::List(_))) {
                *slot = Some(Seen::List(Vec::new()));
            }
            let Some(Seen::List(list)) = slot else {
                continue;
            };
            match (&field.kind, wire) {
                // Packed repeated numbers (proto3 style); Kubernetes sends them unpacked.
                (Kind::Int32 | Kind::Int64 | Kind::Bool, Wire::Bytes(packed)) => {
                    let mut packed = Reader::new(packed);
                    while !packed.buf.is_empty() {
                        let number = packed.varint(&field_path)?;
                        let element = format!("{field_path}[{}]", list.len());
                        list.push(convert(field, Wire::Varint(number), &element, skipped)?);
                    }
                }
                _ => {
                    let element = format!("{field_path}[{}]", list.len());
                    list.push(convert(field, wire, &element, skipped)?);
                }
            }
        } else if is_scalar(&field.kind) {
            *slot = Some(Seen::Scalar(wire));
        } else {
            let Wire::Bytes(bytes) = wire else {
                return Err(wire_error(field_path, wire));
            };
            if let Some(Seen::Message(merged)) = slot {
                merged.extend_from_slice(bytes);
            } else {
                *slot = Some(Seen::Message(bytes.to_vec()));
            }
        }
    }
    for (field, seen) in message.fields.iter().zip(seen) {
        let field_path = child(path, field.json);
        let value = match seen {
            Some(Seen::Map(map)) => Value::Object(map),
            Some(Seen::List(list)) => Value::Array(list),
            Some(Seen::Scalar(wire)) => {
                let value = convert(field, wire, &field_path, skipped)?;
                if field.has(OMITEMPTY) && !field.has(POINTER) && is_zero(&value) {
                    continue;
                }
                value
            }
            Some(Seen::Message(bytes)) => {
                message_value(field, &bytes, &field_path, out, skipped)?;
                continue;
            }
            None if field.has(OMITEMPTY) && (field.has(POINTER | REPEATED | MAP)) => continue,
            None if field.has(POINTER | REPEATED | MAP) => Value::Null,
            None if is_scalar(&field.kind) => {
                if field.has(OMITEMPTY) {
                    continue;
                }
                zero(&field.kind)
            }
            None => {
                // A Go struct value: json.Marshal writes its zero value.
                message_value(field, &[], &field_path, out, skipped)?;
                continue;
            }
        };
        out.insert(field.json.to_owned(), value);
    }
    Ok(())
}

/// Adds the JSON of a single message-typed field (merging it if inline).
fn message_value(
    field: &'static Field,
    bytes: &[u8],
    path: &str,
    out: &mut Map<String, Value>,
    skipped: &mut Vec<String>,
) -> Result<(), ProtobufError> {
    match (&field.kind, field.has(INLINE)) {
        (Kind::Message(message), true) => decode_message(message, bytes, path, out, skipped),
        _ => {
            let value = convert(field, Wire::Bytes(bytes), path, skipped)?;
            out.insert(field.json.to_owned(), value);
            Ok(())
        }
    }
}

/// Decodes one map entry message (key=1, value=2).
fn decode_map_entry(
    field: &'static Field,
    entry: &[u8],
    path: &str,
    skipped: &mut Vec<String>,
) -> Result<(String, Value), ProtobufError> {
    let (mut key, mut value) = (String::new(), None);
    let mut reader = Reader::new(entry);
    while let Some((number, wire)) = reader.next(path)? {
        match (number, wire) {
            (1, Wire::Bytes(bytes)) => key = lossy(bytes),
            (2, wire) => value = Some(wire),
            (1, wire) => return Err(wire_error(path.to_owned(), wire)),
            _ => {}
        }
    }
    let path = format!("{path}[{key:?}]");
    let value = match value {
        Some(wire) => convert(field, wire, &path, skipped)?,
        None if is_scalar(&field.kind) => zero(&field.kind),
        None => convert(field, Wire::Bytes(&[]), &path, skipped)?,
    };
    Ok((key, value))
}

fn is_scalar(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::String | Kind::Bytes | Kind::Int32 | Kind::Int64 | Kind::Bool
    )
}

fn zero(kind: &Kind) -> Value {
    match kind {
        Kind::String => Value::String(String::new()),
        Kind::Int32 | Kind::Int64 => Value::from(0),
        Kind::Bool => Value::Bool(false),
        _ => Value::Null,
    }
}

/// Whether `omitempty` leaves the value out.
fn is_zero(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(value) => !value,
        Value::Number(number) => number.as_i64() == Some(0),
        Value::String(value) => value.is_empty(),
        Value::Array(_) | Value::Object(_) => false,
    }
}

fn wire_error(path: String, wire: Wire<'_>) -> ProtobufError {
    ProtobufError::WireType {
        path,
        wire_type: wire.wire_type(),
    }
}

/// Converts one value of `field`'s kind to JSON.
fn convert(
    field: &'static Field,
    wire: Wire<'_>,
    path: &str,
    skipped: &mut Vec<String>,
) -> Result<Value, ProtobufError> {
    Ok(match (&field.kind, wire) {
        (Kind::String, Wire::Bytes(bytes)) => Value::String(lossy(bytes)),
        (Kind::Bytes, Wire::Bytes(bytes)) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        // int32 is sign-extended to 64 bits on the wire; truncation restores it.
        (Kind::Int32, Wire::Varint(value)) => Value::from(value as i32),
        (Kind::Int64, Wire::Varint(value)) => Value::from(value as i64),
        (Kind::Bool, Wire::Varint(value)) => Value::Bool(value != 0),
        (Kind::Time, Wire::Bytes(bytes)) => time(bytes, false, path)?,
        (Kind::MicroTime, Wire::Bytes(bytes)) => time(bytes, true, path)?,
        (Kind::Duration, Wire::Bytes(bytes)) => {
            let mut nanos = 0;
            for_each(bytes, path, |number, wire| {
                if let (1, Wire::Varint(value)) = (number, wire) {
                    nanos = value as i64;
                }
            })?;
            Value::String(go_duration(nanos))
        }
        (Kind::Quantity, Wire::Bytes(bytes)) => {
            let mut quantity = String::new();
            for_each(bytes, path, |number, wire| {
                if let (1, Wire::Bytes(bytes)) = (number, wire) {
                    quantity = lossy(bytes);
                }
            })?;
            if quantity.is_empty() {
                quantity.push('0');
            }
            Value::String(quantity)
        }
        (Kind::IntOrString, Wire::Bytes(bytes)) => {
            let (mut is_string, mut int, mut string) = (false, 0, String::new());
            for_each(bytes, path, |number, wire| match (number, wire) {
                (1, Wire::Varint(value)) => is_string = value == 1,
                (2, Wire::Varint(value)) => int = value as i32,
                (3, Wire::Bytes(bytes)) => string = lossy(bytes),
                _ => {}
            })?;
            if is_string {
                Value::String(string)
            } else {
                Value::from(int)
            }
        }
        (Kind::RawJson, Wire::Bytes(bytes)) => {
            let mut raw: &[u8] = &[];
            for_each(bytes, path, |number, wire| {
                if let (1, Wire::Bytes(bytes)) = (number, wire) {
                    raw = bytes;
                }
            })?;
            if raw.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(raw).map_err(|error| ProtobufError::Invalid {
                    path: path.to_owned(),
                    reason: format!("raw extension is not JSON: {error}"),
                })?
            }
        }
        (Kind::StringList, Wire::Bytes(bytes)) => {
            let mut items = Vec::new();
            for_each(bytes, path, |number, wire| {
                if let (1, Wire::Bytes(bytes)) = (number, wire) {
                    items.push(Value::String(lossy(bytes)));
                }
            })?;
            Value::Array(items)
        }
        (Kind::Message(message), Wire::Bytes(bytes)) => {
            let mut object = Map::new();
            decode_message(message, bytes, path, &mut object, skipped)?;
            Value::Object(object)
        }
        (_, wire) => return Err(wire_error(path.to_owned(), wire)),
    })
}

/// Calls `visit` for each field of a small well-known message.
fn for_each<'a>(
    bytes: &'a [u8],
    path: &str,
    mut visit: impl FnMut(u32, Wire<'a>),
) -> Result<(), ProtobufError> {
    let mut reader = Reader::new(bytes);
    while let Some((number, wire)) = reader.next(path)? {
        visit(number, wire);
    }
    Ok(())
}

/// `meta.v1.Time`/`MicroTime` (seconds=1, nanos=2) as Go's `MarshalJSON` writes it.
fn time(bytes: &[u8], micro: bool, path: &str) -> Result<Value, ProtobufError> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let (mut seconds, mut nanos) = (0i64, 0i64);
    for_each(bytes, path, |number, wire| match (number, wire) {
        (1, Wire::Varint(value)) => seconds = value as i64,
        (2, Wire::Varint(value)) => nanos = i64::from(value as i32),
        _ => {}
    })?;
    let seconds = seconds.checked_add(nanos.div_euclid(1_000_000_000));
    let nanos = nanos.rem_euclid(1_000_000_000);
    let days = seconds.map(|seconds| seconds.div_euclid(86_400));
    let (year, month, day) = days
        .map(civil_from_days)
        .ok_or_else(|| out_of_range(path))?;
    if !(0..=9999).contains(&year) {
        return Err(out_of_range(path));
    }
    let second_of_day = seconds.unwrap_or_default().rem_euclid(86_400);
    let (hour, minute, second) = (
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
    );
    let mut text = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
    if micro {
        text.push_str(&format!(".{:06}", nanos / 1000));
    }
    text.push('Z');
    Ok(Value::String(text))
}

fn out_of_range(path: &str) -> ProtobufError {
    ProtobufError::Invalid {
        path: path.to_owned(),
        reason: "time outside years 0-9999".into(),
    }
}

/// (year, month, day) of the proleptic Gregorian calendar for days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Go's `time.Duration.String`, e.g. `1h2m3.5s`, `1.5ms`, `0s`.
fn go_duration(nanos: i64) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let mut u = nanos.unsigned_abs();
    if u == 0 {
        return "0s".into();
    }
    let fraction = |u: u64, precision: u32| -> (String, u64) {
        let scale = 10u64.pow(precision);
        let digits = u % scale;
        let text = if digits == 0 {
            String::new()
        } else {
            let padded = format!(".{digits:0width$}", width = precision as usize);
            padded.trim_end_matches('0').to_owned()
        };
        (text, u / scale)
    };
    if u < 1_000_000_000 {
        let (unit, precision) = if u < 1_000 {
            ("ns", 0)
        } else if u < 1_000_000 {
            ("µs", 3)
        } else {
            ("ms", 6)
        };
        let (fraction, whole) = fraction(u, precision);
        return format!("{sign}{whole}{fraction}{unit}");
    }
    let (fraction, seconds) = fraction(u, 9);
    u = seconds;
    let mut text = format!("{}{fraction}s", u % 60);
    u /= 60;
    if u > 0 {
        text = format!("{}m{text}", u % 60);
        u /= 60;
        if u > 0 {
            text = format!("{u}h{text}");
        }
    }
    format!("{sign}{text}")
}
