//! Named-entity recognition. PLACEHOLDER: replaced by the trained tagger.

use crate::Entity;
use std::path::Path;

/// A model file could not be read or is not a model.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ModelError(String);

/// The entity tagger.
pub struct Tagger;

impl Tagger {
    /// The model shipped with the crate.
    pub fn bundled() -> Result<Tagger, ModelError> {
        Ok(Tagger)
    }

    /// A model from a file.
    pub fn load(path: &Path) -> Result<Tagger, ModelError> {
        Err(ModelError(format!(
            "{}: no model format yet",
            path.display()
        )))
    }

    /// Entities in `text`.
    pub fn entities(&self, _text: &str) -> Vec<Entity> {
        Vec::new()
    }
}
