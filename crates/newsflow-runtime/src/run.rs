//! Running a compiled pipeline: every stage its own task, joined by bounded
//! channels; stop on request and drain within a deadline; apply a reloaded
//! config by rebuilding only the stages whose tables changed.

use crate::api;
use crate::config::{ConfigError, ParsedConfig, Problem};
use crate::graph::Pipeline;
use crate::histogram::Histogram;
use crate::progress::ProgressDisplay;
use crate::stage_tasks::{sink_loop, transform_loop, Batching, Drains};
use crate::status::{StageSnapshot, Status};
use newsflow_core::{
    BoxError, BuildContext, ByteBudget, DeadLetterEvent, DeadLetters, Event, Misconfigured, Output,
    OutputHandle, Record, Sink, Source, SourceContext, StageCounters, StageKey, StageKind, Tap,
    Transform,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How to run.
#[derive(Debug, Default)]
pub struct RunOptions {
    /// Draw a progress bar on standard error.
    pub progress_bar: bool,
    /// Where the run shows its state while it goes (for `/metrics`, `/ready`).
    pub status: Status,
    /// New configs to apply while running (SIGHUP, a changed config file);
    /// one that did not compile is logged, counted and not applied.
    pub reloads: Option<mpsc::Receiver<Result<Pipeline, ConfigError>>>,
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// Per-stage counts at the end, sources first.
    pub stages: Vec<StageSnapshot>,
    /// The run was asked to stop before its sources were exhausted.
    pub stopped: bool,
    /// In-flight articles were abandoned because draining passed the deadline.
    pub drain_timed_out: bool,
    /// Stages that failed, with the reason (each was logged when it failed).
    pub errors: Vec<String>,
    /// A stage failed because its configuration is wrong
    /// ([`Misconfigured`]): restarting cannot help.
    pub misconfigured: bool,
}

impl RunReport {
    /// True when no stage failed and nothing was abandoned.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty() && !self.drain_timed_out
    }
}

/// Stages built and not yet started, with the context each was built with.
#[derive(Default)]
struct Built {
    sources: BTreeMap<String, (Box<dyn Source>, BuildContext)>,
    transforms: BTreeMap<String, (Arc<dyn Transform>, BuildContext)>,
    sinks: BTreeMap<String, (Box<dyn Sink>, BuildContext)>,
    dead_letter: Option<(Box<dyn Sink>, BuildContext)>,
}

/// Builds the stages whose key `wanted` accepts (opening files, binding
/// ports) before any of them runs, so a stage that cannot start never leaves
/// a half pipeline running; every failure is reported.
fn build(config: &ParsedConfig, wanted: &dyn Fn(&StageKey) -> bool) -> Result<Built, ConfigError> {
    let mut builder = Builder {
        config,
        wanted,
        problems: Vec::new(),
    };
    let built = Built {
        sources: builder.all(StageKind::Source, &config.sources, |s, cx| {
            s.config.build(cx)
        }),
        transforms: builder.all(StageKind::Transform, &config.transforms, |s, cx| {
            s.config.build(cx)
        }),
        sinks: builder.all(StageKind::Sink, &config.sinks, |s, cx| s.config.build(cx)),
        dead_letter: config
            .dead_letter
            .as_ref()
            .and_then(|spec| builder.one(StageKey::dead_letter(), |cx| spec.config.build(cx))),
    };
    if builder.problems.is_empty() {
        Ok(built)
    } else {
        Err(ConfigError {
            file: config.file.clone(),
            problems: builder.problems,
        })
    }
}

/// Builds the stages a run wants, collecting every failure.
struct Builder<'a> {
    config: &'a ParsedConfig,
    wanted: &'a dyn Fn(&StageKey) -> bool,
    problems: Vec<Problem>,
}

impl Builder<'_> {
    /// Each wanted stage of `kind` in `specs`, by name.
    fn all<S, T>(
        &mut self,
        kind: StageKind,
        specs: &BTreeMap<String, S>,
        make: impl Fn(&S, &BuildContext) -> Result<T, BoxError>,
    ) -> BTreeMap<String, (T, BuildContext)> {
        specs
            .iter()
            .filter_map(|(name, spec)| {
                let built = self.one(StageKey::new(kind, name.as_str()), |cx| make(spec, cx))?;
                Some((name.clone(), built))
            })
            .collect()
    }

    /// Stage `key`, when wanted and it builds.
    fn one<T>(
        &mut self,
        key: StageKey,
        make: impl FnOnce(&BuildContext) -> Result<T, BoxError>,
    ) -> Option<(T, BuildContext)> {
        if !(self.wanted)(&key) {
            return None;
        }
        let cx = BuildContext::new(key, self.config.runtime.state_dir.clone());
        match make(&cx) {
            Ok(stage) => Some((stage, cx)),
            Err(e) => {
                let problem = self.config.problem(&cx.key, format!("cannot start: {e}"));
                self.problems.push(problem);
                None
            }
        }
    }
}

/// How long `validate --build` gives a sink to start.
const START_CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// Builds every stage of `pipeline` (directories checked, files opened,
/// ports bound), checks the `[api]` address and token, and starts every
/// sink once (connecting, creating or migrating tables), without running
/// anything: what `run` would refuse at start, found first (`newsflow
/// validate --build`). A sink that cannot start
/// now, even for a reason `run` would wait out, is a problem here.
pub async fn check_build(pipeline: &Pipeline) -> Result<(), ConfigError> {
    let config = &pipeline.config;
    let mut built = build(config, &|_| true)?;
    let mut problems = Vec::new();
    if let Some(options) = &config.api {
        problems.extend(api::check(options, config).await);
    }
    let sinks = built.sinks.values_mut().chain(built.dead_letter.as_mut());
    for (sink, cx) in sinks {
        let message = match tokio::time::timeout(START_CHECK_TIMEOUT, sink.start()).await {
            Ok(Ok(())) => continue,
            Ok(Err(e)) => format!("cannot start: {e}"),
            Err(_) => format!("did not start within {} s", START_CHECK_TIMEOUT.as_secs()),
        };
        problems.push(config.problem(&cx.key, message));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ConfigError {
            file: config.file.clone(),
            problems,
        })
    }
}

/// The running graph: tasks, and the handles that let a reload re-wire it.
struct Graph {
    config: Option<ParsedConfig>,
    tasks: JoinSet<StageEnd>,
    /// The input channel of each transform and sink, by key. Weak, so a
    /// channel closes when the stages feeding it finish.
    inputs: BTreeMap<StageKey, mpsc::WeakSender<Event>>,
    /// The output of the current version of each source and transform, by name.
    outputs: BTreeMap<String, OutputHandle>,
    /// Outputs of replaced stages still draining, by the name they had.
    draining: Vec<(String, OutputHandle)>,
    source_stops: BTreeMap<String, CancellationToken>,
    /// Cancelled when a source's task returns, by name.
    source_done: BTreeMap<String, CancellationToken>,
    sources_stop: CancellationToken,
    dead_letters: mpsc::WeakSender<DeadLetterEvent>,
    counters: BTreeMap<StageKey, Arc<StageCounters>>,
    latencies: BTreeMap<StageKey, Arc<Histogram>>,
    status: Status,
    drains: Drains,
    /// The run's bytes of articles in flight, shared by every source.
    budget: ByteBudget,
    /// Whether stages keep what they pass on for observers (with `[api]`).
    observed: bool,
}

impl Graph {
    fn counters(&mut self, key: &StageKey) -> Arc<StageCounters> {
        // One set of counts per key, kept across reloads.
        self.counters.entry(key.clone()).or_default().clone()
    }

    fn latency(&mut self, key: &StageKey) -> Arc<Histogram> {
        self.latencies.entry(key.clone()).or_default().clone()
    }

    /// Shows the stage built with `cx` in the status, with its counts,
    /// latency and input queue (kept across reloads); returns the first two.
    fn register(&mut self, cx: &BuildContext) -> (Arc<StageCounters>, Arc<Histogram>) {
        let counters = self.counters(&cx.key);
        let latency = self.latency(&cx.key);
        let queue = self.inputs.get(&cx.key).cloned();
        self.status
            .put_stage(cx, counters.clone(), latency.clone(), queue);
        (counters, latency)
    }

    /// The tap observers read stage `key` from, when the run is observed.
    fn tap(&self, key: &StageKey) -> Option<Tap<Record>> {
        self.observed.then(|| self.status.tap_for(key))
    }

    /// `output`, keeping copies of what it passes on when the run is observed.
    fn observe(&self, output: Output, key: &StageKey) -> Output {
        match self.tap(key) {
            Some(tap) => output.observed_by(tap),
            None => output,
        }
    }

    /// Starts the stages in `built` as `config` describes them, replacing
    /// their running versions, and re-points every output at the readers the
    /// new config gives it.
    fn apply(
        &mut self,
        config: ParsedConfig,
        built: Built,
        dead_letters: &mpsc::Sender<DeadLetterEvent>,
    ) {
        let capacity = config.runtime.channel_capacity.max(1);
        let old_tables = self
            .config
            .as_ref()
            .map(|c| c.tables.clone())
            .unwrap_or_default();
        for key in old_tables
            .keys()
            .filter(|k| !config.tables.contains_key(*k))
        {
            self.status.remove_stage(key);
            self.inputs.remove(key);
            let name = key.name();
            match key.kind() {
                StageKind::Source => {
                    if let Some(stop) = self.source_stops.remove(name) {
                        stop.cancel();
                    }
                    self.outputs.remove(name);
                }
                StageKind::Transform => {
                    let named = format!("{name}.");
                    self.outputs
                        .retain(|output, _| output != name && !output.starts_with(&named));
                }
                StageKind::Sink | StageKind::DeadLetter => {}
            }
            tracing::info!(stage = %key, "stage removed");
        }

        // New channels first, held strongly until the outputs point at them.
        let mut fresh: BTreeMap<StageKey, mpsc::Sender<Event>> = BTreeMap::new();
        let mut receivers: BTreeMap<StageKey, mpsc::Receiver<Event>> = BTreeMap::new();
        for key in built
            .transforms
            .keys()
            .map(StageKey::transform)
            .chain(built.sinks.keys().map(StageKey::sink))
        {
            let (tx, rx) = mpsc::channel(capacity);
            self.inputs.insert(key.clone(), tx.downgrade());
            fresh.insert(key.clone(), tx);
            receivers.insert(key, rx);
        }
        let mut transform_outputs = BTreeMap::new();
        for name in built.transforms.keys() {
            let key = StageKey::transform(name);
            // Its own output, then one per named output (`route.english`),
            // each re-pointed by the name readers give it.
            let named = config.transforms[name].config.outputs();
            let mut outputs = Vec::with_capacity(1 + named.len());
            for output_name in std::iter::once(name.clone())
                .chain(named.iter().map(|output| format!("{name}.{output}")))
            {
                let output =
                    Output::new(Vec::new(), self.counters(&key)).growing_in(self.budget.clone());
                // All of a transform's outputs feed its one tap.
                let output = self.observe(output, &key);
                if let Some(old) = self.outputs.insert(output_name.clone(), output.handle()) {
                    self.draining.push((output_name, old));
                }
                outputs.push(output);
            }
            transform_outputs.insert(name.clone(), outputs);
        }
        let mut source_outputs = BTreeMap::new();
        for name in built.sources.keys() {
            let key = StageKey::source(name);
            let output =
                Output::new(Vec::new(), self.counters(&key)).admitting_into(self.budget.clone());
            let output = self.observe(output, &key);
            if let Some(old) = self.outputs.insert(name.clone(), output.handle()) {
                self.draining.push((name.clone(), old));
            }
            if let Some(stop) = self.source_stops.remove(name) {
                // The replaced source stops; the new one resumes from its checkpoint.
                stop.cancel();
            }
            source_outputs.insert(name.clone(), output);
        }

        self.status.set_topology(&config);
        self.config = Some(config);
        self.repoint(&fresh);
        self.spawn_rest(
            built,
            receivers,
            transform_outputs,
            source_outputs,
            dead_letters,
        );
        drop(fresh);
    }

    /// Spawns the built sinks, transforms and sources, in that order, so
    /// every reader runs before anything is sent to it.
    fn spawn_rest(
        &mut self,
        built: Built,
        mut receivers: BTreeMap<StageKey, mpsc::Receiver<Event>>,
        mut transform_outputs: BTreeMap<String, Vec<Output>>,
        mut source_outputs: BTreeMap<String, Output>,
        dead_tx: &mpsc::Sender<DeadLetterEvent>,
    ) {
        let config = self.config.take().expect("applied config");
        for (name, (sink, cx)) in built.sinks {
            let (counters, latency) = self.register(&cx);
            let key = cx.key;
            let rx = receivers.remove(&key).expect("a channel per sink");
            let tap = self.tap(&key);
            let rejects = (
                name.clone(),
                DeadLetters::new(dead_tx.clone(), counters.clone()),
            );
            self.tasks.spawn(labelled(
                key,
                sink_loop(
                    sink,
                    rx,
                    Batching::of(&config.sinks[&name]),
                    counters,
                    latency,
                    Some(rejects),
                    self.drains.clone(),
                    tap,
                ),
            ));
        }
        for (name, (transform, cx)) in built.transforms {
            let (counters, latency) = self.register(&cx);
            let key = cx.key;
            let rx = receivers.remove(&key).expect("a channel per transform");
            let mut named = transform_outputs
                .remove(&name)
                .expect("an output per transform");
            let out = named.remove(0);
            let dead_letters = DeadLetters::new(dead_tx.clone(), counters.clone());
            let concurrency = config.transforms[&name].concurrency;
            self.tasks.spawn(labelled(
                key,
                transform_loop(
                    name,
                    transform,
                    rx,
                    concurrency,
                    out,
                    named,
                    dead_letters,
                    counters,
                    latency,
                ),
            ));
        }
        for (name, (source, cx)) in built.sources {
            let (counters, _) = self.register(&cx);
            let key = cx.key;
            let stop = self.sources_stop.child_token();
            self.source_stops.insert(name.clone(), stop.clone());
            let source_cx = SourceContext {
                name: name.clone(),
                out: source_outputs.remove(&name).expect("an output per source"),
                dead_letters: DeadLetters::new(dead_tx.clone(), counters),
                shutdown: stop,
            };
            let done = CancellationToken::new();
            self.source_done.insert(name.clone(), done.clone());
            self.tasks.spawn(labelled(key, async move {
                let ended = source.run(source_cx).await;
                done.cancel();
                ended
            }));
        }
        self.config = Some(config);
    }

    /// Points every output (current and draining) at the channels of the
    /// stages that read it in the current config.
    fn repoint(&mut self, fresh: &BTreeMap<StageKey, mpsc::Sender<Event>>) {
        let config = self.config.as_ref().expect("a config");
        let mut readers: BTreeMap<&str, Vec<mpsc::Sender<Event>>> = BTreeMap::new();
        for (key, inputs) in config.readers() {
            let channel = fresh
                .get(&key)
                .cloned()
                .or_else(|| self.inputs.get(&key).and_then(mpsc::WeakSender::upgrade));
            let Some(channel) = channel else { continue };
            for input in inputs {
                readers
                    .entry(input.as_str())
                    .or_default()
                    .push(channel.clone());
            }
        }
        for (name, handle) in &self.outputs {
            handle.set_readers(readers.get(name.as_str()).cloned().unwrap_or_default());
        }
        // A replaced stage's in-flight articles go where its successor's go;
        // a removed stage keeps its old readers until it has drained.
        self.draining
            .retain(|(name, handle)| match readers.get(name.as_str()) {
                Some(to) => handle.set_readers(to.clone()),
                None => true,
            });
    }

    /// Applies a new config: rebuilds the stages whose tables changed (or
    /// are new), removes the ones that went, leaves the rest running.
    async fn reload(&mut self, pipeline: Pipeline) {
        let mut new = pipeline.config;
        let old = self.config.as_ref().expect("a running config");
        let dead_letter = StageKey::dead_letter();
        for (what, changed) in [
            ("[runtime]", old.runtime != new.runtime),
            ("[api]", old.api != new.api),
            (
                "[dead_letter]",
                old.tables.get(&dead_letter) != new.tables.get(&dead_letter),
            ),
        ] {
            if changed {
                tracing::warn!("{what} changed: it takes effect at the next start, not on reload");
            }
        }
        // What only a restart changes stays as running, so rebuilt stages
        // share the running state directory and channel sizes, and later
        // reloads compare with what runs.
        new.runtime = old.runtime.clone();
        new.api = old.api.clone();
        match old.tables.get(&dead_letter) {
            Some(table) => drop(new.tables.insert(dead_letter.clone(), table.clone())),
            None => drop(new.tables.remove(&dead_letter)),
        }
        let changed: BTreeSet<StageKey> = new
            .tables
            .iter()
            .filter(|(key, table)| **key != dead_letter && old.tables.get(*key) != Some(*table))
            .map(|(key, _)| key.clone())
            .collect();
        let removed: Vec<String> = old
            .tables
            .keys()
            .filter(|k| !new.tables.contains_key(*k))
            .map(StageKey::to_string)
            .collect();
        if !removed.is_empty() {
            tracing::warn!(stages = ?removed, "the reload removes stages: they drain what they hold, then stop");
        }
        let removed = removed.len();
        let is_source = |key: &StageKey| key.kind() == StageKind::Source;
        let mut built = match build(&new, &|key| changed.contains(key) && !is_source(key)) {
            Ok(built) => built,
            Err(e) => return self.refuse(&e.to_string()),
        };
        let Some(dead_tx) = self.dead_letters.upgrade() else {
            return self.refuse("the pipeline is shutting down");
        };
        // Every channel stays open until the new stages are wired in, even
        // if the stages feeding it stop meanwhile.
        let keep_open: Vec<mpsc::Sender<Event>> = self
            .inputs
            .values()
            .filter_map(mpsc::WeakSender::upgrade)
            .collect();
        // A source may hold what its successor needs (a listening port, a
        // consumer): stop the old version before building the new one.
        let restarted: BTreeSet<&StageKey> = changed.iter().filter(|k| is_source(k)).collect();
        for key in &restarted {
            self.stop_source(key.name()).await;
        }
        match build(&new, &|key| restarted.contains(key)) {
            Ok(sources) => built.sources = sources.sources,
            Err(e) => {
                // Better the old version than none: start it again.
                tracing::error!(
                    "a changed source cannot start; it runs on with its old config:\n{e}"
                );
                let old = self.config.as_ref().expect("a running config");
                let failed: BTreeSet<&StageKey> = restarted
                    .iter()
                    .copied()
                    .filter(|key| e.problems.iter().any(|p| p.key == key.to_string()))
                    .collect();
                if let Ok(again) = build(old, &|key| failed.contains(key)) {
                    built.sources.extend(again.sources);
                }
                if let Ok(rest) = build(&new, &|key| {
                    restarted.contains(key) && !failed.contains(key)
                }) {
                    built.sources.extend(rest.sources);
                }
                for key in failed {
                    match old.tables.get(key) {
                        Some(table) => drop(new.tables.insert(key.clone(), table.clone())),
                        None => drop(new.tables.remove(key)),
                    }
                }
                self.status.reloaded(false);
            }
        }
        tracing::info!(rebuilt = changed.len(), removed, stages = ?changed, "config reloaded");
        self.apply(new, built, &dead_tx);
        drop(keep_open);
        self.status.reloaded(true);
    }

    /// Logs a reload that was not applied, and counts it.
    fn refuse(&self, why: &str) {
        tracing::error!("reload refused, the running pipeline is unchanged:\n{why}");
        self.status.reloaded(false);
    }

    /// Stops a running source and waits (up to 30 s) until it has returned.
    async fn stop_source(&mut self, name: &str) {
        if let Some(stop) = self.source_stops.remove(name) {
            stop.cancel();
        }
        if let Some(done) = self.source_done.remove(name) {
            if tokio::time::timeout(Duration::from_secs(30), done.cancelled())
                .await
                .is_err()
            {
                tracing::warn!(
                    source = name,
                    "the old source has not stopped after 30 s; starting the new one anyway"
                );
            }
        }
    }
}

/// Builds and runs `pipeline` until its sources are exhausted, or until
/// `stop` is cancelled and in-flight articles have drained (or the
/// `[runtime] shutdown_timeout_secs` deadline passed). Configs received on
/// `options.reloads` are applied as they come.
pub async fn run(
    pipeline: Pipeline,
    stop: CancellationToken,
    mut options: RunOptions,
) -> Result<RunReport, ConfigError> {
    let config = pipeline.config;
    let built = build(&config, &|_| true)?;
    let status = options.status.clone();
    let api = match &config.api {
        Some(api) => Some(api::serve(api, status.clone(), &config).await?),
        None => None,
    };
    status.started();
    let timeout = Duration::from_secs(config.runtime.shutdown_timeout_secs);
    let mut built = built;
    let (dead_sink, dead_cx) = built
        .dead_letter
        .take()
        .expect("compiled configs have a dead-letter sink");
    let dead_spec = config
        .dead_letter
        .as_ref()
        .expect("compiled configs have a dead-letter sink");
    let (dead_tx, dead_rx) = mpsc::channel(config.runtime.channel_capacity.max(1));
    let dead_batching = Batching::of(dead_spec);
    let (drains, mut drained) = mpsc::channel::<()>(1);
    let mut graph = Graph {
        config: None,
        tasks: JoinSet::new(),
        inputs: BTreeMap::new(),
        outputs: BTreeMap::new(),
        draining: Vec::new(),
        source_stops: BTreeMap::new(),
        source_done: BTreeMap::new(),
        sources_stop: stop.child_token(),
        dead_letters: dead_tx.downgrade(),
        counters: BTreeMap::new(),
        latencies: BTreeMap::new(),
        status: status.clone(),
        drains: Drains::new(drains),
        budget: ByteBudget::new(config.runtime.max_in_flight_bytes.get()),
        observed: api.is_some(),
    };
    // The dead-letter sink runs until every stage has dropped its sender.
    let (counters, latency) = graph.register(&dead_cx);
    graph.tasks.spawn(labelled(
        dead_cx.key.clone(),
        sink_loop(
            dead_sink,
            dead_rx,
            dead_batching,
            counters,
            latency,
            None,
            graph.drains.clone(),
            graph.tap(&dead_cx.key),
        ),
    ));
    graph.apply(config, built, &dead_tx);
    drop(dead_tx);

    let display = options
        .progress_bar
        .then(|| ProgressDisplay::start(status.clone()));
    let mut report = RunReport {
        stages: Vec::new(),
        stopped: false,
        drain_timed_out: false,
        errors: Vec::new(),
        misconfigured: false,
    };
    let mut deadline: Option<Instant> = None;
    enum Next {
        Joined(Option<Result<StageEnd, tokio::task::JoinError>>),
        Stop,
        Deadline,
        Reload(Option<Box<Result<Pipeline, ConfigError>>>),
    }
    loop {
        let next = tokio::select! {
            joined = graph.tasks.join_next() => Next::Joined(joined),
            _ = stop.cancelled(), if deadline.is_none() => Next::Stop,
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() && !report.drain_timed_out => Next::Deadline,
            pipeline = next_reload(&mut options.reloads), if deadline.is_none() => Next::Reload(pipeline.map(Box::new)),
        };
        match next {
            Next::Joined(None) => break,
            Next::Joined(Some(Ok((label, Ok(()))))) => {
                tracing::debug!(stage = %label, "stage finished")
            }
            Next::Joined(Some(Ok((label, Err(e))))) => {
                report.misconfigured |= e.is::<Misconfigured>();
                report.errors.push(format!("{label}: {e}"));
                if deadline.is_none() {
                    // A broken stage would leave the rest running but useless:
                    // stop everything so a supervisor can restart the process.
                    tracing::error!(stage = %label, error = %e, "stopping the pipeline because a stage failed");
                    status.set_draining();
                    graph.sources_stop.cancel();
                    deadline = Some(Instant::now() + timeout);
                } else {
                    tracing::error!(stage = %label, error = %e, "stage failed");
                }
            }
            Next::Joined(Some(Err(e))) if e.is_cancelled() => {}
            Next::Joined(Some(Err(e))) => {
                tracing::error!(error = %e, "a stage panicked");
                report.errors.push(format!("a stage panicked: {e}"))
            }
            Next::Stop => {
                tracing::info!(
                    timeout_secs = timeout.as_secs(),
                    "stopping: sources closed, draining in-flight articles"
                );
                report.stopped = true;
                status.set_draining();
                graph.sources_stop.cancel();
                deadline = Some(Instant::now() + timeout);
            }
            Next::Deadline => {
                tracing::warn!("draining passed the deadline; abandoning in-flight articles (they are not acknowledged)");
                report.drain_timed_out = true;
                graph.tasks.abort_all();
            }
            Next::Reload(Some(reloaded)) => match *reloaded {
                Ok(pipeline) => graph.reload(pipeline).await,
                Err(e) => graph.refuse(&e.to_string()),
            },
            Next::Reload(None) => options.reloads = None,
        }
    }
    // Every stage has ended; what is left in a failed sink's input drains
    // now, counted (drains exist only after a failure, so with a deadline).
    drop(graph);
    let drained = async { while drained.recv().await.is_some() {} };
    let _ = tokio::time::timeout_at(deadline.unwrap_or_else(Instant::now), drained).await;
    status.stopped();
    report.stages = status.snapshot();
    if let Some(display) = display {
        display.finish();
    }
    if let Some(api) = api {
        api.stop().await;
    }
    Ok(report)
}

/// The next config to apply; pending forever when there is no reload channel.
async fn next_reload(
    reloads: &mut Option<mpsc::Receiver<Result<Pipeline, ConfigError>>>,
) -> Option<Result<Pipeline, ConfigError>> {
    match reloads {
        Some(reloads) => reloads.recv().await,
        None => std::future::pending().await,
    }
}

/// A stage task's end: its config key and how it ended.
type StageEnd = (StageKey, Result<(), BoxError>);

async fn labelled(
    label: StageKey,
    task: impl std::future::Future<Output = Result<(), BoxError>>,
) -> StageEnd {
    (label, task.await)
}
