//! Which articles the English model may read: the article's language, as
//! the source gave it or as detected (whatlang), against the transform's
//! `languages`.

use newsflow_core::Article;
use serde_json::json;

/// Text read for detection: enough for a confident answer, little enough to
/// cost nothing next to enrichment.
const DETECTION_CHARS: usize = 2000;

/// What to do with one article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Its language is one the transform enriches (or could not be told).
    Enrich,
    /// Another language: the reason to record (`"language de"`).
    Skip(String),
}

/// The languages a transform enriches (`languages = ["en"]`), as ISO 639-1
/// codes; read from the config, where a code that names no language is
/// refused with its key.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(try_from = "Vec<String>")]
pub struct LanguageGate {
    languages: Vec<String>,
}

impl LanguageGate {
    /// A gate for `languages` (codes such as "en", "eng" or "en-GB"); the
    /// config check refuses codes it cannot read.
    pub fn new(languages: &[String]) -> Result<LanguageGate, String> {
        if languages.is_empty() {
            return Err("name at least one language (`[\"en\"]`)".into());
        }
        let languages = languages
            .iter()
            .map(|code| {
                normalise(code).ok_or_else(|| format!("`{code}` is not an ISO 639 language code"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(LanguageGate { languages })
    }

    /// Sets `language` when the source gave none and detection is sure (and
    /// records `language_detected` with its confidence either way), then
    /// says whether the article is one to enrich. Text whose language cannot
    /// be told (too short, mixed) is enriched.
    pub(crate) fn check(&self, article: &mut Article) -> Verdict {
        let language = match article.language.as_deref().and_then(normalise) {
            Some(given) => Some(given),
            None => detect(article),
        };
        match language {
            Some(code) if !self.languages.contains(&code) => {
                Verdict::Skip(format!("language {code}"))
            }
            _ => Verdict::Enrich,
        }
    }
}

/// Detects the article's language from its title and the start of its body;
/// `Some` when detection is reliable, and then also set as `language`.
fn detect(article: &mut Article) -> Option<String> {
    let mut text = String::with_capacity(DETECTION_CHARS + 200);
    if let Some(title) = &article.title {
        text.push_str(title);
        text.push('\n');
    }
    let end = article
        .body
        .char_indices()
        .nth(DETECTION_CHARS)
        .map_or(article.body.len(), |(i, _)| i);
    text.push_str(&article.body[..end]);
    let info = whatlang::detect(&text)?;
    let code = normalise(info.lang().code())?;
    article.extra.insert(
        "language_detected".into(),
        json!({
            "language": code,
            "confidence": (info.confidence() * 1000.0).round() / 1000.0,
            "reliable": info.is_reliable(),
        }),
    );
    if !info.is_reliable() {
        return None;
    }
    article.language = Some(code.clone());
    Some(code)
}

/// A language tag as its ISO 639-1 code where there is one ("en-GB" ->
/// "en", "deu" -> "de"), else its ISO 639-3 code; `None` when it names no
/// language.
pub(crate) fn normalise(tag: &str) -> Option<String> {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or(tag)
        .trim()
        .to_ascii_lowercase();
    let language = match primary.len() {
        2 => isolang::Language::from_639_1(&primary),
        3 => isolang::Language::from_639_3(&primary),
        _ => None,
    }?;
    // Mandarin is written "zh" by every news source; ISO 639-1 has no code
    // for it, only for its macrolanguage.
    if language.to_639_3() == "cmn" {
        return Some("zh".to_owned());
    }
    Some(
        language
            .to_639_1()
            .map_or_else(|| language.to_639_3().to_owned(), str::to_owned),
    )
}

impl TryFrom<Vec<String>> for LanguageGate {
    type Error = String;

    fn try_from(languages: Vec<String>) -> Result<LanguageGate, String> {
        LanguageGate::new(&languages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(
        languages: &[&str],
        given: Option<&str>,
        title: &str,
        body: &str,
    ) -> (Verdict, Article) {
        let gate = LanguageGate::new(&languages.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap();
        let mut article = Article::from_text("a", body).unwrap();
        article.language = given.map(str::to_owned);
        if !title.is_empty() {
            article.title = Some(title.to_owned());
        }
        (gate.check(&mut article), article)
    }

    const EN: &str = "The central bank raised interest rates by a quarter of a percentage point on Thursday, saying inflation was still too high and the labour market remained tight.";

    #[test]
    fn articles_in_other_languages_are_skipped_and_their_language_set() {
        for (text, code) in [
            ("Ein schweres Erdbeben hat am Freitagabend den Süden Marokkos erschüttert. Nach Angaben des Innenministeriums kamen mehr als tausend Menschen ums Leben, viele weitere wurden verletzt.", "de"),
            ("Un violent séisme a frappé vendredi soir le sud du Maroc. Selon le ministère de l'Intérieur, plus de mille personnes ont perdu la vie et de nombreuses autres ont été blessées.", "fr"),
            ("Un fuerte terremoto sacudió el viernes por la noche el sur de Marruecos. Según el Ministerio del Interior, más de mil personas murieron y muchas otras resultaron heridas.", "es"),
            ("ضرب زلزال قوي جنوب المغرب مساء الجمعة، وقالت وزارة الداخلية إن أكثر من ألف شخص لقوا حتفهم وأصيب كثيرون آخرون.", "ar"),
            ("周五晚间，一场强烈地震袭击了摩洛哥南部。据内政部称，已有一千多人遇难，另有许多人受伤。", "zh"),
            ("В пятницу вечером сильное землетрясение произошло на юге Марокко. По данным министерства внутренних дел, погибли более тысячи человек, многие получили ранения.", "ru"),
        ] {
            let (verdict, article) = verdict(&["en"], None, "", text);
            assert_eq!(verdict, Verdict::Skip(format!("language {code}")), "{text}");
            assert_eq!(article.language.as_deref(), Some(code));
            assert_eq!(article.extra["language_detected"]["language"], code);
        }
    }

    #[test]
    fn english_is_enriched_even_when_short_or_mixed() {
        let (v, article) = verdict(&["en"], None, "", EN);
        assert_eq!(v, Verdict::Enrich);
        assert_eq!(article.language.as_deref(), Some("en"));
        // A short headline-like article: enriched whatever detection says.
        let (v, _) = verdict(&["en"], None, "", "Fed raises rates");
        assert_eq!(v, Verdict::Enrich);
        // Mostly English with a German quote.
        let mixed = format!("{EN} \"Wir sind besorgt\", said the minister. {EN}");
        assert_eq!(verdict(&["en"], None, "", &mixed).0, Verdict::Enrich);
    }

    #[test]
    fn the_sources_language_is_kept_and_trusted() {
        // Tagged German by its source: skipped, and not overwritten.
        let (v, article) = verdict(&["en"], Some("de-DE"), "", EN);
        assert_eq!(v, Verdict::Skip("language de".into()));
        assert_eq!(article.language.as_deref(), Some("de-DE"));
        assert!(!article.extra.contains_key("language_detected"));
        assert_eq!(verdict(&["en"], Some("en-GB"), "", EN).0, Verdict::Enrich);
        // `languages` may name several, in any of the common forms.
        let german = "Die Zentralbank hat die Zinsen am Donnerstag erneut angehoben, weil die Inflation weiterhin zu hoch sei.";
        assert_eq!(verdict(&["en", "deu"], None, "", german).0, Verdict::Enrich);
        assert!(LanguageGate::new(&["english".into()]).is_err());
    }
}
