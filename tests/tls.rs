//! TLS to a real PostgreSQL server (SSL switched on with certificates made by `openssl`):
//! libpq's `sslmode` levels and `sslrootcert`, with the engine reporting whether the session
//! was encrypted through `pg_stat_ssl`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use dbmigrate::engine::{self, DatabaseUrl};
use support::db::{TestDb, runtime};
use support::migrations::MigrationDir;
use support::os::{hand_to_service_user, run};
use support::postgres;

/// Certificates of this test binary: a CA, a server certificate for `localhost` only (so
/// `127.0.0.1` fails verify-full but passes verify-ca), and an unrelated CA.
struct Certificates {
    dir: PathBuf,
}

impl Certificates {
    fn ca(&self) -> String {
        self.dir.join("ca.crt").display().to_string()
    }

    fn other_ca(&self) -> String {
        self.dir.join("other.crt").display().to_string()
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    run(Command::new("openssl").args(args).current_dir(dir));
}

/// Makes the certificates and switches SSL on for this binary's server (once).
fn tls_server() -> &'static Certificates {
    static CERTS: OnceLock<Certificates> = OnceLock::new();
    CERTS.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("dbmigrate-tls-")
            .tempdir()
            .expect("a directory for certificates")
            .keep();
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        for (name, subject) in [
            ("ca", "/CN=dbmigrate test CA"),
            ("other", "/CN=unrelated CA"),
        ] {
            let (key, crt) = (format!("{name}.key"), format!("{name}.crt"));
            let mut args = vec![
                "req", "-x509", "-days", "2", "-subj", subject, "-keyout", &key, "-out", &crt,
            ];
            args.extend(ec);
            openssl(&dir, &args);
        }
        let mut request = vec![
            "req",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ];
        request.extend(ec);
        openssl(&dir, &request);
        std::fs::write(dir.join("san.ext"), "subjectAltName=DNS:localhost\n").expect("san.ext");
        openssl(
            &dir,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "san.ext",
                "-out",
                "server.crt",
            ],
        );
        run(Command::new("chmod").arg("600").arg(dir.join("server.key")));
        hand_to_service_user(&dir);
        runtime().block_on(async {
            let admin = postgres::client(&postgres::server().url("postgres")).await;
            let files = [
                ("ssl_cert_file", "server.crt"),
                ("ssl_key_file", "server.key"),
            ];
            for (setting, file) in files {
                let path = dir.join(file).display().to_string();
                let sql = format!("ALTER SYSTEM SET {setting} = '{path}'");
                admin.batch_execute(&sql).await.expect("configuring SSL");
            }
            admin
                .batch_execute("ALTER SYSTEM SET ssl = on")
                .await
                .expect("switching SSL on");
            admin
                .batch_execute("SELECT pg_reload_conf()")
                .await
                .expect("reloading");
        });
        std::thread::sleep(std::time::Duration::from_millis(300));
        Certificates { dir }
    })
}

/// A fresh database's URL with `host` and `params`.
async fn url_with(host: &str, params: &str) -> String {
    let url = postgres::fresh_database().await.replace("127.0.0.1", host);
    format!("{url}?{params}")
}

/// Applies a migration that records whether its session is encrypted; returns that (`t`/`f`).
async fn encrypted(url: &str) -> Result<String, String> {
    let dir = MigrationDir::empty();
    dir.write(
        "1_tls.sql",
        "CREATE TABLE tls_check AS SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();",
    );
    // The tests' own look at the database goes over plain TCP (the server accepts both).
    let plain = url
        .split('?')
        .next()
        .unwrap_or(url)
        .replace("localhost", "127.0.0.1");
    let db = TestDb::postgres_at(plain);
    let parsed = DatabaseUrl::parse(url).map_err(|e| e.to_string())?;
    let mut conn = engine::connect(&parsed, &db.settings)
        .await
        .map_err(|e| e.to_string())?;
    let set = dir.load();
    let plan =
        dbmigrate::plan::Plan::build(&set, &conn.read_history().await.map_err(|e| e.to_string())?);
    engine::apply(&mut *conn, &set, &plan, None, &mut |_| {})
        .await
        .map_err(|e| e.to_string())?;
    Ok(db.scalar("SELECT ssl::text FROM tls_check").await)
}

#[test]
fn sslmode_levels_encrypt_and_verify_like_libpq() {
    let certs = tls_server();
    runtime().block_on(async {
        assert_eq!(
            encrypted(&url_with("127.0.0.1", "sslmode=disable").await).await,
            Ok("false".into())
        );
        assert_eq!(
            encrypted(&url_with("127.0.0.1", "sslmode=prefer").await).await,
            Ok("true".into())
        );
        assert_eq!(
            encrypted(&url_with("127.0.0.1", "sslmode=require").await).await,
            Ok("true".into())
        );
        let full = format!("sslmode=verify-full&sslrootcert={}", certs.ca());
        assert_eq!(
            encrypted(&url_with("localhost", &full).await).await,
            Ok("true".into())
        );
        let by_ip = encrypted(&url_with("127.0.0.1", &full).await)
            .await
            .expect_err("name mismatch");
        assert!(
            by_ip.contains("could not connect") && by_ip.contains("certificate"),
            "{by_ip}"
        );
        let ca = format!("sslmode=verify-ca&sslrootcert={}", certs.ca());
        assert_eq!(
            encrypted(&url_with("127.0.0.1", &ca).await).await,
            Ok("true".into()),
            "verify-ca ignores the name"
        );
        let wrong = format!("sslmode=verify-ca&sslrootcert={}", certs.other_ca());
        let untrusted = encrypted(&url_with("localhost", &wrong).await)
            .await
            .expect_err("untrusted");
        assert!(untrusted.contains("certificate"), "{untrusted}");
        let missing = encrypted(
            &url_with(
                "localhost",
                "sslmode=verify-full&sslrootcert=/nonexistent.pem",
            )
            .await,
        )
        .await
        .expect_err("no root file");
        assert!(
            missing.contains("sslrootcert /nonexistent.pem"),
            "{missing}"
        );
    });
}
