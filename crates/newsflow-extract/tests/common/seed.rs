//! The seed articles under `fixtures/articles`.

/// The text of the seed article `name` (its file name without `.txt`).
pub fn seed(name: &str) -> String {
    let path = format!(
        "{}/../../fixtures/articles/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
