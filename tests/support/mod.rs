//! Shared harness of the engine tests: real database servers, migration folders, runners.
//!
//! Every test binary includes this module with `mod support;` and uses a different part of it
//! (the SQLite tests start no server), so unused helpers are expected here.
#![allow(dead_code)]

pub mod crds;
pub mod db;
pub mod dns;
pub mod migrations;
pub mod os;
pub mod pgbouncer;
pub mod postgres;
pub mod scenarios;
pub mod sync;
