//! `newsflow tap`: prints what leaves stages of a running pipeline as JSON
//! Lines, read from the daemon's `/api/tap` (the same bounded buffer the
//! page reads, so it never takes part in delivery).

use super::api_client::{Api, ApiArgs};
use anyhow::Context;
use serde_json::{Map, Value};
use std::io::Write;

/// Arguments of `newsflow tap`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    api: ApiArgs,
    /// Stage keys to watch (`transforms.enrich`, `sinks.out`, `dead_letter`);
    /// every sink when none is named.
    stages: Vec<String>,
    /// Print only these top-level fields of each record (`id,title,figures`).
    #[arg(long, value_delimiter = ',')]
    fields: Vec<String>,
    /// Stop after this many records.
    #[arg(long)]
    limit: Option<u64>,
}

/// Runs `newsflow tap`.
pub fn run(args: Args) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?
        .block_on(tap(args))
}

async fn tap(args: Args) -> anyhow::Result<()> {
    let api = Api::new(&args.api)?;
    let stages = if args.stages.is_empty() {
        sinks(&api).await?
    } else {
        args.stages.clone()
    };
    let query = serde_urlencoded::to_string([("stage", stages.join(","))])?;
    let mut events = api.events(&format!("/api/tap?{query}")).await?;
    eprintln!("tapping {} (Ctrl-C stops)", stages.join(", "));
    let mut printed = 0;
    while args.limit.is_none_or(|limit| printed < limit) {
        let Some(event) = events.next().await? else {
            eprintln!("the pipeline stopped");
            return Ok(());
        };
        let data: Value = serde_json::from_str(&event.data)
            .with_context(|| format!("the API sent an event that is not JSON: {}", event.data))?;
        match event.name.as_str() {
            "record" => {
                let line = select(&data["record"], &args.fields).to_string() + "\n";
                let mut out = std::io::stdout().lock();
                match out.write_all(line.as_bytes()).and_then(|()| out.flush()) {
                    // The reader went away (`newsflow tap | head`): done.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
                    written => written.context("cannot write to standard output")?,
                }
                printed += 1;
            }
            "skipped" => eprintln!(
                "{} records at {} went by while this reader was behind",
                data["skipped"], data["stage"]
            ),
            _ => {}
        }
    }
    Ok(())
}

/// Every sink of the running pipeline.
async fn sinks(api: &Api) -> anyhow::Result<Vec<String>> {
    let topology: Value = api.get("/api/topology").await?.json().await?;
    let nodes = topology["nodes"].as_array().cloned().unwrap_or_default();
    Ok(nodes
        .iter()
        .filter(|n| n["kind"] == "sink")
        .filter_map(|n| n["key"].as_str().map(str::to_owned))
        .collect())
}

/// `record` with only `fields` (all of it when none are named).
fn select(record: &Value, fields: &[String]) -> Value {
    match record {
        Value::Object(object) if !fields.is_empty() => Value::Object(
            fields
                .iter()
                .filter_map(|f| Some((f.clone(), object.get(f)?.clone())))
                .collect::<Map<String, Value>>(),
        ),
        other => other.clone(),
    }
}
