//! Message tables for the Kubernetes protobuf decoder: for each message, its fields by number
//! with their JSON names and Go encoding rules.
//!
//! Generated, not hand-written: field numbers and types come from the `FileDescriptorProto`s of
//! `k8s.io/api` and `k8s.io/apimachinery` `generated.proto` compiled into kubectl v1.32.4, and
//! the JSON names, `omitempty`/`inline` options and pointer-ness from the Go struct types and
//! tags in the same binary. Covers the transitive closure of core/v1 Namespace, ConfigMap,
//! Secret, ServiceAccount, Pod, Node, Event and Binding, batch/v1 Job, coordination/v1 Lease,
//! events/v1 Event and meta/v1 DeleteOptions and Status. Fields added by later Kubernetes
//! versions are unknown here and skipped by the decoder.

/// The Go field is a slice: a `repeated` field on the wire, a JSON array.
pub(super) const REPEATED: u8 = 1;
/// The Go field is a `map[string]V`: repeated key=1/value=2 entries, a JSON object.
pub(super) const MAP: u8 = 2;
/// The Go field is a pointer: present in JSON exactly when on the wire, zero or not.
pub(super) const POINTER: u8 = 4;
/// The Go JSON tag has `omitempty`: zero scalars and empty slices and maps are left out.
pub(super) const OMITEMPTY: u8 = 8;
/// The Go JSON tag has `inline`: the message's fields are merged into the parent object.
pub(super) const INLINE: u8 = 16;

/// How a field's value is encoded (for maps: the value's encoding; keys are strings).
pub(super) enum Kind {
    /// `string`.
    String,
    /// `bytes`, base64 in JSON.
    Bytes,
    /// `int32`.
    Int32,
    /// `int64`.
    Int64,
    /// `bool`.
    Bool,
    /// `meta.v1.Time` (seconds=1, nanos=2), RFC 3339 in JSON, `null` when zero.
    Time,
    /// `meta.v1.MicroTime`, RFC 3339 with microseconds in JSON, `null` when zero.
    MicroTime,
    /// `meta.v1.Duration` (duration=1, nanoseconds), Go duration string in JSON.
    #[allow(dead_code)] // no message in these tables has one
    Duration,
    /// `resource.Quantity` (string=1), a string in JSON.
    Quantity,
    /// `intstr.IntOrString` (type=1, intVal=2, strVal=3), a number or string in JSON.
    IntOrString,
    /// `runtime.RawExtension` or `meta.v1.FieldsV1` (raw=1), the raw JSON itself.
    RawJson,
    /// Another message.
    Message(&'static Message),
}

/// One field of a message.
pub(super) struct Field {
    /// Protobuf field number.
    pub number: u32,
    /// JSON name (empty when inline).
    pub json: &'static str,
    /// Encoding of the value.
    pub kind: Kind,
    /// `REPEATED`, `MAP`, `POINTER`, `OMITEMPTY`, `INLINE`.
    pub flags: u8,
}

impl Field {
    const fn new(number: u32, json: &'static str, kind: Kind, flags: u8) -> Self {
        Self {
            number,
            json,
            kind,
            flags,
        }
    }

    /// Whether `flag` is set.
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// A message type.
pub(super) struct Message {
    /// Its name, for logs.
    pub name: &'static str,
    /// Its fields, by ascending number.
    pub fields: &'static [Field],
}

/// The message for a top-level object of `apiVersion` and `kind`.
pub(super) fn root(api_version: &str, kind: &str) -> Option<&'static Message> {
    Some(match (api_version, kind) {
        (_, "DeleteOptions") => &META_V1_DELETE_OPTIONS,
        (_, "Status") => &META_V1_STATUS,
        ("v1", "Namespace") => &CORE_V1_NAMESPACE,
        ("v1", "ConfigMap") => &CORE_V1_CONFIG_MAP,
        ("v1", "Secret") => &CORE_V1_SECRET,
        ("v1", "ServiceAccount") => &CORE_V1_SERVICE_ACCOUNT,
        ("v1", "Pod") => &CORE_V1_POD,
        ("v1", "Node") => &CORE_V1_NODE,
        ("v1", "Event") => &CORE_V1_EVENT,
        ("v1", "Binding") => &CORE_V1_BINDING,
        ("batch/v1", "Job") => &BATCH_V1_JOB,
        ("coordination.k8s.io/v1", "Lease") => &COORDINATION_V1_LEASE,
        ("events.k8s.io/v1", "Event") => &EVENTS_V1_EVENT,
        _ => return None,
    })
}

/// `k8s.io.apimachinery.pkg.apis.meta.v1.OwnerReference`.
pub(super) static META_V1_OWNER_REFERENCE: Message = Message {
    name: "meta.v1.OwnerReference",
    fields: &[
        Field::new(1, "kind", Kind::String, 0),
        Field::new(3, "name", Kind::String, 0),
        Field::new(4, "uid", Kind::String, 0),
        Field::new(5, "apiVersion", Kind::String, 0),
        Field::new(6, "controller", Kind::Bool, POINTER | OMITEMPTY),
        Field::new(7, "blockOwnerDeletion", Kind::Bool, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry`.
pub(super) static META_V1_MANAGED_FIELDS_ENTRY: Message = Message {
    name: "meta.v1.ManagedFieldsEntry",
    fields: &[
        Field::new(1, "manager", Kind::String, OMITEMPTY),
        Field::new(2, "operation", Kind::String, OMITEMPTY),
        Field::new(3, "apiVersion", Kind::String, OMITEMPTY),
        Field::new(4, "time", Kind::Time, POINTER | OMITEMPTY),
        Field::new(6, "fieldsType", Kind::String, OMITEMPTY),
        Field::new(7, "fieldsV1", Kind::RawJson, POINTER | OMITEMPTY),
        Field::new(8, "subresource", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta`.
pub(super) static META_V1_OBJECT_META: Message = Message {
    name: "meta.v1.ObjectMeta",
    fields: &[
        Field::new(1, "name", Kind::String, OMITEMPTY),
        Field::new(2, "generateName", Kind::String, OMITEMPTY),
        Field::new(3, "namespace", Kind::String, OMITEMPTY),
        Field::new(4, "selfLink", Kind::String, OMITEMPTY),
        Field::new(5, "uid", Kind::String, OMITEMPTY),
        Field::new(6, "resourceVersion", Kind::String, OMITEMPTY),
        Field::new(7, "generation", Kind::Int64, OMITEMPTY),
        Field::new(8, "creationTimestamp", Kind::Time, OMITEMPTY),
        Field::new(9, "deletionTimestamp", Kind::Time, POINTER | OMITEMPTY),
        Field::new(
            10,
            "deletionGracePeriodSeconds",
            Kind::Int64,
            POINTER | OMITEMPTY,
        ),
        Field::new(11, "labels", Kind::String, MAP | OMITEMPTY),
        Field::new(12, "annotations", Kind::String, MAP | OMITEMPTY),
        Field::new(
            13,
            "ownerReferences",
            Kind::Message(&META_V1_OWNER_REFERENCE),
            REPEATED | OMITEMPTY,
        ),
        Field::new(14, "finalizers", Kind::String, REPEATED | OMITEMPTY),
        Field::new(
            17,
            "managedFields",
            Kind::Message(&META_V1_MANAGED_FIELDS_ENTRY),
            REPEATED | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.NamespaceSpec`.
pub(super) static CORE_V1_NAMESPACE_SPEC: Message = Message {
    name: "core.v1.NamespaceSpec",
    fields: &[Field::new(
        1,
        "finalizers",
        Kind::String,
        REPEATED | OMITEMPTY,
    )],
};

/// `k8s.io.api.core.v1.NamespaceCondition`.
pub(super) static CORE_V1_NAMESPACE_CONDITION: Message = Message {
    name: "core.v1.NamespaceCondition",
    fields: &[
        Field::new(1, "type", Kind::String, 0),
        Field::new(2, "status", Kind::String, 0),
        Field::new(4, "lastTransitionTime", Kind::Time, OMITEMPTY),
        Field::new(5, "reason", Kind::String, OMITEMPTY),
        Field::new(6, "message", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.NamespaceStatus`.
pub(super) static CORE_V1_NAMESPACE_STATUS: Message = Message {
    name: "core.v1.NamespaceStatus",
    fields: &[
        Field::new(1, "phase", Kind::String, OMITEMPTY),
        Field::new(
            2,
            "conditions",
            Kind::Message(&CORE_V1_NAMESPACE_CONDITION),
            REPEATED | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.Namespace`.
pub(super) static CORE_V1_NAMESPACE: Message = Message {
    name: "core.v1.Namespace",
    fields: &[
        Field::new(
            1,
            "metadata",
            Kind::Message(&META_V1_OBJECT_META),
            OMITEMPTY,
        ),
        Field::new(2, "spec", Kind::Message(&CORE_V1_NAMESPACE_SPEC), OMITEMPTY),
        Field::new(
            3,
            "status",
            Kind::Message(&CORE_V1_NAMESPACE_STATUS),
            OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.ConfigMap`.
pub(super) static CORE_V1_CONFIG_MAP: Message = Message {
    name: "core.v1.ConfigMap",
    fields: &[
        Field::new(
            1,
            "metadata",
            Kind::Message(&META_V1_OBJECT_META),
            OMITEMPTY,
        ),
        Field::new(2, "data", Kind::String, MAP | OMITEMPTY),
        Field::new(3, "binaryData", Kind::Bytes, MAP | OMITEMPTY),
        Field::new(4, "immutable", Kind::Bool, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.Secret`.
pub(super) static CORE_V1_SECRET: Message = Message {
    name: "core.v1.Secret",
    fields: &[
        Field::new(
            1,
            "metadata",
            Kind::Message(&META_V1_OBJECT_META),
            OMITEMPTY,
        ),
        Field::new(2, "data", Kind::Bytes, MAP | OMITEMPTY),
        Field::new(3, "type", Kind::String, OMITEMPTY),
        Field::new(4, "stringData", Kind::String, MAP | OMITEMPTY),
        Field::new(5, "immutable", Kind::Bool, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.ObjectReference`.
pub(super) static CORE_V1_OBJECT_REFERENCE: Message = Message {
    name: "core.v1.ObjectReference",
    fields: &[
        Field::new(1, "kind", Kind::String, OMITEMPTY),
        Field::new(2, "namespace", Kind::String, OMITEMPTY),
        Field::new(3, "name", Kind::String, OMITEMPTY),
        Field::new(4, "uid", Kind::String, OMITEMPTY),
        Field::new(5, "apiVersion", Kind::String, OMITEMPTY),
        Field::new(6, "resourceVersion", Kind::String, OMITEMPTY),
        Field::new(7, "fieldPath", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.LocalObjectReference`.
pub(super) static CORE_V1_LOCAL_OBJECT_REFERENCE: Message = Message {
    name: "core.v1.LocalObjectReference",
    fields: &[Field::new(1, "name", Kind::String, OMITEMPTY)],
};

/// `k8s.io.api.core.v1.ServiceAccount`.
pub(super) static CORE_V1_SERVICE_ACCOUNT: Message = Message {
    name: "core.v1.ServiceAccount",
    fields: &[
        Field::new(
            1,
            "metadata",
            Kind::Message(&META_V1_OBJECT_META),
            OMITEMPTY,
        ),
        Field::new(
            2,
            "secrets",
            Kind::Message(&CORE_V1_OBJECT_REFERENCE),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            3,
            "imagePullSecrets",
            Kind::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            4,
            "automountServiceAccountToken",
            Kind::Bool,
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.HostPathVolumeSource`.
pub(super) static CORE_V1_HOST_PATH_VOLUME_SOURCE: Message = Message {
    name: "core.v1.HostPathVolumeSource",
    fields: &[
        Field::new(1, "path", Kind::String, 0),
        Field::new(2, "type", Kind::String, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.EmptyDirVolumeSource`.
pub(super) static CORE_V1_EMPTY_DIR_VOLUME_SOURCE: Message = Message {
    name: "core.v1.EmptyDirVolumeSource",
    fields: &[
        Field::new(1, "medium", Kind::String, OMITEMPTY),
        Field::new(2, "sizeLimit", Kind::Quantity, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.GCEPersistentDiskVolumeSource`.
pub(super) static CORE_V1_GCE_PERSISTENT_DISK_VOLUME_SOURCE: Message = Message {
    name: "core.v1.GCEPersistentDiskVolumeSource",
    fields: &[
        Field::new(1, "pdName", Kind::String, 0),
        Field::new(2, "fsType", Kind::String, OMITEMPTY),
        Field::new(3, "partition", Kind::Int32, OMITEMPTY),
        Field::new(4, "readOnly", Kind::Bool, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.AWSElasticBlockStoreVolumeSource`.
pub(super) static CORE_V1_AWS_ELASTIC_BLOCK_STORE_VOLUME_SOURCE: Message = Message {
    name: "core.v1.AWSElasticBlockStoreVolumeSource",
    fields: &[
        Field::new(1, "volumeID", Kind::String, 0),
        Field::new(2, "fsType", Kind::String, OMITEMPTY),
        Field::new(3, "partition", Kind::Int32, OMITEMPTY),
        Field::new(4, "readOnly", Kind::Bool, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.GitRepoVolumeSource`.
pub(super) static CORE_V1_GIT_REPO_VOLUME_SOURCE: Message = Message {
    name: "core.v1.GitRepoVolumeSource",
    fields: &[
        Field::new(1, "repository", Kind::String, 0),
        Field::new(2, "revision", Kind::String, OMITEMPTY),
        Field::new(3, "directory", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.KeyToPath`.
pub(super) static CORE_V1_KEY_TO_PATH: Message = Message {
    name: "core.v1.KeyToPath",
    fields: &[
        Field::new(1, "key", Kind::String, 0),
        Field::new(2, "path", Kind::String, 0),
        Field::new(3, "mode", Kind::Int32, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.SecretVolumeSource`.
pub(super) static CORE_V1_SECRET_VOLUME_SOURCE: Message = Message {
    name: "core.v1.SecretVolumeSource",
    fields: &[
        Field::new(1, "secretName", Kind::String, OMITEMPTY),
        Field::new(
            2,
            "items",
            Kind::Message(&CORE_V1_KEY_TO_PATH),
            REPEATED | OMITEMPTY,
        ),
        Field::new(3, "defaultMode", Kind::Int32, POINTER | OMITEMPTY),
        Field::new(4, "optional", Kind::Bool, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.NFSVolumeSource`.
pub(super) static CORE_V1_NFS_VOLUME_SOURCE: Message = Message {
    name: "core.v1.NFSVolumeSource",
    fields: &[
        Field::new(1, "server", Kind::String, 0),
        Field::new(2, "path", Kind::String, 0),
        Field::new(3, "readOnly", Kind::Bool, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.ISCSIVolumeSource`.
pub(super) static CORE_V1_ISCSI_VOLUME_SOURCE: Message = Message {
    name: "core.v1.ISCSIVolumeSource",
    fields: &[
        Field::new(1, "targetPortal", Kind::String, 0),
        Field::new(2, "iqn", Kind::String, 0),
        Field::new(3, "lun", Kind::Int32, 0),
        Field::new(4, "iscsiInterface", Kind::String, OMITEMPTY),
        Field::new(5, "fsType", Kind::String, OMITEMPTY),
        Field::new(6, "readOnly", Kind::Bool, OMITEMPTY),
        Field::new(7, "portals", Kind::String, REPEATED | OMITEMPTY),
        Field::new(8, "chapAuthDiscovery", Kind::Bool, OMITEMPTY),
        Field::new(
            10,
            "secretRef",
            Kind::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(11, "chapAuthSession", Kind::Bool, OMITEMPTY),
        Field::new(12, "initiatorName", Kind::String, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.GlusterfsVolumeSource`.
pub(super) static CORE_V1_GLUSTERFS_VOLUME_SOURCE: Message = Message {
    name: "core.v1.GlusterfsVolumeSource",
    fields: &[
        Field::new(1, "endpoints", Kind::String, 0),
        Field::new(2, "path", Kind::String, 0),
        Field::new(3, "readOnly", Kind::Bool, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.PersistentVolumeClaimVolumeSource`.
pub(super) static CORE_V1_PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE: Message = Message {
    name: "core.v1.PersistentVolumeClaimVolumeSource",
    fields: &[
        Field::new(1, "claimName", Kind::String, 0),
        Field::new(2, "readOnly", Kind::Bool, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.RBDVolumeSource`.
pub(super) static CORE_V1_RBD_VOLUME_SOURCE: Message = Message {
    name: "core.v1.RBDVolumeSource",
    fields: &[
        Field::new(1, "monitors", Kind::String, REPEATED),
        Field::new(2, "image", Kind::String, 0),
        Field::new(3, "fsType", Kind::String, OMITEMPTY),
        Field::new(4, "pool", Kind::String, OMITEMPTY),
        Field::new(5, "user", Kind::String, OMITEMPTY),
        Field::new(6, "keyring", Kind::String, OMITEMPTY),
        Field::new(
            7,
            "secretRef",
            Kind::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(8, "readOnly", Kind::Bool, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.FlexVolumeSource`.
pub(super) static CORE_V1_FLEX_VOLUME_SOURCE: Message = Message {
    name: "core.v1.FlexVolumeSource",
    fields: &[
        Field::new(1, "driver", Kind::String, 0),
        Field::new(2, "fsType", Kind::String, OMITEMPTY),
        Field::new(
            3,
            "secretRef",
            Kind::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(4, "readOnly", Kind::Bool, OMITEMPTY),
        Field::new(5, "options", Kind::String, MAP | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.CinderVolumeSource`.
pub(super) static CORE_V1_CINDER_VOLUME_SOURCE: Message = Message {
    name: "core.v1.CinderVolumeSource",
    fields: &[
        Field::new(1, "volumeID", Kind::String, 0),
        Field::new(2, "fsType", Kind::String, OMITEMPTY),
        Field::new(3, "readOnly", Kind::Bool, OMITEMPTY),
        Field::new(
            4,
            "secretRef",
            Kind::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.CephFSVolumeSource`.
pub(super) static CORE_V1_CEPH_FS_VOLUME_SOURCE: Message = Message {
    name: "core.v1.CephFSVolumeSource",
    fields: &[
        Field::new(1, "monitors", Kind::String, REPEATED),
        Field::new(2, "path", Kind::String, OMITEMPTY),
        Field::new(3, "user", Kind::String, OMITEMPTY),
        Field::new(4, "secretFile", Kind::String, OMITEMPTY),
        Field::new(
            5,
            "secretRef",
            Kind::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(6, "readOnly", Kind::Bool, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.FlockerVolumeSource`.
pub(super) static CORE_V1_FLOCKER_VOLUME_SOURCE: Message = Message {
    name: "core.v1.FlockerVolumeSource",
    fields: &[
        Field::new(1, "datasetName", Kind::String, OMITEMPTY),
        Field::new(2, "datasetUUID", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.ObjectFieldSelector`.
pub(super) static CORE_V1_OBJECT_FIELD_SELECTOR: Message = Message {
    name: "core.v1.ObjectFieldSelector",
    fields: &[
        Field::new(1, "apiVersion", Kind::String, OMITEMPTY),
        Field::new(2, "fieldPath", Kind::String, 0),
    ],
};

/// `k8s.io.api.core.v1.ResourceFieldSelector`.
pub(super) static CORE_V1_RESOURCE_FIELD_SELECTOR: Message = Message {
    name: "core.v1.ResourceFieldSelector",
    fields: &[
        Field::new(1, "containerName", Kind::String, OMITEMPTY),
        Field::new(2, "resource", Kind::String, 0),
        Field::new(3, "divisor", Kind::Quantity, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.DownwardAPIVolumeFile`.
pub(super) static CORE_V1_DOWNWARD_API_VOLUME_FILE: Message = Message {
    name: "core.v1.DownwardAPIVolumeFile",
    fields: &[
        Field::new(1, "path", Kind::String, 0),
        Field::new(
            2,
            "fieldRef",
            Kind::Message(&CORE_V1_OBJECT_FIELD_SELECTOR),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            3,
            "resourceFieldRef",
            Kind::Message(&CORE_V1_RESOURCE_FIELD_SELECTOR),
            POINTER | OMITEMPTY,
        ),
        Field::new(4, "mode", Kind::Int32, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.DownwardAPIVolumeSource`.
pub(super) static CORE_V1_DOWNWARD_API_VOLUME_SOURCE: Message = Message {
    name: "core.v1.DownwardAPIVolumeSource",
    fields: &[
        Field::new(
            1,
            "items",
            Kind::Message(&CORE_V1_DOWNWARD_API_VOLUME_FILE),
            REPEATED | OMITEMPTY,
        ),
        Field::new(2, "defaultMode", Kind::Int32, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.FCVolumeSource`.
pub(super) static CORE_V1_FC_VOLUME_SOURCE: Message = Message {
    name: "core.v1.FCVolumeSource",
    fields: &[
        Field::new(1, "targetWWNs", Kind::String, REPEATED | OMITEMPTY),
        Field::new(2, "lun", Kind::Int32, POINTER | OMITEMPTY),
        Field::new(3, "fsType", Kind::String, OMITEMPTY),
        Field::new(4, "readOnly", Kind::Bool, OMITEMPTY),
        Field::new(5, "wwids", Kind::String, REPEATED | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.AzureFileVolumeSource`.
pub(super) static CORE_V1_AZURE_FILE_VOLUME_SOURCE: Message = Message {
    name: "core.v1.AzureFileVolumeSource",
    fields: &[
        Field::new(1, "secretName", Kind::String, 0),
        Field::new(2, "shareName", Kind::String, 0),
        Field::new(3, "readOnly", Kind::Bool, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.ConfigMapVolumeSource`.
pub(super) static CORE_V1_CONFIG_MAP_VOLUME_SOURCE: Message = Message {
    name: "core.v1.ConfigMapVolumeSource",
    fields: &[
        Field::new(
            1,
            "",
            Kind::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            INLINE,
        ),
        Field::new(
            2,
            "items",
            Kind::Message(&CORE_V1_KEY_TO_PATH),
            REPEATED | OMITEMPTY,
        ),
        Field::new(3, "defaultMode", Kind::Int32, POINTER | OMITEMPTY),
        Field::new(4, "optional", Kind::Bool, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.VsphereVirtualDiskVolumeSource`.
pub(super) static CORE_V1_VSPHERE_VIRTUAL_DISK_VOLUME_SOURCE: Message = Message {
    name: "core.v1.VsphereVirtualDiskVolumeSource",
    fields: &[
        Field::new(1, "volumePath", Kind::String, 0),
        Field::new(2, "fsType", Kind::String, OMITEMPTY),
        Field::new(3, "storagePolicyName", Kind::String, OMITEMPTY),
        Field::new(4, "storagePolicyID", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.QuobyteVolumeSource`.
pub(super) static CORE_V1_QUOBYTE_VOLUME_SOURCE: Message = Message {
    name: "core.v1.QuobyteVolumeSource",
    fields: &[
        Field::new(1, "registry", Kind::String, 0),
        Field::new(2, "volume", Kind::String, 0),
        Field::new(3, "readOnly", Kind::Bool, OMITEMPTY),
        Field::new(4, "user", Kind::String, OMITEMPTY),
        Field::new(5, "group", Kind::String, OMITEMPTY),
        Field::new(6, "tenant", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.AzureDiskVolumeSource`.
pub(super) static CORE_V1_AZURE_DISK_VOLUME_SOURCE: Message = Message {
    name: "core.v1.AzureDiskVolumeSource",
    fields: &[
        Field::new(1, "diskName", Kind::String, 0),
        Field::new(2, "diskURI", Kind::String, 0),
        Field::new(3, "cachingMode", Kind::String, POINTER | OMITEMPTY),
        Field::new(4, "fsType", Kind::String, POINTER | OMITEMPTY),
        Field::new(5, "readOnly", Kind::Bool, POINTER | OMITEMPTY),
        Field::new(6, "kind", Kind::String, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.PhotonPersistentDiskVolumeSource`.
pub(super) static CORE_V1_PHOTON_PERSISTENT_DISK_VOLUME_SOURCE: Message = Message {
    name: "core.v1.PhotonPersistentDiskVolumeSource",
    fields: &[
        Field::new(1, "pdID", Kind::String, 0),
        Field::new(2, "fsType", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.SecretProjection`.
pub(super) static CORE_V1_SECRET_PROJECTION: Message = Message {
    name: "core.v1.SecretProjection",
    fields: &[
        Field::new(
            1,
            "",
            Kind::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            INLINE,
        ),
        Field::new(
            2,
            "items",
            Kind::Message(&CORE_V1_KEY_TO_PATH),
            REPEATED | OMITEMPTY,
        ),
        Field::new(4, "optional", Kind::Bool, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.DownwardAPIProjection`.
pub(super) static CORE_V1_DOWNWARD_API_PROJECTION: Message = Message {
    name: "core.v1.DownwardAPIProjection",
    fields: &[Field::new(
        1,
        "items",
        Kind::Message(&CORE_V1_DOWNWARD_API_VOLUME_FILE),
        REPEATED | OMITEMPTY,
    )],
};

/// `k8s.io.api.core.v1.ConfigMapProjection`.
pub(super) static CORE_V1_CONFIG_MAP_PROJECTION: Message = Message {
    name: "core.v1.ConfigMapProjection",
    fields: &[
        Field::new(
            1,
            "",
            Kind::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            INLINE,
        ),
        Field::new(
            2,
            "items",
            Kind::Message(&CORE_V1_KEY_TO_PATH),
            REPEATED | OMITEMPTY,
        ),
        Field::new(4, "optional", Kind::Bool, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.ServiceAccountTokenProjection`.
pub(super) static CORE_V1_SERVICE_ACCOUNT_TOKEN_PROJECTION: Message = Message {
    name: "core.v1.ServiceAccountTokenProjection",
    fields: &[
        Field::new(1, "audience", Kind::String, OMITEMPTY),
        Field::new(2, "expirationSeconds", Kind::Int64, POINTER | OMITEMPTY),
        Field::new(3, "path", Kind::String, 0),
    ],
};

/// `k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement`.
pub(super) static META_V1_LABEL_SELECTOR_REQUIREMENT: Message = Message {
    name: "meta.v1.LabelSelectorRequirement",
    fields: &[
        Field::new(1, "key", Kind::String, 0),
        Field::new(2, "operator", Kind::String, 0),
        Field::new(3, "values", Kind::String, REPEATED | OMITEMPTY),
    ],
};

/// `k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector`.
pub(super) static META_V1_LABEL_SELECTOR: Message = Message {
    name: "meta.v1.LabelSelector",
    fields: &[
        Field::new(1, "matchLabels", Kind::String, MAP | OMITEMPTY),
        Field::new(
            2,
            "matchExpressions",
            Kind::Message(&META_V1_LABEL_SELECTOR_REQUIREMENT),
            REPEATED | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.ClusterTrustBundleProjection`.
pub(super) static CORE_V1_CLUSTER_TRUST_BUNDLE_PROJECTION: Message = Message {
    name: "core.v1.ClusterTrustBundleProjection",
    fields: &[
        Field::new(1, "name", Kind::String, POINTER | OMITEMPTY),
        Field::new(2, "signerName", Kind::String, POINTER | OMITEMPTY),
        Field::new(
            3,
            "labelSelector",
            Kind::Message(&META_V1_LABEL_SELECTOR),
            POINTER | OMITEMPTY,
        ),
        Field::new(4, "path", Kind::String, 0),
        Field::new(5, "optional", Kind::Bool, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.VolumeProjection`.
pub(super) static CORE_V1_VOLUME_PROJECTION: Message = Message {
    name: "core.v1.VolumeProjection",
    fields: &[
        Field::new(
            1,
            "secret",
            Kind::Message(&CORE_V1_SECRET_PROJECTION),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            2,
            "downwardAPI",
            Kind::Message(&CORE_V1_DOWNWARD_API_PROJECTION),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            3,
            "configMap",
            Kind::Message(&CORE_V1_CONFIG_MAP_PROJECTION),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            4,
            "serviceAccountToken",
            Kind::Message(&CORE_V1_SERVICE_ACCOUNT_TOKEN_PROJECTION),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            5,
            "clusterTrustBundle",
            Kind::Message(&CORE_V1_CLUSTER_TRUST_BUNDLE_PROJECTION),
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.ProjectedVolumeSource`.
pub(super) static CORE_V1_PROJECTED_VOLUME_SOURCE: Message = Message {
    name: "core.v1.ProjectedVolumeSource",
    fields: &[
        Field::new(
            1,
            "sources",
            Kind::Message(&CORE_V1_VOLUME_PROJECTION),
            REPEATED,
        ),
        Field::new(2, "defaultMode", Kind::Int32, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.PortworxVolumeSource`.
pub(super) static CORE_V1_PORTWORX_VOLUME_SOURCE: Message = Message {
    name: "core.v1.PortworxVolumeSource",
    fields: &[
        Field::new(1, "volumeID", Kind::String, 0),
        Field::new(2, "fsType", Kind::String, OMITEMPTY),
        Field::new(3, "readOnly", Kind::Bool, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.ScaleIOVolumeSource`.
pub(super) static CORE_V1_SCALE_IO_VOLUME_SOURCE: Message = Message {
    name: "core.v1.ScaleIOVolumeSource",
    fields: &[
        Field::new(1, "gateway", Kind::String, 0),
        Field::new(2, "system", Kind::String, 0),
        Field::new(
            3,
            "secretRef",
            Kind::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            POINTER,
        ),
        Field::new(4, "sslEnabled", Kind::Bool, OMITEMPTY),
        Field::new(5, "protectionDomain", Kind::String, OMITEMPTY),
        Field::new(6, "storagePool", Kind::String, OMITEMPTY),
        Field::new(7, "storageMode", Kind::String, OMITEMPTY),
        Field::new(8, "volumeName", Kind::String, OMITEMPTY),
        Field::new(9, "fsType", Kind::String, OMITEMPTY),
        Field::new(10, "readOnly", Kind::Bool, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.StorageOSVolumeSource`.
pub(super) static CORE_V1_STORAGE_OS_VOLUME_SOURCE: Message = Message {
    name: "core.v1.StorageOSVolumeSource",
    fields: &[
        Field::new(1, "volumeName", Kind::String, OMITEMPTY),
        Field::new(2, "volumeNamespace", Kind::String, OMITEMPTY),
        Field::new(3, "fsType", Kind::String, OMITEMPTY),
        Field::new(4, "readOnly", Kind::Bool, OMITEMPTY),
        Field::new(
            5,
            "secretRef",
            Kind::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.CSIVolumeSource`.
pub(super) static CORE_V1_CSI_VOLUME_SOURCE: Message = Message {
    name: "core.v1.CSIVolumeSource",
    fields: &[
        Field::new(1, "driver", Kind::String, 0),
        Field::new(2, "readOnly", Kind::Bool, POINTER | OMITEMPTY),
        Field::new(3, "fsType", Kind::String, POINTER | OMITEMPTY),
        Field::new(4, "volumeAttributes", Kind::String, MAP | OMITEMPTY),
        Field::new(
            5,
            "nodePublishSecretRef",
            Kind::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.VolumeResourceRequirements`.
pub(super) static CORE_V1_VOLUME_RESOURCE_REQUIREMENTS: Message = Message {
    name: "core.v1.VolumeResourceRequirements",
    fields: &[
        Field::new(1, "limits", Kind::Quantity, MAP | OMITEMPTY),
        Field::new(2, "requests", Kind::Quantity, MAP | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.TypedLocalObjectReference`.
pub(super) static CORE_V1_TYPED_LOCAL_OBJECT_REFERENCE: Message = Message {
    name: "core.v1.TypedLocalObjectReference",
    fields: &[
        Field::new(1, "apiGroup", Kind::String, POINTER),
        Field::new(2, "kind", Kind::String, 0),
        Field::new(3, "name", Kind::String, 0),
    ],
};

/// `k8s.io.api.core.v1.TypedObjectReference`.
pub(super) static CORE_V1_TYPED_OBJECT_REFERENCE: Message = Message {
    name: "core.v1.TypedObjectReference",
    fields: &[
        Field::new(1, "apiGroup", Kind::String, POINTER),
        Field::new(2, "kind", Kind::String, 0),
        Field::new(3, "name", Kind::String, 0),
        Field::new(4, "namespace", Kind::String, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.PersistentVolumeClaimSpec`.
pub(super) static CORE_V1_PERSISTENT_VOLUME_CLAIM_SPEC: Message = Message {
    name: "core.v1.PersistentVolumeClaimSpec",
    fields: &[
        Field::new(1, "accessModes", Kind::String, REPEATED | OMITEMPTY),
        Field::new(
            2,
            "resources",
            Kind::Message(&CORE_V1_VOLUME_RESOURCE_REQUIREMENTS),
            OMITEMPTY,
        ),
        Field::new(3, "volumeName", Kind::String, OMITEMPTY),
        Field::new(
            4,
            "selector",
            Kind::Message(&META_V1_LABEL_SELECTOR),
            POINTER | OMITEMPTY,
        ),
        Field::new(5, "storageClassName", Kind::String, POINTER | OMITEMPTY),
        Field::new(6, "volumeMode", Kind::String, POINTER | OMITEMPTY),
        Field::new(
            7,
            "dataSource",
            Kind::Message(&CORE_V1_TYPED_LOCAL_OBJECT_REFERENCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            8,
            "dataSourceRef",
            Kind::Message(&CORE_V1_TYPED_OBJECT_REFERENCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            9,
            "volumeAttributesClassName",
            Kind::String,
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.PersistentVolumeClaimTemplate`.
pub(super) static CORE_V1_PERSISTENT_VOLUME_CLAIM_TEMPLATE: Message = Message {
    name: "core.v1.PersistentVolumeClaimTemplate",
    fields: &[
        Field::new(
            1,
            "metadata",
            Kind::Message(&META_V1_OBJECT_META),
            OMITEMPTY,
        ),
        Field::new(
            2,
            "spec",
            Kind::Message(&CORE_V1_PERSISTENT_VOLUME_CLAIM_SPEC),
            0,
        ),
    ],
};

/// `k8s.io.api.core.v1.EphemeralVolumeSource`.
pub(super) static CORE_V1_EPHEMERAL_VOLUME_SOURCE: Message = Message {
    name: "core.v1.EphemeralVolumeSource",
    fields: &[Field::new(
        1,
        "volumeClaimTemplate",
        Kind::Message(&CORE_V1_PERSISTENT_VOLUME_CLAIM_TEMPLATE),
        POINTER | OMITEMPTY,
    )],
};

/// `k8s.io.api.core.v1.ImageVolumeSource`.
pub(super) static CORE_V1_IMAGE_VOLUME_SOURCE: Message = Message {
    name: "core.v1.ImageVolumeSource",
    fields: &[
        Field::new(1, "reference", Kind::String, OMITEMPTY),
        Field::new(2, "pullPolicy", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.VolumeSource`.
pub(super) static CORE_V1_VOLUME_SOURCE: Message = Message {
    name: "core.v1.VolumeSource",
    fields: &[
        Field::new(
            1,
            "hostPath",
            Kind::Message(&CORE_V1_HOST_PATH_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            2,
            "emptyDir",
            Kind::Message(&CORE_V1_EMPTY_DIR_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            3,
            "gcePersistentDisk",
            Kind::Message(&CORE_V1_GCE_PERSISTENT_DISK_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            4,
            "awsElasticBlockStore",
            Kind::Message(&CORE_V1_AWS_ELASTIC_BLOCK_STORE_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            5,
            "gitRepo",
            Kind::Message(&CORE_V1_GIT_REPO_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            6,
            "secret",
            Kind::Message(&CORE_V1_SECRET_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            7,
            "nfs",
            Kind::Message(&CORE_V1_NFS_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            8,
            "iscsi",
            Kind::Message(&CORE_V1_ISCSI_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            9,
            "glusterfs",
            Kind::Message(&CORE_V1_GLUSTERFS_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            10,
            "persistentVolumeClaim",
            Kind::Message(&CORE_V1_PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            11,
            "rbd",
            Kind::Message(&CORE_V1_RBD_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            12,
            "flexVolume",
            Kind::Message(&CORE_V1_FLEX_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            13,
            "cinder",
            Kind::Message(&CORE_V1_CINDER_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            14,
            "cephfs",
            Kind::Message(&CORE_V1_CEPH_FS_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            15,
            "flocker",
            Kind::Message(&CORE_V1_FLOCKER_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            16,
            "downwardAPI",
            Kind::Message(&CORE_V1_DOWNWARD_API_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            17,
            "fc",
            Kind::Message(&CORE_V1_FC_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            18,
            "azureFile",
            Kind::Message(&CORE_V1_AZURE_FILE_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            19,
            "configMap",
            Kind::Message(&CORE_V1_CONFIG_MAP_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            20,
            "vsphereVolume",
            Kind::Message(&CORE_V1_VSPHERE_VIRTUAL_DISK_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            21,
            "quobyte",
            Kind::Message(&CORE_V1_QUOBYTE_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            22,
            "azureDisk",
            Kind::Message(&CORE_V1_AZURE_DISK_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            23,
            "photonPersistentDisk",
            Kind::Message(&CORE_V1_PHOTON_PERSISTENT_DISK_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            24,
            "portworxVolume",
            Kind::Message(&CORE_V1_PORTWORX_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            25,
            "scaleIO",
            Kind::Message(&CORE_V1_SCALE_IO_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            26,
            "projected",
            Kind::Message(&CORE_V1_PROJECTED_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            27,
            "storageos",
            Kind::Message(&CORE_V1_STORAGE_OS_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            28,
            "csi",
            Kind::Message(&CORE_V1_CSI_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            29,
            "ephemeral",
            Kind::Message(&CORE_V1_EPHEMERAL_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            30,
            "image",
            Kind::Message(&CORE_V1_IMAGE_VOLUME_SOURCE),
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.Volume`.
pub(super) static CORE_V1_VOLUME: Message = Message {
    name: "core.v1.Volume",
    fields: &[
        Field::new(1, "name", Kind::String, 0),
        Field::new(2, "", Kind::Message(&CORE_V1_VOLUME_SOURCE), INLINE),
    ],
};

/// `k8s.io.api.core.v1.ContainerPort`.
pub(super) static CORE_V1_CONTAINER_PORT: Message = Message {
    name: "core.v1.ContainerPort",
    fields: &[
        Field::new(1, "name", Kind::String, OMITEMPTY),
        Field::new(2, "hostPort", Kind::Int32, OMITEMPTY),
        Field::new(3, "containerPort", Kind::Int32, 0),
        Field::new(4, "protocol", Kind::String, OMITEMPTY),
        Field::new(5, "hostIP", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.ConfigMapEnvSource`.
pub(super) static CORE_V1_CONFIG_MAP_ENV_SOURCE: Message = Message {
    name: "core.v1.ConfigMapEnvSource",
    fields: &[
        Field::new(
            1,
            "",
            Kind::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            INLINE,
        ),
        Field::new(2, "optional", Kind::Bool, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.SecretEnvSource`.
pub(super) static CORE_V1_SECRET_ENV_SOURCE: Message = Message {
    name: "core.v1.SecretEnvSource",
    fields: &[
        Field::new(
            1,
            "",
            Kind::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            INLINE,
        ),
        Field::new(2, "optional", Kind::Bool, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.EnvFromSource`.
pub(super) static CORE_V1_ENV_FROM_SOURCE: Message = Message {
    name: "core.v1.EnvFromSource",
    fields: &[
        Field::new(1, "prefix", Kind::String, OMITEMPTY),
        Field::new(
            2,
            "configMapRef",
            Kind::Message(&CORE_V1_CONFIG_MAP_ENV_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            3,
            "secretRef",
            Kind::Message(&CORE_V1_SECRET_ENV_SOURCE),
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.ConfigMapKeySelector`.
pub(super) static CORE_V1_CONFIG_MAP_KEY_SELECTOR: Message = Message {
    name: "core.v1.ConfigMapKeySelector",
    fields: &[
        Field::new(
            1,
            "",
            Kind::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            INLINE,
        ),
        Field::new(2, "key", Kind::String, 0),
        Field::new(3, "optional", Kind::Bool, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.SecretKeySelector`.
pub(super) static CORE_V1_SECRET_KEY_SELECTOR: Message = Message {
    name: "core.v1.SecretKeySelector",
    fields: &[
        Field::new(
            1,
            "",
            Kind::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            INLINE,
        ),
        Field::new(2, "key", Kind::String, 0),
        Field::new(3, "optional", Kind::Bool, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.EnvVarSource`.
pub(super) static CORE_V1_ENV_VAR_SOURCE: Message = Message {
    name: "core.v1.EnvVarSource",
    fields: &[
        Field::new(
            1,
            "fieldRef",
            Kind::Message(&CORE_V1_OBJECT_FIELD_SELECTOR),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            2,
            "resourceFieldRef",
            Kind::Message(&CORE_V1_RESOURCE_FIELD_SELECTOR),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            3,
            "configMapKeyRef",
            Kind::Message(&CORE_V1_CONFIG_MAP_KEY_SELECTOR),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            4,
            "secretKeyRef",
            Kind::Message(&CORE_V1_SECRET_KEY_SELECTOR),
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.EnvVar`.
pub(super) static CORE_V1_ENV_VAR: Message = Message {
    name: "core.v1.EnvVar",
    fields: &[
        Field::new(1, "name", Kind::String, 0),
        Field::new(2, "value", Kind::String, OMITEMPTY),
        Field::new(
            3,
            "valueFrom",
            Kind::Message(&CORE_V1_ENV_VAR_SOURCE),
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.ResourceClaim`.
pub(super) static CORE_V1_RESOURCE_CLAIM: Message = Message {
    name: "core.v1.ResourceClaim",
    fields: &[
        Field::new(1, "name", Kind::String, 0),
        Field::new(2, "request", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.ResourceRequirements`.
pub(super) static CORE_V1_RESOURCE_REQUIREMENTS: Message = Message {
    name: "core.v1.ResourceRequirements",
    fields: &[
        Field::new(1, "limits", Kind::Quantity, MAP | OMITEMPTY),
        Field::new(2, "requests", Kind::Quantity, MAP | OMITEMPTY),
        Field::new(
            3,
            "claims",
            Kind::Message(&CORE_V1_RESOURCE_CLAIM),
            REPEATED | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.ContainerResizePolicy`.
pub(super) static CORE_V1_CONTAINER_RESIZE_POLICY: Message = Message {
    name: "core.v1.ContainerResizePolicy",
    fields: &[
        Field::new(1, "resourceName", Kind::String, 0),
        Field::new(2, "restartPolicy", Kind::String, 0),
    ],
};

/// `k8s.io.api.core.v1.VolumeMount`.
pub(super) static CORE_V1_VOLUME_MOUNT: Message = Message {
    name: "core.v1.VolumeMount",
    fields: &[
        Field::new(1, "name", Kind::String, 0),
        Field::new(2, "readOnly", Kind::Bool, OMITEMPTY),
        Field::new(3, "mountPath", Kind::String, 0),
        Field::new(4, "subPath", Kind::String, OMITEMPTY),
        Field::new(5, "mountPropagation", Kind::String, POINTER | OMITEMPTY),
        Field::new(6, "subPathExpr", Kind::String, OMITEMPTY),
        Field::new(7, "recursiveReadOnly", Kind::String, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.VolumeDevice`.
pub(super) static CORE_V1_VOLUME_DEVICE: Message = Message {
    name: "core.v1.VolumeDevice",
    fields: &[
        Field::new(1, "name", Kind::String, 0),
        Field::new(2, "devicePath", Kind::String, 0),
    ],
};

/// `k8s.io.api.core.v1.ExecAction`.
pub(super) static CORE_V1_EXEC_ACTION: Message = Message {
    name: "core.v1.ExecAction",
    fields: &[Field::new(1, "command", Kind::String, REPEATED | OMITEMPTY)],
};

/// `k8s.io.api.core.v1.HTTPHeader`.
pub(super) static CORE_V1_HTTP_HEADER: Message = Message {
    name: "core.v1.HTTPHeader",
    fields: &[
        Field::new(1, "name", Kind::String, 0),
        Field::new(2, "value", Kind::String, 0),
    ],
};

/// `k8s.io.api.core.v1.HTTPGetAction`.
pub(super) static CORE_V1_HTTP_GET_ACTION: Message = Message {
    name: "core.v1.HTTPGetAction",
    fields: &[
        Field::new(1, "path", Kind::String, OMITEMPTY),
        Field::new(2, "port", Kind::IntOrString, 0),
        Field::new(3, "host", Kind::String, OMITEMPTY),
        Field::new(4, "scheme", Kind::String, OMITEMPTY),
        Field::new(
            5,
            "httpHeaders",
            Kind::Message(&CORE_V1_HTTP_HEADER),
            REPEATED | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.TCPSocketAction`.
pub(super) static CORE_V1_TCP_SOCKET_ACTION: Message = Message {
    name: "core.v1.TCPSocketAction",
    fields: &[
        Field::new(1, "port", Kind::IntOrString, 0),
        Field::new(2, "host", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.GRPCAction`.
pub(super) static CORE_V1_GRPC_ACTION: Message = Message {
    name: "core.v1.GRPCAction",
    fields: &[
        Field::new(1, "port", Kind::Int32, 0),
        Field::new(2, "service", Kind::String, POINTER),
    ],
};

/// `k8s.io.api.core.v1.ProbeHandler`.
pub(super) static CORE_V1_PROBE_HANDLER: Message = Message {
    name: "core.v1.ProbeHandler",
    fields: &[
        Field::new(
            1,
            "exec",
            Kind::Message(&CORE_V1_EXEC_ACTION),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            2,
            "httpGet",
            Kind::Message(&CORE_V1_HTTP_GET_ACTION),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            3,
            "tcpSocket",
            Kind::Message(&CORE_V1_TCP_SOCKET_ACTION),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            4,
            "grpc",
            Kind::Message(&CORE_V1_GRPC_ACTION),
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.Probe`.
pub(super) static CORE_V1_PROBE: Message = Message {
    name: "core.v1.Probe",
    fields: &[
        Field::new(1, "", Kind::Message(&CORE_V1_PROBE_HANDLER), INLINE),
        Field::new(2, "initialDelaySeconds", Kind::Int32, OMITEMPTY),
        Field::new(3, "timeoutSeconds", Kind::Int32, OMITEMPTY),
        Field::new(4, "periodSeconds", Kind::Int32, OMITEMPTY),
        Field::new(5, "successThreshold", Kind::Int32, OMITEMPTY),
        Field::new(6, "failureThreshold", Kind::Int32, OMITEMPTY),
        Field::new(
            7,
            "terminationGracePeriodSeconds",
            Kind::Int64,
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.SleepAction`.
pub(super) static CORE_V1_SLEEP_ACTION: Message = Message {
    name: "core.v1.SleepAction",
    fields: &[Field::new(1, "seconds", Kind::Int64, 0)],
};

/// `k8s.io.api.core.v1.LifecycleHandler`.
pub(super) static CORE_V1_LIFECYCLE_HANDLER: Message = Message {
    name: "core.v1.LifecycleHandler",
    fields: &[
        Field::new(
            1,
            "exec",
            Kind::Message(&CORE_V1_EXEC_ACTION),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            2,
            "httpGet",
            Kind::Message(&CORE_V1_HTTP_GET_ACTION),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            3,
            "tcpSocket",
            Kind::Message(&CORE_V1_TCP_SOCKET_ACTION),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            4,
            "sleep",
            Kind::Message(&CORE_V1_SLEEP_ACTION),
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.Lifecycle`.
pub(super) static CORE_V1_LIFECYCLE: Message = Message {
    name: "core.v1.Lifecycle",
    fields: &[
        Field::new(
            1,
            "postStart",
            Kind::Message(&CORE_V1_LIFECYCLE_HANDLER),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            2,
            "preStop",
            Kind::Message(&CORE_V1_LIFECYCLE_HANDLER),
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.Capabilities`.
pub(super) static CORE_V1_CAPABILITIES: Message = Message {
    name: "core.v1.Capabilities",
    fields: &[
        Field::new(1, "add", Kind::String, REPEATED | OMITEMPTY),
        Field::new(2, "drop", Kind::String, REPEATED | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.SELinuxOptions`.
pub(super) static CORE_V1_SE_LINUX_OPTIONS: Message = Message {
    name: "core.v1.SELinuxOptions",
    fields: &[
        Field::new(1, "user", Kind::String, OMITEMPTY),
        Field::new(2, "role", Kind::String, OMITEMPTY),
        Field::new(3, "type", Kind::String, OMITEMPTY),
        Field::new(4, "level", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.WindowsSecurityContextOptions`.
pub(super) static CORE_V1_WINDOWS_SECURITY_CONTEXT_OPTIONS: Message = Message {
    name: "core.v1.WindowsSecurityContextOptions",
    fields: &[
        Field::new(
            1,
            "gmsaCredentialSpecName",
            Kind::String,
            POINTER | OMITEMPTY,
        ),
        Field::new(2, "gmsaCredentialSpec", Kind::String, POINTER | OMITEMPTY),
        Field::new(3, "runAsUserName", Kind::String, POINTER | OMITEMPTY),
        Field::new(4, "hostProcess", Kind::Bool, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.SeccompProfile`.
pub(super) static CORE_V1_SECCOMP_PROFILE: Message = Message {
    name: "core.v1.SeccompProfile",
    fields: &[
        Field::new(1, "type", Kind::String, 0),
        Field::new(2, "localhostProfile", Kind::String, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.AppArmorProfile`.
pub(super) static CORE_V1_APP_ARMOR_PROFILE: Message = Message {
    name: "core.v1.AppArmorProfile",
    fields: &[
        Field::new(1, "type", Kind::String, 0),
        Field::new(2, "localhostProfile", Kind::String, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.SecurityContext`.
pub(super) static CORE_V1_SECURITY_CONTEXT: Message = Message {
    name: "core.v1.SecurityContext",
    fields: &[
        Field::new(
            1,
            "capabilities",
            Kind::Message(&CORE_V1_CAPABILITIES),
            POINTER | OMITEMPTY,
        ),
        Field::new(2, "privileged", Kind::Bool, POINTER | OMITEMPTY),
        Field::new(
            3,
            "seLinuxOptions",
            Kind::Message(&CORE_V1_SE_LINUX_OPTIONS),
            POINTER | OMITEMPTY,
        ),
        Field::new(4, "runAsUser", Kind::Int64, POINTER | OMITEMPTY),
        Field::new(5, "runAsNonRoot", Kind::Bool, POINTER | OMITEMPTY),
        Field::new(6, "readOnlyRootFilesystem", Kind::Bool, POINTER | OMITEMPTY),
        Field::new(
            7,
            "allowPrivilegeEscalation",
            Kind::Bool,
            POINTER | OMITEMPTY,
        ),
        Field::new(8, "runAsGroup", Kind::Int64, POINTER | OMITEMPTY),
        Field::new(9, "procMount", Kind::String, POINTER | OMITEMPTY),
        Field::new(
            10,
            "windowsOptions",
            Kind::Message(&CORE_V1_WINDOWS_SECURITY_CONTEXT_OPTIONS),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            11,
            "seccompProfile",
            Kind::Message(&CORE_V1_SECCOMP_PROFILE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            12,
            "appArmorProfile",
            Kind::Message(&CORE_V1_APP_ARMOR_PROFILE),
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.Container`.
pub(super) static CORE_V1_CONTAINER: Message = Message {
    name: "core.v1.Container",
    fields: &[
        Field::new(1, "name", Kind::String, 0),
        Field::new(2, "image", Kind::String, OMITEMPTY),
        Field::new(3, "command", Kind::String, REPEATED | OMITEMPTY),
        Field::new(4, "args", Kind::String, REPEATED | OMITEMPTY),
        Field::new(5, "workingDir", Kind::String, OMITEMPTY),
        Field::new(
            6,
            "ports",
            Kind::Message(&CORE_V1_CONTAINER_PORT),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            7,
            "env",
            Kind::Message(&CORE_V1_ENV_VAR),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            8,
            "resources",
            Kind::Message(&CORE_V1_RESOURCE_REQUIREMENTS),
            OMITEMPTY,
        ),
        Field::new(
            9,
            "volumeMounts",
            Kind::Message(&CORE_V1_VOLUME_MOUNT),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            10,
            "livenessProbe",
            Kind::Message(&CORE_V1_PROBE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            11,
            "readinessProbe",
            Kind::Message(&CORE_V1_PROBE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            12,
            "lifecycle",
            Kind::Message(&CORE_V1_LIFECYCLE),
            POINTER | OMITEMPTY,
        ),
        Field::new(13, "terminationMessagePath", Kind::String, OMITEMPTY),
        Field::new(14, "imagePullPolicy", Kind::String, OMITEMPTY),
        Field::new(
            15,
            "securityContext",
            Kind::Message(&CORE_V1_SECURITY_CONTEXT),
            POINTER | OMITEMPTY,
        ),
        Field::new(16, "stdin", Kind::Bool, OMITEMPTY),
        Field::new(17, "stdinOnce", Kind::Bool, OMITEMPTY),
        Field::new(18, "tty", Kind::Bool, OMITEMPTY),
        Field::new(
            19,
            "envFrom",
            Kind::Message(&CORE_V1_ENV_FROM_SOURCE),
            REPEATED | OMITEMPTY,
        ),
        Field::new(20, "terminationMessagePolicy", Kind::String, OMITEMPTY),
        Field::new(
            21,
            "volumeDevices",
            Kind::Message(&CORE_V1_VOLUME_DEVICE),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            22,
            "startupProbe",
            Kind::Message(&CORE_V1_PROBE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            23,
            "resizePolicy",
            Kind::Message(&CORE_V1_CONTAINER_RESIZE_POLICY),
            REPEATED | OMITEMPTY,
        ),
        Field::new(24, "restartPolicy", Kind::String, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.EphemeralContainerCommon`.
pub(super) static CORE_V1_EPHEMERAL_CONTAINER_COMMON: Message = Message {
    name: "core.v1.EphemeralContainerCommon",
    fields: &[
        Field::new(1, "name", Kind::String, 0),
        Field::new(2, "image", Kind::String, OMITEMPTY),
        Field::new(3, "command", Kind::String, REPEATED | OMITEMPTY),
        Field::new(4, "args", Kind::String, REPEATED | OMITEMPTY),
        Field::new(5, "workingDir", Kind::String, OMITEMPTY),
        Field::new(
            6,
            "ports",
            Kind::Message(&CORE_V1_CONTAINER_PORT),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            7,
            "env",
            Kind::Message(&CORE_V1_ENV_VAR),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            8,
            "resources",
            Kind::Message(&CORE_V1_RESOURCE_REQUIREMENTS),
            OMITEMPTY,
        ),
        Field::new(
            9,
            "volumeMounts",
            Kind::Message(&CORE_V1_VOLUME_MOUNT),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            10,
            "livenessProbe",
            Kind::Message(&CORE_V1_PROBE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            11,
            "readinessProbe",
            Kind::Message(&CORE_V1_PROBE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            12,
            "lifecycle",
            Kind::Message(&CORE_V1_LIFECYCLE),
            POINTER | OMITEMPTY,
        ),
        Field::new(13, "terminationMessagePath", Kind::String, OMITEMPTY),
        Field::new(14, "imagePullPolicy", Kind::String, OMITEMPTY),
        Field::new(
            15,
            "securityContext",
            Kind::Message(&CORE_V1_SECURITY_CONTEXT),
            POINTER | OMITEMPTY,
        ),
        Field::new(16, "stdin", Kind::Bool, OMITEMPTY),
        Field::new(17, "stdinOnce", Kind::Bool, OMITEMPTY),
        Field::new(18, "tty", Kind::Bool, OMITEMPTY),
        Field::new(
            19,
            "envFrom",
            Kind::Message(&CORE_V1_ENV_FROM_SOURCE),
            REPEATED | OMITEMPTY,
        ),
        Field::new(20, "terminationMessagePolicy", Kind::String, OMITEMPTY),
        Field::new(
            21,
            "volumeDevices",
            Kind::Message(&CORE_V1_VOLUME_DEVICE),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            22,
            "startupProbe",
            Kind::Message(&CORE_V1_PROBE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            23,
            "resizePolicy",
            Kind::Message(&CORE_V1_CONTAINER_RESIZE_POLICY),
            REPEATED | OMITEMPTY,
        ),
        Field::new(24, "restartPolicy", Kind::String, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.EphemeralContainer`.
pub(super) static CORE_V1_EPHEMERAL_CONTAINER: Message = Message {
    name: "core.v1.EphemeralContainer",
    fields: &[
        Field::new(
            1,
            "",
            Kind::Message(&CORE_V1_EPHEMERAL_CONTAINER_COMMON),
            INLINE,
        ),
        Field::new(2, "targetContainerName", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.Sysctl`.
pub(super) static CORE_V1_SYSCTL: Message = Message {
    name: "core.v1.Sysctl",
    fields: &[
        Field::new(1, "name", Kind::String, 0),
        Field::new(2, "value", Kind::String, 0),
    ],
};

/// `k8s.io.api.core.v1.PodSecurityContext`.
pub(super) static CORE_V1_POD_SECURITY_CONTEXT: Message = Message {
    name: "core.v1.PodSecurityContext",
    fields: &[
        Field::new(
            1,
            "seLinuxOptions",
            Kind::Message(&CORE_V1_SE_LINUX_OPTIONS),
            POINTER | OMITEMPTY,
        ),
        Field::new(2, "runAsUser", Kind::Int64, POINTER | OMITEMPTY),
        Field::new(3, "runAsNonRoot", Kind::Bool, POINTER | OMITEMPTY),
        Field::new(4, "supplementalGroups", Kind::Int64, REPEATED | OMITEMPTY),
        Field::new(5, "fsGroup", Kind::Int64, POINTER | OMITEMPTY),
        Field::new(6, "runAsGroup", Kind::Int64, POINTER | OMITEMPTY),
        Field::new(
            7,
            "sysctls",
            Kind::Message(&CORE_V1_SYSCTL),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            8,
            "windowsOptions",
            Kind::Message(&CORE_V1_WINDOWS_SECURITY_CONTEXT_OPTIONS),
            POINTER | OMITEMPTY,
        ),
        Field::new(9, "fsGroupChangePolicy", Kind::String, POINTER | OMITEMPTY),
        Field::new(
            10,
            "seccompProfile",
            Kind::Message(&CORE_V1_SECCOMP_PROFILE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            11,
            "appArmorProfile",
            Kind::Message(&CORE_V1_APP_ARMOR_PROFILE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            12,
            "supplementalGroupsPolicy",
            Kind::String,
            POINTER | OMITEMPTY,
        ),
        Field::new(13, "seLinuxChangePolicy", Kind::String, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.NodeSelectorRequirement`.
pub(super) static CORE_V1_NODE_SELECTOR_REQUIREMENT: Message = Message {
    name: "core.v1.NodeSelectorRequirement",
    fields: &[
        Field::new(1, "key", Kind::String, 0),
        Field::new(2, "operator", Kind::String, 0),
        Field::new(3, "values", Kind::String, REPEATED | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.NodeSelectorTerm`.
pub(super) static CORE_V1_NODE_SELECTOR_TERM: Message = Message {
    name: "core.v1.NodeSelectorTerm",
    fields: &[
        Field::new(
            1,
            "matchExpressions",
            Kind::Message(&CORE_V1_NODE_SELECTOR_REQUIREMENT),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            2,
            "matchFields",
            Kind::Message(&CORE_V1_NODE_SELECTOR_REQUIREMENT),
            REPEATED | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.NodeSelector`.
pub(super) static CORE_V1_NODE_SELECTOR: Message = Message {
    name: "core.v1.NodeSelector",
    fields: &[Field::new(
        1,
        "nodeSelectorTerms",
        Kind::Message(&CORE_V1_NODE_SELECTOR_TERM),
        REPEATED,
    )],
};

/// `k8s.io.api.core.v1.PreferredSchedulingTerm`.
pub(super) static CORE_V1_PREFERRED_SCHEDULING_TERM: Message = Message {
    name: "core.v1.PreferredSchedulingTerm",
    fields: &[
        Field::new(1, "weight", Kind::Int32, 0),
        Field::new(
            2,
            "preference",
            Kind::Message(&CORE_V1_NODE_SELECTOR_TERM),
            0,
        ),
    ],
};

/// `k8s.io.api.core.v1.NodeAffinity`.
pub(super) static CORE_V1_NODE_AFFINITY: Message = Message {
    name: "core.v1.NodeAffinity",
    fields: &[
        Field::new(
            1,
            "requiredDuringSchedulingIgnoredDuringExecution",
            Kind::Message(&CORE_V1_NODE_SELECTOR),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            2,
            "preferredDuringSchedulingIgnoredDuringExecution",
            Kind::Message(&CORE_V1_PREFERRED_SCHEDULING_TERM),
            REPEATED | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.PodAffinityTerm`.
pub(super) static CORE_V1_POD_AFFINITY_TERM: Message = Message {
    name: "core.v1.PodAffinityTerm",
    fields: &[
        Field::new(
            1,
            "labelSelector",
            Kind::Message(&META_V1_LABEL_SELECTOR),
            POINTER | OMITEMPTY,
        ),
        Field::new(2, "namespaces", Kind::String, REPEATED | OMITEMPTY),
        Field::new(3, "topologyKey", Kind::String, 0),
        Field::new(
            4,
            "namespaceSelector",
            Kind::Message(&META_V1_LABEL_SELECTOR),
            POINTER | OMITEMPTY,
        ),
        Field::new(5, "matchLabelKeys", Kind::String, REPEATED | OMITEMPTY),
        Field::new(6, "mismatchLabelKeys", Kind::String, REPEATED | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.WeightedPodAffinityTerm`.
pub(super) static CORE_V1_WEIGHTED_POD_AFFINITY_TERM: Message = Message {
    name: "core.v1.WeightedPodAffinityTerm",
    fields: &[
        Field::new(1, "weight", Kind::Int32, 0),
        Field::new(
            2,
            "podAffinityTerm",
            Kind::Message(&CORE_V1_POD_AFFINITY_TERM),
            0,
        ),
    ],
};

/// `k8s.io.api.core.v1.PodAffinity`.
pub(super) static CORE_V1_POD_AFFINITY: Message = Message {
    name: "core.v1.PodAffinity",
    fields: &[
        Field::new(
            1,
            "requiredDuringSchedulingIgnoredDuringExecution",
            Kind::Message(&CORE_V1_POD_AFFINITY_TERM),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            2,
            "preferredDuringSchedulingIgnoredDuringExecution",
            Kind::Message(&CORE_V1_WEIGHTED_POD_AFFINITY_TERM),
            REPEATED | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.PodAntiAffinity`.
pub(super) static CORE_V1_POD_ANTI_AFFINITY: Message = Message {
    name: "core.v1.PodAntiAffinity",
    fields: &[
        Field::new(
            1,
            "requiredDuringSchedulingIgnoredDuringExecution",
            Kind::Message(&CORE_V1_POD_AFFINITY_TERM),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            2,
            "preferredDuringSchedulingIgnoredDuringExecution",
            Kind::Message(&CORE_V1_WEIGHTED_POD_AFFINITY_TERM),
            REPEATED | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.Affinity`.
pub(super) static CORE_V1_AFFINITY: Message = Message {
    name: "core.v1.Affinity",
    fields: &[
        Field::new(
            1,
            "nodeAffinity",
            Kind::Message(&CORE_V1_NODE_AFFINITY),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            2,
            "podAffinity",
            Kind::Message(&CORE_V1_POD_AFFINITY),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            3,
            "podAntiAffinity",
            Kind::Message(&CORE_V1_POD_ANTI_AFFINITY),
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.Toleration`.
pub(super) static CORE_V1_TOLERATION: Message = Message {
    name: "core.v1.Toleration",
    fields: &[
        Field::new(1, "key", Kind::String, OMITEMPTY),
        Field::new(2, "operator", Kind::String, OMITEMPTY),
        Field::new(3, "value", Kind::String, OMITEMPTY),
        Field::new(4, "effect", Kind::String, OMITEMPTY),
        Field::new(5, "tolerationSeconds", Kind::Int64, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.HostAlias`.
pub(super) static CORE_V1_HOST_ALIAS: Message = Message {
    name: "core.v1.HostAlias",
    fields: &[
        Field::new(1, "ip", Kind::String, 0),
        Field::new(2, "hostnames", Kind::String, REPEATED | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.PodDNSConfigOption`.
pub(super) static CORE_V1_POD_DNS_CONFIG_OPTION: Message = Message {
    name: "core.v1.PodDNSConfigOption",
    fields: &[
        Field::new(1, "name", Kind::String, OMITEMPTY),
        Field::new(2, "value", Kind::String, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.PodDNSConfig`.
pub(super) static CORE_V1_POD_DNS_CONFIG: Message = Message {
    name: "core.v1.PodDNSConfig",
    fields: &[
        Field::new(1, "nameservers", Kind::String, REPEATED | OMITEMPTY),
        Field::new(2, "searches", Kind::String, REPEATED | OMITEMPTY),
        Field::new(
            3,
            "options",
            Kind::Message(&CORE_V1_POD_DNS_CONFIG_OPTION),
            REPEATED | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.PodReadinessGate`.
pub(super) static CORE_V1_POD_READINESS_GATE: Message = Message {
    name: "core.v1.PodReadinessGate",
    fields: &[Field::new(1, "conditionType", Kind::String, 0)],
};

/// `k8s.io.api.core.v1.TopologySpreadConstraint`.
pub(super) static CORE_V1_TOPOLOGY_SPREAD_CONSTRAINT: Message = Message {
    name: "core.v1.TopologySpreadConstraint",
    fields: &[
        Field::new(1, "maxSkew", Kind::Int32, 0),
        Field::new(2, "topologyKey", Kind::String, 0),
        Field::new(3, "whenUnsatisfiable", Kind::String, 0),
        Field::new(
            4,
            "labelSelector",
            Kind::Message(&META_V1_LABEL_SELECTOR),
            POINTER | OMITEMPTY,
        ),
        Field::new(5, "minDomains", Kind::Int32, POINTER | OMITEMPTY),
        Field::new(6, "nodeAffinityPolicy", Kind::String, POINTER | OMITEMPTY),
        Field::new(7, "nodeTaintsPolicy", Kind::String, POINTER | OMITEMPTY),
        Field::new(8, "matchLabelKeys", Kind::String, REPEATED | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.PodOS`.
pub(super) static CORE_V1_POD_OS: Message = Message {
    name: "core.v1.PodOS",
    fields: &[Field::new(1, "name", Kind::String, 0)],
};

/// `k8s.io.api.core.v1.PodSchedulingGate`.
pub(super) static CORE_V1_POD_SCHEDULING_GATE: Message = Message {
    name: "core.v1.PodSchedulingGate",
    fields: &[Field::new(1, "name", Kind::String, 0)],
};

/// `k8s.io.api.core.v1.PodResourceClaim`.
pub(super) static CORE_V1_POD_RESOURCE_CLAIM: Message = Message {
    name: "core.v1.PodResourceClaim",
    fields: &[
        Field::new(1, "name", Kind::String, 0),
        Field::new(3, "resourceClaimName", Kind::String, POINTER | OMITEMPTY),
        Field::new(
            4,
            "resourceClaimTemplateName",
            Kind::String,
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.PodSpec`.
pub(super) static CORE_V1_POD_SPEC: Message = Message {
    name: "core.v1.PodSpec",
    fields: &[
        Field::new(
            1,
            "volumes",
            Kind::Message(&CORE_V1_VOLUME),
            REPEATED | OMITEMPTY,
        ),
        Field::new(2, "containers", Kind::Message(&CORE_V1_CONTAINER), REPEATED),
        Field::new(3, "restartPolicy", Kind::String, OMITEMPTY),
        Field::new(
            4,
            "terminationGracePeriodSeconds",
            Kind::Int64,
            POINTER | OMITEMPTY,
        ),
        Field::new(5, "activeDeadlineSeconds", Kind::Int64, POINTER | OMITEMPTY),
        Field::new(6, "dnsPolicy", Kind::String, OMITEMPTY),
        Field::new(7, "nodeSelector", Kind::String, MAP | OMITEMPTY),
        Field::new(8, "serviceAccountName", Kind::String, OMITEMPTY),
        Field::new(9, "serviceAccount", Kind::String, OMITEMPTY),
        Field::new(10, "nodeName", Kind::String, OMITEMPTY),
        Field::new(11, "hostNetwork", Kind::Bool, OMITEMPTY),
        Field::new(12, "hostPID", Kind::Bool, OMITEMPTY),
        Field::new(13, "hostIPC", Kind::Bool, OMITEMPTY),
        Field::new(
            14,
            "securityContext",
            Kind::Message(&CORE_V1_POD_SECURITY_CONTEXT),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            15,
            "imagePullSecrets",
            Kind::Message(&CORE_V1_LOCAL_OBJECT_REFERENCE),
            REPEATED | OMITEMPTY,
        ),
        Field::new(16, "hostname", Kind::String, OMITEMPTY),
        Field::new(17, "subdomain", Kind::String, OMITEMPTY),
        Field::new(
            18,
            "affinity",
            Kind::Message(&CORE_V1_AFFINITY),
            POINTER | OMITEMPTY,
        ),
        Field::new(19, "schedulerName", Kind::String, OMITEMPTY),
        Field::new(
            20,
            "initContainers",
            Kind::Message(&CORE_V1_CONTAINER),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            21,
            "automountServiceAccountToken",
            Kind::Bool,
            POINTER | OMITEMPTY,
        ),
        Field::new(
            22,
            "tolerations",
            Kind::Message(&CORE_V1_TOLERATION),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            23,
            "hostAliases",
            Kind::Message(&CORE_V1_HOST_ALIAS),
            REPEATED | OMITEMPTY,
        ),
        Field::new(24, "priorityClassName", Kind::String, OMITEMPTY),
        Field::new(25, "priority", Kind::Int32, POINTER | OMITEMPTY),
        Field::new(
            26,
            "dnsConfig",
            Kind::Message(&CORE_V1_POD_DNS_CONFIG),
            POINTER | OMITEMPTY,
        ),
        Field::new(27, "shareProcessNamespace", Kind::Bool, POINTER | OMITEMPTY),
        Field::new(
            28,
            "readinessGates",
            Kind::Message(&CORE_V1_POD_READINESS_GATE),
            REPEATED | OMITEMPTY,
        ),
        Field::new(29, "runtimeClassName", Kind::String, POINTER | OMITEMPTY),
        Field::new(30, "enableServiceLinks", Kind::Bool, POINTER | OMITEMPTY),
        Field::new(31, "preemptionPolicy", Kind::String, POINTER | OMITEMPTY),
        Field::new(32, "overhead", Kind::Quantity, MAP | OMITEMPTY),
        Field::new(
            33,
            "topologySpreadConstraints",
            Kind::Message(&CORE_V1_TOPOLOGY_SPREAD_CONSTRAINT),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            34,
            "ephemeralContainers",
            Kind::Message(&CORE_V1_EPHEMERAL_CONTAINER),
            REPEATED | OMITEMPTY,
        ),
        Field::new(35, "setHostnameAsFQDN", Kind::Bool, POINTER | OMITEMPTY),
        Field::new(
            36,
            "os",
            Kind::Message(&CORE_V1_POD_OS),
            POINTER | OMITEMPTY,
        ),
        Field::new(37, "hostUsers", Kind::Bool, POINTER | OMITEMPTY),
        Field::new(
            38,
            "schedulingGates",
            Kind::Message(&CORE_V1_POD_SCHEDULING_GATE),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            39,
            "resourceClaims",
            Kind::Message(&CORE_V1_POD_RESOURCE_CLAIM),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            40,
            "resources",
            Kind::Message(&CORE_V1_RESOURCE_REQUIREMENTS),
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.PodCondition`.
pub(super) static CORE_V1_POD_CONDITION: Message = Message {
    name: "core.v1.PodCondition",
    fields: &[
        Field::new(1, "type", Kind::String, 0),
        Field::new(2, "status", Kind::String, 0),
        Field::new(3, "lastProbeTime", Kind::Time, OMITEMPTY),
        Field::new(4, "lastTransitionTime", Kind::Time, OMITEMPTY),
        Field::new(5, "reason", Kind::String, OMITEMPTY),
        Field::new(6, "message", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.HostIP`.
pub(super) static CORE_V1_HOST_IP: Message = Message {
    name: "core.v1.HostIP",
    fields: &[Field::new(1, "ip", Kind::String, 0)],
};

/// `k8s.io.api.core.v1.PodIP`.
pub(super) static CORE_V1_POD_IP: Message = Message {
    name: "core.v1.PodIP",
    fields: &[Field::new(1, "ip", Kind::String, 0)],
};

/// `k8s.io.api.core.v1.ContainerStateWaiting`.
pub(super) static CORE_V1_CONTAINER_STATE_WAITING: Message = Message {
    name: "core.v1.ContainerStateWaiting",
    fields: &[
        Field::new(1, "reason", Kind::String, OMITEMPTY),
        Field::new(2, "message", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.ContainerStateRunning`.
pub(super) static CORE_V1_CONTAINER_STATE_RUNNING: Message = Message {
    name: "core.v1.ContainerStateRunning",
    fields: &[Field::new(1, "startedAt", Kind::Time, OMITEMPTY)],
};

/// `k8s.io.api.core.v1.ContainerStateTerminated`.
pub(super) static CORE_V1_CONTAINER_STATE_TERMINATED: Message = Message {
    name: "core.v1.ContainerStateTerminated",
    fields: &[
        Field::new(1, "exitCode", Kind::Int32, 0),
        Field::new(2, "signal", Kind::Int32, OMITEMPTY),
        Field::new(3, "reason", Kind::String, OMITEMPTY),
        Field::new(4, "message", Kind::String, OMITEMPTY),
        Field::new(5, "startedAt", Kind::Time, OMITEMPTY),
        Field::new(6, "finishedAt", Kind::Time, OMITEMPTY),
        Field::new(7, "containerID", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.ContainerState`.
pub(super) static CORE_V1_CONTAINER_STATE: Message = Message {
    name: "core.v1.ContainerState",
    fields: &[
        Field::new(
            1,
            "waiting",
            Kind::Message(&CORE_V1_CONTAINER_STATE_WAITING),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            2,
            "running",
            Kind::Message(&CORE_V1_CONTAINER_STATE_RUNNING),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            3,
            "terminated",
            Kind::Message(&CORE_V1_CONTAINER_STATE_TERMINATED),
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.VolumeMountStatus`.
pub(super) static CORE_V1_VOLUME_MOUNT_STATUS: Message = Message {
    name: "core.v1.VolumeMountStatus",
    fields: &[
        Field::new(1, "name", Kind::String, 0),
        Field::new(2, "mountPath", Kind::String, 0),
        Field::new(3, "readOnly", Kind::Bool, OMITEMPTY),
        Field::new(4, "recursiveReadOnly", Kind::String, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.LinuxContainerUser`.
pub(super) static CORE_V1_LINUX_CONTAINER_USER: Message = Message {
    name: "core.v1.LinuxContainerUser",
    fields: &[
        Field::new(1, "uid", Kind::Int64, 0),
        Field::new(2, "gid", Kind::Int64, 0),
        Field::new(3, "supplementalGroups", Kind::Int64, REPEATED | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.ContainerUser`.
pub(super) static CORE_V1_CONTAINER_USER: Message = Message {
    name: "core.v1.ContainerUser",
    fields: &[Field::new(
        1,
        "linux",
        Kind::Message(&CORE_V1_LINUX_CONTAINER_USER),
        POINTER | OMITEMPTY,
    )],
};

/// `k8s.io.api.core.v1.ResourceHealth`.
pub(super) static CORE_V1_RESOURCE_HEALTH: Message = Message {
    name: "core.v1.ResourceHealth",
    fields: &[
        Field::new(1, "resourceID", Kind::String, 0),
        Field::new(2, "health", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.ResourceStatus`.
pub(super) static CORE_V1_RESOURCE_STATUS: Message = Message {
    name: "core.v1.ResourceStatus",
    fields: &[
        Field::new(1, "name", Kind::String, 0),
        Field::new(
            2,
            "resources",
            Kind::Message(&CORE_V1_RESOURCE_HEALTH),
            REPEATED | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.ContainerStatus`.
pub(super) static CORE_V1_CONTAINER_STATUS: Message = Message {
    name: "core.v1.ContainerStatus",
    fields: &[
        Field::new(1, "name", Kind::String, 0),
        Field::new(
            2,
            "state",
            Kind::Message(&CORE_V1_CONTAINER_STATE),
            OMITEMPTY,
        ),
        Field::new(
            3,
            "lastState",
            Kind::Message(&CORE_V1_CONTAINER_STATE),
            OMITEMPTY,
        ),
        Field::new(4, "ready", Kind::Bool, 0),
        Field::new(5, "restartCount", Kind::Int32, 0),
        Field::new(6, "image", Kind::String, 0),
        Field::new(7, "imageID", Kind::String, 0),
        Field::new(8, "containerID", Kind::String, OMITEMPTY),
        Field::new(9, "started", Kind::Bool, POINTER | OMITEMPTY),
        Field::new(10, "allocatedResources", Kind::Quantity, MAP | OMITEMPTY),
        Field::new(
            11,
            "resources",
            Kind::Message(&CORE_V1_RESOURCE_REQUIREMENTS),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            12,
            "volumeMounts",
            Kind::Message(&CORE_V1_VOLUME_MOUNT_STATUS),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            13,
            "user",
            Kind::Message(&CORE_V1_CONTAINER_USER),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            14,
            "allocatedResourcesStatus",
            Kind::Message(&CORE_V1_RESOURCE_STATUS),
            REPEATED | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.PodResourceClaimStatus`.
pub(super) static CORE_V1_POD_RESOURCE_CLAIM_STATUS: Message = Message {
    name: "core.v1.PodResourceClaimStatus",
    fields: &[
        Field::new(1, "name", Kind::String, 0),
        Field::new(2, "resourceClaimName", Kind::String, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.PodStatus`.
pub(super) static CORE_V1_POD_STATUS: Message = Message {
    name: "core.v1.PodStatus",
    fields: &[
        Field::new(1, "phase", Kind::String, OMITEMPTY),
        Field::new(
            2,
            "conditions",
            Kind::Message(&CORE_V1_POD_CONDITION),
            REPEATED | OMITEMPTY,
        ),
        Field::new(3, "message", Kind::String, OMITEMPTY),
        Field::new(4, "reason", Kind::String, OMITEMPTY),
        Field::new(5, "hostIP", Kind::String, OMITEMPTY),
        Field::new(6, "podIP", Kind::String, OMITEMPTY),
        Field::new(7, "startTime", Kind::Time, POINTER | OMITEMPTY),
        Field::new(
            8,
            "containerStatuses",
            Kind::Message(&CORE_V1_CONTAINER_STATUS),
            REPEATED | OMITEMPTY,
        ),
        Field::new(9, "qosClass", Kind::String, OMITEMPTY),
        Field::new(
            10,
            "initContainerStatuses",
            Kind::Message(&CORE_V1_CONTAINER_STATUS),
            REPEATED | OMITEMPTY,
        ),
        Field::new(11, "nominatedNodeName", Kind::String, OMITEMPTY),
        Field::new(
            12,
            "podIPs",
            Kind::Message(&CORE_V1_POD_IP),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            13,
            "ephemeralContainerStatuses",
            Kind::Message(&CORE_V1_CONTAINER_STATUS),
            REPEATED | OMITEMPTY,
        ),
        Field::new(14, "resize", Kind::String, OMITEMPTY),
        Field::new(
            15,
            "resourceClaimStatuses",
            Kind::Message(&CORE_V1_POD_RESOURCE_CLAIM_STATUS),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            16,
            "hostIPs",
            Kind::Message(&CORE_V1_HOST_IP),
            REPEATED | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.Pod`.
pub(super) static CORE_V1_POD: Message = Message {
    name: "core.v1.Pod",
    fields: &[
        Field::new(
            1,
            "metadata",
            Kind::Message(&META_V1_OBJECT_META),
            OMITEMPTY,
        ),
        Field::new(2, "spec", Kind::Message(&CORE_V1_POD_SPEC), OMITEMPTY),
        Field::new(3, "status", Kind::Message(&CORE_V1_POD_STATUS), OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.Taint`.
pub(super) static CORE_V1_TAINT: Message = Message {
    name: "core.v1.Taint",
    fields: &[
        Field::new(1, "key", Kind::String, 0),
        Field::new(2, "value", Kind::String, OMITEMPTY),
        Field::new(3, "effect", Kind::String, 0),
        Field::new(4, "timeAdded", Kind::Time, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.ConfigMapNodeConfigSource`.
pub(super) static CORE_V1_CONFIG_MAP_NODE_CONFIG_SOURCE: Message = Message {
    name: "core.v1.ConfigMapNodeConfigSource",
    fields: &[
        Field::new(1, "namespace", Kind::String, 0),
        Field::new(2, "name", Kind::String, 0),
        Field::new(3, "uid", Kind::String, OMITEMPTY),
        Field::new(4, "resourceVersion", Kind::String, OMITEMPTY),
        Field::new(5, "kubeletConfigKey", Kind::String, 0),
    ],
};

/// `k8s.io.api.core.v1.NodeConfigSource`.
pub(super) static CORE_V1_NODE_CONFIG_SOURCE: Message = Message {
    name: "core.v1.NodeConfigSource",
    fields: &[Field::new(
        2,
        "configMap",
        Kind::Message(&CORE_V1_CONFIG_MAP_NODE_CONFIG_SOURCE),
        POINTER | OMITEMPTY,
    )],
};

/// `k8s.io.api.core.v1.NodeSpec`.
pub(super) static CORE_V1_NODE_SPEC: Message = Message {
    name: "core.v1.NodeSpec",
    fields: &[
        Field::new(1, "podCIDR", Kind::String, OMITEMPTY),
        Field::new(2, "externalID", Kind::String, OMITEMPTY),
        Field::new(3, "providerID", Kind::String, OMITEMPTY),
        Field::new(4, "unschedulable", Kind::Bool, OMITEMPTY),
        Field::new(
            5,
            "taints",
            Kind::Message(&CORE_V1_TAINT),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            6,
            "configSource",
            Kind::Message(&CORE_V1_NODE_CONFIG_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(7, "podCIDRs", Kind::String, REPEATED | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.NodeCondition`.
pub(super) static CORE_V1_NODE_CONDITION: Message = Message {
    name: "core.v1.NodeCondition",
    fields: &[
        Field::new(1, "type", Kind::String, 0),
        Field::new(2, "status", Kind::String, 0),
        Field::new(3, "lastHeartbeatTime", Kind::Time, OMITEMPTY),
        Field::new(4, "lastTransitionTime", Kind::Time, OMITEMPTY),
        Field::new(5, "reason", Kind::String, OMITEMPTY),
        Field::new(6, "message", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.NodeAddress`.
pub(super) static CORE_V1_NODE_ADDRESS: Message = Message {
    name: "core.v1.NodeAddress",
    fields: &[
        Field::new(1, "type", Kind::String, 0),
        Field::new(2, "address", Kind::String, 0),
    ],
};

/// `k8s.io.api.core.v1.DaemonEndpoint`.
pub(super) static CORE_V1_DAEMON_ENDPOINT: Message = Message {
    name: "core.v1.DaemonEndpoint",
    fields: &[Field::new(1, "Port", Kind::Int32, 0)],
};

/// `k8s.io.api.core.v1.NodeDaemonEndpoints`.
pub(super) static CORE_V1_NODE_DAEMON_ENDPOINTS: Message = Message {
    name: "core.v1.NodeDaemonEndpoints",
    fields: &[Field::new(
        1,
        "kubeletEndpoint",
        Kind::Message(&CORE_V1_DAEMON_ENDPOINT),
        OMITEMPTY,
    )],
};

/// `k8s.io.api.core.v1.NodeSystemInfo`.
pub(super) static CORE_V1_NODE_SYSTEM_INFO: Message = Message {
    name: "core.v1.NodeSystemInfo",
    fields: &[
        Field::new(1, "machineID", Kind::String, 0),
        Field::new(2, "systemUUID", Kind::String, 0),
        Field::new(3, "bootID", Kind::String, 0),
        Field::new(4, "kernelVersion", Kind::String, 0),
        Field::new(5, "osImage", Kind::String, 0),
        Field::new(6, "containerRuntimeVersion", Kind::String, 0),
        Field::new(7, "kubeletVersion", Kind::String, 0),
        Field::new(8, "kubeProxyVersion", Kind::String, 0),
        Field::new(9, "operatingSystem", Kind::String, 0),
        Field::new(10, "architecture", Kind::String, 0),
    ],
};

/// `k8s.io.api.core.v1.ContainerImage`.
pub(super) static CORE_V1_CONTAINER_IMAGE: Message = Message {
    name: "core.v1.ContainerImage",
    fields: &[
        Field::new(1, "names", Kind::String, REPEATED),
        Field::new(2, "sizeBytes", Kind::Int64, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.AttachedVolume`.
pub(super) static CORE_V1_ATTACHED_VOLUME: Message = Message {
    name: "core.v1.AttachedVolume",
    fields: &[
        Field::new(1, "name", Kind::String, 0),
        Field::new(2, "devicePath", Kind::String, 0),
    ],
};

/// `k8s.io.api.core.v1.NodeConfigStatus`.
pub(super) static CORE_V1_NODE_CONFIG_STATUS: Message = Message {
    name: "core.v1.NodeConfigStatus",
    fields: &[
        Field::new(
            1,
            "assigned",
            Kind::Message(&CORE_V1_NODE_CONFIG_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            2,
            "active",
            Kind::Message(&CORE_V1_NODE_CONFIG_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            3,
            "lastKnownGood",
            Kind::Message(&CORE_V1_NODE_CONFIG_SOURCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(4, "error", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.NodeRuntimeHandlerFeatures`.
pub(super) static CORE_V1_NODE_RUNTIME_HANDLER_FEATURES: Message = Message {
    name: "core.v1.NodeRuntimeHandlerFeatures",
    fields: &[
        Field::new(
            1,
            "recursiveReadOnlyMounts",
            Kind::Bool,
            POINTER | OMITEMPTY,
        ),
        Field::new(2, "userNamespaces", Kind::Bool, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.NodeRuntimeHandler`.
pub(super) static CORE_V1_NODE_RUNTIME_HANDLER: Message = Message {
    name: "core.v1.NodeRuntimeHandler",
    fields: &[
        Field::new(1, "name", Kind::String, 0),
        Field::new(
            2,
            "features",
            Kind::Message(&CORE_V1_NODE_RUNTIME_HANDLER_FEATURES),
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.NodeFeatures`.
pub(super) static CORE_V1_NODE_FEATURES: Message = Message {
    name: "core.v1.NodeFeatures",
    fields: &[Field::new(
        1,
        "supplementalGroupsPolicy",
        Kind::Bool,
        POINTER | OMITEMPTY,
    )],
};

/// `k8s.io.api.core.v1.NodeStatus`.
pub(super) static CORE_V1_NODE_STATUS: Message = Message {
    name: "core.v1.NodeStatus",
    fields: &[
        Field::new(1, "capacity", Kind::Quantity, MAP | OMITEMPTY),
        Field::new(2, "allocatable", Kind::Quantity, MAP | OMITEMPTY),
        Field::new(3, "phase", Kind::String, OMITEMPTY),
        Field::new(
            4,
            "conditions",
            Kind::Message(&CORE_V1_NODE_CONDITION),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            5,
            "addresses",
            Kind::Message(&CORE_V1_NODE_ADDRESS),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            6,
            "daemonEndpoints",
            Kind::Message(&CORE_V1_NODE_DAEMON_ENDPOINTS),
            OMITEMPTY,
        ),
        Field::new(
            7,
            "nodeInfo",
            Kind::Message(&CORE_V1_NODE_SYSTEM_INFO),
            OMITEMPTY,
        ),
        Field::new(
            8,
            "images",
            Kind::Message(&CORE_V1_CONTAINER_IMAGE),
            REPEATED | OMITEMPTY,
        ),
        Field::new(9, "volumesInUse", Kind::String, REPEATED | OMITEMPTY),
        Field::new(
            10,
            "volumesAttached",
            Kind::Message(&CORE_V1_ATTACHED_VOLUME),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            11,
            "config",
            Kind::Message(&CORE_V1_NODE_CONFIG_STATUS),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            12,
            "runtimeHandlers",
            Kind::Message(&CORE_V1_NODE_RUNTIME_HANDLER),
            REPEATED | OMITEMPTY,
        ),
        Field::new(
            13,
            "features",
            Kind::Message(&CORE_V1_NODE_FEATURES),
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.core.v1.Node`.
pub(super) static CORE_V1_NODE: Message = Message {
    name: "core.v1.Node",
    fields: &[
        Field::new(
            1,
            "metadata",
            Kind::Message(&META_V1_OBJECT_META),
            OMITEMPTY,
        ),
        Field::new(2, "spec", Kind::Message(&CORE_V1_NODE_SPEC), OMITEMPTY),
        Field::new(3, "status", Kind::Message(&CORE_V1_NODE_STATUS), OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.EventSource`.
pub(super) static CORE_V1_EVENT_SOURCE: Message = Message {
    name: "core.v1.EventSource",
    fields: &[
        Field::new(1, "component", Kind::String, OMITEMPTY),
        Field::new(2, "host", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.EventSeries`.
pub(super) static CORE_V1_EVENT_SERIES: Message = Message {
    name: "core.v1.EventSeries",
    fields: &[
        Field::new(1, "count", Kind::Int32, OMITEMPTY),
        Field::new(2, "lastObservedTime", Kind::MicroTime, OMITEMPTY),
    ],
};

/// `k8s.io.api.core.v1.Event`.
pub(super) static CORE_V1_EVENT: Message = Message {
    name: "core.v1.Event",
    fields: &[
        Field::new(1, "metadata", Kind::Message(&META_V1_OBJECT_META), 0),
        Field::new(
            2,
            "involvedObject",
            Kind::Message(&CORE_V1_OBJECT_REFERENCE),
            0,
        ),
        Field::new(3, "reason", Kind::String, OMITEMPTY),
        Field::new(4, "message", Kind::String, OMITEMPTY),
        Field::new(5, "source", Kind::Message(&CORE_V1_EVENT_SOURCE), OMITEMPTY),
        Field::new(6, "firstTimestamp", Kind::Time, OMITEMPTY),
        Field::new(7, "lastTimestamp", Kind::Time, OMITEMPTY),
        Field::new(8, "count", Kind::Int32, OMITEMPTY),
        Field::new(9, "type", Kind::String, OMITEMPTY),
        Field::new(10, "eventTime", Kind::MicroTime, OMITEMPTY),
        Field::new(
            11,
            "series",
            Kind::Message(&CORE_V1_EVENT_SERIES),
            POINTER | OMITEMPTY,
        ),
        Field::new(12, "action", Kind::String, OMITEMPTY),
        Field::new(
            13,
            "related",
            Kind::Message(&CORE_V1_OBJECT_REFERENCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(14, "reportingComponent", Kind::String, 0),
        Field::new(15, "reportingInstance", Kind::String, 0),
    ],
};

/// `k8s.io.api.core.v1.Binding`.
pub(super) static CORE_V1_BINDING: Message = Message {
    name: "core.v1.Binding",
    fields: &[
        Field::new(
            1,
            "metadata",
            Kind::Message(&META_V1_OBJECT_META),
            OMITEMPTY,
        ),
        Field::new(2, "target", Kind::Message(&CORE_V1_OBJECT_REFERENCE), 0),
    ],
};

/// `k8s.io.api.batch.v1.PodFailurePolicyOnExitCodesRequirement`.
pub(super) static BATCH_V1_POD_FAILURE_POLICY_ON_EXIT_CODES_REQUIREMENT: Message = Message {
    name: "batch.v1.PodFailurePolicyOnExitCodesRequirement",
    fields: &[
        Field::new(1, "containerName", Kind::String, POINTER | OMITEMPTY),
        Field::new(2, "operator", Kind::String, 0),
        Field::new(3, "values", Kind::Int32, REPEATED),
    ],
};

/// `k8s.io.api.batch.v1.PodFailurePolicyOnPodConditionsPattern`.
pub(super) static BATCH_V1_POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERN: Message = Message {
    name: "batch.v1.PodFailurePolicyOnPodConditionsPattern",
    fields: &[
        Field::new(1, "type", Kind::String, 0),
        Field::new(2, "status", Kind::String, 0),
    ],
};

/// `k8s.io.api.batch.v1.PodFailurePolicyRule`.
pub(super) static BATCH_V1_POD_FAILURE_POLICY_RULE: Message = Message {
    name: "batch.v1.PodFailurePolicyRule",
    fields: &[
        Field::new(1, "action", Kind::String, 0),
        Field::new(
            2,
            "onExitCodes",
            Kind::Message(&BATCH_V1_POD_FAILURE_POLICY_ON_EXIT_CODES_REQUIREMENT),
            POINTER | OMITEMPTY,
        ),
        Field::new(
            3,
            "onPodConditions",
            Kind::Message(&BATCH_V1_POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERN),
            REPEATED | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.batch.v1.PodFailurePolicy`.
pub(super) static BATCH_V1_POD_FAILURE_POLICY: Message = Message {
    name: "batch.v1.PodFailurePolicy",
    fields: &[Field::new(
        1,
        "rules",
        Kind::Message(&BATCH_V1_POD_FAILURE_POLICY_RULE),
        REPEATED,
    )],
};

/// `k8s.io.api.batch.v1.SuccessPolicyRule`.
pub(super) static BATCH_V1_SUCCESS_POLICY_RULE: Message = Message {
    name: "batch.v1.SuccessPolicyRule",
    fields: &[
        Field::new(1, "succeededIndexes", Kind::String, POINTER | OMITEMPTY),
        Field::new(2, "succeededCount", Kind::Int32, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.batch.v1.SuccessPolicy`.
pub(super) static BATCH_V1_SUCCESS_POLICY: Message = Message {
    name: "batch.v1.SuccessPolicy",
    fields: &[Field::new(
        1,
        "rules",
        Kind::Message(&BATCH_V1_SUCCESS_POLICY_RULE),
        REPEATED,
    )],
};

/// `k8s.io.api.core.v1.PodTemplateSpec`.
pub(super) static CORE_V1_POD_TEMPLATE_SPEC: Message = Message {
    name: "core.v1.PodTemplateSpec",
    fields: &[
        Field::new(
            1,
            "metadata",
            Kind::Message(&META_V1_OBJECT_META),
            OMITEMPTY,
        ),
        Field::new(2, "spec", Kind::Message(&CORE_V1_POD_SPEC), OMITEMPTY),
    ],
};

/// `k8s.io.api.batch.v1.JobSpec`.
pub(super) static BATCH_V1_JOB_SPEC: Message = Message {
    name: "batch.v1.JobSpec",
    fields: &[
        Field::new(1, "parallelism", Kind::Int32, POINTER | OMITEMPTY),
        Field::new(2, "completions", Kind::Int32, POINTER | OMITEMPTY),
        Field::new(3, "activeDeadlineSeconds", Kind::Int64, POINTER | OMITEMPTY),
        Field::new(
            4,
            "selector",
            Kind::Message(&META_V1_LABEL_SELECTOR),
            POINTER | OMITEMPTY,
        ),
        Field::new(5, "manualSelector", Kind::Bool, POINTER | OMITEMPTY),
        Field::new(6, "template", Kind::Message(&CORE_V1_POD_TEMPLATE_SPEC), 0),
        Field::new(7, "backoffLimit", Kind::Int32, POINTER | OMITEMPTY),
        Field::new(
            8,
            "ttlSecondsAfterFinished",
            Kind::Int32,
            POINTER | OMITEMPTY,
        ),
        Field::new(9, "completionMode", Kind::String, POINTER | OMITEMPTY),
        Field::new(10, "suspend", Kind::Bool, POINTER | OMITEMPTY),
        Field::new(
            11,
            "podFailurePolicy",
            Kind::Message(&BATCH_V1_POD_FAILURE_POLICY),
            POINTER | OMITEMPTY,
        ),
        Field::new(12, "backoffLimitPerIndex", Kind::Int32, POINTER | OMITEMPTY),
        Field::new(13, "maxFailedIndexes", Kind::Int32, POINTER | OMITEMPTY),
        Field::new(
            14,
            "podReplacementPolicy",
            Kind::String,
            POINTER | OMITEMPTY,
        ),
        Field::new(15, "managedBy", Kind::String, POINTER | OMITEMPTY),
        Field::new(
            16,
            "successPolicy",
            Kind::Message(&BATCH_V1_SUCCESS_POLICY),
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.batch.v1.JobCondition`.
pub(super) static BATCH_V1_JOB_CONDITION: Message = Message {
    name: "batch.v1.JobCondition",
    fields: &[
        Field::new(1, "type", Kind::String, 0),
        Field::new(2, "status", Kind::String, 0),
        Field::new(3, "lastProbeTime", Kind::Time, OMITEMPTY),
        Field::new(4, "lastTransitionTime", Kind::Time, OMITEMPTY),
        Field::new(5, "reason", Kind::String, OMITEMPTY),
        Field::new(6, "message", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.api.batch.v1.UncountedTerminatedPods`.
pub(super) static BATCH_V1_UNCOUNTED_TERMINATED_PODS: Message = Message {
    name: "batch.v1.UncountedTerminatedPods",
    fields: &[
        Field::new(1, "succeeded", Kind::String, REPEATED | OMITEMPTY),
        Field::new(2, "failed", Kind::String, REPEATED | OMITEMPTY),
    ],
};

/// `k8s.io.api.batch.v1.JobStatus`.
pub(super) static BATCH_V1_JOB_STATUS: Message = Message {
    name: "batch.v1.JobStatus",
    fields: &[
        Field::new(
            1,
            "conditions",
            Kind::Message(&BATCH_V1_JOB_CONDITION),
            REPEATED | OMITEMPTY,
        ),
        Field::new(2, "startTime", Kind::Time, POINTER | OMITEMPTY),
        Field::new(3, "completionTime", Kind::Time, POINTER | OMITEMPTY),
        Field::new(4, "active", Kind::Int32, OMITEMPTY),
        Field::new(5, "succeeded", Kind::Int32, OMITEMPTY),
        Field::new(6, "failed", Kind::Int32, OMITEMPTY),
        Field::new(7, "completedIndexes", Kind::String, OMITEMPTY),
        Field::new(
            8,
            "uncountedTerminatedPods",
            Kind::Message(&BATCH_V1_UNCOUNTED_TERMINATED_PODS),
            POINTER | OMITEMPTY,
        ),
        Field::new(9, "ready", Kind::Int32, POINTER | OMITEMPTY),
        Field::new(10, "failedIndexes", Kind::String, POINTER | OMITEMPTY),
        Field::new(11, "terminating", Kind::Int32, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.batch.v1.Job`.
pub(super) static BATCH_V1_JOB: Message = Message {
    name: "batch.v1.Job",
    fields: &[
        Field::new(
            1,
            "metadata",
            Kind::Message(&META_V1_OBJECT_META),
            OMITEMPTY,
        ),
        Field::new(2, "spec", Kind::Message(&BATCH_V1_JOB_SPEC), OMITEMPTY),
        Field::new(3, "status", Kind::Message(&BATCH_V1_JOB_STATUS), OMITEMPTY),
    ],
};

/// `k8s.io.api.coordination.v1.LeaseSpec`.
pub(super) static COORDINATION_V1_LEASE_SPEC: Message = Message {
    name: "coordination.v1.LeaseSpec",
    fields: &[
        Field::new(1, "holderIdentity", Kind::String, POINTER | OMITEMPTY),
        Field::new(2, "leaseDurationSeconds", Kind::Int32, POINTER | OMITEMPTY),
        Field::new(3, "acquireTime", Kind::MicroTime, POINTER | OMITEMPTY),
        Field::new(4, "renewTime", Kind::MicroTime, POINTER | OMITEMPTY),
        Field::new(5, "leaseTransitions", Kind::Int32, POINTER | OMITEMPTY),
        Field::new(6, "strategy", Kind::String, POINTER | OMITEMPTY),
        Field::new(7, "preferredHolder", Kind::String, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.api.coordination.v1.Lease`.
pub(super) static COORDINATION_V1_LEASE: Message = Message {
    name: "coordination.v1.Lease",
    fields: &[
        Field::new(
            1,
            "metadata",
            Kind::Message(&META_V1_OBJECT_META),
            OMITEMPTY,
        ),
        Field::new(
            2,
            "spec",
            Kind::Message(&COORDINATION_V1_LEASE_SPEC),
            OMITEMPTY,
        ),
    ],
};

/// `k8s.io.api.events.v1.EventSeries`.
pub(super) static EVENTS_V1_EVENT_SERIES: Message = Message {
    name: "events.v1.EventSeries",
    fields: &[
        Field::new(1, "count", Kind::Int32, 0),
        Field::new(2, "lastObservedTime", Kind::MicroTime, 0),
    ],
};

/// `k8s.io.api.events.v1.Event`.
pub(super) static EVENTS_V1_EVENT: Message = Message {
    name: "events.v1.Event",
    fields: &[
        Field::new(1, "metadata", Kind::Message(&META_V1_OBJECT_META), 0),
        Field::new(2, "eventTime", Kind::MicroTime, 0),
        Field::new(
            3,
            "series",
            Kind::Message(&EVENTS_V1_EVENT_SERIES),
            POINTER | OMITEMPTY,
        ),
        Field::new(4, "reportingController", Kind::String, OMITEMPTY),
        Field::new(5, "reportingInstance", Kind::String, OMITEMPTY),
        Field::new(6, "action", Kind::String, OMITEMPTY),
        Field::new(7, "reason", Kind::String, OMITEMPTY),
        Field::new(
            8,
            "regarding",
            Kind::Message(&CORE_V1_OBJECT_REFERENCE),
            OMITEMPTY,
        ),
        Field::new(
            9,
            "related",
            Kind::Message(&CORE_V1_OBJECT_REFERENCE),
            POINTER | OMITEMPTY,
        ),
        Field::new(10, "note", Kind::String, OMITEMPTY),
        Field::new(11, "type", Kind::String, OMITEMPTY),
        Field::new(
            12,
            "deprecatedSource",
            Kind::Message(&CORE_V1_EVENT_SOURCE),
            OMITEMPTY,
        ),
        Field::new(13, "deprecatedFirstTimestamp", Kind::Time, OMITEMPTY),
        Field::new(14, "deprecatedLastTimestamp", Kind::Time, OMITEMPTY),
        Field::new(15, "deprecatedCount", Kind::Int32, OMITEMPTY),
    ],
};

/// `k8s.io.apimachinery.pkg.apis.meta.v1.Preconditions`.
pub(super) static META_V1_PRECONDITIONS: Message = Message {
    name: "meta.v1.Preconditions",
    fields: &[
        Field::new(1, "uid", Kind::String, POINTER | OMITEMPTY),
        Field::new(2, "resourceVersion", Kind::String, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions`.
pub(super) static META_V1_DELETE_OPTIONS: Message = Message {
    name: "meta.v1.DeleteOptions",
    fields: &[
        Field::new(1, "gracePeriodSeconds", Kind::Int64, POINTER | OMITEMPTY),
        Field::new(
            2,
            "preconditions",
            Kind::Message(&META_V1_PRECONDITIONS),
            POINTER | OMITEMPTY,
        ),
        Field::new(3, "orphanDependents", Kind::Bool, POINTER | OMITEMPTY),
        Field::new(4, "propagationPolicy", Kind::String, POINTER | OMITEMPTY),
        Field::new(5, "dryRun", Kind::String, REPEATED | OMITEMPTY),
        Field::new(
            6,
            "ignoreStoreReadErrorWithClusterBreakingPotential",
            Kind::Bool,
            POINTER | OMITEMPTY,
        ),
    ],
};

/// `k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta`.
pub(super) static META_V1_LIST_META: Message = Message {
    name: "meta.v1.ListMeta",
    fields: &[
        Field::new(1, "selfLink", Kind::String, OMITEMPTY),
        Field::new(2, "resourceVersion", Kind::String, OMITEMPTY),
        Field::new(3, "continue", Kind::String, OMITEMPTY),
        Field::new(4, "remainingItemCount", Kind::Int64, POINTER | OMITEMPTY),
    ],
};

/// `k8s.io.apimachinery.pkg.apis.meta.v1.StatusCause`.
pub(super) static META_V1_STATUS_CAUSE: Message = Message {
    name: "meta.v1.StatusCause",
    fields: &[
        Field::new(1, "reason", Kind::String, OMITEMPTY),
        Field::new(2, "message", Kind::String, OMITEMPTY),
        Field::new(3, "field", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.apimachinery.pkg.apis.meta.v1.StatusDetails`.
pub(super) static META_V1_STATUS_DETAILS: Message = Message {
    name: "meta.v1.StatusDetails",
    fields: &[
        Field::new(1, "name", Kind::String, OMITEMPTY),
        Field::new(2, "group", Kind::String, OMITEMPTY),
        Field::new(3, "kind", Kind::String, OMITEMPTY),
        Field::new(
            4,
            "causes",
            Kind::Message(&META_V1_STATUS_CAUSE),
            REPEATED | OMITEMPTY,
        ),
        Field::new(5, "retryAfterSeconds", Kind::Int32, OMITEMPTY),
        Field::new(6, "uid", Kind::String, OMITEMPTY),
    ],
};

/// `k8s.io.apimachinery.pkg.apis.meta.v1.Status`.
pub(super) static META_V1_STATUS: Message = Message {
    name: "meta.v1.Status",
    fields: &[
        Field::new(1, "metadata", Kind::Message(&META_V1_LIST_META), OMITEMPTY),
        Field::new(2, "status", Kind::String, OMITEMPTY),
        Field::new(3, "message", Kind::String, OMITEMPTY),
        Field::new(4, "reason", Kind::String, OMITEMPTY),
        Field::new(
            5,
            "details",
            Kind::Message(&META_V1_STATUS_DETAILS),
            POINTER | OMITEMPTY,
        ),
        Field::new(6, "code", Kind::Int32, OMITEMPTY),
    ],
};
