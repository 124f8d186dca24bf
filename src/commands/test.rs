//! `newsflow test`: config unit tests, in the spirit of `vector test`.
//!
//! Tests are `[[tests]]` tables in the config, or in `NAME.tests.toml`
//! beside it, or in files named on the command line. Each feeds articles in
//! at a stage and checks what comes out of a stage, running the config's
//! transforms in memory: no source reads and no sink writes.
//!
//! ```toml
//! [[tests]]
//! name = "a killed count is a figure"
//! insert_at = "fixtures"              # a source or a transform
//! [[tests.articles]]
//! id = "t1"
//! body = "At least 12 people were killed."
//! [[tests.expect]]
//! from = "enrich"
//! figure = { value = 12, event = "killed" }
//! ```

use crate::logging::LogFormat;
use newsflow_core::{Article, BuildContext, Route, StageKey, Transform};
use newsflow_runtime::{ConfigError, ParsedConfig, Problem};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `newsflow test`.
#[derive(clap::Args)]
pub struct Args {
    /// The pipeline config; its `[[tests]]`, and those of `NAME.tests.toml`
    /// beside it, are run.
    #[arg(long, short, default_value = "pipeline.toml")]
    config: PathBuf,
    /// More files of `[[tests]]` to run against the config.
    files: Vec<PathBuf>,
}

/// One `[[tests]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestCase {
    name: String,
    /// The stage whose output the articles stand for (a source), or that
    /// takes them in (a transform).
    insert_at: String,
    articles: Vec<Value>,
    expect: Vec<Expectation>,
}

/// One condition on what comes out of a stage.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectation {
    /// The stage whose output is checked.
    from: String,
    /// An entity with these fields (`name`, `type`) is present.
    entity: Option<Map<String, Value>>,
    /// A figure with these fields (`value`, `kind`, `event`, ...) is present.
    figure: Option<Map<String, Value>>,
    /// No article that came out has a figure.
    #[serde(default)]
    no_figures: bool,
    /// No article that came out has an entity.
    #[serde(default)]
    no_entities: bool,
    /// A dead letter whose reason contains this text.
    dead_letter: Option<String>,
    /// The ids of the articles that came out, exactly (in any order).
    ids: Option<Vec<String>>,
    /// An article with these fields (`id`, `duplicate_of`, ...) came out.
    article: Option<Map<String, Value>>,
}

/// Runs every test and prints pass or fail for each, with what was found
/// when it fails; exit 0 when all pass, 1 when one fails, 78 when the config
/// or a test cannot be read.
pub fn run(args: Args, log_format: LogFormat) -> ExitCode {
    let registry = newsflow_stages::registry();
    let loaded = newsflow_runtime::load(&args.config, &registry).and_then(|config| {
        let mut tests = read_tests(&config.file, &config.tests)?;
        let beside = args.config.with_extension("tests.toml");
        let extra = beside
            .exists()
            .then_some(beside)
            .into_iter()
            .chain(args.files.clone());
        for file in extra {
            tests.extend(read_file(&file)?);
        }
        // Checks the graph (inputs, cycles) too: tests run what `run` would.
        let pipeline = newsflow_runtime::compile(config)?;
        Ok((pipeline, tests))
    });
    let (pipeline, tests) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => {
            crate::logging::config_error(log_format, &e);
            return ExitCode::from(super::EXIT_CONFIG);
        }
    };
    if tests.is_empty() {
        crate::logging::fatal(
            log_format,
            format!("{}: no [[tests]] to run", args.config.display()),
        );
        return ExitCode::from(super::EXIT_CONFIG);
    }
    let config = pipeline.config();
    let mut report = String::new();
    let mut failed = 0;
    for (file, index, test) in &tests {
        // Built afresh for each test, with a state directory of its own,
        // so a stage that remembers (dedup) starts every test empty.
        let built = tempfile::tempdir()
            .map_err(|e| {
                problem(
                    &config.file,
                    "",
                    format!("cannot make a state directory: {e}"),
                )
            })
            .and_then(|state| Ok((build_transforms(config, state.path())?, state)));
        let (transforms, _state) = match built {
            Ok(built) => built,
            Err(e) => {
                crate::logging::config_error(log_format, &e);
                return ExitCode::from(super::EXIT_CONFIG);
            }
        };
        match run_one(config, &transforms, test) {
            Ok(()) => report.push_str(&format!("PASS {}\n", test.name)),
            Err(why) => {
                failed += 1;
                report.push_str(&format!(
                    "FAIL {} ({}: tests[{index}])\n{why}",
                    test.name,
                    file.display()
                ));
            }
        }
    }
    report.push_str(&format!(
        "{} passed, {failed} failed\n",
        tests.len() - failed
    ));
    let printed = super::print_and_exit(&report, log_format);
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        printed
    }
}

type Located = (PathBuf, usize, TestCase);

fn read_tests(file: &Path, tables: &[Value]) -> Result<Vec<Located>, ConfigError> {
    tables
        .iter()
        .enumerate()
        .map(|(index, table)| {
            serde_path_to_error::deserialize(table.clone())
                .map(|test| (file.to_owned(), index, test))
                .map_err(|e| {
                    problem(
                        file,
                        &format!("tests[{index}].{}", e.path()),
                        e.into_inner(),
                    )
                })
        })
        .collect()
}

fn read_file(file: &Path) -> Result<Vec<Located>, ConfigError> {
    read_tests(file, &newsflow_runtime::load_tests(file)?)
}

fn problem(file: &Path, key: &str, message: impl ToString) -> ConfigError {
    ConfigError {
        file: file.to_owned(),
        problems: vec![Problem {
            key: key.trim_end_matches(".").to_owned(),
            line: None,
            message: message.to_string(),
        }],
    }
}

fn build_transforms(
    config: &ParsedConfig,
    state: &Path,
) -> Result<BTreeMap<String, Arc<dyn Transform>>, ConfigError> {
    let mut built = BTreeMap::new();
    for (name, spec) in &config.transforms {
        let key = StageKey::transform(name);
        let transform = spec
            .config
            .build(&BuildContext::new(key.clone(), state))
            .map_err(|e| problem(&config.file, &key.to_string(), format!("cannot start: {e}")))?;
        built.insert(name.clone(), transform);
    }
    Ok(built)
}

/// What came out of each stage: articles, and the reasons of dead letters.
#[derive(Default)]
struct Outputs {
    articles: BTreeMap<String, Vec<Article>>,
    dead: BTreeMap<String, Vec<String>>,
}

fn run_one(
    config: &ParsedConfig,
    transforms: &BTreeMap<String, Arc<dyn Transform>>,
    test: &TestCase,
) -> Result<(), String> {
    let is_source = config.sources.contains_key(&test.insert_at);
    if !is_source && !transforms.contains_key(&test.insert_at) {
        return Err(format!(
            "  insert_at: `{}` is no source or transform of the config\n",
            test.insert_at
        ));
    }
    let mut out = Outputs::default();
    // The articles as the stage at `insert_at` receives (or, a source, emits) them.
    let mut incoming = Vec::new();
    for value in &test.articles {
        match Article::from_value(value.clone()) {
            Ok(article) => incoming.push(article),
            Err(e) => out
                .dead
                .entry(test.insert_at.clone())
                .or_default()
                .push(e.to_string()),
        }
    }
    if is_source {
        out.articles.insert(test.insert_at.clone(), incoming);
    } else {
        apply(
            config,
            &test.insert_at,
            &transforms[&test.insert_at],
            incoming,
            &mut out,
        );
    }
    // Every transform downstream, once all it reads is known.
    let mut pending: Vec<&String> = config
        .transforms
        .keys()
        .filter(|name| **name != test.insert_at)
        .collect();
    loop {
        let ready = pending.iter().position(|name| {
            let inputs = &config.transforms[*name].inputs;
            inputs.iter().any(|i| out.articles.contains_key(i))
                && inputs
                    .iter()
                    .all(|i| out.articles.contains_key(i) || !reaches(config, &test.insert_at, i))
        });
        let Some(at) = ready else { break };
        let name = pending.remove(at);
        let input: Vec<Article> = config.transforms[name]
            .inputs
            .iter()
            .flat_map(|i| out.articles.get(i).cloned().unwrap_or_default())
            .collect();
        apply(config, name, &transforms[name], input, &mut out);
    }
    let mut failures = String::new();
    for expectation in &test.expect {
        if let Err(why) = check(expectation, &out) {
            failures.push_str(&why);
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures)
    }
}

/// Whether articles put in at `from` can reach stage `to`.
fn reaches(config: &ParsedConfig, from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    config.transform_of(to).is_some_and(|name| {
        name == from
            || config.transforms[name]
                .inputs
                .iter()
                .any(|i| reaches(config, from, i))
    })
}

/// Runs a transform over `input`, filing what comes out under the stage's
/// name, or under `NAME.OUTPUT` for a route's outputs; dropped articles
/// come out nowhere.
fn apply(
    config: &ParsedConfig,
    name: &str,
    transform: &Arc<dyn Transform>,
    input: Vec<Article>,
    out: &mut Outputs,
) {
    let named: Vec<String> = config.transforms[name]
        .config
        .outputs()
        .iter()
        .map(|output| format!("{name}.{output}"))
        .collect();
    for key in std::iter::once(name).chain(named.iter().map(String::as_str)) {
        out.articles.insert(key.to_owned(), Vec::new());
    }
    for mut article in input {
        match transform.route(&mut article) {
            Ok(Route::Pass) => out
                .articles
                .entry(name.to_owned())
                .or_default()
                .push(article),
            Ok(Route::Drop) => {}
            Ok(Route::Outputs(to)) => {
                for key in to.iter().filter_map(|i| named.get(*i)) {
                    out.articles
                        .entry(key.clone())
                        .or_default()
                        .push(article.clone());
                }
            }
            Err(rejection) => out
                .dead
                .entry(name.to_owned())
                .or_default()
                .push(rejection.0),
        }
    }
}

fn check(expectation: &Expectation, out: &Outputs) -> Result<(), String> {
    let from = &expectation.from;
    let Some(articles) = out.articles.get(from) else {
        return Err(format!(
            "  from: nothing came out of `{from}` (is it downstream of insert_at?)\n"
        ));
    };
    let values: Vec<Value> = articles
        .iter()
        .map(|a| serde_json::to_value(a).unwrap_or_default())
        .collect();
    let all = |field: &str| -> Vec<&Value> {
        values
            .iter()
            .flat_map(|v| v[field].as_array().into_iter().flatten())
            .collect()
    };
    let found = |field: &str| -> String {
        let items = all(field);
        let shown: Vec<String> = items.iter().map(|v| v.to_string()).collect();
        format!("    found {} {field}: {}\n", items.len(), shown.join(", "))
    };
    let conditions = [
        expectation.entity.is_some(),
        expectation.figure.is_some(),
        expectation.no_figures,
        expectation.no_entities,
        expectation.dead_letter.is_some(),
        expectation.ids.is_some(),
        expectation.article.is_some(),
    ];
    if conditions.iter().filter(|c| **c).count() != 1 {
        return Err(format!(
            "  expect (from = \"{from}\"): name exactly one of entity, figure, no_figures, no_entities, dead_letter, ids, article\n"
        ));
    }
    let ids = || -> Vec<&str> { articles.iter().map(|a| a.id.as_str()).collect() };
    if let Some(wanted) = &expectation.ids {
        let mut found = ids();
        found.sort_unstable();
        let mut wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
        wanted.sort_unstable();
        if found != wanted {
            return Err(format!(
                "  expected the articles {wanted:?}\n    found {found:?}\n"
            ));
        }
    }
    if let Some(wanted) = &expectation.article {
        if !values.iter().any(|v| matches(v, wanted)) {
            return Err(format!(
                "  expected an article with {}\n    found {} articles: {:?}\n",
                Value::Object(wanted.clone()),
                values.len(),
                ids()
            ));
        }
    }
    for (wanted, what, field) in [
        (&expectation.entity, "an entity", "entities"),
        (&expectation.figure, "a figure", "figures"),
    ] {
        if let Some(wanted) = wanted {
            if !all(field).iter().any(|x| matches(x, wanted)) {
                return Err(format!(
                    "  expected {what} {}\n{}",
                    Value::Object(wanted.clone()),
                    found(field)
                ));
            }
        }
    }
    if expectation.no_figures && !all("figures").is_empty() {
        return Err(format!("  expected no figures\n{}", found("figures")));
    }
    if expectation.no_entities && !all("entities").is_empty() {
        return Err(format!("  expected no entities\n{}", found("entities")));
    }
    if let Some(reason) = &expectation.dead_letter {
        let dead = out.dead.get(from).map(Vec::as_slice).unwrap_or_default();
        if !dead.iter().any(|r| r.contains(reason.as_str())) {
            return Err(format!(
                "  expected a dead letter whose reason contains {reason:?}\n    found {} dead letters: {}\n",
                dead.len(),
                dead.join(" | ")
            ));
        }
    }
    Ok(())
}

/// Whether every field `wanted` names has that value in `item` (numbers by value).
fn matches(item: &Value, wanted: &Map<String, Value>) -> bool {
    wanted.iter().all(|(key, want)| match (&item[key], want) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (got, want) => got == want,
    })
}
