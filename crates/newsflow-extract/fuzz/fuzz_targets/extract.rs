//! Any valid UTF-8 goes through the whole extractor (bundled entity model
//! and figure stage) without panicking, and what it returns is sound: every
//! span lies inside the text in code points and is not empty, every quoted
//! text is the body slice it points at, and every confidence is in [0, 1],
//! mentions come in order and numeric values are finite.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsflow_extract::{Extractor, FigureValue};
use std::sync::OnceLock;

/// The bundled model, loaded once: loading per input would drown the fuzzer.
fn extractor() -> &'static Extractor {
    static EXTRACTOR: OnceLock<Extractor> = OnceLock::new();
    EXTRACTOR.get_or_init(|| Extractor::bundled().expect("the bundled model loads"))
}

/// `text[start..end)` in code points.
fn slice(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take(end - start).collect()
}

fuzz_target!(|text: &str| {
    let chars = text.chars().count();
    let notes = extractor().extract(text);
    for entity in &notes.entities {
        assert!(
            (0.0..=1.0).contains(&entity.confidence),
            "confidence {} of {:?}",
            entity.confidence,
            entity.name
        );
        assert!(
            !entity.mentions.is_empty(),
            "entity {:?} without mentions",
            entity.name
        );
        for m in &entity.mentions {
            assert!(
                m.start < m.end && m.end <= chars,
                "mention {m:?} in {chars} chars"
            );
            assert_eq!(slice(text, m.start, m.end), m.text);
        }
        // Mentions come in order of appearance.
        assert!(entity.mentions.windows(2).all(|w| w[0].start < w[1].start));
    }
    for f in &notes.figures {
        assert!(
            f.start < f.end && f.end <= chars,
            "figure {f:?} in {chars} chars"
        );
        assert_eq!(slice(text, f.start, f.end), f.text);
        if let Some(FigureValue::Number(v)) = f.value {
            assert!(v.is_finite(), "figure {f:?}");
        }
    }
});
