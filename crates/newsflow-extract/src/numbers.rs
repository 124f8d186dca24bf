//! The number recogniser. PLACEHOLDER: replaced by the figures work.
