//! Any valid UTF-8 goes through the number recogniser and the figure stage
//! without panicking, and every span they return lies inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsflow_extract::{figures, numbers};

fuzz_target!(|text: &str| {
    let chars = text.chars().count();
    for m in numbers::recognise(text) {
        assert!(m.start < m.end && m.end <= chars);
        assert!(m.number_start >= m.start && m.number_end <= m.end);
        assert!(m.value.is_finite());
    }
    for f in figures::extract(text) {
        assert!(f.start < f.end && f.end <= chars);
        let slice: String = text.chars().skip(f.start).take(f.end - f.start).collect();
        assert_eq!(slice, f.text);
    }
});
