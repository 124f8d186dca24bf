//! The figure stage and the number recogniser, from the outside: the seed
//! articles' hand-annotated figures, the guards of issue 3, and properties
//! that must hold for any text.

use figure::{find, number};
use newsflow_extract::figures::extract;
use newsflow_extract::numbers::{recognise, NumberKind};
use newsflow_extract::{FigureKind, FigureValue, Qualifier};
use proptest::prelude::*;
use seed::seed;

#[path = "common/figure.rs"]
mod figure;
#[path = "common/seed.rs"]
mod seed;

#[test]
fn seed_casualty_counts_carry_qualifier_event_and_subject() {
    let text = seed("001_a4ea0b491cf02130");
    let figures = extract(&text);

    let israelis = find(&figures, "some 1,200");
    assert_eq!((israelis.start, israelis.end), (1432, 1442));
    assert_eq!(number(israelis), 1200.0);
    assert_eq!(israelis.kind, FigureKind::Count);
    assert_eq!(israelis.qualifier, Qualifier::Approximately);
    assert_eq!(israelis.event.as_deref(), Some("killed"));
    assert_eq!(israelis.subject.as_deref(), Some("Israelis"));

    let killed = find(&figures, "at least 34,049");
    assert_eq!((killed.start, killed.end), (2614, 2629));
    assert_eq!(killed.qualifier, Qualifier::AtLeast);
    assert_eq!(killed.event.as_deref(), Some("killed"));
    assert_eq!(killed.subject.as_deref(), Some("Palestinians"));

    let injured = find(&figures, "76,901");
    assert_eq!(number(injured), 76901.0);
    assert_eq!(injured.qualifier, Qualifier::Exact);
    assert_eq!(injured.event.as_deref(), Some("injured"));

    let years = find(&figures, "100 years");
    assert_eq!(years.kind, FigureKind::Duration);
    assert_eq!(years.unit.as_deref(), Some("year"));

    let date = find(&figures, "Oct. 7");
    assert_eq!(date.kind, FigureKind::Date);
    assert_eq!(date.value, None);
}

#[test]
fn seed_years_dates_and_guards() {
    let text = seed("002_c00a475b037828e3");
    let figures = extract(&text);

    let agreements = find(&figures, "eight");
    assert_eq!(number(agreements), 8.0);
    assert_eq!(agreements.subject.as_deref(), Some("agreements"));
    assert_eq!(agreements.event, None);

    let lives = find(&figures, "at least 43,700");
    assert_eq!(lives.event.as_deref(), Some("killed"));

    let date = find(&figures, "Oct. 7, 2023");
    assert_eq!(date.value, Some(FigureValue::Date("2023-10-07".into())));
    assert_eq!((date.start, date.end), (1169, 1181));

    // "1967 borders" and "since the 2017 blockade" are years, not counts.
    assert_eq!(find(&figures, "1967").kind, FigureKind::Year);
    assert_eq!(find(&figures, "2017").kind, FigureKind::Year);
    // "two-state solution" and "the two countries" report nothing.
    assert!(
        figures.iter().all(|f| !f.text.contains("two")),
        "{figures:#?}"
    );

    let first = extract(&seed("000_556abafe27730ed2"));
    // "First lady" and "first ladies" are no figures.
    assert!(
        first.iter().all(|f| f.kind != FigureKind::Ordinal),
        "{first:#?}"
    );
    let thousands = find(&first, "thousands");
    assert_eq!(thousands.qualifier, Qualifier::AtLeast);
    assert_eq!(thousands.subject.as_deref(), Some("Palestinians"));
    assert_eq!(find(&first, "2009").kind, FigureKind::Year);
}

#[test]
fn ages_ordinals_and_names_are_not_counts() {
    let figures = extract("A 15-year-old boy was killed. John Smith, 45, died on Monday.");
    assert!(figures.is_empty(), "{figures:#?}");

    let figures = extract("It was the 21st attack, the fourth this month, on Resolution 2334.");
    let kinds: Vec<_> = figures.iter().map(|f| (f.text.as_str(), f.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            ("21st", FigureKind::Ordinal),
            ("fourth", FigureKind::Ordinal)
        ]
    );

    assert!(extract("The F-16 flew over COVID-19 wards at 10:30 a.m.").is_empty());
}

#[test]
fn money_percent_and_measures() {
    let figures = extract(
        "Profit rose 12% to $75 million, or about 420 million Finnish markka, across 5 km.",
    );
    let money = find(&figures, "$75 million");
    assert_eq!((money.kind, number(money)), (FigureKind::Money, 75e6));
    assert_eq!(money.unit.as_deref(), Some("USD"));
    let markka = find(&figures, "about 420 million Finnish markka");
    assert_eq!(markka.unit.as_deref(), Some("FIM"));
    assert_eq!(markka.qualifier, Qualifier::Approximately);
    assert_eq!(find(&figures, "12%").kind, FigureKind::Percent);
    let distance = find(&figures, "5 km");
    assert_eq!(
        (distance.kind, distance.unit.as_deref()),
        (FigureKind::Measure, Some("km"))
    );
}

#[test]
fn qualifiers_and_events_in_words() {
    let figures = extract("Nearly two dozen people were wounded and up to 3,000 were evacuated.");
    let wounded = find(&figures, "Nearly two dozen");
    assert_eq!(number(wounded), 24.0);
    assert_eq!(wounded.qualifier, Qualifier::Approximately);
    assert_eq!(wounded.event.as_deref(), Some("injured"));
    let evacuated = find(&figures, "up to 3,000");
    assert_eq!(evacuated.qualifier, Qualifier::UpTo);
    assert_eq!(evacuated.event.as_deref(), Some("evacuated"));
}

#[test]
fn adversarial_inputs_are_fast_and_safe() {
    let inputs = [
        "1,".repeat(200_000),
        "one and ".repeat(100_000),
        "9".repeat(100_000),
        "a ".repeat(200_000),
        "1 234 ".repeat(100_000),
        "½-".repeat(100_000),
        "$".repeat(100_000) + "5",
        "\u{202e}٣٤ 12\u{301}%".repeat(50_000),
    ];
    let started = std::time::Instant::now();
    for input in &inputs {
        let _ = recognise(input);
        let _ = extract(input);
    }
    // Generous for debug builds on a shared machine; quadratic scans take minutes.
    assert!(
        started.elapsed().as_secs() < 60,
        "took {:?}",
        started.elapsed()
    );
}

/// English words for `n` (below a billion), the way news writes them.
fn in_words(n: u64) -> String {
    const SMALL: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 10] = [
        "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    fn below_thousand(n: u64, out: &mut Vec<String>) {
        let (hundreds, rest) = (n / 100, n % 100);
        if hundreds > 0 {
            out.push(format!("{} hundred", SMALL[hundreds as usize]));
            if rest > 0 {
                out.push("and".into());
            }
        }
        if rest >= 20 {
            let unit = rest % 10;
            out.push(if unit > 0 {
                format!("{}-{}", TENS[(rest / 10) as usize], SMALL[unit as usize])
            } else {
                TENS[(rest / 10) as usize].to_string()
            });
        } else if rest > 0 {
            out.push(SMALL[rest as usize].to_string());
        }
    }
    if n == 0 {
        return "zero".into();
    }
    let mut out = Vec::new();
    for (scale, name) in [(1_000_000, "million"), (1_000, "thousand"), (1, "")] {
        let group = n / scale % 1000;
        if group > 0 {
            below_thousand(group, &mut out);
            if !name.is_empty() {
                out.push(name.into());
            }
        }
    }
    out.join(" ")
}

proptest! {
    #[test]
    fn recognise_is_total_and_spans_are_sound(text in "\\PC{0,200}") {
        let chars = text.chars().count();
        let mut last_end = 0;
        for m in recognise(&text) {
            prop_assert!(m.start < m.end && m.end <= chars);
            prop_assert!(m.number_start >= m.start && m.number_end <= m.end);
            prop_assert!(m.start >= last_end, "overlapping mentions");
            prop_assert!(m.value.is_finite());
            last_end = m.end;
        }
    }

    #[test]
    fn number_shaped_text_is_safe(text in "[0-9a-z ,.$%/^e\\-½]{0,80}") {
        let chars = text.chars().count();
        for m in recognise(&text) {
            prop_assert!(m.start < m.end && m.end <= chars && m.value.is_finite());
        }
        for f in extract(&text) {
            let slice: String = text.chars().skip(f.start).take(f.end - f.start).collect();
            prop_assert_eq!(slice, f.text);
        }
    }

    #[test]
    fn figures_cover_their_text(text in "\\PC{0,200}") {
        for f in extract(&text) {
            let slice: String = text.chars().skip(f.start).take(f.end - f.start).collect();
            prop_assert_eq!(&slice, &f.text);
        }
    }

    #[test]
    fn grouped_digits_read_back(n in 0u64..1_000_000_000_000_000) {
        let digits = n.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let text = format!("They counted {grouped} ballots.");
        let found = recognise(&text);
        prop_assert_eq!(found.len(), 1);
        prop_assert_eq!(found[0].value, n as f64);
        prop_assert_eq!(found[0].kind, NumberKind::Cardinal);
        prop_assert_eq!(found[0].end - found[0].start, grouped.chars().count());
    }

    #[test]
    fn numbers_in_words_read_back(n in 0u64..1_000_000_000) {
        let words = in_words(n);
        let text = format!("Officials counted {words} ballots.");
        let found = recognise(&text);
        prop_assert_eq!(found.len(), 1, "{:?}", found);
        prop_assert_eq!(found[0].value, n as f64);
        prop_assert_eq!(found[0].end - found[0].start, words.chars().count());
    }

    #[test]
    fn decimals_and_percentages_read_back(whole in 0u32..100_000, cents in 0u32..100) {
        let text = format!("It rose {whole}.{cents:02}% this year.");
        let found = recognise(&text);
        prop_assert_eq!(found.len(), 1);
        prop_assert_eq!(found[0].kind, NumberKind::Percent);
        let expected = f64::from(whole) + f64::from(cents) / 100.0;
        prop_assert!((found[0].value - expected).abs() < 1e-9);
    }
}
