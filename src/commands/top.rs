//! `newsflow top`: a terminal view of a running pipeline's stages (rates,
//! queue depths, failures), redrawn every second from the daemon's
//! `/api/events` stream.

use super::api_client::{Api, ApiArgs, Events};
use anyhow::Context;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};
use ratatui::Frame;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Arguments of `newsflow top`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    api: ApiArgs,
}

/// What the screen shows: the latest stats, or why there are none.
#[derive(Default)]
struct View {
    stats: Option<Value>,
    problem: Option<String>,
}

type Shared = Arc<Mutex<View>>;

/// Runs `newsflow top` until `q`, Esc or Ctrl-C.
pub fn run(args: Args) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    let api = Api::new(&args.api)?;
    // Connected before the terminal is taken, so a wrong address or token is
    // reported as plain text.
    let events = runtime.block_on(api.events("/api/events"))?;
    let view = Shared::default();
    runtime.spawn(follow(api, events, view.clone()));
    let mut terminal = ratatui::init();
    let shown = show(&mut terminal, &view);
    ratatui::restore();
    shown
}

/// Keeps `view` up to date from the stats stream, reconnecting each second
/// while the daemon is away.
async fn follow(api: Api, mut events: Events, view: Shared) {
    let set = |stats: Option<Value>, problem: Option<String>| {
        let mut view = view.lock().unwrap_or_else(|p| p.into_inner());
        if stats.is_some() {
            view.stats = stats;
        }
        view.problem = problem;
    };
    loop {
        match events.next().await {
            Ok(Some(event)) if event.name == "stats" => {
                set(serde_json::from_str(&event.data).ok(), None);
                continue;
            }
            Ok(Some(_)) => continue,
            Ok(None) => set(None, Some("the pipeline stopped; waiting for it".into())),
            Err(e) => set(None, Some(format!("{e:#}"))),
        }
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            match api.events("/api/events").await {
                Ok(again) => {
                    events = again;
                    break;
                }
                Err(e) => set(None, Some(format!("{e:#}"))),
            }
        }
    }
}

fn show(terminal: &mut ratatui::DefaultTerminal, view: &Shared) -> anyhow::Result<()> {
    loop {
        terminal.draw(|frame| draw(frame, &view.lock().unwrap_or_else(|p| p.into_inner())))?;
        if event::poll(Duration::from_secs(1))? {
            if let Event::Key(key) = event::read()? {
                let ctrl_c =
                    key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
                if ctrl_c || matches!(key.code, KeyCode::Char('q') | KeyCode::Esc) {
                    return Ok(());
                }
            }
        }
    }
}

fn draw(frame: &mut Frame, view: &View) {
    let [top, table] =
        Layout::vertical([Constraint::Length(3), Constraint::Fill(1)]).areas(frame.area());
    let stats = view.stats.as_ref();
    let state = match stats {
        Some(s) if s["draining"] == true => "draining".to_owned(),
        Some(s) if s["ready"] == true => "ready".to_owned(),
        Some(_) => "not ready".to_owned(),
        None => "waiting for stats".to_owned(),
    };
    let reloads = stats.map_or(String::new(), |s| {
        format!(
            " · reloads {} ({} refused)",
            s["reloads"], s["failed_reloads"]
        )
    });
    let line = match &view.problem {
        Some(problem) => problem.clone(),
        None => format!("{state}{reloads}"),
    };
    let header = Paragraph::new(line).block(Block::bordered().title(" newsflow top · q quits "));
    frame.render_widget(header, top);
    let heads = [
        "STAGE", "KIND", "READY", "IN/S", "OUT/S", "IN", "OUT", "FAILED", "QUEUE", "BACKLOG",
    ];
    let rows = stats
        .and_then(|s| s["stages"].as_array())
        .into_iter()
        .flatten()
        .map(stage_row);
    let widths = [
        Constraint::Fill(3),
        Constraint::Length(11),
        Constraint::Length(5),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Length(8),
        Constraint::Length(13),
        Constraint::Length(8),
    ];
    let table_widget = Table::new(rows, widths)
        .header(Row::new(heads).style(Style::new().add_modifier(Modifier::BOLD)))
        .block(Block::bordered());
    frame.render_widget(table_widget, table);
}

fn stage_row(stage: &Value) -> Row<'static> {
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    let rate = |v: &Value| v.as_f64().map_or("-".to_owned(), |r| format!("{r:.1}"));
    let queue = match &stage["queue"] {
        Value::Null => "-".to_owned(),
        q => format!("{}/{}", q["depth"], q["capacity"]),
    };
    let ready = stage["ready"] == true;
    let failed = stage["failed"].as_u64().unwrap_or(0);
    Row::new([
        Cell::from(text(&stage["key"])),
        Cell::from(text(&stage["kind"])),
        Cell::from(if ready { "yes" } else { "NO" }).style(Style::new().fg(if ready {
            Color::Green
        } else {
            Color::Red
        })),
        Cell::from(rate(&stage["in_per_sec"])),
        Cell::from(rate(&stage["out_per_sec"])),
        Cell::from(text(&stage["received"])),
        Cell::from(text(&stage["emitted"])),
        Cell::from(failed.to_string()).style(if failed > 0 {
            Style::new().fg(Color::Red)
        } else {
            Style::new()
        }),
        Cell::from(queue),
        Cell::from(text(&stage["backlog"])),
    ])
}
