//! Looking figures up by their text.

use newsflow_extract::{Figure, FigureValue};

/// The figure whose text is `text`; panics, listing them all, when none is.
pub fn find<'f>(figures: &'f [Figure], text: &str) -> &'f Figure {
    figures
        .iter()
        .find(|f| f.text == text)
        .unwrap_or_else(|| panic!("no figure {text:?} in {figures:#?}"))
}

/// The figure's numeric value; panics when it has none.
pub fn number(f: &Figure) -> f64 {
    match f.value {
        Some(FigureValue::Number(n)) => n,
        ref other => panic!("{} has value {other:?}", f.text),
    }
}
