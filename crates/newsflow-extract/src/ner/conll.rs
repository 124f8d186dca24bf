//! CoNLL-2003 files (IOB1 or IOB2) and conlleval-style span scoring.

use super::labels::TokenSpan;
use crate::EntityType;
use std::fmt;
use std::ops::Range;

/// One document of a CoNLL file: tokens, sentence ranges, gold spans.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    /// Every token of the document.
    pub tokens: Vec<String>,
    /// Token index ranges of the sentences, in order.
    pub sentences: Vec<Range<usize>>,
    /// Gold entity spans, as document token indices.
    pub spans: Vec<TokenSpan>,
}

impl Document {
    /// The tokens as string slices.
    pub fn token_strs(&self) -> Vec<&str> {
        self.tokens.iter().map(String::as_str).collect()
    }

    /// Each sentence as a document of its own (for corpora of unrelated
    /// sentences, where document-level features must not link them).
    pub fn split_sentences(&self) -> Vec<Document> {
        self.sentences
            .iter()
            .map(|s| Document {
                tokens: self.tokens[s.clone()].to_vec(),
                sentences: std::iter::once(0..s.len()).collect(),
                spans: self
                    .spans
                    .iter()
                    .filter(|t| t.start >= s.start && t.end <= s.end)
                    .map(|t| TokenSpan {
                        start: t.start - s.start,
                        end: t.end - s.start,
                        kind: t.kind,
                    })
                    .collect(),
            })
            .collect()
    }
}

/// Parses CoNLL text: one token a line with the NER tag in the last column,
/// blank lines between sentences, `-DOCSTART-` lines between documents.
/// Tags may be IOB1 or IOB2; anything that is not `B-`/`I-` of a CoNLL type
/// reads as `O`.
pub fn parse(text: &str) -> Vec<Document> {
    parse_mapped(text, |label| {
        EntityType::from_label(label).map(EntityType::label)
    })
}

/// The CoNLL-2003 type of a fine-grained entity type of another annotation
/// scheme (WNUT-17, CrossNER), or `None` for types CoNLL-2003 does not name
/// (genres, fields, algorithms, chemicals), which read as `O`. CoNLL types
/// map to themselves.
pub fn conll_type(label: &str) -> Option<&'static str> {
    Some(match label {
        "PER" | "person" | "politician" | "writer" | "scientist" | "musicalartist"
        | "researcher" => "PER",
        "ORG" | "organisation" | "organization" | "corporation" | "group" | "politicalparty"
        | "university" | "band" | "magazine" | "academicjournal" => "ORG",
        "LOC" | "location" | "country" => "LOC",
        "MISC" | "misc" | "product" | "creative-work" | "award" | "election" | "event" | "book"
        | "album" | "poem" | "song" | "conference" | "programlang" => "MISC",
        _ => return None,
    })
}

/// Like [`parse`], with each tag's type first read through `map` (such as
/// [`conll_type`]): tags whose type maps to something other than a CoNLL
/// type read as `O`.
pub fn parse_mapped(text: &str, map: impl Fn(&str) -> Option<&'static str>) -> Vec<Document> {
    let mut docs = Vec::new();
    let mut doc = Document::default();
    let mut tags: Vec<String> = Vec::new();
    let mut sentence_start = 0;
    let close_sentence = |doc: &mut Document, tags: &mut Vec<String>, start: &mut usize| {
        if doc.tokens.len() > *start {
            doc.spans
                .extend(chunks(&tags[*start..]).into_iter().map(|s| TokenSpan {
                    start: s.start + *start,
                    end: s.end + *start,
                    kind: s.kind,
                }));
            doc.sentences.push(*start..doc.tokens.len());
            *start = doc.tokens.len();
        }
    };
    for line in text.lines() {
        let mut cols = line.split_whitespace();
        let Some(token) = cols.next() else {
            close_sentence(&mut doc, &mut tags, &mut sentence_start);
            continue;
        };
        if token == "-DOCSTART-" {
            close_sentence(&mut doc, &mut tags, &mut sentence_start);
            if !doc.tokens.is_empty() {
                docs.push(std::mem::take(&mut doc));
            }
            tags.clear();
            sentence_start = 0;
            continue;
        }
        let tag = cols.last().unwrap_or("O");
        let tag = match tag
            .split_once('-')
            .and_then(|(p, label)| Some((p, map(label)?)))
        {
            Some((prefix, kind)) => format!("{prefix}-{kind}"),
            None => "O".to_string(),
        };
        doc.tokens.push(token.to_string());
        tags.push(tag);
    }
    close_sentence(&mut doc, &mut tags, &mut sentence_start);
    if !doc.tokens.is_empty() {
        docs.push(doc);
    }
    docs
}

/// The entity chunks of a tag sequence, read as conlleval reads them: a chunk
/// starts at `B-X`, or at `I-X` after anything but `X`; it ends at `O`, `B-`,
/// or a change of type. This reads IOB1 and IOB2 alike.
pub fn chunks<S: AsRef<str>>(tags: &[S]) -> Vec<TokenSpan> {
    let mut spans = Vec::new();
    let mut open: Option<(usize, EntityType)> = None;
    for (i, tag) in tags.iter().enumerate() {
        let tag = tag.as_ref();
        let (prefix, kind) = match tag.split_once('-') {
            Some((p @ ("B" | "I" | "E" | "S" | "L" | "U"), label)) => {
                (p, EntityType::from_label(label))
            }
            _ => ("O", None),
        };
        let continues = matches!(prefix, "I" | "E" | "L") && open.map(|o| o.1) == kind;
        if !continues {
            if let Some((start, k)) = open.take() {
                spans.push(TokenSpan {
                    start,
                    end: i,
                    kind: k,
                });
            }
            if let Some(k) = kind {
                open = Some((i, k));
            }
        }
        // BIOES/BILOU chunks close on their last tag.
        if matches!(prefix, "E" | "S" | "L" | "U") {
            if let Some((start, k)) = open.take() {
                spans.push(TokenSpan {
                    start,
                    end: i + 1,
                    kind: k,
                });
            }
        }
    }
    if let Some((start, k)) = open {
        spans.push(TokenSpan {
            start,
            end: tags.len(),
            kind: k,
        });
    }
    spans
}

/// Span-exact counts per type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Predicted spans that match a gold span exactly (bounds and type).
    pub correct: usize,
    /// Predicted spans.
    pub predicted: usize,
    /// Gold spans.
    pub gold: usize,
}

impl Counts {
    /// Precision, in `[0, 1]`.
    pub fn precision(&self) -> f64 {
        ratio(self.correct, self.predicted)
    }
    /// Recall, in `[0, 1]`.
    pub fn recall(&self) -> f64 {
        ratio(self.correct, self.gold)
    }
    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// conlleval-style scores: overall and per type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Score {
    /// Tokens seen.
    pub tokens: usize,
    /// All types together.
    pub overall: Counts,
    /// Per type, in [`EntityType::ALL`] order.
    pub per_type: [Counts; 4],
}

impl Score {
    /// Adds one sentence or document: gold and predicted spans over `tokens` tokens.
    pub fn add(&mut self, tokens: usize, gold: &[TokenSpan], predicted: &[TokenSpan]) {
        self.tokens += tokens;
        let index = |k: EntityType| EntityType::ALL.iter().position(|&x| x == k).unwrap_or(0);
        let mut gold_sorted = gold.to_vec();
        gold_sorted.sort_unstable();
        for g in gold {
            self.overall.gold += 1;
            self.per_type[index(g.kind)].gold += 1;
        }
        for p in predicted {
            self.overall.predicted += 1;
            self.per_type[index(p.kind)].predicted += 1;
            if gold_sorted.binary_search(p).is_ok() {
                self.overall.correct += 1;
                self.per_type[index(p.kind)].correct += 1;
            }
        }
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.overall;
        writeln!(
            f,
            "processed {} tokens with {} phrases; found: {} phrases; correct: {}.",
            self.tokens, o.gold, o.predicted, o.correct
        )?;
        let line = |f: &mut fmt::Formatter<'_>, name: &str, c: &Counts| {
            writeln!(
                f,
                "{name:>8}: precision: {:6.2}%; recall: {:6.2}%; FB1: {:6.2}  {}",
                100.0 * c.precision(),
                100.0 * c.recall(),
                100.0 * c.f1(),
                c.predicted
            )
        };
        line(f, "overall", o)?;
        for (kind, c) in EntityType::ALL.iter().zip(&self.per_type) {
            line(f, kind.label(), c)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: usize, end: usize, kind: EntityType) -> TokenSpan {
        TokenSpan { start, end, kind }
    }

    #[test]
    fn iob1_and_iob2_read_alike() {
        let iob1 = ["I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG"];
        let iob2 = ["B-PER", "I-PER", "B-PER", "O", "B-LOC", "B-ORG"];
        let want = vec![
            span(0, 2, EntityType::Person),
            span(2, 3, EntityType::Person),
            span(4, 5, EntityType::Location),
            span(5, 6, EntityType::Organisation),
        ];
        assert_eq!(chunks(&iob1), want);
        assert_eq!(chunks(&iob2), want);
    }

    #[test]
    fn parses_documents_and_sentences() {
        let text = "EU NNP I-NP I-ORG\nrejects VBZ I-VP O\n\nPeter NNP I-NP I-PER\nBlackburn NNP I-NP I-PER\n\n-DOCSTART- -X- -X- O\n\nLONDON NNP I-NP I-LOC\n";
        let docs = parse(text);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].sentences, vec![0..2, 2..4]);
        assert_eq!(
            docs[0].spans,
            vec![
                span(0, 1, EntityType::Organisation),
                span(2, 4, EntityType::Person)
            ]
        );
        assert_eq!(docs[1].spans, vec![span(0, 1, EntityType::Location)]);
    }

    #[test]
    fn scores_span_exact() {
        let gold = [
            span(0, 2, EntityType::Person),
            span(3, 4, EntityType::Location),
        ];
        let predicted = [
            span(0, 2, EntityType::Person),
            span(3, 4, EntityType::Organisation),
        ];
        let mut score = Score::default();
        score.add(5, &gold, &predicted);
        assert_eq!(score.overall.correct, 1);
        assert!((score.overall.f1() - 0.5).abs() < 1e-12);
        assert_eq!(score.per_type[2].gold, 1);
        assert_eq!(score.per_type[1].predicted, 1);
    }
}
