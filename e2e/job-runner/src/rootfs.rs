//! The root of a container whose image is a `rootfs` directory, made as a container runtime
//! makes it: an overlay whose lower layer is the image and whose upper layer is the
//! container's own (its writes reach neither the image nor other containers), `/proc`, and a
//! few device nodes of `/dev`; the process then chroots into it, so it sees only the image's
//! files and what is mounted for it (its volumes, the pod's `/etc` files, the termination
//! message file). Needs root and the private mount namespace `process.rs` makes.

use std::ffi::CString;
use std::path::{Path, PathBuf};

use crate::process::SpawnError;
use crate::volumes::Mount;

/// Device nodes bound from the host's `/dev` (runc's default devices but `ptmx`/`pts`).
pub const DEVICES: &[&str] = &[
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/tty",
];

/// The device nodes as mounts (read-write, as in a container).
pub fn device_mounts() -> Vec<Mount> {
    DEVICES
        .iter()
        .map(|device| Mount {
            source: PathBuf::from(device),
            target: PathBuf::from(device),
            read_only: false,
        })
        .collect()
}

/// A container's root: the image directory and the container's own layer directory.
#[derive(Debug, Clone)]
pub struct RootFs {
    /// The image's root filesystem (the overlay's lower layer, never written).
    pub image: PathBuf,
    /// The container's own directory: `upper/` (its writes), `work/` (overlayfs'), `root/`
    /// (where the overlay is mounted, in the container's mount namespace only).
    pub layer: PathBuf,
}

/// What the child process needs to mount and enter the root, allocated before `fork`.
#[derive(Debug)]
pub struct Prepared {
    root: CString,
    options: CString,
    proc_dir: CString,
}

/// The path `inside` the container, below `base` on the host.
fn below(base: &Path, inside: &Path) -> PathBuf {
    base.join(inside.strip_prefix("/").unwrap_or(inside))
}

impl RootFs {
    /// Where a container path is once the overlay is mounted.
    pub fn mounted(&self, inside: &Path) -> PathBuf {
        below(&self.layer.join("root"), inside)
    }

    /// Where a container path is created before the overlay is mounted (in the upper layer,
    /// so mount points never touch the image).
    pub fn upper(&self, inside: &Path) -> PathBuf {
        below(&self.layer.join("upper"), inside)
    }

    /// Creates the layer's directories and `/proc` in the upper layer.
    pub fn prepare(&self) -> Result<Prepared, SpawnError> {
        let upper = self.layer.join("upper");
        let work = self.layer.join("work");
        let root = self.layer.join("root");
        for dir in [&upper, &work, &root, &self.upper(Path::new("/proc"))] {
            std::fs::create_dir_all(dir).map_err(|source| SpawnError::Target {
                path: dir.clone(),
                source,
            })?;
        }
        // overlayfs separates its options with `,` and its layers with `:`
        for path in [&self.image, &upper, &work] {
            if path.to_string_lossy().contains([',', ':', '\\']) {
                return Err(SpawnError::RootfsPath { path: path.clone() });
            }
        }
        let options = format!(
            "lowerdir={},upperdir={},workdir={}",
            self.image.display(),
            upper.display(),
            work.display()
        );
        let c = |text: String| {
            CString::new(text.clone()).map_err(|_| SpawnError::Nul {
                path: PathBuf::from(text),
            })
        };
        Ok(Prepared {
            root: c(root.display().to_string())?,
            options: c(options)?,
            proc_dir: c(self.mounted(Path::new("/proc")).display().to_string())?,
        })
    }
}

fn check(rc: libc::c_int) -> std::io::Result<()> {
    if rc < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

impl Prepared {
    /// In the child, in its own mount namespace: mounts the overlay and `/proc` in it.
    /// Async-signal-safe: only system calls on data allocated before `fork`.
    pub fn mount(&self) -> std::io::Result<()> {
        let no_data = std::ptr::null::<libc::c_void>();
        // SAFETY: mount(2) on NUL-terminated strings that outlive the calls.
        unsafe {
            check(libc::mount(
                c"overlay".as_ptr(),
                self.root.as_ptr(),
                c"overlay".as_ptr(),
                0,
                self.options.as_ptr().cast(),
            ))?;
            let flags = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
            check(libc::mount(
                c"proc".as_ptr(),
                self.proc_dir.as_ptr(),
                c"proc".as_ptr(),
                flags,
                no_data,
            ))
        }
    }

    /// In the child, once everything is mounted: makes the overlay its `/` and its working
    /// directory `/`. Async-signal-safe.
    pub fn enter(&self) -> std::io::Result<()> {
        // SAFETY: chroot(2)/chdir(2) on NUL-terminated strings that outlive the calls.
        unsafe {
            check(libc::chroot(self.root.as_ptr()))?;
            check(libc::chdir(c"/".as_ptr()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_paths_land_in_the_layer_never_in_the_image() {
        let root = RootFs {
            image: PathBuf::from("/images/busybox"),
            layer: PathBuf::from("/state/pods/p/layers/step"),
        };
        assert_eq!(
            root.mounted(Path::new("/opt/dbmigrate")),
            PathBuf::from("/state/pods/p/layers/step/root/opt/dbmigrate")
        );
        assert_eq!(
            root.upper(Path::new("/dev/termination-log")),
            PathBuf::from("/state/pods/p/layers/step/upper/dev/termination-log")
        );
        let odd = RootFs {
            image: PathBuf::from("/images/a:b"),
            layer: std::env::temp_dir().join(format!("jr-layer-{}", std::process::id())),
        };
        let error = odd.prepare().unwrap_err();
        assert!(matches!(error, SpawnError::RootfsPath { .. }), "{error}");
        std::fs::remove_dir_all(&odd.layer).unwrap();
    }
}
