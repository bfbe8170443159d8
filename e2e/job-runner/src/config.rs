//! The images config: which local executables stand in for which container images — or which
//! root filesystem directory is the image (`rootfs`) — and how a container's `command`/`args`
//! become the program job-runner starts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::volumes::Mount;

/// Errors reading the images config.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read images config {path}: {source}")]
    Read {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a valid images config.
    #[error("invalid images config {path}: {source}")]
    Parse {
        /// The config file.
        path: PathBuf,
        /// The YAML error.
        source: serde_yaml::Error,
    },
    /// An entry mixes a root filesystem with host programs.
    #[error(
        "invalid images config {path}: image {image:?} has a rootfs, so it runs only the rootfs's \
         own files: remove `executables` and `hostCommands`"
    )]
    RootfsWithHostPrograms {
        /// The config file.
        path: PathBuf,
        /// The entry's image glob.
        image: String,
    },
}

/// Why a container's command could not be turned into a local program.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// No image entry matches the container's image (kubelet: `ErrImagePull`).
    #[error("image {image:?} matches no entry of the job-runner images config {config}")]
    NoImage {
        /// The container's image reference.
        image: String,
        /// The images config file.
        config: PathBuf,
    },
    /// Neither the container nor the image gives a command.
    #[error("failed to create containerd task: no command specified (image {image:?})")]
    NoCommand {
        /// The container's image reference.
        image: String,
    },
    /// `command[0]` is not an executable of the image.
    #[error(
        "failed to create containerd task: exec: {program:?}: executable file not found in $PATH \
         (image {image:?} maps no such executable in {config})"
    )]
    NotFound {
        /// The program the container asked for.
        program: String,
        /// The container's image reference.
        image: String,
        /// The images config file.
        config: PathBuf,
    },
}

/// One image entry of the config file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageEntry {
    /// Glob against the full image reference (`*` matches any run of characters).
    pub image: String,
    /// The image's ENTRYPOINT.
    #[serde(default)]
    pub entrypoint: Vec<String>,
    /// The image's CMD.
    #[serde(default)]
    pub cmd: Vec<String>,
    /// `command[0]` (full path or basename) → local executable.
    #[serde(default)]
    pub executables: BTreeMap<String, PathBuf>,
    /// Whether unmapped commands are looked up on the host `PATH`.
    #[serde(default)]
    pub host_commands: bool,
    /// The image's USER uid.
    #[serde(default)]
    pub user: u32,
    /// The image's root filesystem: a directory whose files are the image's. Its containers run
    /// chrooted in an overlay over it (their writes stay theirs) with their volumes mounted
    /// inside, and never run host programs (see `rootfs.rs`; needs job-runner to be root).
    #[serde(default)]
    pub rootfs: Option<PathBuf>,
    /// The image's ENV: set before the container's own `env`, which wins.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// `PATH` of a rootfs container whose image and spec set none (containerd's default).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    images: Vec<ImageEntry>,
}

/// The loaded images config.
#[derive(Debug, Clone)]
pub struct Images {
    path: PathBuf,
    entries: Vec<ImageEntry>,
}

/// A container command resolved to a local program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedCommand {
    /// The executable to run: a host path, or with `rootfs` a path inside the container.
    pub program: PathBuf,
    /// The image's root filesystem the program runs chrooted in (`None`: a host program).
    pub rootfs: Option<PathBuf>,
    /// `argv[0]` as the container asked for it (busybox-like programs dispatch on it).
    pub arg0: String,
    /// The remaining arguments.
    pub args: Vec<String>,
}

impl Images {
    /// Reads and parses the config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Parses config text; `path` is only used in messages.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let file: ConfigFile = serde_yaml::from_str(text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        })?;
        let mixed = file
            .images
            .iter()
            .find(|e| e.rootfs.is_some() && (e.host_commands || !e.executables.is_empty()));
        if let Some(entry) = mixed {
            return Err(ConfigError::RootfsWithHostPrograms {
                path: path.to_owned(),
                image: entry.image.clone(),
            });
        }
        Ok(Self {
            path: path.to_owned(),
            entries: file.images,
        })
    }

    /// The first entry whose glob matches `image`.
    pub fn find(&self, image: &str) -> Result<&ImageEntry, CommandError> {
        self.entries
            .iter()
            .find(|e| glob_match(&e.image, image))
            .ok_or_else(|| CommandError::NoImage {
                image: image.to_owned(),
                config: self.path.clone(),
            })
    }

    /// Resolves a container's (already `$(VAR)`-expanded) command and args for `image`, whose
    /// environment is `env`. On the host, a program inside one of the container's `mounts` is
    /// the file in that volume; in a rootfs, a program is looked up as the container would:
    /// by its path, or on its `PATH`, in its volumes and the rootfs.
    pub fn resolve(
        &self,
        image: &str,
        command: &[String],
        args: &[String],
        mounts: &[Mount],
        env: &[(String, String)],
    ) -> Result<ResolvedCommand, CommandError> {
        let entry = self.find(image)?;
        let argv = container_argv(entry, command, args);
        let Some((first, rest)) = argv.split_first() else {
            return Err(CommandError::NoCommand {
                image: image.to_owned(),
            });
        };
        let program = match &entry.rootfs {
            Some(rootfs) => {
                let path = env
                    .iter()
                    .find(|(k, _)| k == "PATH")
                    .map(|(_, v)| v.as_str());
                rootfs_program(rootfs, first, mounts, path.unwrap_or(DEFAULT_PATH))
            }
            None => mounted_program(first, mounts)
                .or_else(|| lookup_program(entry, first, host_path().as_deref())),
        };
        let program = program.ok_or_else(|| CommandError::NotFound {
            program: first.clone(),
            image: image.to_owned(),
            config: self.path.clone(),
        })?;
        Ok(ResolvedCommand {
            program,
            rootfs: entry.rootfs.clone(),
            arg0: first.clone(),
            args: rest.to_vec(),
        })
    }
}

/// `program` inside a rootfs container (the path it has there): a path is taken as it is, a
/// bare name is looked up on `path_var`; either must exist in a volume or in the rootfs (as a
/// file or a link: a link is followed inside the container, when it starts).
pub fn rootfs_program(
    rootfs: &Path,
    program: &str,
    mounts: &[Mount],
    path_var: &str,
) -> Option<PathBuf> {
    let exists = |inside: &Path| {
        mounted_program(&inside.to_string_lossy(), mounts).is_some()
            || inside
                .strip_prefix("/")
                .is_ok_and(|rel| rootfs.join(rel).symlink_metadata().is_ok())
    };
    if program.contains('/') {
        let inside = Path::new("/").join(program);
        return exists(&inside).then_some(inside);
    }
    path_var
        .split(':')
        .filter(|d| d.starts_with('/'))
        .map(|d| Path::new(d).join(program))
        .find(|candidate| exists(candidate))
}

fn host_path() -> Option<String> {
    std::env::var("PATH").ok()
}

/// Kubernetes semantics: `command` overrides ENTRYPOINT (and drops CMD), `args` override CMD.
pub fn container_argv(entry: &ImageEntry, command: &[String], args: &[String]) -> Vec<String> {
    if !command.is_empty() {
        command.iter().chain(args).cloned().collect()
    } else if !args.is_empty() {
        entry.entrypoint.iter().chain(args).cloned().collect()
    } else {
        entry.entrypoint.iter().chain(&entry.cmd).cloned().collect()
    }
}

/// A program in a volume (an init container may have put it there), as the volume's
/// materialised file: the image does not matter, as in a real container.
pub fn mounted_program(program: &str, mounts: &[Mount]) -> Option<PathBuf> {
    let path = Path::new(program);
    mounts
        .iter()
        .filter_map(|m| {
            path.strip_prefix(&m.target)
                .ok()
                .map(|rest| m.source.join(rest))
        })
        .find(|p| p.is_file())
}

/// Maps `argv[0]` to a local executable: by full path, then by basename, then (with
/// `hostCommands`) the host path itself or a `PATH` lookup of the basename.
pub fn lookup_program(
    entry: &ImageEntry,
    program: &str,
    path_var: Option<&str>,
) -> Option<PathBuf> {
    let base = program.rsplit('/').next().unwrap_or(program);
    if let Some(p) = entry
        .executables
        .get(program)
        .or_else(|| entry.executables.get(base))
    {
        return Some(p.clone());
    }
    if !entry.host_commands {
        return None;
    }
    if program.starts_with('/') && Path::new(program).is_file() {
        return Some(PathBuf::from(program));
    }
    path_var?
        .split(':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(base))
        .find(|p| p.is_file())
}

/// `*` matches any run of characters (including none); everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images() -> Images {
        Images::parse(
            Path::new("/cfg/images.yaml"),
            r#"
images:
  - image: "dbmigrate:*"
    entrypoint: ["/usr/local/bin/dbmigrate"]
    cmd: ["--help"]
    executables: {dbmigrate: /opt/bin/dbmigrate}
    user: 65532
  - image: "busybox*"
    hostCommands: true
"#,
        )
        .unwrap()
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn glob() {
        assert!(glob_match("dbmigrate:*", "dbmigrate:dev"));
        assert!(glob_match("dbmigrate:*", "dbmigrate:"));
        assert!(!glob_match("dbmigrate:*", "x/dbmigrate:dev"));
        assert!(glob_match("*dbmigrate*", "ghcr.io/x/dbmigrate:1"));
        assert!(glob_match("busybox*", "busybox"));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exact2"));
    }

    #[test]
    fn first_match_wins_and_user() {
        let i = images();
        assert_eq!(i.find("dbmigrate:v1").unwrap().user, 65532);
        assert!(i.find("busybox:1.36").unwrap().host_commands);
        let err = i.find("postgres:16").unwrap_err();
        assert_eq!(
            err.to_string(),
            "image \"postgres:16\" matches no entry of the job-runner images config /cfg/images.yaml"
        );
    }

    #[test]
    fn command_semantics() {
        let i = images();
        let e = i.find("dbmigrate:v1").unwrap();
        assert_eq!(
            container_argv(e, &[], &[]),
            s(&["/usr/local/bin/dbmigrate", "--help"])
        );
        assert_eq!(
            container_argv(e, &[], &s(&["apply"])),
            s(&["/usr/local/bin/dbmigrate", "apply"])
        );
        assert_eq!(container_argv(e, &s(&["sh"]), &[]), s(&["sh"]));
        assert_eq!(
            container_argv(e, &s(&["sh", "-c"]), &s(&["x"])),
            s(&["sh", "-c", "x"])
        );
    }

    #[test]
    fn resolves_by_full_path_and_basename() {
        let i = images();
        let r = i
            .resolve("dbmigrate:v1", &[], &s(&["apply"]), &[], &[])
            .unwrap();
        assert_eq!(r.program, PathBuf::from("/opt/bin/dbmigrate"));
        assert_eq!(r.arg0, "/usr/local/bin/dbmigrate");
        assert_eq!(r.args, s(&["apply"]));
        let r = i
            .resolve("dbmigrate:v1", &s(&["/bin/dbmigrate"]), &[], &[], &[])
            .unwrap();
        assert_eq!(r.program, PathBuf::from("/opt/bin/dbmigrate"));
        let err = i
            .resolve("dbmigrate:v1", &s(&["sh"]), &[], &[], &[])
            .unwrap_err();
        assert!(matches!(err, CommandError::NotFound { .. }), "{err}");
    }

    #[test]
    fn a_program_in_a_volume_is_the_volumes_file_whatever_the_image() {
        let dir = std::env::temp_dir().join(format!("jr-mounted-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("runner"), "").unwrap();
        let mounts = [Mount {
            source: dir.clone(),
            target: PathBuf::from("/opt/tools"),
            read_only: true,
        }];
        assert_eq!(
            mounted_program("/opt/tools/runner", &mounts),
            Some(dir.join("runner"))
        );
        assert_eq!(mounted_program("/opt/tools/other", &mounts), None);
        assert_eq!(mounted_program("/opt/toolsx/runner", &mounts), None);
        let r = images()
            .resolve(
                "dbmigrate:v1",
                &s(&["/opt/tools/runner"]),
                &[],
                &mounts,
                &[],
            )
            .unwrap();
        assert_eq!(r.program, dir.join("runner"));
        assert_eq!(r.arg0, "/opt/tools/runner");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn host_commands() {
        let dir = std::env::temp_dir().join(format!("jr-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("tool"), "").unwrap();
        let e = ImageEntry {
            host_commands: true,
            ..ImageEntry::default()
        };
        let path = format!("/nonexistent:{}", dir.display());
        assert_eq!(
            lookup_program(&e, "tool", Some(&path)),
            Some(dir.join("tool"))
        );
        assert_eq!(
            lookup_program(&e, "/bin/tool", Some(&path)),
            Some(dir.join("tool"))
        );
        assert_eq!(lookup_program(&e, "nope", Some(&path)), None);
        let no_image = Images::parse(Path::new("c"), "images: []").unwrap();
        assert!(matches!(
            no_image.resolve("x", &[], &[], &[], &[]),
            Err(CommandError::NoImage { .. })
        ));
        let empty = Images::parse(Path::new("c"), "images: [{image: '*'}]").unwrap();
        assert!(matches!(
            empty.resolve("x", &[], &[], &[], &[]),
            Err(CommandError::NoCommand { .. })
        ));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_rootfs_image_runs_its_own_files_looked_up_on_its_path() {
        let root = std::env::temp_dir().join(format!("jr-rootfs-{}", std::process::id()));
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::write(root.join("bin/busybox"), "").unwrap();
        std::os::unix::fs::symlink("busybox", root.join("bin/sh")).unwrap();
        let volume = root.join("volume");
        std::fs::create_dir_all(&volume).unwrap();
        std::fs::write(volume.join("runner"), "").unwrap();
        let yaml = format!(
            "images: [{{image: 'busybox:*', rootfs: {}, cmd: [sh]}}]",
            root.display()
        );
        let images = Images::parse(Path::new("c"), &yaml).unwrap();
        let mounts = [Mount {
            source: volume.clone(),
            target: PathBuf::from("/opt/tools"),
            read_only: true,
        }];
        let r = images
            .resolve("busybox:1.36", &[], &[], &mounts, &[])
            .unwrap();
        assert_eq!(
            (r.program, r.rootfs, r.arg0),
            (
                PathBuf::from("/bin/sh"),
                Some(root.clone()),
                "sh".to_owned()
            )
        );
        let r = images
            .resolve(
                "busybox:1.36",
                &s(&["/opt/tools/runner"]),
                &[],
                &mounts,
                &[],
            )
            .unwrap();
        assert_eq!(
            r.program,
            PathBuf::from("/opt/tools/runner"),
            "the path inside"
        );
        let only_usr = [("PATH".to_owned(), "/usr/bin".to_owned())];
        let err = images
            .resolve("busybox:1.36", &s(&["sh"]), &[], &mounts, &only_usr)
            .unwrap_err();
        assert!(matches!(err, CommandError::NotFound { .. }), "{err}");
        let host = images
            .resolve("busybox:1.36", &s(&["cargo"]), &[], &mounts, &[])
            .unwrap_err();
        assert!(
            matches!(host, CommandError::NotFound { .. }),
            "no host programs"
        );
        std::fs::remove_dir_all(&root).unwrap();

        let mixed = Images::parse(
            Path::new("c"),
            "images: [{image: 'x', rootfs: /r, hostCommands: true}]",
        )
        .unwrap_err();
        assert!(
            mixed
                .to_string()
                .contains("remove `executables` and `hostCommands`"),
            "{mixed}"
        );
    }
}
