//! The newsflow vocabulary: the [`Article`] every stage passes on, and the
//! annotations enrichment adds to it ([`Entity`], [`Figure`]).
//!
//! This crate is the wire format. It sits at the bottom of the workspace:
//! the pipeline (`newsflow-core` and up) and the extraction crate both
//! depend on it, and it depends on neither, so a tagger change rebuilds
//! nothing that only moves articles.
//!
//! ```
//! use newsflow_article::Article;
//! let article = Article::from_json(r#"{"id": "a1", "body": "Text."}"#).unwrap();
//! assert_eq!(article.body, "Text.");
//! ```

mod annotations;
mod article;

pub use annotations::{
    Entity, EntityType, Figure, FigureKind, FigureValue, Mention, Qualifier, TextField,
};
pub use article::{parse_date, Article, ArticleError, MAX_ID_BYTES};
