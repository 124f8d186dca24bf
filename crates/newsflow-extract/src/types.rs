//! What extraction returns for one text, and the tagger's raw spans; the
//! annotation types themselves are the vocabulary crate's.

use newsflow_article::{Entity, EntityType, Figure};
use serde::{Deserialize, Serialize};

/// Everything extracted from one text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Annotations {
    /// Entities, in order of first mention.
    pub entities: Vec<Entity>,
    /// Figures, in order of appearance.
    pub figures: Vec<Figure>,
}

/// A mention found by the tagger, before mentions are grouped into entities.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaggedSpan {
    /// Code-point offset of the first character.
    pub start: usize,
    /// Code-point offset just past the last character.
    pub end: usize,
    /// Entity class.
    pub kind: EntityType,
    /// The tagger's confidence in this span, in `[0, 1]`.
    pub confidence: f64,
}
