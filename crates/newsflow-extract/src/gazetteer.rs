//! Gazetteers and word clusters. PLACEHOLDER: replaced by the data work.
