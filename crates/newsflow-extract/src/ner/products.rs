//! Products named between an owner and what they are: "its Blackwell
//! chips", "Pfizer's Paxlovid pills", "their Leopard tanks", "its Stacks
//! token".
//!
//! CoNLL-2003 types a product's name MISC. The tagger, going by the words
//! of the name, often reads a product it has never seen as the person or
//! company it is named after ("Blackwell", "Model"), but the phrase around
//! it says what it is: a possessive before it (the maker or owner) and a
//! common noun of a kind of product right after it.

use super::TokenSpan;
use crate::EntityType;

/// Plural and singular nouns of kinds of product that news names by brand.
const PRODUCT_NOUNS: &[&str] = &[
    "chip",
    "chips",
    "processor",
    "processors",
    "GPU",
    "GPUs",
    "smartphone",
    "smartphones",
    "phone",
    "phones",
    "handset",
    "handsets",
    "tablet",
    "tablets",
    "laptop",
    "laptops",
    "console",
    "consoles",
    "headset",
    "headsets",
    "vaccine",
    "vaccines",
    "pill",
    "pills",
    "jab",
    "jabs",
    "jet",
    "jets",
    "jetliner",
    "jetliners",
    "aircraft",
    "airliner",
    "airliners",
    "car",
    "cars",
    "SUV",
    "SUVs",
    "truck",
    "trucks",
    "satellite",
    "satellites",
    "rocket",
    "rockets",
    "drone",
    "drones",
    "missile",
    "missiles",
    "tank",
    "tanks",
    "chatbot",
    "chatbots",
    "token",
    "tokens",
    "coin",
    "coins",
    "stablecoin",
    "stablecoins",
];

/// Possessive determiners and clitics naming an owner or maker.
const POSSESSIVES: &[&str] = &[
    "its",
    "their",
    "his",
    "her",
    "our",
    "'s",
    "\u{2019}s",
    "'",
    "\u{2019}",
];

/// Types as MISC a name that stands between a possessive and a product
/// noun ("its Blackwell chips"), unless the name is a known company's
/// ("its Boeing jets": the maker, not the product), and every other
/// mention of that name in the article ("the Stacks token", "issuing
/// Stacks tokens"), which names the same product.
pub(super) fn type_products_by_noun(tokens: &[&str], spans: &mut [(TokenSpan, f64)]) {
    let mut products: Vec<&[&str]> = Vec::new();
    for (span, _) in spans.iter() {
        let words = &tokens[span.start..span.end];
        let cued = span.start > 0
            && span.end < tokens.len()
            && POSSESSIVES.contains(&tokens[span.start - 1])
            && PRODUCT_NOUNS.contains(&tokens[span.end]);
        if cued && !products.contains(&words) && !super::is_company(words) {
            products.push(words);
        }
    }
    for (span, _) in spans.iter_mut() {
        if products.contains(&&tokens[span.start..span.end]) {
            span.kind = EntityType::Miscellaneous;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::test_span as span;

    #[test]
    fn a_name_between_a_possessive_and_a_product_noun_is_a_product() {
        let tokens = [
            "Nvidia",
            "said",
            "its",
            "Blackwell",
            "chips",
            "would",
            "ship",
        ];
        let mut spans = vec![
            span(0, 1, EntityType::Organisation),
            span(3, 4, EntityType::Person),
        ];
        type_products_by_noun(&tokens, &mut spans);
        assert_eq!(spans[0].0.kind, EntityType::Organisation);
        assert_eq!(spans[1].0.kind, EntityType::Miscellaneous);
    }

    #[test]
    fn every_mention_of_the_product_follows() {
        let tokens = [
            "its", "Stacks", "token", "rose", ".", "The", "Stacks", "token", "trades", ".",
        ];
        let mut spans = vec![
            span(1, 2, EntityType::Organisation),
            span(6, 7, EntityType::Organisation),
        ];
        type_products_by_noun(&tokens, &mut spans);
        assert_eq!(spans[0].0.kind, EntityType::Miscellaneous);
        assert_eq!(spans[1].0.kind, EntityType::Miscellaneous);
    }

    #[test]
    fn a_known_company_before_a_product_noun_stays_a_company() {
        let tokens = ["Ryanair", "said", "its", "Boeing", "jets", "were", "late"];
        let mut spans = vec![span(3, 4, EntityType::Organisation)];
        type_products_by_noun(&tokens, &mut spans);
        assert_eq!(spans[0].0.kind, EntityType::Organisation);
    }

    #[test]
    fn without_the_possessive_the_type_stands() {
        // "Blackwell chips" alone could be a company's chips.
        let tokens = ["the", "Blackwell", "chips", "sold"];
        let mut spans = vec![span(1, 2, EntityType::Organisation)];
        type_products_by_noun(&tokens, &mut spans);
        assert_eq!(spans[0].0.kind, EntityType::Organisation);
    }
}
