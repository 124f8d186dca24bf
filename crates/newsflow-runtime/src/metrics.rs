//! `/metrics`: the pipeline's state, the process and the build in the
//! Prometheus text format, encoded by prometheus-client (so label values such
//! as stage names are escaped) from what the stages count, read at each
//! scrape.

use crate::status::{StageSnapshot, Status};
use newsflow_core::StageKind;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;
use std::fmt::Error;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StageAndKind {
    stage: String,
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StageOnly {
    stage: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReloadResult {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Build {
    version: &'static str,
}

/// Every metric of a running pipeline, as the text `/metrics` serves.
pub(crate) fn render(status: &Status) -> String {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Pipeline(status.clone())));
    registry.register_collector(Box::new(Process));
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &registry);
    out
}

/// A per-stage count: name (a counter's without `_total`), type, help.
type Series = (
    &'static str,
    MetricType,
    &'static str,
    fn(&StageSnapshot) -> u64,
);

/// A count only some stages have, labelled by stage alone: name, type,
/// help, and the value where the stage has one.
type StageSeries = (
    &'static str,
    MetricType,
    &'static str,
    fn(&StageSnapshot) -> Option<u64>,
);

const BY_STAGE: [StageSeries; 6] = [
    (
        "newsflow_queue_depth",
        MetricType::Gauge,
        "Articles waiting in a stage's input channel.",
        |s| s.queue.map(|(depth, _)| depth as u64),
    ),
    (
        "newsflow_queue_capacity",
        MetricType::Gauge,
        "The capacity of a stage's input channel.",
        |s| s.queue.map(|(_, capacity)| capacity as u64),
    ),
    (
        "newsflow_source_backlog",
        MetricType::Gauge,
        "Articles known to wait at a source (files not yet read, messages pending).",
        |s| (s.kind == StageKind::Source).then_some(s.backlog),
    ),
    (
        "newsflow_source_redelivered",
        MetricType::Counter,
        "Messages a source's server delivered again after an unacknowledged delivery (duplicates the sinks absorb).",
        |s| (s.kind == StageKind::Source).then_some(s.redelivered),
    ),
    (
        "newsflow_source_settled",
        MetricType::Counter,
        "Articles of a source whose delivery settled (written, dead-lettered, dropped or failed); emitted minus settled are in flight.",
        |s| (s.kind == StageKind::Source).then_some(s.settled),
    ),
    (
        "newsflow_transform_skipped",
        MetricType::Counter,
        "Articles a transform passed on without its work (in a language it does not enrich).",
        |s| (s.kind == StageKind::Transform).then_some(s.skipped),
    ),
];

const PER_STAGE: [Series; 5] = [
    (
        "newsflow_stage_received",
        MetricType::Counter,
        "Articles a stage took in.",
        |s| s.received,
    ),
    (
        "newsflow_stage_emitted",
        MetricType::Counter,
        "Articles a stage passed on (a sink: wrote durably).",
        |s| s.emitted,
    ),
    (
        "newsflow_stage_failed",
        MetricType::Counter,
        "Articles a stage refused (dead-lettered) or lost.",
        |s| s.failed,
    ),
    (
        "newsflow_stage_dropped",
        MetricType::Counter,
        "Articles a transform left out on purpose (a filter, a duplicate); they count as delivered.",
        |s| s.dropped,
    ),
    (
        "newsflow_stage_ready",
        MetricType::Gauge,
        "1 when the stage can do its job now.",
        |s| u64::from(s.ready),
    ),
];

/// The stages, read from [`Status`] at each scrape.
#[derive(Debug)]
struct Pipeline(Status);

impl Collector for Pipeline {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), Error> {
        let view = self.0.metrics_view();
        let stage_and_kind = |s: &StageSnapshot| StageAndKind {
            stage: s.key.to_string(),
            kind: s.kind.as_str().to_owned(),
        };
        let stage = |s: &StageSnapshot| StageOnly {
            stage: s.key.to_string(),
        };
        for (name, metric_type, help, value) in PER_STAGE {
            let mut metric = encoder.encode_descriptor(name, help, None, metric_type)?;
            for (snapshot, _) in &view.stages {
                let labels = stage_and_kind(snapshot);
                encode_value(metric_type, value(snapshot), metric.encode_family(&labels)?)?;
            }
        }
        for (name, metric_type, help, value) in BY_STAGE {
            let mut metric = encoder.encode_descriptor(name, help, None, metric_type)?;
            for (snapshot, _) in &view.stages {
                if let Some(value) = value(snapshot) {
                    encode_value(metric_type, value, metric.encode_family(&stage(snapshot))?)?;
                }
            }
        }
        let mut metric = encoder.encode_descriptor(
            "newsflow_stage_latency_seconds",
            "Time per article in a transform; per batch write and flush in a sink.",
            None,
            MetricType::Histogram,
        )?;
        for (snapshot, latency) in view
            .stages
            .iter()
            .filter(|(s, _)| s.kind != StageKind::Source)
        {
            let (sum, count, buckets) = latency.read();
            metric
                .encode_family(&stage(snapshot))?
                .encode_histogram::<StageOnly>(sum, count, &buckets, None)?;
        }
        ConstGauge::new(i64::from(view.draining)).encode(encoder.encode_descriptor(
            "newsflow_draining",
            "1 while the pipeline drains before stopping.",
            None,
            MetricType::Gauge,
        )?)?;
        let mut metric = encoder.encode_descriptor(
            "newsflow_reloads",
            "Config reloads applied, and refused.",
            None,
            MetricType::Counter,
        )?;
        for (result, count) in [("applied", view.reloads), ("refused", view.failed_reloads)] {
            ConstCounter::new(count).encode(metric.encode_family(&ReloadResult { result })?)?;
        }
        let mut metric = encoder.encode_descriptor(
            "newsflow_build_info",
            "The running newsflow: 1, with its version.",
            None,
            MetricType::Gauge,
        )?;
        ConstGauge::new(1).encode(metric.encode_family(&Build {
            version: env!("CARGO_PKG_VERSION"),
        })?)?;
        Ok(())
    }
}

fn encode_value(
    metric_type: MetricType,
    value: u64,
    encoder: prometheus_client::encoding::MetricEncoder<'_>,
) -> Result<(), Error> {
    match metric_type {
        MetricType::Counter => ConstCounter::new(value).encode(encoder),
        _ => ConstGauge::new(value as i64).encode(encoder),
    }
}

/// The process's own figures (Prometheus' standard `process_*` names), read
/// from `/proc/self` at each scrape; absent where there is no `/proc`.
#[derive(Debug)]
struct Process;

impl Collector for Process {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), Error> {
        let Some(figures) = ProcessFigures::read() else {
            return Ok(());
        };
        ConstGauge::new(figures.resident_bytes as i64).encode(encoder.encode_descriptor(
            "process_resident_memory_bytes",
            "Resident memory size in bytes.",
            None,
            MetricType::Gauge,
        )?)?;
        ConstCounter::new(figures.cpu_seconds).encode(encoder.encode_descriptor(
            "process_cpu_seconds",
            "Total user and system CPU time spent in seconds.",
            None,
            MetricType::Counter,
        )?)?;
        ConstGauge::new(figures.open_fds as i64).encode(encoder.encode_descriptor(
            "process_open_fds",
            "Number of open file descriptors.",
            None,
            MetricType::Gauge,
        )?)?;
        ConstGauge::new(figures.start_time_seconds).encode(encoder.encode_descriptor(
            "process_start_time_seconds",
            "Start time of the process since the Unix epoch in seconds.",
            None,
            MetricType::Gauge,
        )?)?;
        Ok(())
    }
}

struct ProcessFigures {
    resident_bytes: u64,
    cpu_seconds: f64,
    open_fds: usize,
    start_time_seconds: f64,
}

impl ProcessFigures {
    fn read() -> Option<ProcessFigures> {
        // SAFETY: sysconf only reads a system constant.
        let (page, ticks) = unsafe {
            (
                libc::sysconf(libc::_SC_PAGESIZE),
                libc::sysconf(libc::_SC_CLK_TCK),
            )
        };
        let (page, ticks) = (u64::try_from(page).ok()?, u64::try_from(ticks).ok()?.max(1));
        let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
        let resident_pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
        // The fields after the command name, which may hold spaces, in parentheses.
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let field = |n: usize| -> Option<u64> { fields.get(n)?.parse().ok() };
        // utime, stime and starttime are fields 14, 15 and 22 of stat(5);
        // `fields` starts at field 3.
        let cpu_ticks = field(11)? + field(12)?;
        let started_ticks = field(19)?;
        let boot_time: u64 = std::fs::read_to_string("/proc/stat")
            .ok()?
            .lines()
            .find_map(|line| line.strip_prefix("btime ")?.trim().parse().ok())?;
        Some(ProcessFigures {
            resident_bytes: resident_pages * page,
            cpu_seconds: cpu_ticks as f64 / ticks as f64,
            open_fds: std::fs::read_dir("/proc/self/fd").ok()?.count(),
            start_time_seconds: boot_time as f64 + started_ticks as f64 / ticks as f64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::histogram::Histogram;
    use newsflow_core::{BuildContext, StageCounters, StageKey};
    use std::sync::Arc;
    use std::time::Duration;

    fn status_with(key: &str) -> (Status, Arc<StageCounters>, Arc<Histogram>) {
        let status = Status::default();
        let counters = Arc::<StageCounters>::default();
        let latency = Arc::<Histogram>::default();
        let cx = BuildContext::new(StageKey::parse(key).expect("a stage key"), "state");
        status.put_stage(&cx, counters.clone(), latency.clone(), None);
        (status, counters, latency)
    }

    #[test]
    fn a_stage_name_with_quotes_cannot_break_the_scrape() {
        let (status, counters, _) = status_with("sinks.a\"b\\c");
        counters.add_emitted(3);
        let text = render(&status);
        assert!(
            text.contains(
                "newsflow_stage_emitted_total{stage=\"sinks.a\\\"b\\\\c\",kind=\"sink\"} 3\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn latency_buckets_are_cumulative() {
        let (status, _, latency) = status_with("transforms.x");
        latency.record(Duration::from_micros(50));
        latency.record(Duration::from_millis(3));
        latency.record(Duration::from_secs(120));
        let text = render(&status);
        let series = "newsflow_stage_latency_seconds";
        for line in [
            format!("{series}_bucket{{stage=\"transforms.x\",le=\"0.0001\"}} 1\n"),
            format!("{series}_bucket{{stage=\"transforms.x\",le=\"0.005\"}} 2\n"),
            format!("{series}_bucket{{stage=\"transforms.x\",le=\"60\"}} 2\n"),
            format!("{series}_bucket{{stage=\"transforms.x\",le=\"+Inf\"}} 3\n"),
            format!("{series}_count{{stage=\"transforms.x\"}} 3\n"),
        ] {
            assert!(text.contains(&line), "no {line:?} in\n{text}");
        }
    }

    #[test]
    fn the_process_and_the_build_are_reported() {
        let (status, _, _) = status_with("sources.in");
        let text = render(&status);
        for name in [
            "process_resident_memory_bytes ",
            "process_cpu_seconds_total ",
            "process_open_fds ",
            "process_start_time_seconds ",
            "newsflow_build_info{version=\"",
            "newsflow_reloads_total{result=\"applied\"} 0\n",
            "newsflow_source_backlog{stage=\"sources.in\"} 0\n",
            "newsflow_source_redelivered_total{stage=\"sources.in\"} 0\n",
        ] {
            assert!(text.contains(name), "no {name:?} in\n{text}");
        }
        let rss: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("process_resident_memory_bytes "))
            .unwrap()
            .parse()
            .unwrap();
        assert!(rss > 1_000_000.0, "{rss}");
    }
}
