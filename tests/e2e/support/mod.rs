//! Helpers the end-to-end tests share, one job per file.

pub mod config;
pub mod observe;
