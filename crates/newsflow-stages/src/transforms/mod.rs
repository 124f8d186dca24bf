//! Transforms: the enrichment stages, each calling the extraction crate,
//! the stages that pick articles (`filter`, `route`), and `dedup`.

pub mod condition;
pub mod dedup;
pub mod enrich;
pub mod filter;
pub mod language;

use newsflow_core::BoxError;
use newsflow_extract::Extractor;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// The extractor for a model file (`None`: the bundled model), loaded once
/// and shared by every transform that names it.
pub(crate) fn shared_extractor(model: Option<&PathBuf>) -> Result<Arc<Extractor>, BoxError> {
    static LOADED: OnceLock<Mutex<HashMap<Option<PathBuf>, Arc<Extractor>>>> = OnceLock::new();
    let mut loaded = LOADED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(extractor) = loaded.get(&model.cloned()) {
        return Ok(extractor.clone());
    }
    let extractor = Arc::new(match model {
        Some(path) => Extractor::from_model_file(path)?,
        None => Extractor::bundled()?,
    });
    loaded.insert(model.cloned(), extractor.clone());
    Ok(extractor)
}
