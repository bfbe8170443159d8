//! The container images job-runner runs, and what they are made of: `dbmigrate:*` is the static
//! `dbmigrate` of this build (what the Dockerfile ships: `scripts/build-static`), `busybox*` a
//! root filesystem holding only a static busybox (containers run chrooted in it, see
//! job-runner's `rootfs.rs`), and `alpine*`, `debian*` and `postgres*` run host commands.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::HarnessError;
use crate::os::{find_program, run};

/// The Rust target the static `dbmigrate` is built for on this machine.
pub fn static_target() -> String {
    format!("{}-unknown-linux-gnu", std::env::consts::ARCH)
}

/// The static `dbmigrate` of this build: `$E2E_STATIC_DBMIGRATE`, else the one
/// `scripts/build-static` builds beside `bin_dir` (`target/<profile>` →
/// `target/<triple>/<profile>/dbmigrate`); it must be a static executable.
pub fn static_dbmigrate(bin_dir: &Path) -> Result<PathBuf, HarnessError> {
    let path = match std::env::var_os("E2E_STATIC_DBMIGRATE").filter(|v| !v.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => {
            let profile = bin_dir.file_name().unwrap_or_default();
            let target = bin_dir.parent().unwrap_or(bin_dir);
            target.join(static_target()).join(profile).join("dbmigrate")
        }
    };
    if !path.is_file() {
        return Err(HarnessError::MissingStaticRunner { path });
    }
    if !is_static(&path)? {
        return Err(HarnessError::NotStatic { path });
    }
    Ok(path)
}

/// Whether the file is a static executable: a 64-bit little-endian ELF without a program
/// interpreter and without shared libraries (a static-pie's dynamic section lists none).
pub fn is_static(path: &Path) -> Result<bool, HarnessError> {
    let bytes = fs::read(path).map_err(HarnessError::io(format!("reading {}", path.display())))?;
    let not_elf = || HarnessError::Io {
        what: format!("reading {}", path.display()),
        source: std::io::Error::other("not a 64-bit little-endian ELF file"),
    };
    let u16_at = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u64_at = |at: usize| {
        let b = bytes.get(at..at + 8)?;
        Some(u64::from_le_bytes(b.try_into().ok()?))
    };
    let u32_at = |at: usize| {
        let b = bytes.get(at..at + 4)?;
        Some(u32::from_le_bytes(b.try_into().ok()?))
    };
    if bytes.get(..6) != Some(b"\x7fELF\x02\x01") {
        return Err(not_elf());
    }
    const PT_INTERP: u32 = 3;
    const PT_DYNAMIC: u32 = 2;
    const DT_NEEDED: u64 = 1;
    let header = || -> Option<(usize, usize, usize)> {
        let offset = usize::try_from(u64_at(0x20)?).ok()?;
        Some((
            offset,
            usize::from(u16_at(0x36)?),
            usize::from(u16_at(0x38)?),
        ))
    };
    let (table, size, count) = header().ok_or_else(not_elf)?;
    for index in 0..count {
        let at = table + index * size;
        match u32_at(at).ok_or_else(not_elf)? {
            PT_INTERP => return Ok(false),
            PT_DYNAMIC => {
                let start = usize::try_from(u64_at(at + 0x08).ok_or_else(not_elf)?)
                    .map_err(|_| not_elf())?;
                let length = usize::try_from(u64_at(at + 0x20).ok_or_else(not_elf)?)
                    .map_err(|_| not_elf())?;
                let needed = (start..start + length)
                    .step_by(16)
                    .filter_map(u64_at)
                    .any(|tag| tag == DT_NEEDED);
                if needed {
                    return Ok(false);
                }
            }
            _ => {}
        }
    }
    Ok(true)
}

/// Builds a busybox image's root filesystem in `root`: the machine's static busybox (Debian's
/// `busybox-static`) as `/bin/busybox` with a link per applet where `busybox --install` puts
/// it, `/etc/passwd` and `/etc/group` as in the busybox image, and empty `/tmp`, `/root`,
/// `/home`, `/proc`, `/dev`. Nothing else: no libc, no host file.
pub fn busybox_rootfs(root: &Path) -> Result<PathBuf, HarnessError> {
    const MISSING: HarnessError = HarnessError::MissingProgram {
        program: "busybox (static)",
        hint: "install the `busybox-static` Debian package (`bash scripts/test` does); it \
               makes the root filesystem of the `busybox` image job-runner runs",
    };
    let busybox = find_program(
        "busybox",
        &[PathBuf::from("/bin"), PathBuf::from("/usr/bin")],
    )
    .ok_or(MISSING)?;
    if !is_static(&busybox)? {
        return Err(MISSING);
    }
    let io = |what: &str, path: &Path| HarnessError::io(format!("{what} {}", path.display()));
    for dir in ["bin", "etc", "tmp", "root", "home", "proc", "dev"] {
        fs::create_dir_all(root.join(dir)).map_err(io("creating", &root.join(dir)))?;
    }
    // an image's `/` is readable by every user; `/tmp` writable by every user
    for (dir, mode) in [(root.to_owned(), 0o755), (root.join("tmp"), 0o1777)] {
        fs::set_permissions(&dir, fs::Permissions::from_mode(mode))
            .map_err(io("setting the mode of", &dir))?;
    }
    let target = root.join("bin/busybox");
    fs::copy(&busybox, &target).map_err(io("copying busybox to", &target))?;
    let applets = run(Command::new(&busybox).arg("--list-full"))?;
    for applet in String::from_utf8_lossy(&applets.stdout).lines() {
        let link = root.join(applet);
        let depth = Path::new(applet).components().count().saturating_sub(1);
        if link == target || link.symlink_metadata().is_ok() {
            continue;
        }
        if let Some(parent) = link.parent() {
            fs::create_dir_all(parent).map_err(io("creating", parent))?;
        }
        // relative, so it points at the rootfs's busybox from inside and from the host
        let up = "../".repeat(depth);
        symlink(format!("{up}bin/busybox"), &link).map_err(io("linking", &link))?;
    }
    let files = [
        (
            "etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
        ),
        ("etc/group", "root:x:0:\nnobody:x:65534:\n"),
    ];
    for (file, text) in files {
        fs::write(root.join(file), text).map_err(io("writing", &root.join(file)))?;
    }
    Ok(root.to_owned())
}

/// job-runner's images config (YAML) for these two images.
pub fn config(static_dbmigrate: &Path, busybox_root: &Path) -> String {
    let dbmigrate = static_dbmigrate.to_string_lossy();
    let host = |image: &str| serde_json::json!({ "image": image, "hostCommands": true });
    let config = serde_json::json!({
        "images": [
            {
                "image": "dbmigrate:*",
                "entrypoint": [dbmigrate],
                "executables": {
                    "dbmigrate": dbmigrate,
                    "/usr/local/bin/dbmigrate": dbmigrate,
                    "/dbmigrate": dbmigrate,
                },
                "user": 65532,
            },
            {
                "image": "busybox*",
                "rootfs": busybox_root,
                "cmd": ["sh"],
                "env": { "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
            },
            host("alpine*"),
            host("debian*"),
            host("postgres*"),
        ]
    });
    serde_yaml::to_string(&config).unwrap_or_else(|_| config.to_string())
}
