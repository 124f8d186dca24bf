//! The newsflow runtime: reads a pipeline config, compiles it into a checked
//! graph, builds every stage, and runs them as tokio tasks joined by bounded
//! channels. It knows tasks and channels; stages know neither.
//!
//! ```no_run
//! # async fn demo(registry: newsflow_core::Registry) -> Result<(), Box<dyn std::error::Error>> {
//! let parsed = newsflow_runtime::load(std::path::Path::new("pipeline.toml"), &registry)?;
//! let pipeline = newsflow_runtime::compile(parsed)?;
//! let stop = tokio_util::sync::CancellationToken::new();
//! let report = newsflow_runtime::run(pipeline, stop, Default::default()).await?;
//! assert!(report.is_clean());
//! # Ok(()) }
//! ```

mod api;
mod config;
mod graph;
mod histogram;
mod metrics;
mod observe;
mod progress;
mod run;
mod stage_tasks;
mod status;

pub use config::{
    load, load_tests, load_with_env, ApiOptions, ConfigError, ParsedConfig, Problem,
    RuntimeOptions, SinkSpec, SourceSpec, StageEntry, TransformSpec, ENV_PREFIX,
};
pub use graph::{compile, Pipeline};
pub use run::{check_build, run, RunOptions, RunReport};
pub use status::{Node, StageSnapshot, Status};
