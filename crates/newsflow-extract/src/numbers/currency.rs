//! Currency symbols, ISO codes and names, as they appear next to numbers.

use super::lexicon::ascii_lower;

/// The currency a symbol written before a number denotes. `$` alone is
/// taken as US dollars, the reading in international news.
pub(crate) fn symbol_currency(c: char) -> Option<&'static str> {
    Some(match c {
        '$' => "USD",
        '£' => "GBP",
        '€' => "EUR",
        '¥' => "JPY",
        '₹' => "INR",
        '₽' => "RUB",
        '₺' => "TRY",
        '₩' => "KRW",
        '₪' => "ILS",
        '₿' => "XBT",
        '₡' => "CRC",
        '₾' => "GEL",
        '₭' => "LAK",
        '₦' => "NGN",
        '฿' => "THB",
        '₱' => "PHP",
        '₫' => "VND",
        '₴' => "UAH",
        '元' => "CNY",
        _ => return None,
    })
}

/// The dollar a prefix glued to `$` names ("US$", "HK$", "C$").
/// `spaced` prefixes ("us $") must be unambiguous: "a $5 fee" is no A$.
pub(crate) fn dollar_prefix(prefix: &str, spaced: bool) -> Option<&'static str> {
    let mut buf = [0u8; 24];
    let lower = ascii_lower(prefix, &mut buf)?;
    let iso = match lower {
        "us" | "u.s" | "u.s." | "usd" => "USD",
        "c" | "ca" | "can" | "cad" | "cdn" => "CAD",
        "hk" | "hkd" => "HKD",
        "nz" | "nzd" => "NZD",
        "mex" | "mxn" => "MXN",
        "au" | "aud" => "AUD",
        "sg" | "sgd" => "SGD",
        "nt" | "ntd" => "TWD",
        // Single capitals are only currency prefixes when glued: "A$", "S$", "R$".
        "a" if !spaced && prefix == "A" => "AUD",
        "s" if !spaced && prefix == "S" => "SGD",
        "r" if !spaced && prefix == "R" => "BRL",
        _ => return None,
    };
    Some(iso)
}

/// An ISO 4217 code written as a word ("USD", "eur"), and the factor a
/// leading "M" gives ("MUSD" is a million dollars). Codes that are also
/// English words ("ALL", "TRY", "CUP") are left out.
pub(crate) fn iso_code(word: &str) -> Option<(&'static str, f64)> {
    let mut buf = [0u8; 24];
    let lower = ascii_lower(word, &mut buf)?;
    let (code, factor) = match lower.len() {
        3 => (lower, 1.0),
        4 if lower.starts_with('m') => (&lower[1..], 1e6),
        _ => return None,
    };
    let iso = match code {
        "usd" => "USD",
        "eur" => "EUR",
        "gbp" => "GBP",
        "jpy" => "JPY",
        "cny" | "rmb" => "CNY",
        "chf" => "CHF",
        "cad" if factor == 1.0 && word == "CAD" => "CAD",
        "aud" => "AUD",
        "nzd" => "NZD",
        "hkd" => "HKD",
        "sgd" => "SGD",
        "inr" => "INR",
        "rub" if word == "RUB" => "RUB",
        "sek" => "SEK",
        "nok" => "NOK",
        "dkk" => "DKK",
        "pln" => "PLN",
        "zar" => "ZAR",
        "brl" => "BRL",
        "mxn" => "MXN",
        "krw" => "KRW",
        "ils" => "ILS",
        "sar" if word == "SAR" => "SAR",
        "aed" => "AED",
        "qar" => "QAR",
        "egp" => "EGP",
        "idr" => "IDR",
        "myr" => "MYR",
        "php" if word == "PHP" => "PHP",
        "thb" => "THB",
        "uah" => "UAH",
        "btc" | "xbt" => "XBT",
        _ => return None,
    };
    Some((iso, factor))
}

/// A currency name written after a number: its words, the ISO code, and
/// the factor to the main unit (0.01 for cents and pence).
pub(crate) struct CurrencyName {
    pub words: &'static [&'static str],
    pub iso: &'static str,
    pub factor: f64,
}

macro_rules! names {
    ($( [$($w:literal),+] => $iso:literal, $f:expr; )*) => {
        &[$(CurrencyName { words: &[$($w),+], iso: $iso, factor: $f }),*]
    };
}

/// Currency names, longest first so "us dollars" wins over "dollars".
pub(crate) static CURRENCY_NAMES: &[CurrencyName] = names! {
    ["united", "states", "dollars"] => "USD", 1.0;
    ["united", "states", "dollar"] => "USD", 1.0;
    ["hong", "kong", "dollars"] => "HKD", 1.0;
    ["hong", "kong", "dollar"] => "HKD", 1.0;
    ["new", "zealand", "dollars"] => "NZD", 1.0;
    ["new", "zealand", "dollar"] => "NZD", 1.0;
    ["pounds", "sterling"] => "GBP", 1.0;
    ["us", "dollars"] => "USD", 1.0;
    ["us", "dollar"] => "USD", 1.0;
    ["u", ".", "s", ".", "dollars"] => "USD", 1.0;
    ["american", "dollars"] => "USD", 1.0;
    ["australian", "dollars"] => "AUD", 1.0;
    ["australian", "dollar"] => "AUD", 1.0;
    ["canadian", "dollars"] => "CAD", 1.0;
    ["canadian", "dollar"] => "CAD", 1.0;
    ["singapore", "dollars"] => "SGD", 1.0;
    ["taiwan", "dollars"] => "TWD", 1.0;
    ["swiss", "francs"] => "CHF", 1.0;
    ["swiss", "franc"] => "CHF", 1.0;
    ["french", "francs"] => "FRF", 1.0;
    ["belgian", "francs"] => "BEF", 1.0;
    ["cfa", "francs"] => "XOF", 1.0;
    ["turkish", "lira"] => "TRY", 1.0;
    ["turkish", "liras"] => "TRY", 1.0;
    ["italian", "lire"] => "ITL", 1.0;
    ["chinese", "yuan"] => "CNY", 1.0;
    ["japanese", "yen"] => "JPY", 1.0;
    ["indian", "rupees"] => "INR", 1.0;
    ["pakistani", "rupees"] => "PKR", 1.0;
    ["sri", "lankan", "rupees"] => "LKR", 1.0;
    ["finnish", "markka"] => "FIM", 1.0;
    ["finnish", "markkas"] => "FIM", 1.0;
    ["dutch", "guilders"] => "NLG", 1.0;
    ["swedish", "crowns"] => "SEK", 1.0;
    ["swedish", "kronor"] => "SEK", 1.0;
    ["norwegian", "crowns"] => "NOK", 1.0;
    ["norwegian", "kroner"] => "NOK", 1.0;
    ["danish", "crowns"] => "DKK", 1.0;
    ["danish", "kroner"] => "DKK", 1.0;
    ["czech", "crowns"] => "CZK", 1.0;
    ["south", "african", "rand"] => "ZAR", 1.0;
    ["mexican", "pesos"] => "MXN", 1.0;
    ["philippine", "pesos"] => "PHP", 1.0;
    ["argentine", "pesos"] => "ARS", 1.0;
    ["saudi", "riyals"] => "SAR", 1.0;
    ["qatari", "riyals"] => "QAR", 1.0;
    ["egyptian", "pounds"] => "EGP", 1.0;
    ["lebanese", "pounds"] => "LBP", 1.0;
    ["euro", "cents"] => "EUR", 0.01;
    ["dollars"] => "USD", 1.0;
    ["dollar"] => "USD", 1.0;
    ["euros"] => "EUR", 1.0;
    ["euro"] => "EUR", 1.0;
    ["pounds"] => "GBP", 1.0;
    ["pound"] => "GBP", 1.0;
    ["sterling"] => "GBP", 1.0;
    ["yen"] => "JPY", 1.0;
    ["yuan"] => "CNY", 1.0;
    ["renminbi"] => "CNY", 1.0;
    ["kuai"] => "CNY", 1.0;
    ["元"] => "CNY", 1.0;
    ["ரூ"] => "LKR", 1.0;
    ["francs"] => "CHF", 1.0;
    ["franc"] => "CHF", 1.0;
    ["marks"] => "DEM", 1.0;
    ["deutschmarks"] => "DEM", 1.0;
    ["lira"] => "TRY", 1.0;
    ["liras"] => "TRY", 1.0;
    ["lire"] => "ITL", 1.0;
    ["rupees"] => "INR", 1.0;
    ["rupee"] => "INR", 1.0;
    ["rupiah"] => "IDR", 1.0;
    ["roubles"] => "RUB", 1.0;
    ["rubles"] => "RUB", 1.0;
    ["rouble"] => "RUB", 1.0;
    ["ruble"] => "RUB", 1.0;
    ["shekels"] => "ILS", 1.0;
    ["shekel"] => "ILS", 1.0;
    ["rand"] => "ZAR", 1.0;
    ["pesos"] => "MXN", 1.0;
    ["peso"] => "MXN", 1.0;
    ["pesetas"] => "ESP", 1.0;
    ["guilders"] => "NLG", 1.0;
    ["markka"] => "FIM", 1.0;
    ["schillings"] => "ATS", 1.0;
    ["escudos"] => "PTE", 1.0;
    ["drachmas"] => "GRD", 1.0;
    ["kronor"] => "SEK", 1.0;
    ["kroner"] => "NOK", 1.0;
    ["zlotys"] => "PLN", 1.0;
    ["zloty"] => "PLN", 1.0;
    ["forints"] => "HUF", 1.0;
    ["riyals"] => "SAR", 1.0;
    ["dirhams"] => "AED", 1.0;
    ["naira"] => "NGN", 1.0;
    ["lei"] => "RON", 1.0;
    ["leva"] => "BGN", 1.0;
    ["levs"] => "BGN", 1.0;
    ["korunas"] => "CZK", 1.0;
    ["kuna"] => "HRK", 1.0;
    ["tenge"] => "KZT", 1.0;
    ["dinars"] => "RSD", 1.0;
    ["shillings"] => "KES", 1.0;
    ["cedis"] => "GHS", 1.0;
    ["riels"] => "KHR", 1.0;
    ["baht"] => "THB", 1.0;
    ["ringgit"] => "MYR", 1.0;
    ["hryvnias"] => "UAH", 1.0;
    ["reais"] => "BRL", 1.0;
    ["bitcoins"] => "XBT", 1.0;
    ["bitcoin"] => "XBT", 1.0;
    ["satoshis"] => "XBT", 1e-8;
    ["satoshi"] => "XBT", 1e-8;
    ["cents"] => "USD", 0.01;
    ["cent"] => "USD", 0.01;
    ["pence"] => "GBP", 0.01;
    ["penny"] => "GBP", 0.01;
    ["pennies"] => "GBP", 0.01;
};
