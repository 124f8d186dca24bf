//! `filter` and `route`: keeping and steering articles by a [`Condition`].
//!
//! A filter passes the articles that meet its condition and drops the rest;
//! a route sends each article to every named output whose condition it
//! meets, and to `_unmatched` when it meets none. A dropped article counts
//! as delivered (its source may checkpoint past it) and as dropped in the
//! stage's metrics.

use super::condition::Condition;
use newsflow_core::{
    Article, BoxError, BuildContext, Rejection, Route, Transform, TransformConfig,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// `type = "filter"`: keeps the articles that meet `condition`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterConfig {
    /// What an article must meet to pass.
    pub condition: Condition,
}

impl TransformConfig for FilterConfig {
    fn build(&self, _cx: &BuildContext) -> Result<Arc<dyn Transform>, BoxError> {
        Ok(Arc::new(Filter(self.condition.clone())))
    }
}

struct Filter(Condition);

impl Transform for Filter {
    /// A filter changes nothing; where the article goes is [`Transform::route`].
    fn apply(&self, _article: &mut Article) -> Result<(), Rejection> {
        Ok(())
    }

    fn route(&self, article: &mut Article) -> Result<Route, Rejection> {
        Ok(if self.0.matches(article) {
            Route::Pass
        } else {
            Route::Drop
        })
    }
}

/// The output that takes the articles no condition of a route matched.
pub const UNMATCHED: &str = "_unmatched";

/// `type = "route"`: named outputs, each with a condition, read as
/// `inputs = ["ROUTE.OUTPUT"]`; `ROUTE._unmatched` takes the rest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// Output name -> the condition an article meets to go there.
    #[serde(deserialize_with = "output_names")]
    pub outputs: BTreeMap<String, Condition>,
}

/// Reads the outputs, refusing names a reader could not write
/// (`route.NAME` in `inputs`) and the reserved `_unmatched`.
fn output_names<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, Condition>, D::Error> {
    use serde::de::Error;
    let outputs = BTreeMap::<String, Condition>::deserialize(deserializer)?;
    if outputs.is_empty() {
        return Err(D::Error::custom(
            "name at least one output: [transforms.NAME.outputs] english = { language = \"en\" }",
        ));
    }
    for name in outputs.keys() {
        let valid = !name.is_empty()
            && !name.starts_with('_')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(D::Error::custom(format!(
                "`{name}` cannot name an output: use letters, digits, `_` and `-`, not starting with `_` (`{UNMATCHED}` is the route's own)"
            )));
        }
    }
    Ok(outputs)
}

impl TransformConfig for RouteConfig {
    fn build(&self, _cx: &BuildContext) -> Result<Arc<dyn Transform>, BoxError> {
        Ok(Arc::new(Router(self.outputs.values().cloned().collect())))
    }

    /// The named outputs in order, then `_unmatched`.
    fn outputs(&self) -> Vec<String> {
        self.outputs
            .keys()
            .cloned()
            .chain([UNMATCHED.to_owned()])
            .collect()
    }
}

/// The conditions of a route's outputs, in the order of
/// [`RouteConfig::outputs`]; `_unmatched` is the index after the last.
struct Router(Vec<Condition>);

impl Transform for Router {
    /// A route changes nothing; where the article goes is [`Transform::route`].
    fn apply(&self, _article: &mut Article) -> Result<(), Rejection> {
        Ok(())
    }

    fn route(&self, article: &mut Article) -> Result<Route, Rejection> {
        let mut to: Vec<usize> = (0..self.0.len())
            .filter(|i| self.0[*i].matches(article))
            .collect();
        if to.is_empty() {
            to.push(self.0.len());
        }
        Ok(Route::Outputs(to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn article(id: &str, language: &str) -> Article {
        Article::from_value(json!({ "id": id, "body": "text", "language": language })).unwrap()
    }

    fn build<C: TransformConfig + serde::de::DeserializeOwned>(
        table: serde_json::Value,
    ) -> (C, Arc<dyn Transform>) {
        let config: C = serde_json::from_value(table).unwrap();
        let built = config
            .build(&BuildContext::new(
                newsflow_core::StageKey::transform("t"),
                "state",
            ))
            .unwrap();
        (config, built)
    }

    #[test]
    fn a_filter_passes_what_matches_and_drops_the_rest() {
        let (_, filter) = build::<FilterConfig>(json!({ "condition": { "language": "en" } }));
        assert_eq!(filter.route(&mut article("a", "en")), Ok(Route::Pass));
        assert_eq!(filter.route(&mut article("b", "de")), Ok(Route::Drop));
    }

    #[test]
    fn a_route_sends_to_every_match_or_to_unmatched() {
        let (config, router) = build::<RouteConfig>(json!({ "outputs": {
            "english": { "language": "en" },
            "europe": { "language": ["en", "de", "fr"] },
        }}));
        assert_eq!(config.outputs(), ["english", "europe", "_unmatched"]);
        assert_eq!(
            router.route(&mut article("a", "en")),
            Ok(Route::Outputs(vec![0, 1]))
        );
        assert_eq!(
            router.route(&mut article("b", "de")),
            Ok(Route::Outputs(vec![1]))
        );
        assert_eq!(
            router.route(&mut article("c", "ja")),
            Ok(Route::Outputs(vec![2]))
        );
    }

    #[test]
    fn output_names_are_checked() {
        for (outputs, expected) in [
            (json!({}), "at least one output"),
            (
                json!({ "_unmatched": { "language": "en" } }),
                "cannot name an output",
            ),
            (
                json!({ "a.b": { "language": "en" } }),
                "cannot name an output",
            ),
        ] {
            let e =
                serde_json::from_value::<RouteConfig>(json!({ "outputs": outputs })).unwrap_err();
            assert!(e.to_string().contains(expected), "{e}");
        }
    }
}
