#!/usr/bin/env python3
"""Regenerates e2e/kube-standin/src/protobuf/schema.rs from a kubectl binary (test-only tooling).

    python3 e2e/kube-standin/tools/protobuf_schema.py [--kubectl PATH] > e2e/kube-standin/src/protobuf/schema.rs

`kubectl.1.32` (v1.32.5) is looked up on PATH, beside `kubectl`, then in
/usr/lib/google-cloud-sdk/bin (the Google Cloud SDK's kubectl component installs it there).

Offline, from what the Go binary itself carries:
- field numbers, types, labels and `gogoproto` options (nullable, customname) from the gzipped
  `FileDescriptorProto`s of `k8s.io/api` and `k8s.io/apimachinery` `generated.proto` that
  gogo-protobuf registers (found by their gzip header in the binary);
- JSON names, `omitempty` and `inline` from the Go struct tags, and slice/map/pointer-ness from the
  Go field types, read from the runtime type data (`.typelink` and the `abi.Type`/`abi.StructType`
  records it leads to; Go 1.2x layout, amd64 ELF).
The result goes through `rustfmt --edition 2024`. A test (src/protobuf/tests.rs) checks that the
committed file equals this script's output.
"""

import argparse
import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

KUBECTL = "kubectl.1.32"
HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "protobuf_schema.rs.in"

META = "k8s.io.apimachinery.pkg.apis.meta.v1"
CORE = "k8s.io.api.core.v1"

# The top-level messages, in the order their tables are emitted (each after what it uses).
ROOTS = [
    f"{CORE}.Namespace",
    f"{CORE}.ConfigMap",
    f"{CORE}.Secret",
    f"{CORE}.ServiceAccount",
    f"{CORE}.Pod",
    f"{CORE}.Node",
    f"{CORE}.Event",
    f"{CORE}.Binding",
    "k8s.io.api.batch.v1.Job",
    "k8s.io.api.coordination.v1.Lease",
    "k8s.io.api.events.v1.Event",
    "k8s.io.api.rbac.v1.Role",
    "k8s.io.api.rbac.v1.RoleBinding",
    "k8s.io.api.rbac.v1.ClusterRole",
    "k8s.io.api.rbac.v1.ClusterRoleBinding",
    "k8s.io.api.authentication.v1.TokenRequest",
    "k8s.io.api.authentication.v1.SelfSubjectReview",
    "k8s.io.api.authorization.v1.SelfSubjectAccessReview",
    "k8s.io.api.authorization.v1.SelfSubjectRulesReview",
    "k8s.io.api.authorization.v1.SubjectAccessReview",
    f"{META}.DeleteOptions",
    f"{META}.Status",
]

# Messages with a JSON form of their own (see `Kind` in the template).
SPECIAL = {
    f".{META}.Time": "Time",
    f".{META}.MicroTime": "MicroTime",
    f".{META}.Duration": "Duration",
    ".k8s.io.apimachinery.pkg.api.resource.Quantity": "Quantity",
    ".k8s.io.apimachinery.pkg.util.intstr.IntOrString": "IntOrString",
    ".k8s.io.apimachinery.pkg.runtime.RawExtension": "RawJson",
    f".{META}.FieldsV1": "RawJson",
    ".k8s.io.api.authentication.v1.ExtraValue": "StringList",
    ".k8s.io.api.authorization.v1.ExtraValue": "StringList",
}

# FieldDescriptorProto.Type values and the Kind of each scalar.
SCALARS = {9: "String", 12: "Bytes", 5: "Int32", 3: "Int64", 8: "Bool"}
TYPE_MESSAGE = 11
LABEL_REPEATED = 3
GOGO_NULLABLE = 65001
GOGO_CUSTOMNAME = 65004

# Go reflect kinds and the sizes of the abi records that precede an UncommonType.
KIND_MAP, KIND_POINTER, KIND_SLICE, KIND_STRUCT = 21, 22, 23, 25
RECORD_SIZE = {25: 80, 22: 56, 23: 56, 21: 88, 17: 72, 18: 64}


class Binary:
    """An amd64 ELF Go binary: sections, virtual addresses, Go names and types."""

    def __init__(self, path):
        self.data = Path(path).read_bytes()
        shoff = struct.unpack_from("<Q", self.data, 0x28)[0]
        entsize, count, names_index = struct.unpack_from("<HHH", self.data, 0x3A)
        headers = [
            struct.unpack_from("<IIQQQQ", self.data, shoff + i * entsize) for i in range(count)
        ]
        names_offset = headers[names_index][4]
        self.sections = {}
        for name, _type, _flags, addr, offset, size in headers:
            start = names_offset + name
            label = self.data[start : self.data.index(b"\0", start)].decode()
            self.sections[label] = (addr, offset, size)
        self.types_base = self.sections[".rodata"][0]

    def offset(self, va):
        """The file offset of a virtual address."""
        for addr, offset, size in self.sections.values():
            if addr and addr <= va < addr + size:
                return offset + va - addr
        raise ValueError(f"address {va:#x} is in no section")

    def u64(self, va):  # little-endian words at virtual addresses
        return struct.unpack_from("<Q", self.data, self.offset(va))[0]

    def i32(self, va):  # name and type offsets are int32
        return struct.unpack_from("<i", self.data, self.offset(va))[0]

    def byte(self, va):  # single bytes (flags, kinds)
        return self.data[self.offset(va)]

    def name(self, va):
        """An abi.Name: (flags, name, tag or None)."""
        position = self.offset(va)
        flags = self.data[position]
        length, position = read_varint(self.data, position + 1)
        name = self.data[position : position + length].decode()
        tag = None
        if flags & 2:
            tag_length, position = read_varint(self.data, position + length)
            tag = self.data[position : position + tag_length].decode()
        return flags, name, tag

    def kind(self, t):
        """The reflect kind of the abi.Type at `t`."""
        return self.byte(t + 23) & 0x1F

    def type_string(self, t):
        """The type's name, e.g. `v1.PodSpec`."""
        text = self.name(self.types_base + self.i32(t + 40))[1]
        return text[1:] if self.byte(t + 20) & 2 else text  # TFlagExtraStar

    def package(self, t):
        """The import path of a named type (from its UncommonType), else None."""
        if not self.byte(t + 20) & 1 or self.kind(t) not in RECORD_SIZE:  # TFlagUncommon
            return None
        return self.name(self.types_base + self.i32(t + RECORD_SIZE[self.kind(t)]))[1]

    def structs(self):
        """Every named struct reachable from the type links: (Go package, name) -> type."""
        _addr, offset, size = self.sections[".typelink"]
        links = struct.unpack_from(f"<{size // 4}i", self.data, offset)
        seen, stack = set(), [self.types_base + link for link in links]
        found = {}
        while stack:
            t = stack.pop()
            if t in seen:
                continue
            seen.add(t)
            kind = self.kind(t)
            if kind in (KIND_POINTER, KIND_SLICE, 17, 18):
                stack.append(self.u64(t + 48))
            elif kind == KIND_MAP:
                stack += [self.u64(t + 48), self.u64(t + 56)]
            elif kind == KIND_STRUCT:
                fields, count = self.u64(t + 56), self.u64(t + 64)
                stack += [self.u64(fields + i * 24 + 8) for i in range(count)]
                package = self.package(t)
                if package:
                    found[(package, self.type_string(t).split(".")[-1])] = t
        return found

    def struct_fields(self, t):
        """Go field name -> (json tag, reflect kind of its type)."""
        fields, count = self.u64(t + 56), self.u64(t + 64)
        out = {}
        for i in range(count):
            field = fields + i * 24
            _flags, name, tag = self.name(self.u64(field))
            out[name] = (tag or "", self.kind(self.u64(field + 8)))
        return out

    def file_descriptors(self):
        """Every gzipped FileDescriptorProto the binary carries."""
        for match in re.finditer(rb"\x1f\x8b\x08\x00\x00\x00\x00\x00", self.data):
            try:
                raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(
                    self.data[match.start() : match.start() + 4_000_000]
                )
            except zlib.error:
                continue
            if raw[:1] == b"\n" and b".proto" in raw[:200]:
                yield raw


def protobuf_fields(buffer):
    """(number, value) of each field of a protobuf message (varints as int, bytes as bytes)."""
    position = 0
    while position < len(buffer):
        key, position = read_varint(buffer, position)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, position = read_varint(buffer, position)
        elif wire == 2:
            length, position = read_varint(buffer, position)
            value, position = buffer[position : position + length], position + length
        elif wire == 1:
            value, position = buffer[position : position + 8], position + 8
        elif wire == 5:
            value, position = buffer[position : position + 4], position + 4
        else:
            raise ValueError(f"unexpected wire type {wire}")
        yield number, value


def read_varint(buffer, position):
    """A base-128 varint at `position`: (value, next position)."""
    value, shift = 0, 0
    while True:
        b = buffer[position]
        position += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, position


class ProtoField:
    """A FieldDescriptorProto: name, number, label, type, and its gogoproto options."""

    def __init__(self, raw):
        self.name, self.number, self.label, self.type, self.type_name = "", 0, 1, 0, ""
        self.nullable, self.custom_name = True, None
        for number, value in protobuf_fields(raw):
            if number == 1:
                self.name = value.decode()
            elif number == 3:
                self.number = value
            elif number == 4:
                self.label = value
            elif number == 5:
                self.type = value
            elif number == 6:
                self.type_name = value.decode()
            elif number == 8:
                for option, option_value in protobuf_fields(value):
                    if option == GOGO_NULLABLE:
                        self.nullable = bool(option_value)
                    elif option == GOGO_CUSTOMNAME:
                        self.custom_name = option_value.decode()

    def go_name(self):
        """The Go struct field (gogoproto customname, else the capitalized proto name)."""
        return self.custom_name or self.name[:1].upper() + self.name[1:]


def messages(binary):
    """Full proto name (`.pkg.Name`) -> (Go package, name, fields, is a map entry)."""
    out = {}

    def collect(raw, prefix, go_package):
        name, fields, map_entry = "", [], False
        for number, value in protobuf_fields(raw):
            if number == 1:
                name = value.decode()
            elif number == 2:
                fields.append(ProtoField(value))
            elif number == 3:
                collect(value, f"{prefix}.{name}", go_package)
            elif number == 7:
                map_entry = any(o == 7 and v for o, v in protobuf_fields(value))
        out[f"{prefix}.{name}"] = (go_package, name, fields, map_entry)

    for raw in binary.file_descriptors():
        package, go_package, types = "", "", []
        for number, value in protobuf_fields(raw):
            if number == 2:
                package = value.decode()
            elif number == 4:
                types.append(value)
            elif number == 8:
                for option, option_value in protobuf_fields(value):
                    if option == 11:
                        go_package = option_value.decode()
        for message in types:
            collect(message, f".{package}", go_package)
    return out


def short_name(full_name):
    """`.k8s.io.api.core.v1.PodSpec` -> `core.v1.PodSpec`."""
    parts = full_name.lstrip(".").split(".")
    return ".".join(parts[-3:])


def screaming(short):
    """`core.v1.PodSpec` -> `CORE_V1_POD_SPEC` (the name of its static table)."""
    group, version, name = short.split(".")
    words = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", words)
    return f"{group}_{version}_{words}".upper()


class Generator:
    """Walks the messages the roots use and renders their tables."""

    def __init__(self, binary):
        self.messages = messages(binary)
        self.binary = binary
        self.structs = binary.structs()
        self.emitted = []
        self.done = set()

    def visit(self, full_name):
        """Emits the table of `full_name` after those of the messages it uses."""
        if full_name in self.done:
            return
        self.done.add(full_name)
        go_package, name, fields, _ = self.messages[full_name]
        go_fields = self.binary.struct_fields(self.structs[(go_package, name)])
        # what a message uses comes first, in declaration order; its own rows go by number
        rows = sorted((field.number, self.row(field, go_fields)) for field in fields)
        self.emitted.append((full_name, [row for _, row in rows]))

    def value_kind(self, field):
        """The `Kind` of a field's value (visiting its message)."""
        if field.type in SCALARS:
            return f"Kind::{SCALARS[field.type]}"
        if field.type != TYPE_MESSAGE:
            raise ValueError(f"field {field.name} has unsupported type {field.type}")
        if field.type_name in SPECIAL:
            return f"Kind::{SPECIAL[field.type_name]}"
        self.visit(field.type_name)
        return f"Kind::Message(&{screaming(short_name(field.type_name))})"

    def row(self, field, go_fields):
        """The `Field::new(..)` of one field, flags from its Go type and JSON tag."""
        tag, go_kind = go_fields[field.go_name()]
        json = re.search(r'json:"([^"]*)"', tag)
        json_name, *options = (json.group(1) if json else field.name).split(",")
        flags = []
        entry = self.messages.get(field.type_name)
        if entry and entry[3]:
            value = next(f for f in entry[2] if f.number == 2)
            kind = self.value_kind(value)
            flags.append("MAP")
        else:
            kind = self.value_kind(field)
            if go_kind == KIND_SLICE and field.label == LABEL_REPEATED:
                flags.append("REPEATED")
            if go_kind == KIND_MAP:
                flags.append("MAP")
        if go_kind == KIND_POINTER:
            flags.append("POINTER")
        if "omitempty" in options:
            flags.append("OMITEMPTY")
        if "inline" in options:
            flags.append("INLINE")
            json_name = ""
        return f'Field::new({field.number}, "{json_name}", {kind}, {" | ".join(flags) or "0"}),'

    def render(self):
        """The whole file, before rustfmt."""
        for root in ROOTS:
            self.visit(f".{root}")
        out = [TEMPLATE.read_text()]
        for full_name, rows in self.emitted:
            out.append(
                f"/// `{full_name.lstrip('.')}`.\n"
                f"pub(super) static {screaming(short_name(full_name))}: Message = Message {{\n"
                f'    name: "{short_name(full_name)}",\n'
                f"    fields: &[\n" + "\n".join(f"        {row}" for row in rows) + "\n    ],\n};\n\n"
            )
        return "".join(out).rstrip("\n") + "\n"


def find_kubectl():
    """`kubectl.1.32` on PATH, beside the real `kubectl`, or in the Google Cloud SDK."""
    directories = [Path(d) for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    real = next((d / "kubectl" for d in directories if (d / "kubectl").is_file()), None)
    if real:
        directories.append(real.resolve().parent)
    directories.append(Path("/usr/lib/google-cloud-sdk/bin"))
    for directory in directories:
        if (directory / KUBECTL).is_file():
            return directory / KUBECTL
    sys.exit(f"{KUBECTL} not found on PATH, beside kubectl or in /usr/lib/google-cloud-sdk/bin")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubectl", type=Path, help=f"the {KUBECTL} binary to read")
    args = parser.parse_args()
    source = Generator(Binary(args.kubectl or find_kubectl())).render()
    formatted = subprocess.run(
        ["rustfmt", "--edition", "2024"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
    )
    sys.stdout.write(formatted.stdout)


if __name__ == "__main__":
    main()
