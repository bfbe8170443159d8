//! dbmigrate: declarative, ordered, resumable database migrations — one engine for the local
//! CLI and (later) the Kubernetes operator's Jobs. Modules follow the data flow:
//! `api` → `source` → `plan` → `engine` → `sync` → `manifest` → `cli`.

pub mod api;
pub mod cli;
pub mod engine;
pub mod manifest;
pub mod plan;
pub mod source;
pub mod sync;
