//! The kubectl programs of the machine: the newest (`kubectl` on `PATH`) and older minors
//! installed beside it as `kubectl.1.<minor>` (as the Google Cloud SDK ships them).

use std::path::PathBuf;

use crate::os::find_program;

/// The oldest kubectl minor the e2e tests run with.
pub const OLDEST_MINOR: u32 = 27;
/// The newest kubectl minor the e2e tests run with.
pub const NEWEST_MINOR: u32 = 33;

/// The kubectl minors the e2e tests run with: the oldest and the newest, `[27, 33]`.
///
/// # Panics
/// When one of them is not installed, naming what to install: a missing kubectl is a broken
/// test machine, not a reason to test less.
pub fn kubectl_versions() -> Vec<u32> {
    let versions = vec![OLDEST_MINOR, NEWEST_MINOR];
    for &minor in &versions {
        versioned(minor);
    }
    versions
}

/// `kubectl` on `PATH`.
///
/// # Panics
/// When there is none.
pub(crate) fn newest() -> PathBuf {
    find_program("kubectl", &[]).unwrap_or_else(|| {
        panic!(
            "kubectl not found on PATH: install kubectl (the `kubectl` package of the \
             Google Cloud SDK apt source, which also ships kubectl.1.<minor> for older \
             minors, or the `kubectl` package from pkgs.k8s.io)"
        )
    })
}

/// `kubectl.1.<minor>` on `PATH`, else beside the real `kubectl` (symlinks resolved).
///
/// # Panics
/// When there is none, naming what to install.
pub(crate) fn versioned(minor: u32) -> PathBuf {
    let name = format!("kubectl.1.{minor}");
    let beside: Vec<PathBuf> = find_program("kubectl", &[])
        .and_then(|kubectl| std::fs::canonicalize(kubectl).ok())
        .and_then(|kubectl| kubectl.parent().map(PathBuf::from))
        .into_iter()
        .collect();
    find_program(&name, &beside).unwrap_or_else(|| {
        let looked = beside
            .first()
            .map_or_else(String::new, |dir| format!(" and in {}", dir.display()));
        panic!(
            "kubectl 1.{minor} not found (looked for {name} on PATH{looked}): install the `kubectl` \
             package of the Google Cloud SDK apt source (it ships kubectl.1.<minor> beside \
             kubectl) or put a kubectl v1.{minor}.x binary named {name} on PATH"
        )
    })
}
