//! `e2e/up.sh` and `e2e/down.sh` keep one state directory per checkout (e2e/state-dir.sh): two
//! checkouts get two directories, and `down.sh` of one never touches the other's. Run on two
//! copies of the scripts, as two checkouts hold them; nothing is built or started.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const E2E: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// A checkout at `root` holding copies of e2e/up.sh, down.sh and state-dir.sh.
fn checkout(root: &Path) -> PathBuf {
    let e2e = root.join("e2e");
    std::fs::create_dir_all(&e2e).expect("creating the checkout");
    for script in ["up.sh", "down.sh", "state-dir.sh"] {
        std::fs::copy(Path::new(E2E).join(script), e2e.join(script))
            .unwrap_or_else(|e| panic!("copying e2e/{script}: {e}"));
    }
    root.to_owned()
}

/// Runs `script` of `checkout` with bash, `TMPDIR` set to `tmp` and `E2E_DIR` as given.
fn bash(checkout: &Path, script: &str, tmp: &Path, e2e_dir: Option<&str>) -> Output {
    let mut command = Command::new("bash");
    command
        .arg(checkout.join(script))
        .env("TMPDIR", tmp)
        .env_remove("E2E_DIR");
    if let Some(dir) = e2e_dir {
        command.env("E2E_DIR", dir);
    }
    command.output().expect("running bash")
}

/// The state directory e2e/state-dir.sh gives `checkout`.
fn state_dir(checkout: &Path, tmp: &Path, e2e_dir: Option<&str>) -> String {
    let printer = checkout.join("print-state-dir.sh");
    std::fs::write(
        &printer,
        "source \"$(dirname \"$0\")/e2e/state-dir.sh\"; printf '%s' \"$dir\"",
    )
    .expect("writing the printer");
    let output = bash(checkout, "print-state-dir.sh", tmp, e2e_dir);
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).expect("a path")
}

#[test]
fn each_checkout_has_its_own_state_directory_and_down_stops_only_its_own() {
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let tmp = scratch.path().join("tmp");
    std::fs::create_dir(&tmp).expect("creating TMPDIR");
    let first = checkout(&scratch.path().join("first"));
    let second = checkout(&scratch.path().join("second"));

    let first_dir = state_dir(&first, &tmp, None);
    let second_dir = state_dir(&second, &tmp, None);
    assert_ne!(first_dir, second_dir);
    assert_eq!(state_dir(&first, &tmp, None), first_dir, "stable");
    for dir in [&first_dir, &second_dir] {
        assert!(
            dir.starts_with(&format!("{}/dbmigrate-e2e-", tmp.display())),
            "{dir}"
        );
    }
    assert_eq!(
        state_dir(&first, &tmp, Some("/x/y")),
        "/x/y",
        "E2E_DIR wins"
    );

    // both left by environments that did not start: down.sh of the first removes only its own
    for dir in [&first_dir, &second_dir] {
        std::fs::create_dir(dir).expect("creating a state directory");
        std::fs::write(Path::new(dir).join(".dbmigrate-e2e"), "").expect("marking it");
    }
    let down = bash(&first, "e2e/down.sh", &tmp, None);
    let stderr = String::from_utf8_lossy(&down.stderr);
    assert!(down.status.success(), "{stderr}");
    assert!(stderr.contains(&first_dir), "{stderr}");
    assert!(!Path::new(&first_dir).exists(), "{stderr}");
    assert!(
        Path::new(&second_dir).exists(),
        "down.sh removed the other checkout's state"
    );

    let again = bash(&first, "e2e/down.sh", &tmp, None);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        again.status.success() && stderr.contains(&format!("no e2e environment in {first_dir}")),
        "{stderr}"
    );
}
