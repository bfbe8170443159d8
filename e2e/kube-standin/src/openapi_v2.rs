//! OpenAPI v2 (`/openapi/v2`) as kubectl before 1.28 reads it: a gnostic `openapi.v2.Document`
//! in protobuf, listing each resource's PATCH operation with its group-version-kind and the
//! `fieldValidation` parameter, so kubectl leaves field validation to this server. The field
//! numbers are those of gnostic's `openapiv2/OpenAPIv2.proto`.

use crate::registry::{Registry, ResourceType};

/// Media type kubectl asks for.
pub const PROTOBUF: &str = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

/// Protobuf writer: length-delimited and string fields are all this document needs.
#[derive(Default)]
struct Message(Vec<u8>);

impl Message {
    fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.0.push((value as u8) | 0x80);
            value >>= 7;
        }
        self.0.push(value as u8);
    }

    fn bytes(mut self, field: u32, bytes: &[u8]) -> Self {
        self.varint(u64::from(field << 3 | 2));
        self.varint(bytes.len() as u64);
        self.0.extend_from_slice(bytes);
        self
    }

    fn string(self, field: u32, text: &str) -> Self {
        self.bytes(field, text.as_bytes())
    }

    fn message(self, field: u32, message: Message) -> Self {
        self.bytes(field, &message.0)
    }
}

/// `NamedAny { name = 1, value = 2: Any { yaml = 2 } }`.
fn extension(name: &str, yaml: &str) -> Message {
    Message::default()
        .string(1, name)
        .message(2, Message::default().string(2, yaml))
}

/// `ParametersItem { parameter = 1: Parameter { non_body_parameter = 2: NonBodyParameter {
/// query_parameter_sub_schema = 3: { in = 2, name = 4, type = 6 } } } }`.
fn query_parameter(name: &str) -> Message {
    let schema = Message::default()
        .string(2, "query")
        .string(4, name)
        .string(6, "string");
    let non_body = Message::default().message(3, schema);
    let parameter = Message::default().message(2, non_body);
    Message::default().message(1, parameter)
}

/// `Operation { operation_id = 5, parameters = 8, vendor_extension = 13 }`.
fn patch_operation(t: &ResourceType) -> Message {
    let gvk = format!(
        "group: {:?}\nkind: {:?}\nversion: {:?}\n",
        t.group, t.kind, t.version
    );
    let mut operation = Message::default().string(5, &format!("patch{}", t.kind));
    for name in ["dryRun", "fieldManager", "fieldValidation", "force"] {
        operation = operation.message(8, query_parameter(name));
    }
    operation
        .message(13, extension("x-kubernetes-action", "patch\n"))
        .message(13, extension("x-kubernetes-group-version-kind", &gvk))
}

/// The whole document, protobuf-encoded.
pub fn document(registry: &Registry) -> Vec<u8> {
    let mut paths = Message::default();
    for t in registry.all().iter().filter(|t| !t.create_only) {
        let prefix = if t.group.is_empty() {
            format!("/api/{}", t.version)
        } else {
            format!("/apis/{}/{}", t.group, t.version)
        };
        let scope = if t.namespaced {
            "/namespaces/{namespace}"
        } else {
            ""
        };
        let path = format!("{prefix}{scope}/{}/{{name}}", t.plural);
        // PathItem { patch = 8 }, in NamedPathItem { name = 1, value = 2 }
        let item = Message::default().message(8, patch_operation(t));
        paths = paths.message(2, Message::default().string(1, &path).message(2, item));
    }
    let info = Message::default()
        .string(1, "Kubernetes")
        .string(2, "v1.33.0");
    Message::default()
        .string(1, "2.0")
        .message(2, info)
        .message(8, paths)
        .0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_nesting_follow_the_wire_format() {
        let inner = Message::default().string(1, "ab");
        let outer = Message::default().message(2, inner);
        assert_eq!(outer.0, vec![0x12, 4, 0x0a, 2, b'a', b'b']);
        let mut long = Message::default();
        long.varint(300);
        assert_eq!(long.0, vec![0xac, 0x02]);
    }
}
