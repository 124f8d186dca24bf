//! `enrich`, `entities` and `figures`: the extraction transforms. One
//! component in three modes, so they cannot drift apart.

use super::shared_extractor;
use newsflow_core::{Article, BoxError, BuildContext, Rejection, Transform, TransformConfig};
use newsflow_extract::Extractor;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;

/// `type = "enrich"`: adds both `entities` and `figures`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrichConfig {
    /// A model file written by `newsflow train ner`; the bundled model when absent.
    #[serde(default)]
    pub model: Option<PathBuf>,
}

/// `type = "entities"`: adds `entities` (names, with every mention).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntitiesConfig {
    /// A model file written by `newsflow train ner`; the bundled model when absent.
    #[serde(default)]
    pub model: Option<PathBuf>,
}

/// `type = "figures"`: adds `figures` (the numbers the article reports).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FiguresConfig {}

impl TransformConfig for EnrichConfig {
    fn build(&self, _cx: &BuildContext) -> Result<Arc<dyn Transform>, BoxError> {
        Ok(Arc::new(Enrich {
            entities: Some(shared_extractor(self.model.as_ref())?),
            figures: true,
        }))
    }
}

impl TransformConfig for EntitiesConfig {
    fn build(&self, _cx: &BuildContext) -> Result<Arc<dyn Transform>, BoxError> {
        Ok(Arc::new(Enrich {
            entities: Some(shared_extractor(self.model.as_ref())?),
            figures: false,
        }))
    }
}

impl TransformConfig for FiguresConfig {
    fn build(&self, _cx: &BuildContext) -> Result<Arc<dyn Transform>, BoxError> {
        Ok(Arc::new(Enrich {
            entities: None,
            figures: true,
        }))
    }
}

/// Adds entities when it has a model, figures when asked.
struct Enrich {
    entities: Option<Arc<Extractor>>,
    figures: bool,
}

impl Transform for Enrich {
    fn apply(&self, article: &mut Article) -> Result<(), Rejection> {
        if let Some(extractor) = &self.entities {
            article.entities = Some(extractor.entities(&article.body));
        }
        if self.figures {
            article.figures = Some(newsflow_extract::figures::extract(&article.body));
        }
        Ok(())
    }
}
