//! `enrich`, `entities` and `figures`: the extraction transforms. One
//! component in three modes, so they cannot drift apart.

use super::language::{LanguageGate, Verdict};
use super::shared_extractor;
use newsflow_core::{
    Article, BoxError, BuildContext, Counter, Rejection, Transform, TransformConfig,
};
use newsflow_extract::Extractor;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;

/// `type = "enrich"` (`FIGURES`) and `type = "entities"`: the modes that
/// read with a model, so they take the same options.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig<const FIGURES: bool> {
    /// A model file written by `newsflow train ner`; the bundled model when absent.
    #[serde(default)]
    pub model: Option<PathBuf>,
    /// The languages to enrich (default `["en"]`, what the bundled model
    /// reads); an article in another is passed on without entities.
    #[serde(default = "english")]
    pub languages: LanguageGate,
}

/// `type = "enrich"`: adds both `entities` and `figures`.
pub type EnrichConfig = ModelConfig<true>;

/// `type = "entities"`: adds `entities` (names, with every mention).
pub type EntitiesConfig = ModelConfig<false>;

/// `type = "figures"`: adds `figures` (the numbers the article reports).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FiguresConfig {
    /// The languages to enrich (default `["en"]`, what the figure rules
    /// read); an article in another is passed on without figures.
    #[serde(default = "english")]
    pub languages: LanguageGate,
}

fn english() -> LanguageGate {
    LanguageGate::new(&["en".to_owned()]).expect("en is a language")
}

impl<const FIGURES: bool> TransformConfig for ModelConfig<FIGURES> {
    fn build(&self, cx: &BuildContext) -> Result<Arc<dyn Transform>, BoxError> {
        let extractor = shared_extractor(self.model.as_ref())?;
        Ok(Enrich::shared(
            Some(extractor),
            FIGURES,
            &self.languages,
            cx,
        ))
    }
}

impl TransformConfig for FiguresConfig {
    fn build(&self, cx: &BuildContext) -> Result<Arc<dyn Transform>, BoxError> {
        Ok(Enrich::shared(None, true, &self.languages, cx))
    }
}

/// Adds entities when it has a model, figures when asked, to articles in
/// its languages.
struct Enrich {
    entities: Option<Arc<Extractor>>,
    figures: bool,
    languages: LanguageGate,
    /// Articles passed on unenriched, for `/metrics`.
    skipped: Counter,
}

impl Enrich {
    fn shared(
        entities: Option<Arc<Extractor>>,
        figures: bool,
        languages: &LanguageGate,
        cx: &BuildContext,
    ) -> Arc<dyn Transform> {
        Arc::new(Enrich {
            entities,
            figures,
            languages: languages.clone(),
            skipped: cx.skipped.clone(),
        })
    }
}

impl Transform for Enrich {
    fn apply(&self, article: &mut Article) -> Result<(), Rejection> {
        if let Verdict::Skip(reason) = self.languages.check(article) {
            // Not lost and not an error: the article flows on, saying why it
            // has no annotations.
            self.skipped.add(1);
            if self.entities.is_some() {
                article.entities = Some(Vec::new());
            }
            if self.figures {
                article.figures = Some(Vec::new());
            }
            article.extra.insert(
                "enrichment".into(),
                serde_json::json!({ "skipped": reason }),
            );
            return Ok(());
        }
        if let Some(extractor) = &self.entities {
            article.entities =
                Some(extractor.entities_with_title(article.title.as_deref(), &article.body));
        }
        if self.figures {
            article.figures = Some(newsflow_extract::figures::extract(&article.body));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enrich(table: serde_json::Value) -> (Arc<dyn Transform>, BuildContext) {
        let config: EnrichConfig = serde_json::from_value(table).unwrap();
        let cx = BuildContext::new(
            newsflow_core::StageKey::transform("enrich"),
            std::env::temp_dir(),
        );
        (config.build(&cx).unwrap(), cx)
    }

    #[test]
    fn another_language_flows_on_unenriched_with_the_reason_and_is_counted() {
        let (transform, cx) = enrich(serde_json::json!({}));
        let mut german = Article::from_text(
            "de1",
            "Bei dem Erdbeben in Marokko sind nach Angaben der Behörden mindestens 2000 Menschen ums Leben gekommen. Tausende wurden verletzt.",
        )
        .unwrap();
        transform.apply(&mut german).unwrap();
        assert_eq!(german.entities, Some(Vec::new()));
        assert_eq!(german.figures, Some(Vec::new()));
        assert_eq!(german.extra["enrichment"]["skipped"], "language de");
        assert_eq!(german.language.as_deref(), Some("de"));
        assert_eq!(cx.skipped.get(), 1);

        let mut english = Article::from_text(
            "en1",
            "At least 2,000 people were killed in the earthquake in Morocco, officials in Rabat said.",
        )
        .unwrap();
        transform.apply(&mut english).unwrap();
        assert!(!english.entities.unwrap().is_empty());
        assert!(!english.figures.unwrap().is_empty());
        assert!(!english.extra.contains_key("enrichment"));
        assert_eq!(cx.skipped.get(), 1);
    }

    #[test]
    fn languages_names_what_to_enrich_and_refuses_what_is_no_language() {
        let (transform, _) = enrich(serde_json::json!({"languages": ["en", "de"]}));
        let mut german = Article::from_text(
            "de1",
            "Der Bundestag hat am Donnerstag das neue Gesetz beschlossen.",
        )
        .unwrap();
        german.language = Some("de".into());
        transform.apply(&mut german).unwrap();
        assert!(!german.extra.contains_key("enrichment"));
        let err =
            serde_json::from_value::<EnrichConfig>(serde_json::json!({"languages": ["klingon"]}))
                .unwrap_err();
        assert!(
            err.to_string()
                .contains("`klingon` is not an ISO 639 language code"),
            "{err}"
        );
    }
}
