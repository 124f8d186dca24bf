//! What the page, `newsflow tap` and `newsflow top` read: the graph, a stats
//! stream and the records leaving chosen stages, all as server-sent events.
//!
//! Every stream reads the stages' [`Tap`]s or the counters in [`Status`];
//! none takes part in delivery. A client that stops reading only stops its
//! own stream (the TCP window fills, the stream is no longer polled); what it
//! missed meanwhile is reported as skipped when it reads again.

use crate::status::{StageSnapshot, Status};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::{Json, Router};
use futures::stream::{self, Stream, StreamExt};
use newsflow_core::{Record, StageKey, Tap};
use serde_json::{json, Value};
use std::convert::Infallible;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How often the stats stream sends.
const STATS_EVERY: Duration = Duration::from_secs(1);

/// The page, its assets and the `/api/` routes.
pub(crate) fn routes() -> Router<Status> {
    Router::new()
        .route("/", get(|| asset("text/html; charset=utf-8", PAGE_HTML)))
        .route("/page.css", get(|| asset("text/css", PAGE_CSS)))
        .route("/page.js", get(|| asset("text/javascript", PAGE_JS)))
        .route("/api/topology", get(topology))
        .route("/api/stats", get(stats))
        .route("/api/events", get(events))
        .route("/api/tap", get(tap))
}

const PAGE_HTML: &str = include_str!("page/index.html");
const PAGE_CSS: &str = include_str!("page/page.css");
const PAGE_JS: &str = include_str!("page/page.js");

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

async fn topology(State(status): State<Status>) -> Json<Value> {
    Json(json!({ "nodes": status.topology() }))
}

/// Every stage's counts now, with per-second rates since `previous`.
fn stats_json(
    status: &Status,
    now: &[StageSnapshot],
    previous: Option<(&[StageSnapshot], f64)>,
) -> Value {
    let rate = |key: &StageKey, value: fn(&StageSnapshot) -> u64, current: u64| {
        let (before, seconds) = previous?;
        let old = before.iter().find(|s| s.key == *key).map_or(0, value);
        Some(current.saturating_sub(old) as f64 / seconds.max(0.001))
    };
    let stages: Vec<Value> = now
        .iter()
        .map(|s| {
            json!({
                "key": s.key.to_string(),
                "kind": s.kind.as_str(),
                "ready": s.ready,
                "received": s.received,
                "emitted": s.emitted,
                "failed": s.failed,
                "queue": s.queue.map(|(depth, capacity)| json!({"depth": depth, "capacity": capacity})),
                "backlog": s.backlog,
                "skipped": s.skipped,
                "in_per_sec": rate(&s.key, |s| s.received, s.received),
                "out_per_sec": rate(&s.key, |s| s.emitted, s.emitted),
            })
        })
        .collect();
    let (reloads, failed_reloads) = status.reloads();
    json!({
        "stages": stages,
        "ready": status.is_ready(),
        "draining": status.is_draining(),
        "reloads": reloads,
        "failed_reloads": failed_reloads,
    })
}

async fn stats(State(status): State<Status>) -> Json<Value> {
    Json(stats_json(&status, &status.snapshot(), None))
}

/// `/api/events`: the stats once a second, with rates, until the API stops.
async fn events(
    State(status): State<Status>,
    Extension(stop): Extension<CancellationToken>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let ticks = stream::unfold(
        (status, None::<(Vec<StageSnapshot>, Instant)>),
        |(status, previous)| async move {
            if previous.is_some() {
                tokio::time::sleep(STATS_EVERY).await;
            }
            let now = status.snapshot();
            let before = previous
                .as_ref()
                .map(|(s, at)| (s.as_slice(), at.elapsed().as_secs_f64()));
            let data = stats_json(&status, &now, before);
            let event = Event::default().event("stats").data(data.to_string());
            Some((Ok(event), (status, Some((now, Instant::now())))))
        },
    );
    Sse::new(ticks.take_until(stop.cancelled_owned())).keep_alive(KeepAlive::default())
}

/// `/api/tap` parameters.
#[derive(Debug, serde::Deserialize)]
struct TapQuery {
    /// Stage keys, comma-separated (`transforms.enrich,dead_letter`).
    stage: Option<String>,
    /// Send the latest records kept first (the page), not only new ones.
    #[serde(default)]
    recent: bool,
}

/// `/api/tap?stage=KEY[,KEY]`: the records leaving those stages, one
/// `record` event each (`{"stage", "record"}`), and a `skipped` event
/// (`{"stage", "skipped"}`) when this client fell behind and records went by.
async fn tap(
    State(status): State<Status>,
    Extension(stop): Extension<CancellationToken>,
    Query(query): Query<TapQuery>,
) -> Response {
    let known: Vec<StageKey> = status.topology().into_iter().map(|n| n.key).collect();
    let wanted: Vec<String> = match query.stage.as_deref() {
        None | Some("") => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "name at least one stage: /api/tap?stage=KEY[,KEY]",
                &known,
            )
        }
        Some(list) => list.split(',').map(|s| s.trim().to_owned()).collect(),
    };
    let mut taps = Vec::new();
    for name in &wanted {
        let key = stage_key(name, &known);
        let tap = key.as_ref().and_then(|key| status.tap(key));
        match (key, tap) {
            (Some(key), Some(tap)) => taps.push((key, tap)),
            _ => {
                return refuse(
                    StatusCode::NOT_FOUND,
                    &format!("unknown stage `{name}`"),
                    &known,
                )
            }
        }
    }
    let streams = taps
        .into_iter()
        .map(|(key, tap)| stage_stream(key, tap, query.recent).boxed());
    // A first comment sends the headers at once: the client knows it is
    // attached before any record comes.
    let attached = stream::once(async { Ok(Event::default().comment("attached")) });
    let records = stream::select_all(streams).take_until(stop.cancelled_owned());
    Sse::new(attached.chain(records))
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// The stage `name` means: a key (`transforms.enrich`), or a bare name as
/// the config's `inputs` write it (`enrich`) when one stage has it.
fn stage_key(name: &str, known: &[StageKey]) -> Option<StageKey> {
    if let Some(key) = StageKey::parse(name).filter(|key| known.contains(key)) {
        return Some(key);
    }
    let mut named = known.iter().filter(|key| key.name() == name);
    match (named.next(), named.next()) {
        (Some(key), None) => Some(key.clone()),
        _ => None,
    }
}

/// A refusal naming the stages there are.
fn refuse(code: StatusCode, message: &str, known: &[StageKey]) -> Response {
    let known: Vec<String> = known.iter().map(StageKey::to_string).collect();
    (
        code,
        format!("{message}; the stages are: {}\n", known.join(", ")),
    )
        .into_response()
}

/// One stage's records as events, for as long as the client reads.
fn stage_stream(
    key: StageKey,
    tap: Tap<Record>,
    recent: bool,
) -> impl Stream<Item = Result<Event, Infallible>> + Send {
    let cursor = if recent {
        tap.cursor_at_oldest()
    } else {
        tap.cursor_at_end()
    };
    // Every record is copied while this stream lives; sampled otherwise.
    let attached = tap.attach();
    stream::unfold(
        (key, tap, cursor, attached),
        |(key, tap, mut cursor, attached)| async move {
            let batch = tap.next(&mut cursor).await;
            let mut events = Vec::with_capacity(batch.records.len() + 1);
            if batch.skipped > 0 {
                let data = json!({"stage": key.to_string(), "skipped": batch.skipped});
                events.push(Ok(Event::default().event("skipped").data(data.to_string())));
            }
            for record in batch.records {
                // Serialised here, in the client's own stream, not in the
                // stage; straight to text (no `Value` tree in between).
                let data = format!(
                    r#"{{"stage":{},"record":{}}}"#,
                    serde_json::to_string(&key).unwrap_or_default(),
                    serde_json::to_string(&*record).unwrap_or_default()
                );
                events.push(Ok(Event::default().event("record").data(data)));
            }
            Some((stream::iter(events), (key, tap, cursor, attached)))
        },
    )
    .flatten()
}

#[cfg(test)]
mod tests {
    use newsflow_core::StageKey;

    fn stage_key(name: &str, known: &[StageKey]) -> Option<String> {
        super::stage_key(name, known).map(|key| key.to_string())
    }

    #[test]
    fn a_bare_name_means_the_one_stage_that_has_it() {
        let known: Vec<StageKey> = [
            "sources.news",
            "transforms.enrich",
            "sinks.enrich",
            "dead_letter",
        ]
        .map(|key| StageKey::parse(key).unwrap())
        .to_vec();
        assert_eq!(stage_key("news", &known).as_deref(), Some("sources.news"));
        assert_eq!(
            stage_key("dead_letter", &known).as_deref(),
            Some("dead_letter")
        );
        assert_eq!(
            stage_key("sinks.enrich", &known).as_deref(),
            Some("sinks.enrich")
        );
        // Two stages are called `enrich`: the key must say which.
        assert_eq!(stage_key("enrich", &known), None);
        assert_eq!(stage_key("nothing", &known), None);
    }
}
