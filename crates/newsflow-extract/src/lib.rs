//! Pure, synchronous enrichment of news text: text in, annotations out.
//!
//! Two stages live here, and nothing else: no I/O beyond loading a model,
//! no async, no threads. That keeps them testable, benchmarkable and
//! fuzzable alone.
//!
//! - **Entities**: a trained sequence tagger finds PER, ORG, LOC and MISC
//!   mentions; mentions of one entity are then grouped under its fullest
//!   name ("Erdoğan" -> "Recep Tayyip Erdoğan").
//! - **Figures**: a number recogniser finds every number (digits and words),
//!   and the figure stage keeps those the article reports, with their kind,
//!   qualifier, event and subject.
//!
//! ```no_run
//! let extractor = newsflow_extract::Extractor::bundled().unwrap();
//! let notes = extractor.extract("At least 34,049 Palestinians have been killed, Hamas said.");
//! assert_eq!(notes.figures[0].text, "At least 34,049");
//! ```

pub mod figures;
pub mod gazetteer;
pub mod ner;
pub mod numbers;
pub mod resolve;
mod title;
mod types;

pub use newsflow_article::{
    Entity, EntityType, Figure, FigureKind, FigureValue, Mention, Qualifier, TextField,
};
pub use types::{Annotations, TaggedSpan};

use std::path::Path;

/// Runs entity and figure extraction over article bodies.
///
/// Cheap to share: extraction takes `&self`, so one extractor serves every
/// thread.
pub struct Extractor {
    tagger: ner::Tagger,
}

impl Extractor {
    /// The extractor with the model shipped in this crate.
    pub fn bundled() -> Result<Extractor, ner::ModelError> {
        Ok(Extractor {
            tagger: ner::Tagger::bundled()?,
        })
    }

    /// An extractor with a model file written by `newsflow train ner`.
    pub fn from_model_file(path: &Path) -> Result<Extractor, ner::ModelError> {
        Ok(Extractor {
            tagger: ner::Tagger::load(path)?,
        })
    }

    /// The entities named in `text`, in order of first mention.
    pub fn entities(&self, text: &str) -> Vec<Entity> {
        self.tagger.entities(text)
    }

    /// The entities of an article: those named in `body`, with the mentions
    /// found in `title` joined to them (marked `"field": "title"`, offsets
    /// into the title). The body decides: a title mention joins the body
    /// entity it names (name, mention or surname); a name only the title
    /// gives counts only in a sentence-case title, where the tagger is sure.
    pub fn entities_with_title(&self, title: Option<&str>, body: &str) -> Vec<Entity> {
        let mut entities = self.entities(body);
        if let Some(title) = title.filter(|t| !t.trim().is_empty()) {
            title::join_title_mentions(&mut entities, self.entities(title), title);
        }
        entities
    }

    /// The figures `text` reports, in order of appearance.
    pub fn figures(&self, text: &str) -> Vec<Figure> {
        figures::extract(text)
    }

    /// Entities and figures together.
    pub fn extract(&self, text: &str) -> Annotations {
        Annotations {
            entities: self.entities(text),
            figures: self.figures(text),
        }
    }
}
