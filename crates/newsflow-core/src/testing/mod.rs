//! Helpers for tests of stages, configs and runtimes (the `test-util`
//! feature): nothing here runs in a pipeline.

pub mod memory;
