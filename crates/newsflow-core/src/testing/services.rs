//! Free ports, and what a test does when a service it needs is not there.

use std::fmt::Display;
use std::time::Duration;

/// Set to `1` to make a missing service fail the tests that need it
/// instead of skipping them (CI, where the services must run).
const REQUIRE_SERVICES: &str = "NEWSFLOW_REQUIRE_SERVICES";

/// Reports that `service` is unavailable: the test skips (the caller
/// returns after this) with the reason printed, unless
/// `NEWSFLOW_REQUIRE_SERVICES=1`, when it panics instead.
pub fn service_missing(service: &str, reason: impl Display) {
    if std::env::var(REQUIRE_SERVICES).is_ok_and(|v| v == "1") {
        panic!("{service} is required ({REQUIRE_SERVICES}=1) but unavailable: {reason}");
    }
    eprintln!("SKIPPED: {service} is unavailable: {reason}");
}

/// Whether something accepts TCP connections at `address` (`host:port`)
/// within two seconds; when not, reports `service` missing (see
/// [`service_missing`]) and returns false.
///
/// ```
/// use newsflow_core::testing::service_reachable;
/// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
/// let address = listener.local_addr().unwrap().to_string();
/// assert!(service_reachable("a listener", &address));
/// ```
pub fn service_reachable(service: &str, address: &str) -> bool {
    let parsed = address.parse().expect("a socket address");
    match std::net::TcpStream::connect_timeout(&parsed, Duration::from_secs(2)) {
        Ok(_) => true,
        Err(e) => {
            service_missing(&format!("{service} at {address}"), e);
            false
        }
    }
}

/// A loopback port nothing listens on now.
///
/// ```
/// let port = newsflow_core::testing::free_port();
/// assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_ok());
/// ```
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a loopback port")
        .local_addr()
        .expect("a bound listener has an address")
        .port()
}

/// How long [`wait_listening`] and [`wait_closed`] wait.
const PORT_WAIT: Duration = Duration::from_secs(10);

/// Waits until something listens on loopback `port`; panics after ten
/// seconds.
pub async fn wait_listening(port: u16) {
    wait_port(port, true).await;
}

/// Waits until nothing listens on loopback `port` any more; panics after
/// ten seconds.
pub async fn wait_closed(port: u16) {
    wait_port(port, false).await;
}

async fn wait_port(port: u16, listening: bool) {
    let deadline = tokio::time::Instant::now() + PORT_WAIT;
    loop {
        let open = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok();
        if open == listening {
            return;
        }
        let state = if listening { "closed" } else { "open" };
        assert!(
            tokio::time::Instant::now() < deadline,
            "port {port} still {state} after {PORT_WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
