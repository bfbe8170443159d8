//! Starts dbmigrate's e2e environment — kube-standin (a test-only Kubernetes API server),
//! job-runner (a test-only kubelet and Job controller running Jobs as local processes) and a
//! real PostgreSQL — on free loopback ports in a temporary directory, in one call:
//!
//! ```no_run
//! let env = e2e_harness::Environment::start().expect("e2e environment");
//! let status = env.kubectl().args(["get", "namespaces"]).status().expect("kubectl");
//! assert!(status.success(), "{}", env.logs());
//! // `env.database_url()` is a PostgreSQL URL; everything stops when `env` is dropped,
//! // or when the test process dies.
//! ```
//!
//! kube-standin runs with HTTPS, RBAC and an audit log: the kubeconfig the harness writes is
//! the admin's (`kubernetes-admin`, group `system:masters`);
//! [`Environment::service_account_kubeconfig`] makes one for a ServiceAccount and
//! [`Environment::audit_log`] reads who did what; [`rbac_reference`] turns `docs/rbac.md` into
//! the operator's ServiceAccount, Roles and bindings and checks audited requests against it.
//!
//! The environment variables `KUBECONFIG`, `E2E_JOB_RUNNER`, `E2E_DATABASE_URL`,
//! `E2E_BIN_DIR` and `E2E_STATIC_DBMIGRATE` change what is started (e2e/README.md). [`os`],
//! [`postgres`] and [`images`] are also used by the root package's tests, which start
//! PostgreSQL (and build a busybox root) without the rest. [`chart`] renders the Helm chart as
//! `helm template` does; [`argocd_health`] runs the chart's Argo CD health scripts as Argo CD
//! does, with the real `lua5.4`.

pub mod argocd_health;
mod audit;
pub mod chart;
mod environment;
mod error;
pub mod images;
mod kubectl;
pub mod markdown;
pub mod os;
pub mod postgres;
mod process;
pub mod rbac_reference;
mod service_account;

pub use audit::{AuditEvent, AuditObjectRef, AuditResponseStatus, AuditUser};
pub use environment::{Environment, bin_dir};
pub use error::HarnessError;
pub use kubectl::{NEWEST_MINOR, OLDEST_MINOR, kubectl_versions};
