//! The built-in stages, a file each under `sources/`, `transforms/` and
//! `sinks/`, and [`registry`], which names them for the config's `type` key.

mod html_text;
mod nats;
mod net;
pub mod sinks;
pub mod sources;
pub mod transforms;
pub mod values;

use newsflow_core::Registry;

/// Every built-in stage type, by the name the config's `type` key uses.
pub fn registry() -> Registry {
    let mut registry = Registry::default();
    registry
        .add_source::<sources::dir::DirConfig>("dir")
        .add_source::<sources::feed::FeedConfig>("feed")
        .add_source::<sources::http::HttpSourceConfig>("http")
        .add_source::<sources::stdin::StdinConfig>("stdin")
        .add_source::<sources::nats::NatsSourceConfig>("nats")
        .add_transform::<transforms::dedup::DedupConfig>("dedup")
        .add_transform::<transforms::enrich::EntitiesConfig>("entities")
        .add_transform::<transforms::enrich::FiguresConfig>("figures")
        .add_transform::<transforms::enrich::EnrichConfig>("enrich")
        .add_transform::<transforms::filter::FilterConfig>("filter")
        .add_transform::<transforms::filter::RouteConfig>("route")
        .add_sink::<sinks::http::WebhookConfig>("http")
        .add_sink::<sinks::jsonl::JsonlConfig>("jsonl")
        .add_sink::<sinks::nats::NatsSinkConfig>("nats")
        .add_sink::<sinks::postgres::PostgresConfig>("postgres")
        .add_sink::<sinks::redis::RedisConfig>("redis")
        .add_sink::<sinks::sqlite::SqliteConfig>("sqlite")
        .add_sink::<sinks::stdout::StdoutConfig>("stdout");
    registry
}
