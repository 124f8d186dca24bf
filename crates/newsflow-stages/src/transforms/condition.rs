//! One condition on an article's fields, shared by `filter` and `route`
//! (and by any stage that needs to pick articles).
//!
//! A condition is a table; each key it names is a test, and all of them
//! must hold. `all`, `any` and `not` combine conditions:
//!
//! ```toml
//! condition = { language = "en", any = [{ source = "Reuters" }, { url_host = "apnews.com" }] }
//! ```
//!
//! Everything is checked when the config is read (a language code, a
//! regular expression, a duration, an entity type), so a bad condition is a
//! config error at its key path, never a surprise at run time.

use super::language::normalise;
use chrono::{DateTime, Utc};
use newsflow_core::{Article, EntityType, FigureKind};
use serde::Deserialize;
use std::time::Duration;

/// A condition on an article: every test it names holds.
///
/// ```
/// use newsflow_stages::transforms::condition::Condition;
/// let english: Condition = serde_json::from_value(serde_json::json!({ "language": "en" })).unwrap();
/// let article = newsflow_core::Article::from_json(r#"{"id":"a","body":"b","language":"en-GB"}"#).unwrap();
/// assert!(english.matches(&article));
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "Tests")]
pub struct Condition(Vec<Test>);

/// A condition as written: the tests it may name.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Tests {
    language: Option<OneOrMany>,
    source: Option<OneOrMany>,
    url_host: Option<OneOrMany>,
    title_contains: Option<OneOrMany>,
    body_contains: Option<OneOrMany>,
    text_contains: Option<OneOrMany>,
    title_matches: Option<Pattern>,
    body_matches: Option<Pattern>,
    text_matches: Option<Pattern>,
    entity: Option<EntityTest>,
    figure: Option<FigureTest>,
    newer_than: Option<Age>,
    all: Option<Vec<Condition>>,
    any: Option<Vec<Condition>>,
    not: Option<Box<Condition>>,
}

/// One string or a list of them; a list matches when any of it does.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

/// A regular expression, compiled when the config is read.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
struct Pattern(regex::Regex);

impl TryFrom<String> for Pattern {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        regex::Regex::new(&text).map(Pattern).map_err(|e| {
            // The parser's message draws the pattern over several lines;
            // its last line says what is wrong.
            let message = e.to_string();
            let why = message.lines().last().unwrap_or_default();
            format!(
                "`{text}` is not a valid regular expression: {}",
                why.trim_start_matches("error: ")
            )
        })
    }
}

/// `entity = { name = "Apple", type = "ORG" }`: an entity with this name
/// (any case) and/or type is present.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntityTest {
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<EntityType>,
}

/// `figure = { kind = "money", event = "killed" }`: a figure of this kind
/// and/or event is present.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FigureTest {
    kind: Option<FigureKind>,
    event: Option<String>,
}

/// A duration written with a unit: `90s`, `30m`, `12h`, `7d`, `2w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Age(pub Duration);

impl TryFrom<String> for Age {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let bad = || {
            format!("`{text}` is not a duration: write a number and a unit, s, m, h, d or w (`36h`, `7d`)")
        };
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(bad)?;
        let (number, unit) = trimmed.split_at(split);
        let number: u64 = number.parse().map_err(|_| bad())?;
        let seconds = match unit.trim() {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 604_800,
            _ => return Err(bad()),
        };
        Ok(Age(Duration::from_secs(number.saturating_mul(seconds))))
    }
}

/// One compiled test.
#[derive(Debug, Clone)]
enum Test {
    /// ISO 639 codes, normalised as the enrichment stages do.
    Language(Vec<String>),
    /// Publisher names, lower-cased.
    Source(Vec<String>),
    /// Hosts, lower-cased; a subdomain matches too.
    UrlHost(Vec<String>),
    /// Lower-cased needles in the title, the body, or either.
    Contains(Field, Vec<String>),
    Matches(Field, regex::Regex),
    Entity(EntityTest),
    Figure(FigureTest),
    NewerThan(Duration),
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

#[derive(Debug, Clone, Copy)]
enum Field {
    Title,
    Body,
    Text,
}

impl Field {
    /// The texts of the article this field names.
    fn texts(self, article: &Article) -> impl Iterator<Item = &str> {
        let title = matches!(self, Field::Title | Field::Text)
            .then_some(article.title.as_deref())
            .flatten();
        let body = matches!(self, Field::Body | Field::Text).then_some(article.body.as_str());
        title.into_iter().chain(body)
    }
}

fn lowered(values: OneOrMany, what: &str) -> Result<Vec<String>, String> {
    let values = values.into_vec();
    if values.is_empty() || values.iter().any(|v| v.trim().is_empty()) {
        return Err(format!("name at least one {what}, none blank"));
    }
    Ok(values.iter().map(|v| v.trim().to_lowercase()).collect())
}

impl TryFrom<Tests> for Condition {
    type Error = String;
    fn try_from(t: Tests) -> Result<Self, String> {
        let mut tests = Vec::new();
        if let Some(codes) = t.language {
            let codes = codes
                .into_vec()
                .iter()
                .map(|code| {
                    normalise(code).ok_or_else(|| {
                        format!("language: `{code}` is not an ISO 639 language code")
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if codes.is_empty() {
                return Err("language: name at least one language".into());
            }
            tests.push(Test::Language(codes));
        }
        if let Some(sources) = t.source {
            tests.push(Test::Source(lowered(sources, "source")?));
        }
        if let Some(hosts) = t.url_host {
            tests.push(Test::UrlHost(lowered(hosts, "host")?));
        }
        for (needles, field) in [
            (t.title_contains, Field::Title),
            (t.body_contains, Field::Body),
            (t.text_contains, Field::Text),
        ] {
            if let Some(needles) = needles {
                tests.push(Test::Contains(field, lowered(needles, "text")?));
            }
        }
        for (pattern, field) in [
            (t.title_matches, Field::Title),
            (t.body_matches, Field::Body),
            (t.text_matches, Field::Text),
        ] {
            if let Some(Pattern(regex)) = pattern {
                tests.push(Test::Matches(field, regex));
            }
        }
        if let Some(entity) = t.entity {
            if entity.name.is_none() && entity.kind.is_none() {
                return Err("entity: name `name`, `type` or both".into());
            }
            tests.push(Test::Entity(entity));
        }
        if let Some(figure) = t.figure {
            if figure.kind.is_none() && figure.event.is_none() {
                return Err("figure: name `kind`, `event` or both".into());
            }
            tests.push(Test::Figure(figure));
        }
        if let Some(Age(age)) = t.newer_than {
            tests.push(Test::NewerThan(age));
        }
        for (list, combine) in [
            (t.all, Test::All as fn(Vec<Condition>) -> Test),
            (t.any, Test::Any),
        ] {
            if let Some(list) = list {
                if list.is_empty() {
                    return Err("`all` and `any` need at least one condition".into());
                }
                tests.push(combine(list));
            }
        }
        if let Some(not) = t.not {
            tests.push(Test::Not(not));
        }
        if tests.is_empty() {
            return Err("an empty condition: name at least one of language, source, url_host, title_contains, body_contains, text_contains, title_matches, body_matches, text_matches, entity, figure, newer_than, all, any, not".into());
        }
        Ok(Condition(tests))
    }
}

impl Condition {
    /// Whether the article meets every test, with the clock at now.
    pub fn matches(&self, article: &Article) -> bool {
        self.matches_at(article, Utc::now())
    }

    /// Whether the article meets every test, with the clock at `now`.
    pub fn matches_at(&self, article: &Article, now: DateTime<Utc>) -> bool {
        self.0.iter().all(|test| test.holds(article, now))
    }
}

impl Test {
    fn holds(&self, article: &Article, now: DateTime<Utc>) -> bool {
        match self {
            Test::Language(codes) => article
                .language
                .as_deref()
                .and_then(normalise)
                .is_some_and(|code| codes.contains(&code)),
            Test::Source(sources) => article
                .source
                .as_deref()
                .is_some_and(|s| sources.contains(&s.trim().to_lowercase())),
            Test::UrlHost(hosts) => article
                .url
                .as_deref()
                .and_then(|u| url::Url::parse(u).ok())
                .and_then(|u| u.host_str().map(str::to_lowercase))
                .is_some_and(|host| {
                    hosts.iter().any(|h| {
                        host == *h
                            || host
                                .strip_suffix(h.as_str())
                                .is_some_and(|p| p.ends_with('.'))
                    })
                }),
            Test::Contains(field, needles) => field.texts(article).any(|text| {
                let text = text.to_lowercase();
                needles.iter().any(|n| text.contains(n.as_str()))
            }),
            Test::Matches(field, regex) => field.texts(article).any(|text| regex.is_match(text)),
            Test::Entity(want) => article.entities.iter().flatten().any(|e| {
                want.kind.is_none_or(|k| e.kind == k)
                    && want
                        .name
                        .as_ref()
                        .is_none_or(|n| e.name.to_lowercase() == n.to_lowercase())
            }),
            Test::Figure(want) => article.figures.iter().flatten().any(|f| {
                want.kind.is_none_or(|k| f.kind == k)
                    && want
                        .event
                        .as_ref()
                        .is_none_or(|ev| f.event.as_ref() == Some(ev))
            }),
            Test::NewerThan(age) => article.published_at.is_some_and(|at| {
                let age = chrono::Duration::from_std(*age).unwrap_or(chrono::Duration::MAX);
                now.checked_sub_signed(age)
                    .is_none_or(|oldest| at.with_timezone(&Utc) >= oldest)
            }),
            Test::All(list) => list.iter().all(|c| c.matches_at(article, now)),
            Test::Any(list) => list.iter().any(|c| c.matches_at(article, now)),
            Test::Not(inner) => !inner.matches_at(article, now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn condition(value: serde_json::Value) -> Result<Condition, String> {
        serde_path_to_error::deserialize(value).map_err(|e| format!("{}: {}", e.path(), e.inner()))
    }

    fn article(value: serde_json::Value) -> Article {
        Article::from_value(value).unwrap()
    }

    #[test]
    fn each_test_on_its_field() {
        let a = article(json!({
            "id": "a", "title": "Floods in Brazil", "body": "About 3,000 people were evacuated.",
            "language": "en-GB", "source": "Reuters", "url": "https://www.reuters.com/world/x?utm_source=y",
            "published_at": "2025-05-02T10:00:00Z",
        }));
        let now: DateTime<Utc> = "2025-05-03T09:00:00Z".parse().unwrap();
        let holds = |c: serde_json::Value| condition(c).unwrap().matches_at(&a, now);
        assert!(holds(json!({ "language": "eng" })));
        assert!(!holds(json!({ "language": ["de", "fr"] })));
        assert!(holds(json!({ "source": "reuters" })));
        assert!(holds(json!({ "url_host": "reuters.com" })));
        assert!(
            !holds(json!({ "url_host": "ters.com" })),
            "a suffix that is not a domain"
        );
        assert!(holds(json!({ "title_contains": "brazil" })));
        assert!(!holds(json!({ "body_contains": "brazil" })));
        assert!(holds(json!({ "text_contains": ["nothing", "EVACUATED"] })));
        assert!(holds(json!({ "body_matches": r"\d,\d{3} people" })));
        assert!(holds(json!({ "newer_than": "1d" })));
        assert!(!holds(json!({ "newer_than": "12h" })));
        assert!(
            !holds(json!({ "entity": { "type": "LOC" } })),
            "not enriched"
        );
        assert!(holds(
            json!({ "language": "en", "not": { "source": "AP" } })
        ));
        assert!(
            !holds(json!({ "language": "en", "source": "AP" })),
            "every key holds"
        );
        assert!(holds(
            json!({ "any": [{ "source": "AP" }, { "title_contains": "floods" }] })
        ));
        assert!(!holds(
            json!({ "all": [{ "source": "AP" }, { "title_contains": "floods" }] })
        ));
    }

    #[test]
    fn entities_and_figures_once_enriched() {
        let mut a =
            article(json!({ "id": "a", "body": "Apple lost $2 billion; 12 people were killed." }));
        a.entities = Some(vec![newsflow_core::Entity {
            name: "Apple".into(),
            kind: EntityType::Organisation,
            confidence: 0.9,
            mentions: Vec::new(),
        }]);
        a.figures = Some(newsflow_extract::figures::extract(&a.body));
        let holds = |c: serde_json::Value| condition(c).unwrap().matches(&a);
        assert!(holds(
            json!({ "entity": { "name": "apple", "type": "ORG" } })
        ));
        assert!(!holds(
            json!({ "entity": { "name": "Apple", "type": "PER" } })
        ));
        assert!(holds(json!({ "figure": { "kind": "money" } })));
        assert!(holds(json!({ "figure": { "event": "killed" } })));
        assert!(!holds(json!({ "figure": { "kind": "percent" } })));
    }

    #[test]
    fn bad_conditions_name_their_key() {
        let error = |c: serde_json::Value| condition(c).unwrap_err();
        assert!(error(json!({ "langage": "en" })).contains("unknown field `langage`"));
        let e = error(json!({ "all": [{ "title_matches": "(" }] }));
        assert!(
            e.starts_with("all[0]") && e.contains("regular expression"),
            "{e}"
        );
        assert!(error(json!({ "newer_than": "soon" })).contains("not a duration"));
        assert!(error(json!({ "language": "xx" })).contains("not an ISO 639"));
        assert!(error(json!({ "entity": { "type": "COMPANY" } })).contains("unknown variant"));
        assert!(error(json!({})).contains("empty condition"));
        assert!(error(json!({ "any": [] })).contains("at least one"));
    }
}
