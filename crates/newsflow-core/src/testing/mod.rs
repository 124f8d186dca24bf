//! Test support behind the `test-util` feature: run a source on its own as
//! the runtime would, run whole pipelines on in-memory stages, and find or
//! skip the services (PostgreSQL, NATS, Redis, free ports) integration tests
//! need. Nothing here runs in a pipeline.
//!
//! Enable it for tests only:
//! `newsflow-core = { workspace = true, features = ["test-util"] }` under
//! `[dev-dependencies]`.

pub mod memory;
mod services;
mod source;

pub use services::{free_port, service_missing, service_reachable, wait_closed, wait_listening};
pub use source::{start_source, RunningSource, SOURCE_TIMEOUT};
