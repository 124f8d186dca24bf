//! Shared by the integration tests: what to do when a service a test needs
//! (PostgreSQL, NATS) is not running.

use std::fmt::Display;

/// Reports that `service` is unavailable: the test skips (the caller returns
/// after this) with the reason printed, unless `NEWSFLOW_REQUIRE_SERVICES=1`,
/// when it fails instead.
pub fn service_missing(service: &str, reason: impl Display) {
    if std::env::var("NEWSFLOW_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
        panic!("{service} is required (NEWSFLOW_REQUIRE_SERVICES=1) but unavailable: {reason}");
    }
    eprintln!("SKIPPED: {service} is unavailable: {reason}");
}
