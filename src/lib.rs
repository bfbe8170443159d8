//! dbmigrate: declarative, ordered, resumable database migrations — one engine for the local
//! CLI and (later) the Kubernetes operator's Jobs. Modules follow the data flow:
//! `api` → `source` → `plan` → `engine` → `sync` → `manifest` → `jobs` → `controller` → `cli`.

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
