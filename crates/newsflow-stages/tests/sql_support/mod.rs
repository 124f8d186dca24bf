//! Shared by the `sqlite` and `postgres` sink tests: articles with every
//! field filled, and a way to run a whole pipeline from a config.

// Each test binary uses its own part of this module.
#![allow(dead_code)]

use newsflow_core::{
    Article, Entity, EntityType, Figure, FigureKind, FigureValue, Mention, Qualifier, Record,
    TextField,
};
use std::path::Path;

/// An article using every field the store keeps: an offset that is not UTC,
/// nested metadata, unknown fields, non-Latin text, entities with several
/// mentions, figures with a number, a date and no value.
pub fn rich_article(id: &str) -> Article {
    let body = "Recep Tayyip Erdoğan met قطر officials; Erdoğan said at least 34,049 people \
                were counted on 2023-10-07.";
    let mut article = Article::from_text(id, body).unwrap();
    article.title = Some("Talks in Doha \u{0301}".into());
    article.url = Some(format!("https://example.org/{id}"));
    article.published_at = Some("2024-05-01T10:00:00.123456+02:00".parse().unwrap());
    article.source = Some("wire".into());
    article.language = Some("en".into());
    article.metadata = Some(
        serde_json::json!({"desk": "world", "tags": ["a", "b"], "rank": {"n": 3, "score": 0.5}})
            .as_object()
            .unwrap()
            .clone(),
    );
    article
        .extra
        .insert("feed_rank".into(), serde_json::json!([1, {"x": null}]));
    article.entities = Some(vec![
        Entity {
            name: "Recep Tayyip Erdoğan".into(),
            kind: EntityType::Person,
            confidence: 0.97,
            mentions: vec![
                Mention {
                    text: "Recep Tayyip Erdoğan".into(),
                    start: 0,
                    end: 20,
                    field: TextField::Body,
                },
                Mention {
                    text: "Erdoğan".into(),
                    start: 44,
                    end: 51,
                    field: TextField::Body,
                },
            ],
        },
        Entity {
            name: "قطر".into(),
            kind: EntityType::Location,
            confidence: 0.5,
            mentions: vec![Mention {
                text: "قطر".into(),
                start: 25,
                end: 28,
                field: TextField::Body,
            }],
        },
    ]);
    article.figures = Some(vec![
        Figure {
            text: "at least 34,049".into(),
            start: 57,
            end: 72,
            value: Some(FigureValue::Number(34049.0)),
            kind: FigureKind::Count,
            unit: None,
            low: None,
            high: None,
            // Not what a count carries: here to store every column.
            of: Some(40000.0),
            against: Some(3.0),
            base_value: None,
            base_unit: None,
            qualifier: Qualifier::AtLeast,
            event: Some("counted".into()),
            subject: Some("people".into()),
        },
        Figure {
            text: "2023-10-07".into(),
            start: 96,
            end: 106,
            value: Some(FigureValue::Date("2023-10-07".into())),
            kind: FigureKind::Date,
            unit: None,
            low: None,
            high: None,
            of: None,
            against: None,
            base_value: None,
            base_unit: None,
            qualifier: Qualifier::Exact,
            event: None,
            subject: None,
        },
        Figure {
            text: "2.5 km".into(),
            start: 0,
            end: 6,
            value: None,
            kind: FigureKind::Measure,
            unit: Some("km".into()),
            low: Some(2.0),
            high: Some(3.0),
            of: None,
            against: None,
            base_value: Some(2500.0),
            base_unit: Some("m".into()),
            qualifier: Qualifier::Approximately,
            event: None,
            subject: None,
        },
    ]);
    article
}

/// An article no annotation pass ran on.
pub fn plain_article() -> Article {
    Article::from_text("plain", "No enrichment ran on this one.").unwrap()
}

/// `articles` as records for a batch.
pub fn records(articles: &[&Article]) -> Vec<Record> {
    articles
        .iter()
        .map(|article| Record::Article((*article).clone()))
        .collect()
}

/// `n` annotated articles, one JSON object a line, ids `{prefix}{i}`.
pub fn write_articles(path: &Path, prefix: &str, n: usize) {
    let mut text = String::new();
    for i in 0..n {
        let article = rich_article(&format!("{prefix}{i:05}"));
        text.push_str(&serde_json::to_string(&article).unwrap());
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

/// Loads, compiles and runs the pipeline in `config` (written to `dir`).
pub async fn run_pipeline(dir: &Path, config: &str) -> newsflow_runtime::RunReport {
    let file = dir.join("pipeline.toml");
    std::fs::write(&file, config).unwrap();
    let parsed = newsflow_runtime::load(&file, &newsflow_stages::registry()).unwrap();
    let pipeline = newsflow_runtime::compile(parsed).unwrap();
    newsflow_runtime::run(
        pipeline,
        tokio_util::sync::CancellationToken::new(),
        Default::default(),
    )
    .await
    .unwrap()
}

/// A TOML string literal.
pub fn toml_str(text: impl AsRef<str>) -> String {
    serde_json::to_string(text.as_ref()).unwrap()
}
