//! What `dedup` compares: stable hashes of an article's id, URL and body,
//! and a MinHash signature of its word shingles.
//!
//! Every hash here is fixed (no per-process seed), because the window is
//! saved to disk and compared after a restart.

/// Rows in a MinHash signature.
pub const SIGNATURE_ROWS: usize = 64;

/// Rows per LSH band: 32 bands of 2 rows make a pair sharing 30% of its
/// shingles a candidate with probability 0.95, and one sharing 5% with 0.08
/// (each candidate is then checked on the whole signature).
pub const BAND_ROWS: usize = 2;

/// Words per shingle.
const SHINGLE_WORDS: usize = 3;

/// A MinHash signature; each row keeps 16 bits of its minimum, enough to
/// estimate similarity (a false equal row is 1 in 65,536) at a quarter of
/// the memory of full hashes.
pub type Signature = [u16; SIGNATURE_ROWS];

/// SplitMix64's finaliser: a fast, well-mixed 64-bit permutation.
pub const fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// FNV-1a over bytes, then mixed: a fixed hash for strings.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
}

/// The words of a text, lower-cased, letters and digits only: punctuation,
/// case and spacing do not make two copies differ.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// The hash of a body as its words: the same text re-spaced or re-cased
/// hashes the same.
pub fn body_hash(body: &str) -> u64 {
    let mut h = 0u64;
    for word in words(body) {
        h = mix(h ^ hash_bytes(word.as_bytes()));
    }
    h
}

/// The distinct shingle hashes of a text (every run of three words; the
/// whole text when it is shorter).
pub fn shingles(text: &str) -> Vec<u64> {
    let hashes: Vec<u64> = words(text).map(|w| hash_bytes(w.as_bytes())).collect();
    let mut out: Vec<u64> = if hashes.len() < SHINGLE_WORDS {
        vec![hashes.iter().fold(0u64, |h, w| mix(h ^ w))]
    } else {
        hashes
            .windows(SHINGLE_WORDS)
            .map(|run| run.iter().fold(0u64, |h, w| mix(h.rotate_left(17) ^ w)))
            .collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// The MinHash signature of a set of shingle hashes: row `i` keeps the
/// least of the shingles under the `i`th permutation.
pub fn signature(shingles: &[u64]) -> Signature {
    let mut mins = [u64::MAX; SIGNATURE_ROWS];
    for &s in shingles {
        for (i, min) in mins.iter_mut().enumerate() {
            let h = mix(s ^ ROW_SEEDS[i]);
            if h < *min {
                *min = h;
            }
        }
    }
    mins.map(|m| (m >> 48) as u16)
}

/// The LSH key of each band of a signature.
pub fn band_keys(signature: &Signature) -> impl Iterator<Item = u32> + '_ {
    signature.chunks(BAND_ROWS).enumerate().map(|(band, rows)| {
        let mut h = band as u64;
        for r in rows {
            h = mix(h.rotate_left(16) ^ u64::from(*r));
        }
        h as u32
    })
}

/// The share of rows two signatures agree on: an estimate of the Jaccard
/// similarity of their shingle sets.
pub fn jaccard(a: &Signature, b: &Signature) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / SIGNATURE_ROWS as f64
}

/// The similarity of two texts from their Jaccard similarity `j` and
/// shingle counts: the shingles they share over the geometric mean of
/// their counts (the Ochiai coefficient). A copy cut to half its length
/// scores 0.71 (its Jaccard similarity only 0.5), one with a sixth added
/// 0.91; a short text sharing one long sentence with a long one scores low,
/// as the share of the long text it covers weighs in.
pub fn similarity(j: f64, a: u32, b: u32) -> f64 {
    let (a, b) = (f64::from(a.max(1)), f64::from(b.max(1)));
    let shared = j / (1.0 + j) * (a + b);
    (shared / (a * b).sqrt()).min(1.0)
}

/// Seeds of the row permutations, fixed so signatures survive restarts.
const ROW_SEEDS: [u64; SIGNATURE_ROWS] = {
    let mut seeds = [0u64; SIGNATURE_ROWS];
    let mut i = 0;
    while i < SIGNATURE_ROWS {
        // SplitMix64's sequence from a fixed start.
        seeds[i] =
            mix(0x5eed_0fde_d09e_u64
                .wrapping_add((i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)));
        i += 1;
    }
    seeds
};

/// Query parameters that track a click rather than name a page.
const TRACKING: &[&str] = &[
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid",
    "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "ocid", "cmpid", "ref",
    "ref_src", "smid", "sr_share", "cid", "spm",
];

/// A URL as the page it names: scheme, `www.`, fragment, default port,
/// trailing slash and tracking parameters (`utm_*`, `fbclid`, `gclid`, ...)
/// dropped, the other parameters sorted. `None` when it is no URL.
pub fn normalise_url(text: &str) -> Option<String> {
    let url = url::Url::parse(text.trim()).ok()?;
    let host = url.host_str()?.to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let mut params: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| {
            let k = k.to_lowercase();
            !k.starts_with("utm_") && !TRACKING.contains(&k.as_str())
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    params.sort();
    // `port()` is `None` for the scheme's default port.
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let mut out = format!("{host}{port}{}", url.path().trim_end_matches('/'));
    if !params.is_empty() {
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.push('?');
        out.push_str(&query.join("&"));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_parameters_do_not_make_another_page() {
        let a = normalise_url(
            "https://www.example.com/news/story-1/?utm_source=x&utm_medium=y&page=2&fbclid=abc#top",
        );
        let b = normalise_url("http://example.com/news/story-1?page=2&gclid=zzz");
        assert_eq!(a, b);
        assert_eq!(a.as_deref(), Some("example.com/news/story-1?page=2"));
        assert_ne!(b, normalise_url("http://example.com/news/story-1?page=3"));
        assert_eq!(normalise_url("not a url"), None);
    }

    #[test]
    fn the_same_words_hash_the_same() {
        assert_eq!(
            body_hash("Rain, rain:  go away."),
            body_hash("rain rain go\naway")
        );
        assert_ne!(body_hash("rain go away"), body_hash("rain stay"));
    }

    #[test]
    fn signatures_estimate_overlap() {
        let text: String = (0..400).map(|i| format!("w{i} ")).collect();
        let half: String = (0..200).map(|i| format!("w{i} ")).collect();
        let other: String = (0..400).map(|i| format!("x{i} ")).collect();
        let (full, cut, far) = (shingles(&text), shingles(&half), shingles(&other));
        let j = jaccard(&signature(&full), &signature(&cut));
        assert!((0.3..0.7).contains(&j), "{j}");
        let s = similarity(j, full.len() as u32, cut.len() as u32);
        assert!((0.6..0.85).contains(&s), "{s}");
        assert!(jaccard(&signature(&full), &signature(&far)) < 0.1);
    }
}
