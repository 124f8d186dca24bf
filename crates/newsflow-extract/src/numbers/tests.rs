use super::*;

fn one(text: &str) -> (String, f64, NumberKind) {
    let found = recognise(text);
    assert_eq!(found.len(), 1, "{text}: {found:?}");
    let m = &found[0];
    let span: String = text.chars().skip(m.start).take(m.end - m.start).collect();
    (span, m.value, m.kind)
}

#[test]
fn digits_words_and_money() {
    for (text, span, value, kind) in [
        (
            "at least 34,049 died",
            "34,049",
            34049.0,
            NumberKind::Cardinal,
        ),
        (
            "two hundred and two thousand",
            "two hundred and two thousand",
            202000.0,
            NumberKind::Cardinal,
        ),
        (
            "paid $ 75 million .",
            "$ 75 million",
            75e6,
            NumberKind::Currency("USD"),
        ),
        ("rose 12% on", "12%", 12.0, NumberKind::Percent),
        ("a dozen eggs", "a dozen", 12.0, NumberKind::Cardinal),
        (
            "one and a half",
            "one and a half",
            1.5,
            NumberKind::Fraction,
        ),
        ("the 21st century", "21st", 21.0, NumberKind::Ordinal),
        (
            "killed thousands of people",
            "thousands",
            1000.0,
            NumberKind::Cardinal,
        ),
        ("50 cents", "50 cents", 0.5, NumberKind::Currency("USD")),
        ("a 29km road", "29km", 29.0, NumberKind::Measure("km")),
    ] {
        assert_eq!(one(text), (span.into(), value, kind), "{text}");
    }
}

#[test]
fn percentages_named_without_a_number_are_references() {
    let spans = |text: &str| -> Vec<String> {
        percent_references(text)
            .iter()
            .map(|r| text.chars().skip(r.start).take(r.end - r.start).collect())
            .collect()
    };
    assert_eq!(
        spans("Only a small percent attain the top ranks"),
        ["percent"]
    );
    assert_eq!(spans("How do I calculate a percentage?"), ["percentage"]);
    assert_eq!(spans("The table shows the % of increase"), ["%"]);
    assert_eq!(spans("what per cent of them"), ["per cent"]);
    // A percent word or sign that a number takes is no reference.
    assert!(spans("rose 12 percent, 3 per cent, 5% and 2 percentage points").is_empty());
    assert!(spans("percent of 10").is_empty());
    // A sign glued to its neighbours is part of a code.
    assert!(spans("q=30%25%2020").is_empty());
    // References are never numbers, so never figures.
    assert!(recognise("a small percent").is_empty());
    assert!(crate::figures::extract("How do I calculate a percentage?").is_empty());
}

#[test]
fn not_numbers() {
    assert!(recognise("a 3D film and a current student").is_empty());
}
