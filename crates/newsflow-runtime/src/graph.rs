//! Checking a parsed config as a graph before anything runs: every input
//! names a stage, nothing is unread, there are no cycles.

use crate::config::{ConfigError, ParsedConfig, Problem};
use newsflow_core::{StageKey, StageKind};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// A config that parsed and whose graph holds together: ready to build and run.
#[derive(Debug)]
pub struct Pipeline {
    pub(crate) config: ParsedConfig,
}

impl Pipeline {
    /// The checked config.
    pub fn config(&self) -> &ParsedConfig {
        &self.config
    }

    /// The topology, one stage a line: `sources -> transforms -> sinks`.
    pub fn describe(&self) -> String {
        let c = &self.config;
        let mut out = String::new();
        let _ = writeln!(out, "{}: the pipeline is valid", c.file.display());
        for stage in c.stages() {
            let (kind, name, type_name) = (stage.key.kind(), stage.key.name(), stage.type_name);
            let _ = match kind {
                StageKind::Source => writeln!(out, "  {:<11}{name} ({type_name})", kind.as_str()),
                StageKind::Transform | StageKind::Sink => writeln!(
                    out,
                    "  {:<11}{name} ({type_name}) <- {}",
                    kind.as_str(),
                    stage.inputs.join(", ")
                ),
                StageKind::DeadLetter => {
                    writeln!(out, "  dead letter ({type_name}) <- every stage")
                }
            };
        }
        out
    }
}

/// Checks the graph of a parsed config.
pub fn compile(mut config: ParsedConfig) -> Result<Pipeline, ConfigError> {
    let mut problems = std::mem::take(&mut config.deferred);
    let mut problem = |key: String, message: String| {
        let line = config.line_of(&key);
        problems.push(Problem { key, line, message });
    };

    if config.sources.is_empty() {
        problem(
            "sources".into(),
            "no sources: add a [sources.NAME] table".into(),
        );
    }
    if config.sinks.is_empty() {
        problem(
            "sinks".into(),
            "no sinks: add a [sinks.NAME] table with `inputs`".into(),
        );
    }
    for name in config.transforms.keys().chain(config.sinks.keys()) {
        if config.sources.contains_key(name) {
            problem(
                StageKey::source(name).to_string(),
                "this name is used by another stage too; stage names must be unique".into(),
            );
        }
    }
    for name in config.sinks.keys() {
        if config.transforms.contains_key(name) {
            problem(
                StageKey::transform(name).to_string(),
                "this name is used by a sink too; stage names must be unique".into(),
            );
        }
    }

    // What a stage may name in `inputs`: sources, transforms, and the
    // outputs of transforms that have them (`route.english`) in their stead.
    let outputs: BTreeMap<&str, Vec<String>> = config
        .transforms
        .iter()
        .map(|(name, spec)| (name.as_str(), spec.config.outputs()))
        .filter(|(_, outputs)| !outputs.is_empty())
        .map(|(name, outputs)| {
            let inputs = outputs.iter().map(|o| format!("{name}.{o}")).collect();
            (name, inputs)
        })
        .collect();
    let readable: BTreeSet<&str> = config
        .sources
        .keys()
        .chain(config.transforms.keys())
        .map(String::as_str)
        .filter(|name| !outputs.contains_key(name))
        .chain(outputs.values().flatten().map(String::as_str))
        .collect();
    let known = readable.iter().copied().collect::<Vec<_>>().join(", ");
    let mut read: BTreeSet<&str> = BTreeSet::new();
    for (key, inputs) in config.readers() {
        if inputs.is_empty() {
            problem(
                key.field("inputs"),
                "no inputs: name the sources or transforms it reads".into(),
            );
        }
        let mut seen = BTreeSet::new();
        for input in inputs {
            if !seen.insert(input) {
                problem(key.field("inputs"), format!("`{input}` is listed twice"));
            } else if readable.contains(input.as_str()) {
                read.insert(input);
            } else if let Some(named) = outputs.get(input.as_str()) {
                problem(
                    key.field("inputs"),
                    format!(
                        "`{input}` sends its articles to named outputs: read one of {}",
                        named.join(", ")
                    ),
                );
            } else if config.sinks.contains_key(input) {
                problem(
                    key.field("inputs"),
                    format!("`{input}` is a sink; sinks cannot be read"),
                );
            } else {
                problem(
                    key.field("inputs"),
                    format!("`{input}` names no source or transform; known: {known}"),
                );
            }
        }
    }
    for (stage, named) in &outputs {
        // A route is read when any of its outputs is; an output nothing
        // reads drops its articles.
        if !named.iter().any(|o| read.contains(o.as_str())) {
            problem(
                StageKey::transform(*stage).to_string(),
                format!(
                    "nothing reads this stage: add one of its outputs ({}) to some stage's `inputs`, or remove it",
                    named.join(", ")
                ),
            );
        }
    }
    for name in config.sources.keys().chain(config.transforms.keys()) {
        let name = name.as_str();
        if outputs.contains_key(name) {
            continue;
        }
        if let Some(key) = config.stage_of(name).filter(|_| !read.contains(name)) {
            problem(
                key.to_string(),
                "nothing reads this stage: add it to some stage's `inputs`, or remove it".into(),
            );
        }
    }
    if let Some(cycle) = find_cycle(&config) {
        problem(
            StageKey::transform(&cycle[0]).field("inputs"),
            format!("the transforms form a cycle: {}", cycle.join(" -> ")),
        );
    }

    for (key, sources) in overwrites_behind_checkpoints(&config) {
        problem(
            key.field("mode"),
            format!(
                "mode = \"overwrite\" behind {}, which remembers what it delivered: a restart or reload would empty the output while the checkpoint says delivered, and those articles would never come again; use mode = \"append\"",
                sources.join(", ")
            ),
        );
    }

    if problems.is_empty() {
        Ok(Pipeline { config })
    } else {
        Err(ConfigError {
            file: config.file.clone(),
            problems,
        })
    }
}

/// Sinks that empty their output at start, each with the checkpointing
/// sources upstream of it (every source, for the dead-letter sink).
fn overwrites_behind_checkpoints(config: &ParsedConfig) -> Vec<(StageKey, Vec<String>)> {
    let checkpointing = |names: &mut dyn Iterator<Item = &String>| -> Vec<String> {
        names
            .filter(|name| {
                config
                    .sources
                    .get(*name)
                    .is_some_and(|s| s.config.checkpoints())
            })
            .map(|name| StageKey::source(name).to_string())
            .collect()
    };
    let mut found = Vec::new();
    for (name, spec) in &config.sinks {
        if !spec.config.overwrites() {
            continue;
        }
        // Walk up through the transforms to the sources.
        let mut seen: BTreeSet<&String> = BTreeSet::new();
        let mut stack: Vec<&String> = spec.inputs.iter().collect();
        while let Some(input) = stack.pop() {
            if seen.insert(input) {
                if let Some(name) = config.transform_of(input) {
                    stack.extend(&config.transforms[name].inputs);
                }
            }
        }
        let sources = checkpointing(&mut seen.into_iter());
        if !sources.is_empty() {
            found.push((StageKey::sink(name), sources));
        }
    }
    if config
        .dead_letter
        .as_ref()
        .is_some_and(|s| s.config.overwrites())
    {
        let sources = checkpointing(&mut config.sources.keys());
        if !sources.is_empty() {
            found.push((StageKey::dead_letter(), sources));
        }
    }
    found
}

/// A cycle among transforms, as the list of names around it (first repeated
/// at the end), found by depth-first search.
fn find_cycle(config: &ParsedConfig) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit<'a>(
        name: &'a str,
        edges: &BTreeMap<&'a str, Vec<&'a str>>,
        marks: &mut BTreeMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match marks.get(name) {
            Some(Mark::Done) => return None,
            Some(Mark::Visiting) => {
                let start = path.iter().position(|n| *n == name).unwrap_or(0);
                let mut cycle: Vec<String> = path[start..].iter().map(|n| n.to_string()).collect();
                cycle.push(name.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(name, Mark::Visiting);
        path.push(name);
        for next in edges.get(name).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, marks, path) {
                return Some(cycle);
            }
        }
        path.pop();
        marks.insert(name, Mark::Done);
        None
    }

    // Edges from a transform to the transforms it reads.
    let edges: BTreeMap<&str, Vec<&str>> = config
        .transforms
        .iter()
        .map(|(name, spec)| {
            let inputs = spec
                .inputs
                .iter()
                .filter_map(|i| config.transform_of(i))
                .collect();
            (name.as_str(), inputs)
        })
        .collect();
    let mut marks = BTreeMap::new();
    for name in edges.keys() {
        if let Some(cycle) = visit(name, &edges, &mut marks, &mut Vec::new()) {
            return Some(cycle);
        }
    }
    None
}
