//! dbmigrate: declarative, ordered, resumable database migrations — one engine for the local
//! CLI and the Kubernetes operator's Jobs. Modules follow the data flow, one direction:
//! `api` → `source` → `plan` → `engine` → `sync` → `manifest` (the local twin of the
//! controller) → `jobs` → `controller` → `cli` / `server`.

#![warn(missing_docs)]

pub mod api;
pub mod cli;
pub mod controller;
pub mod engine;
pub mod jobs;
pub mod manifest;
pub mod plan;
pub mod server;
pub mod source;
pub mod sync;
