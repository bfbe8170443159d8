//! e2e-up: starts the e2e environment in a state directory (argument, else `$E2E_DIR`, else
//! `/tmp/dbmigrate-e2e`), prints `export KUBECONFIG=…` and `export DATABASE_URL=…` lines (also
//! written to `env.sh` there), writes its pid to `e2e-up.pid` there and keeps everything running
//! until SIGTERM, SIGINT or SIGHUP. `e2e/up.sh` and `e2e/down.sh` drive it.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use e2e_harness::Environment;
use tokio::signal::unix::{SignalKind, signal};

fn main() -> ExitCode {
    let dir = std::env::args_os()
        .nth(1)
        .or_else(|| std::env::var_os("E2E_DIR").filter(|v| !v.is_empty()))
        .map_or_else(|| PathBuf::from("/tmp/dbmigrate-e2e"), PathBuf::from);
    let env = match Environment::start_in(&dir) {
        Ok(env) => env,
        Err(e) => {
            eprintln!("e2e-up: {e}");
            return ExitCode::FAILURE;
        }
    };
    let exports = format!(
        "# dbmigrate e2e environment in {dir} (test-only; stop it with e2e/down.sh)\n\
         export KUBECONFIG={kubeconfig}\nexport DATABASE_URL={url}\n",
        dir = env.dir().display(),
        kubeconfig = quote(&env.kubeconfig().to_string_lossy()),
        url = quote(env.database_url()),
    );
    let written = std::fs::write(env.dir().join("env.sh"), &exports).and_then(|()| {
        std::fs::write(
            env.dir().join("e2e-up.pid"),
            format!("{}\n", std::process::id()),
        )
    });
    if let Err(e) = written {
        eprintln!("e2e-up: writing into {}: {e}", env.dir().display());
        return ExitCode::FAILURE;
    }
    let mut stdout = std::io::stdout();
    if stdout
        .write_all(exports.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        eprintln!("e2e-up: cannot print the environment; stopping it");
        return ExitCode::FAILURE;
    }
    eprintln!("e2e-up: ready in {}", env.dir().display());
    if let Err(e) = wait_for_stop() {
        eprintln!("e2e-up: cannot wait for signals ({e}); stopping");
        return ExitCode::FAILURE;
    }
    eprintln!("e2e-up: stopping");
    drop(env);
    ExitCode::SUCCESS
}

/// Blocks until SIGTERM, SIGINT or SIGHUP.
fn wait_for_stop() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        let mut hup = signal(SignalKind::hangup())?;
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
            _ = hup.recv() => {}
        }
        Ok(())
    })
}

/// `text` in single quotes for sh.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
