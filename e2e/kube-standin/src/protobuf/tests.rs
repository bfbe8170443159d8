//! Tests of the protobuf decoder: hand-encoded bodies and bodies captured from kubectl v1.32.4, and
//! the tables checked against their generator.

use serde_json::json;

use super::{ProtobufError, decode, go_duration};

/// A tiny protobuf encoder for building test bodies.
#[derive(Default)]
struct Enc(Vec<u8>);

impl Enc {
    fn varint(mut self, number: u32, value: u64) -> Self {
        self.key(number, 0);
        self.raw_varint(value);
        self
    }

    fn bytes(mut self, number: u32, value: impl AsRef<[u8]>) -> Self {
        let value = value.as_ref();
        self.key(number, 2);
        self.raw_varint(value.len() as u64);
        self.0.extend_from_slice(value);
        self
    }

    fn message(self, number: u32, message: Enc) -> Self {
        self.bytes(number, message.0)
    }

    fn entry(self, number: u32, key: &str, value: impl AsRef<[u8]>) -> Self {
        self.message(number, Enc::default().bytes(1, key).bytes(2, value))
    }

    fn key(&mut self, number: u32, wire_type: u64) {
        self.raw_varint(u64::from(number) << 3 | wire_type);
    }

    fn raw_varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.0.push((value as u8) | 0x80);
            value >>= 7;
        }
        self.0.push(value as u8);
    }
}

/// `k8s\0` + `runtime.Unknown{typeMeta, raw}`.
fn body(api_version: &str, kind: &str, object: Enc) -> Vec<u8> {
    let type_meta = Enc::default().bytes(1, api_version).bytes(2, kind);
    let unknown = Enc::default()
        .message(1, type_meta)
        .message(2, object)
        .bytes(4, "");
    [b"k8s\0".as_slice(), &unknown.0].concat()
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn namespace_with_labels_and_timestamps() {
    let metadata = Enc::default()
        .bytes(1, "team-a")
        .bytes(2, "")
        .bytes(3, "")
        .varint(7, 0)
        .message(8, Enc::default().varint(1, 1_767_323_045).varint(2, 5))
        .varint(10, 0)
        .entry(11, "team", "a")
        .entry(11, "env", "test")
        .entry(12, "note", "")
        .bytes(14, "kubernetes");
    let value = decode(&body(
        "v1",
        "Namespace",
        Enc::default().message(1, metadata),
    ))
    .unwrap();
    assert_eq!(
        value,
        json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": "team-a",
                "creationTimestamp": "2026-01-02T03:04:05Z",
                "deletionGracePeriodSeconds": 0,
                "labels": {"team": "a", "env": "test"},
                "annotations": {"note": ""},
                "finalizers": ["kubernetes"],
            },
            "spec": {},
            "status": {},
        })
    );
}

#[test]
fn secret_data_is_base64_and_type_kept() {
    let secret = Enc::default()
        .message(1, Enc::default().bytes(1, "creds").bytes(3, "ns"))
        .entry(2, "password", [0u8, 1, 2, 0xff])
        .entry(2, "user", "admin")
        .bytes(3, "Opaque")
        .entry(4, "plain", "text")
        .varint(5, 1);
    let value = decode(&body("v1", "Secret", secret)).unwrap();
    assert_eq!(
        value,
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "creds", "namespace": "ns", "creationTimestamp": null},
            "data": {"password": "AAEC/w==", "user": "YWRtaW4="},
            "type": "Opaque",
            "stringData": {"plain": "text"},
            "immutable": true,
        })
    );
}

#[test]
fn config_map_with_binary_data() {
    let config_map = Enc::default()
        .message(1, Enc::default().bytes(1, "settings"))
        .entry(2, "a.conf", "x=1\n")
        .entry(3, "blob", [0xde, 0xad]);
    let value = decode(&body("v1", "ConfigMap", config_map)).unwrap();
    assert_eq!(
        value,
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "settings", "creationTimestamp": null},
            "data": {"a.conf": "x=1\n"},
            "binaryData": {"blob": "3q0="},
        })
    );
}

#[test]
fn job_like_kubectl_create_job_with_zero_backoff_limit() {
    let container = Enc::default()
        .bytes(1, "hi")
        .bytes(2, "busybox")
        .bytes(3, "sh")
        .bytes(3, "-c")
        .bytes(3, "echo hi; exit 3")
        .bytes(5, "")
        .message(8, Enc::default())
        .message(
            6,
            Enc::default()
                .bytes(1, "http")
                .varint(3, 8080)
                .bytes(4, "TCP"),
        )
        .message(7, Enc::default().bytes(1, "A").bytes(2, "B"));
    let pod_spec = Enc::default()
        .message(2, container)
        .bytes(3, "Never")
        .varint(4, 30)
        .bytes(19, "");
    let template = Enc::default()
        .message(1, Enc::default())
        .message(2, pod_spec);
    let spec = Enc::default()
        .message(6, template)
        .varint(7, 0)
        .varint(8, 100);
    let job = Enc::default()
        .message(1, Enc::default().bytes(1, "hi"))
        .message(2, spec)
        .message(3, Enc::default().varint(4, 0));
    let value = decode(&body("batch/v1", "Job", job)).unwrap();
    assert_eq!(
        value,
        json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "hi", "creationTimestamp": null},
            "spec": {
                "template": {
                    "metadata": {"creationTimestamp": null},
                    "spec": {
                        "containers": [{
                            "name": "hi",
                            "image": "busybox",
                            "command": ["sh", "-c", "echo hi; exit 3"],
                            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                            "env": [{"name": "A", "value": "B"}],
                            "resources": {},
                        }],
                        "restartPolicy": "Never",
                        "terminationGracePeriodSeconds": 30,
                    },
                },
                "backoffLimit": 0,
                "ttlSecondsAfterFinished": 100,
            },
            "status": {},
        })
    );
}

#[test]
fn volumes_are_inline_and_int_or_string_and_quantities_decode() {
    let volume = Enc::default().bytes(1, "config").message(
        2,
        Enc::default().message(19, Enc::default().message(1, Enc::default().bytes(1, "cm"))),
    );
    let quantity = |text: &str| Enc::default().bytes(1, text).0;
    let resources =
        Enc::default()
            .entry(1, "memory", quantity("64Mi"))
            .entry(2, "cpu", quantity("250m"));
    let probe = Enc::default().message(
        1,
        Enc::default().message(
            2,
            Enc::default()
                .bytes(1, "/healthz")
                .message(2, Enc::default().varint(1, 1).bytes(3, "http")),
        ),
    );
    let container = Enc::default()
        .bytes(1, "app")
        .message(8, resources)
        .message(10, probe)
        .message(
            7,
            Enc::default().bytes(1, "POD").message(
                3,
                Enc::default().message(1, Enc::default().bytes(2, "metadata.name")),
            ),
        );
    let pod = Enc::default()
        .message(1, Enc::default().bytes(1, "p"))
        .message(2, Enc::default().message(1, volume).message(2, container));
    let value = decode(&body("v1", "Pod", pod)).unwrap();
    assert_eq!(
        value["spec"]["volumes"],
        json!([{"name": "config", "configMap": {"name": "cm"}}])
    );
    let container = &value["spec"]["containers"][0];
    assert_eq!(
        container["resources"],
        json!({"limits": {"memory": "64Mi"}, "requests": {"cpu": "250m"}})
    );
    assert_eq!(
        container["livenessProbe"]["httpGet"],
        json!({"path": "/healthz", "port": "http"})
    );
    assert_eq!(
        container["env"],
        json!([{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}])
    );
}

#[test]
fn lease_micro_times_and_managed_fields() {
    let micro = Enc::default()
        .varint(1, 1_767_323_045)
        .varint(2, 123_456_789);
    let lease = Enc::default()
        .message(
            1,
            Enc::default().bytes(1, "leader").message(
                17,
                Enc::default()
                    .bytes(1, "kubectl")
                    .bytes(2, "Update")
                    .bytes(6, "FieldsV1")
                    .message(7, Enc::default().bytes(1, r#"{"f:spec":{}}"#)),
            ),
        )
        .message(
            2,
            Enc::default()
                .bytes(1, "me")
                .varint(2, 15)
                .message(3, micro),
        );
    let value = decode(&body("coordination.k8s.io/v1", "Lease", lease)).unwrap();
    assert_eq!(
        value["spec"],
        json!({"holderIdentity": "me", "leaseDurationSeconds": 15, "acquireTime": "2026-01-02T03:04:05.123456Z"})
    );
    assert_eq!(
        value["metadata"]["managedFields"],
        json!([{"manager": "kubectl", "operation": "Update", "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {}}}])
    );
}

#[test]
fn unknown_fields_are_skipped() {
    let namespace = Enc::default()
        .message(1, Enc::default().bytes(1, "x").bytes(99, "future"))
        .varint(42, 7);
    let value = decode(&body("v1", "Namespace", namespace)).unwrap();
    assert_eq!(
        value["metadata"],
        json!({"name": "x", "creationTimestamp": null})
    );
}

#[test]
fn unknown_kind_and_bad_bodies_are_errors() {
    let error = decode(&body("apps/v1", "Deployment", Enc::default())).unwrap_err();
    assert!(matches!(&error, ProtobufError::UnsupportedKind { kind, .. } if kind == "Deployment"));
    assert!(error.to_string().contains("Deployment"), "{error}");
    assert!(matches!(decode(b"{}"), Err(ProtobufError::MissingMagic)));
    let mut truncated = body(
        "v1",
        "Namespace",
        Enc::default().message(1, Enc::default().bytes(1, "x")),
    );
    truncated.pop();
    assert!(matches!(
        decode(&truncated),
        Err(ProtobufError::Malformed(_))
    ));
    let wrong_wire = body("v1", "Namespace", Enc::default().varint(1, 3));
    assert!(matches!(
        decode(&wrong_wire),
        Err(ProtobufError::WireType { .. })
    ));
}

#[test]
fn durations_format_like_go() {
    for (nanos, text) in [
        (0, "0s"),
        (1, "1ns"),
        (1_500, "1.5µs"),
        (1_500_000, "1.5ms"),
        (1_000_000_000, "1s"),
        (61_500_000_000, "1m1.5s"),
        (3_600_000_000_000, "1h0m0s"),
        (-90_000_000_000, "-1m30s"),
    ] {
        assert_eq!(go_duration(nanos), text);
    }
}

// Bodies kubectl v1.32.4 sent, captured on the wire, and the JSON `--dry-run=client -o json`
// prints for the same command (json.Marshal of the same Go object).

#[test]
fn kubectl_create_namespace() {
    let captured = hex(
        "6b3873000a0f0a02763112094e616d65737061636512190a110a017812001a0022002a003200380042001200\
         1a020a001a002200",
    );
    assert_eq!(
        decode(&captured).unwrap(),
        json!({"kind":"Namespace","apiVersion":"v1","metadata":{"name":"x","creationTimestamp":null},"spec":{},"status":{}})
    );
}

#[test]
fn kubectl_create_job() {
    // kubectl create job hi --image=busybox -- sh -c 'echo hi; exit 3'
    let captured = hex(
        "6b3873000a0f0a0862617463682f763112034a6f621293010a120a02686912001a0022002a003200380042\
         00127332710a100a0012001a0022002a00320038004200125d123a0a026869120762757379626f781a0273\
         681a022d631a0f6563686f2068693b206578697420332a0042006a007200800100880100900100a201001a\
         054e65766572320042004a0052005800600068008201008a01009a0100c201001a082000280030003a001a\
         002200",
    );
    assert_eq!(
        decode(&captured).unwrap(),
        json!({"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"hi","creationTimestamp":null},"spec":{"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":[{"name":"hi","image":"busybox","command":["sh","-c","echo hi; exit 3"],"resources":{}}],"restartPolicy":"Never"}}},"status":{}})
    );
}

#[test]
fn kubectl_create_configmap_secret_serviceaccount() {
    // kubectl create configmap cm --from-literal=a=b --from-literal=c=d
    let config_map = hex(
        "6b3873000a0f0a0276311209436f6e6669674d617012240a120a02636d12001a0022002a00320038004200\
         12060a016112016212060a01631201641a002200",
    );
    assert_eq!(
        decode(&config_map).unwrap(),
        json!({"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm","creationTimestamp":null},"data":{"a":"b","c":"d"}})
    );
    // kubectl create secret generic s --from-literal=k=v --type=Opaque
    let secret = hex(
        "6b3873000a0c0a027631120653656372657412230a110a017312001a0022002a0032003800420012060a01\
         6b1201761a064f70617175651a002200",
    );
    assert_eq!(
        decode(&secret).unwrap(),
        json!({"kind":"Secret","apiVersion":"v1","metadata":{"name":"s","creationTimestamp":null},"data":{"k":"dg=="},"type":"Opaque"})
    );
    // kubectl create sa sa1
    let service_account = hex(
        "6b3873000a140a027631120e536572766963654163636f756e7412150a130a0373613112001a0022002a00\
         3200380042001a002200",
    );
    assert_eq!(
        decode(&service_account).unwrap(),
        json!({"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"sa1","creationTimestamp":null}})
    );
}

/// `schema.rs` is exactly what `tools/protobuf_schema.py` generates from kubectl v1.32.
#[test]
fn the_tables_are_the_generators_output() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/protobuf_schema.py");
    let output = std::process::Command::new("python3")
        .arg(&script)
        .output()
        .expect("python3 runs the generator");
    assert!(
        output.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout) == include_str!("schema.rs"),
        "src/protobuf/schema.rs differs from the output of {}: regenerate it",
        script.display()
    );
}
