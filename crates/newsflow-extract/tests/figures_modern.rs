//! Figures on 2020s news (issue 10): ranges, measures with units, scores,
//! ratios, events told later in the clause and subjects of money. Each
//! article below was written for these tests.

use figure::{find, number};
use newsflow_extract::figures::extract;
use newsflow_extract::{Figure, FigureKind, FigureValue, Qualifier};

#[path = "common/figure.rs"]
mod figure;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(1.0)
}

/// A figure's kind, value and unit, checked together.
fn assert_figure(f: &Figure, kind: FigureKind, value: f64, unit: Option<&str>) {
    assert_eq!(f.kind, kind, "{f:#?}");
    assert!(close(number(f), value), "{f:#?}");
    assert_eq!(f.unit.as_deref(), unit, "{f:#?}");
}

#[test]
fn issue_examples() {
    let one = |text: &str| {
        let figures = extract(text);
        assert_eq!(figures.len(), 1, "{text}: {figures:#?}");
        figures.into_iter().next().unwrap()
    };
    let quake = one("A magnitude 6.8 earthquake struck the coast.");
    assert_eq!(quake.text, "magnitude 6.8");
    assert_figure(&quake, FigureKind::Measure, 6.8, Some("Mw"));

    let dead = one("Fourteen children were among the dead.");
    assert_eq!(dead.event.as_deref(), Some("killed"));
    assert_eq!(dead.subject.as_deref(), Some("children"));

    let displaced =
        one("About 1.9 million people across the province had been displaced by the floods.");
    assert_figure(&displaced, FigureKind::Count, 1.9e6, None);
    assert_eq!(displaced.event.as_deref(), Some("displaced"));

    let wounded = one("Dozens of people were wounded in the blast.");
    assert_eq!(wounded.event.as_deref(), Some("injured"));

    let ratio = one("Nine in ten residents want the park kept.");
    assert_figure(&ratio, FigureKind::Ratio, 9.0, None);
    assert_eq!(ratio.of, Some(10.0));
    assert_eq!(ratio.subject.as_deref(), Some("residents"));

    let range = one("Between 20,000 and 30,000 people marched.");
    assert_eq!(range.text, "Between 20,000 and 30,000");
    assert_figure(&range, FigureKind::Count, 25_000.0, None);
    assert_eq!((range.low, range.high), (Some(20_000.0), Some(30_000.0)));

    let score = one("Arsenal won 3-1 at home.");
    assert_figure(&score, FigureKind::Score, 3.0, None);
    assert_eq!(score.against, Some(1.0));

    let form = one("They have won 11 of their last 12 games.");
    assert_eq!(form.text, "11 of their last 12");
    assert_figure(&form, FigureKind::Ratio, 11.0, None);
    assert_eq!(form.of, Some(12.0));

    let crowd = one("It was played before a crowd of 53,400.");
    assert_figure(&crowd, FigureKind::Count, 53_400.0, None);
    assert_eq!(crowd.subject.as_deref(), Some("crowd"));

    for (text, value, unit, base) in [
        ("It was 4 °C at dawn.", 4.0, "°C", Some((4.0, "°C"))),
        (
            "The chip runs at 2.80 GHz.",
            2.8,
            "GHz",
            Some((2.8e9, "Hz")),
        ),
        ("It ships with 8 MB of cache.", 8.0, "MB", Some((8e6, "B"))),
        ("They sell a 100 cl bottle.", 100.0, "cl", Some((1.0, "l"))),
        ("The scan gave 14 mGy.", 14.0, "mGy", Some((0.014, "Gy"))),
        ("A 29km road opened.", 29.0, "km", Some((29_000.0, "m"))),
    ] {
        let f = one(text);
        assert_figure(&f, FigureKind::Measure, value, Some(unit));
        let got = f.base_value.zip(f.base_unit.as_deref());
        assert!(
            matches!((got, base), (Some((v, u)), Some((bv, bu))) if close(v, bv) && u == bu),
            "{text}: {f:#?}"
        );
    }
}

#[test]
fn ranges_are_one_figure_at_their_midpoint() {
    let figures = extract(
        "The merger is valued at $38-40 billion. Some 20 to 30 people attended. \
         Patients got 44 mg to 50 mg a day. Prices rose 10-15% this year.",
    );
    let money = find(&figures, "$38-40 billion");
    assert_figure(money, FigureKind::Money, 39e9, Some("USD"));
    assert_eq!((money.low, money.high), (Some(38e9), Some(40e9)));

    let people = find(&figures, "Some 20 to 30");
    assert_figure(people, FigureKind::Count, 25.0, None);
    assert_eq!(people.qualifier, Qualifier::Approximately);
    assert_eq!(people.subject.as_deref(), Some("people"));

    let dose = find(&figures, "44 mg to 50 mg");
    assert_figure(dose, FigureKind::Measure, 47.0, Some("mg"));
    assert_eq!((dose.low, dose.high), (Some(44.0), Some(50.0)));

    let rise = find(&figures, "10-15%");
    assert_figure(rise, FigureKind::Percent, 12.5, None);
}

#[test]
fn changes_and_codes_are_not_ranges() {
    // "rose from 5 to 7" is a change: two figures, neither a range.
    let figures = extract("Unemployment rose from 5% to 7% while 2020-2024 saw growth.");
    assert!(figures.iter().all(|f| f.low.is_none()), "{figures:#?}");
    // A phone number is no range and no score.
    let figures = extract("Call +1-222-2222-2222 for details.");
    assert!(
        figures
            .iter()
            .all(|f| f.low.is_none() && f.kind != FigureKind::Score),
        "{figures:#?}"
    );
}

#[test]
fn money_names_what_it_is() {
    let figures = extract(
        "Nvidia said revenue jumped to $26 billion. Rivian reported a net loss of €1.2 billion \
         and received $5 billion in funding. Kenya took a $2 billion loan and its $300 million \
         aid package was cut, while $1 billion was lost.",
    );
    for (text, subject) in [
        ("$26 billion", "revenue"),
        ("€1.2 billion", "net loss"),
        ("$5 billion", "funding"),
        ("$2 billion", "loan"),
        ("$300 million", "aid package"),
    ] {
        assert_eq!(
            find(&figures, text).subject.as_deref(),
            Some(subject),
            "{text}"
        );
    }
    assert_eq!(find(&figures, "$1 billion").subject, None);
}

const MARKETS: &str = "\
Stocks closed higher on Thursday after the chipmaker Halvard Systems said quarterly revenue \
climbed to $18.4 billion, beating forecasts. Its shares rose 9% in late trading.
The company expects sales of $19-20 billion next quarter and said it would buy back up to \
$5 billion of stock. Its rival Oskel posted a net loss of €640 million.
Brent crude slipped 1.2% to $81 a barrel, while output from the region held at about 2.1 million \
barrels a day.";

#[test]
fn markets_story() {
    let figures = extract(MARKETS);
    let revenue = find(&figures, "$18.4 billion");
    assert_figure(revenue, FigureKind::Money, 18.4e9, Some("USD"));
    assert_eq!(revenue.subject.as_deref(), Some("quarterly revenue"));
    assert_figure(find(&figures, "9%"), FigureKind::Percent, 9.0, None);
    let guidance = find(&figures, "$19-20 billion");
    assert_figure(guidance, FigureKind::Money, 19.5e9, Some("USD"));
    assert_eq!((guidance.low, guidance.high), (Some(19e9), Some(20e9)));
    assert_eq!(guidance.subject.as_deref(), Some("sales"));
    let buyback = find(&figures, "up to $5 billion");
    assert_eq!(buyback.qualifier, Qualifier::UpTo);
    let loss = find(&figures, "€640 million");
    assert_eq!(loss.subject.as_deref(), Some("net loss"));
    assert_figure(find(&figures, "1.2%"), FigureKind::Percent, 1.2, None);
    assert_figure(find(&figures, "$81"), FigureKind::Money, 81.0, Some("USD"));
    let output = find(&figures, "about 2.1 million barrels");
    assert_figure(output, FigureKind::Measure, 2.1e6, Some("bbl"));
}

const DISASTER: &str = "\
A magnitude 7.1 earthquake struck the mountainous north of the country before dawn on Monday.
At least 212 people were killed and more than 1,400 were injured, the interior ministry said. \
Fourteen children were among the dead at a collapsed school.
About 38,000 people in the worst-hit districts had been displaced, and rescuers said between \
50 and 60 people were still missing. Aftershocks of up to 5.4 magnitude rattled the valley, \
and temperatures fell to -6 °C overnight.";

#[test]
fn disaster_story() {
    let figures = extract(DISASTER);
    let quake = find(&figures, "magnitude 7.1");
    assert_figure(quake, FigureKind::Measure, 7.1, Some("Mw"));
    let killed = find(&figures, "At least 212");
    assert_eq!(killed.event.as_deref(), Some("killed"));
    assert_eq!(killed.qualifier, Qualifier::AtLeast);
    let injured = find(&figures, "more than 1,400");
    assert_eq!(injured.event.as_deref(), Some("injured"));
    let children = find(&figures, "Fourteen");
    assert_eq!(children.event.as_deref(), Some("killed"));
    assert_eq!(children.subject.as_deref(), Some("children"));
    let displaced = find(&figures, "About 38,000");
    assert_eq!(displaced.event.as_deref(), Some("displaced"));
    let missing = find(&figures, "between 50 and 60");
    assert_figure(missing, FigureKind::Count, 55.0, None);
    assert_eq!(missing.event.as_deref(), Some("missing"));
    let aftershocks = find(&figures, "up to 5.4 magnitude");
    assert_figure(aftershocks, FigureKind::Measure, 5.4, Some("Mw"));
    let cold = find(&figures, "-6 °C");
    assert_figure(cold, FigureKind::Measure, -6.0, Some("°C"));
}

const FOOTBALL: &str = "\
Corvell United came from behind to beat Saltmarsh 3-1 on Saturday in front of a crowd of 41,250.
The win was United's ninth in a row; they have won 11 of their last 12 league games. \
Saltmarsh led 1-0 at half-time through a 25-yard strike, and have now lost 0-2 at home twice.
Nine in ten season-ticket holders renewed this summer.";

#[test]
fn football_match() {
    let figures = extract(FOOTBALL);
    let score = find(&figures, "3-1");
    assert_figure(score, FigureKind::Score, 3.0, None);
    assert_eq!(score.against, Some(1.0));
    let crowd = find(&figures, "41,250");
    assert_eq!(crowd.subject.as_deref(), Some("crowd"));
    let form = find(&figures, "11 of their last 12");
    assert_eq!((form.kind, form.of), (FigureKind::Ratio, Some(12.0)));
    let half = find(&figures, "1-0");
    assert_eq!((half.kind, half.against), (FigureKind::Score, Some(0.0)));
    // A home side's loss: the lower side first is still a score here.
    let loss = find(&figures, "0-2");
    assert_eq!((loss.kind, loss.against), (FigureKind::Score, Some(2.0)));
    let renewals = find(&figures, "Nine in ten");
    assert_eq!(
        (renewals.kind, renewals.of),
        (FigureKind::Ratio, Some(10.0))
    );
    assert!(
        figures
            .iter()
            .all(|f| f.kind != FigureKind::Count || f.text != "3"),
        "{figures:#?}"
    );
}

const TECH: &str = "\
The new Parrow X2 laptop runs on a 3.4 GHz processor with 32 GB of memory and a 2 TB drive, \
and its 65W charger fills the battery in about 45 minutes.
The company said it sold 2.3 million units last quarter, and that device revenue rose to \
$4.1 billion. Downloads reach 940 Mbps on the new Wi-Fi chip, which draws under 2W.";

#[test]
fn tech_story() {
    let figures = extract(TECH);
    let clock = find(&figures, "3.4 GHz");
    assert_figure(clock, FigureKind::Measure, 3.4, Some("GHz"));
    assert_eq!(clock.base_value, Some(3.4e9));
    let memory = find(&figures, "32 GB");
    assert_figure(memory, FigureKind::Measure, 32.0, Some("GB"));
    assert_eq!(memory.base_unit.as_deref(), Some("B"));
    assert_figure(find(&figures, "2 TB"), FigureKind::Measure, 2.0, Some("TB"));
    assert_figure(find(&figures, "65W"), FigureKind::Measure, 65.0, Some("W"));
    let charge = find(&figures, "about 45 minutes");
    assert_eq!(charge.kind, FigureKind::Duration);
    let units = find(&figures, "2.3 million");
    assert_figure(units, FigureKind::Count, 2.3e6, None);
    assert_eq!(units.subject.as_deref(), Some("units"));
    let revenue = find(&figures, "$4.1 billion");
    assert_eq!(revenue.subject.as_deref(), Some("device revenue"));
    let speed = find(&figures, "940 Mbps");
    assert_figure(speed, FigureKind::Measure, 940.0, Some("Mb/s"));
    let draw = find(&figures, "under 2W");
    assert_eq!(draw.qualifier, Qualifier::LessThan);
}

const HEALTH: &str = "\
Health officials said 1 in 8 adults in the region now has diabetes, and nearly 3,200 patients \
were hospitalised with influenza last week.
In the trial, 412 of the 600 volunteers received 44 mg to 50 mg of the drug daily; a CT scan \
delivers about 14 mGy. Patients with a fever above 38.5 °C should drink 2 litres of water a day.
The ministry will spend €2.5 billion on new clinics.";

#[test]
fn health_story() {
    let figures = extract(HEALTH);
    let diabetes = find(&figures, "1 in 8");
    assert_figure(diabetes, FigureKind::Ratio, 1.0, None);
    assert_eq!(diabetes.of, Some(8.0));
    assert_eq!(diabetes.subject.as_deref(), Some("adults"));
    let flu = find(&figures, "nearly 3,200");
    assert_eq!(flu.event.as_deref(), Some("hospitalised"));
    assert_eq!(flu.subject.as_deref(), Some("patients"));
    let trial = find(&figures, "412 of the 600");
    assert_eq!((trial.kind, trial.of), (FigureKind::Ratio, Some(600.0)));
    assert_eq!(trial.subject.as_deref(), Some("volunteers"));
    let dose = find(&figures, "44 mg to 50 mg");
    assert_eq!((dose.low, dose.high), (Some(44.0), Some(50.0)));
    let scan = find(&figures, "about 14 mGy");
    assert_figure(scan, FigureKind::Measure, 14.0, Some("mGy"));
    let fever = find(&figures, "above 38.5 °C");
    assert_eq!(fever.qualifier, Qualifier::MoreThan);
    assert_figure(fever, FigureKind::Measure, 38.5, Some("°C"));
    assert_figure(
        find(&figures, "2 litres"),
        FigureKind::Measure,
        2.0,
        Some("l"),
    );
    let budget = find(&figures, "€2.5 billion");
    assert_figure(budget, FigureKind::Money, 2.5e9, Some("EUR"));
}

#[test]
fn new_fields_serialise_only_when_set() {
    let figures = extract("Between 20 and 30 people came; it was 4 °C.");
    let json = serde_json::to_value(&figures).unwrap();
    assert_eq!(json[0]["low"], 20);
    assert_eq!(json[0]["high"], 30);
    assert_eq!(json[0]["value"], 25);
    assert!(json[0].get("base_value").is_none());
    assert_eq!(json[1]["base_unit"], "°C");
    assert!(json[1].get("low").is_none());
}

#[test]
fn later_events_stay_in_their_clause() {
    let figures =
        extract("About 500 protesters gathered outside the prison where activists were detained.");
    assert_eq!(figures[0].event, None, "{figures:#?}");
    // The event after the next number is that number's.
    let figures = extract("Some 40 workers were on site and 3 were killed.");
    assert_eq!(figures[0].event, None, "{figures:#?}");
    assert_eq!(figures[1].event.as_deref(), Some("killed"), "{figures:#?}");
}

proptest::proptest! {
    #[test]
    fn ranges_read_back(low in 1u32..500_000, extra in 1u32..500_000) {
        let high = low + extra;
        let text = format!("Officials said between {low} and {high} people had fled.");
        let figures = extract(&text);
        proptest::prop_assert_eq!(figures.len(), 1, "{:?}", figures);
        let f = &figures[0];
        proptest::prop_assert_eq!((f.low, f.high), (Some(f64::from(low)), Some(f64::from(high))));
        proptest::prop_assert!(close(number(f), (f64::from(low) + f64::from(high)) / 2.0));
    }

    #[test]
    fn number_ranges_are_sound(text in "[0-9a-z ,.$%<>=~\\-–]{0,80}") {
        let chars = text.chars().count();
        for r in newsflow_extract::numbers::ranges(&text) {
            proptest::prop_assert!(r.start < r.end && r.end <= chars);
            if let (Some(l), Some(h)) = (r.low, r.high) {
                proptest::prop_assert!(l.value <= h.value, "{:?}", r);
            }
        }
        for f in extract(&text) {
            if let (Some(l), Some(h)) = (f.low, f.high) {
                proptest::prop_assert!(l < h && l.is_finite() && h.is_finite());
            }
            proptest::prop_assert!(f.base_value.is_none_or(f64::is_finite));
        }
    }
}

#[test]
fn huge_values_stay_finite() {
    // 9.9e307 and 1e308: their sum overflows, and so do 1e308 terabytes.
    let (low, high) = (
        format!("99{}", "0".repeat(306)),
        format!("1{}", "0".repeat(308)),
    );
    let text = format!("between {low} and {high} km, and {high} TB");
    for f in extract(&text) {
        assert!(
            matches!(f.value, Some(FigureValue::Number(v)) if v.is_finite()),
            "{f:#?}"
        );
        assert!(f.base_value.is_none_or(f64::is_finite), "{f:#?}");
    }
}

#[test]
fn modern_wire_copy() {
    let figures = extract(
        "Temperatures hit 40C in London. The 5G rollout slowed. About 240 were taken hostage.",
    );
    let heat = find(&figures, "40C");
    assert_figure(heat, FigureKind::Measure, 40.0, Some("°C"));
    assert!(figures.iter().all(|f| f.text != "5G"), "{figures:#?}");
    let hostages = find(&figures, "About 240");
    assert_eq!(hostages.event.as_deref(), Some("kidnapped"));
    // A code with a glued letter is no temperature.
    assert!(extract("The SCP-173C file and the 13F filing.").is_empty());
}
