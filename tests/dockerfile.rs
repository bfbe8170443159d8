//! The Dockerfile, checked without a container engine: the image is the static runner on
//! distroless/static as the numeric user 65532 with the crate's version, every path it copies
//! reaches the build context, and the build stage's own shell picks the target triple from
//! `TARGETARCH` and runs `scripts/build-static --release`.

use std::path::{Path, PathBuf};
use std::process::Command;

const REPOSITORY: &str = env!("CARGO_MANIFEST_DIR");

/// One instruction: its keyword (upper case) and its arguments, continuation lines joined.
#[derive(Debug)]
struct Instruction {
    keyword: String,
    arguments: String,
}

/// The Dockerfile's stages, each a list of instructions starting with its `FROM`.
fn stages() -> Vec<Vec<Instruction>> {
    let text = std::fs::read_to_string(Path::new(REPOSITORY).join("Dockerfile"))
        .expect("reading the Dockerfile");
    let mut logical = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            // Docker removes the backslash and the line break: one line for the shell
            Some(part) => {
                current.push_str(part);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                logical.push(std::mem::take(&mut current));
            }
        }
    }
    let mut stages: Vec<Vec<Instruction>> = Vec::new();
    for line in logical.into_iter().filter(|l| !l.trim().is_empty()) {
        let (keyword, arguments) = line.split_once(char::is_whitespace).unwrap_or((&line, ""));
        let instruction = Instruction {
            keyword: keyword.to_uppercase(),
            arguments: arguments.trim().to_owned(),
        };
        if instruction.keyword == "FROM" || stages.is_empty() {
            stages.push(Vec::new());
        }
        stages.last_mut().expect("a stage").push(instruction);
    }
    stages
}

fn arguments<'a>(stage: &'a [Instruction], keyword: &str) -> Vec<&'a str> {
    stage
        .iter()
        .filter(|i| i.keyword == keyword)
        .map(|i| i.arguments.as_str())
        .collect()
}

#[test]
fn the_image_is_the_static_runner_on_distroless_static_as_user_65532() {
    let stages = stages();
    let image = stages.last().expect("a final stage");
    assert_eq!(
        arguments(image, "FROM"),
        ["gcr.io/distroless/static-debian12:nonroot"],
        "no libc in the image: the binary is static"
    );
    assert_eq!(arguments(image, "USER"), ["65532:65532"]);
    assert_eq!(arguments(image, "ENTRYPOINT"), [r#"["dbmigrate"]"#]);
    assert_eq!(
        arguments(image, "COPY"),
        ["--from=build /out/dbmigrate /usr/local/bin/dbmigrate"]
    );
    let labels = arguments(image, "LABEL").join(" ");
    let version = format!(
        "org.opencontainers.image.version=\"{}\"",
        env!("CARGO_PKG_VERSION")
    );
    assert!(
        labels.contains(&version),
        "the image's version is the crate's ({version}): {labels}"
    );
    for key in ["title", "description"] {
        let key = format!("org.opencontainers.image.{key}=");
        assert!(labels.contains(&key), "{key} in {labels}");
    }
}

#[test]
fn every_copied_path_reaches_the_build_context() {
    let ignored = std::fs::read_to_string(Path::new(REPOSITORY).join(".dockerignore"))
        .expect("reading .dockerignore");
    let ignored: Vec<&str> = ignored.lines().map(str::trim).collect();
    let stages = stages();
    let build = stages.first().expect("a build stage");
    for copy in arguments(build, "COPY") {
        let paths: Vec<&str> = copy.split_whitespace().collect();
        let (destination, sources) = paths.split_last().expect("COPY <src>… <dest>");
        assert!(!destination.is_empty());
        for source in sources {
            assert!(
                Path::new(REPOSITORY).join(source).exists(),
                "COPY {source}: not in the repository"
            );
            assert!(
                !ignored.contains(source),
                "COPY {source}: excluded by .dockerignore"
            );
        }
    }
}

/// Runs the build stage's `RUN` with `TARGETARCH` in a directory whose `scripts/build-static`
/// records its arguments; its output directory is moved there too. (exit code, recorded
/// arguments, stderr, whether the binary was installed)
fn build_run(target_arch: Option<&str>) -> (Option<i32>, String, String, bool) {
    let stages = stages();
    let build = stages.first().expect("a build stage");
    let runs = arguments(build, "RUN");
    let [run] = runs.as_slice() else {
        panic!("one RUN in the build stage: {runs:?}")
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let scripts = dir.path().join("scripts");
    std::fs::create_dir_all(&scripts).expect("scripts/");
    std::fs::write(
        scripts.join("build-static"),
        "echo \"$*\" > arguments\necho fake > dbmigrate.fake\necho \"$PWD/dbmigrate.fake\"\n",
    )
    .expect("the stand-in build script");
    let out: PathBuf = dir.path().join("out");
    let run = run.replace("/out/", &format!("{}/", out.display()));
    let mut command = Command::new("bash");
    command.args(["-euc", &run]).current_dir(dir.path());
    match target_arch {
        Some(arch) => command.env("TARGETARCH", arch),
        None => command.env_remove("TARGETARCH"),
    };
    let output = command.output().expect("running bash");
    let recorded = std::fs::read_to_string(dir.path().join("arguments")).unwrap_or_default();
    (
        output.status.code(),
        recorded.trim().to_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        out.join("dbmigrate").is_file(),
    )
}

#[test]
fn the_build_stage_builds_the_static_release_for_targetarch() {
    for (arch, triple) in [
        (Some("amd64"), "x86_64-unknown-linux-gnu"),
        (Some("arm64"), "aarch64-unknown-linux-gnu"),
        (None, "x86_64-unknown-linux-gnu"),
    ] {
        let (code, arguments, stderr, installed) = build_run(arch);
        assert_eq!(code, Some(0), "TARGETARCH={arch:?}: {stderr}");
        assert_eq!(arguments, format!("--release --target {triple}"));
        assert!(installed, "TARGETARCH={arch:?}: /out/dbmigrate installed");
    }
    let (code, arguments, stderr, _) = build_run(Some("s390x"));
    assert_eq!(code, Some(1));
    assert!(arguments.is_empty(), "nothing built for s390x");
    assert!(stderr.contains("only amd64 and arm64"), "{stderr}");
}
