//! The HTTP/1 server under the `http` source: at most `max_connections` at
//! once, headers read within `header_timeout`, and at shutdown every
//! connection that owes no answer closed at once.
//!
//! A connection over the limit is not accepted: it waits in the kernel's
//! listen queue (using no descriptor of this process) until one closes,
//! which the header and body timeouts make sure happens. Refusing it instead
//! would cost an accept and a close per attempt under a flood, and turn away
//! honest clients that a short wait would have served.

use axum::body::{Body, Bytes};
use axum::Router;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use newsflow_core::Health;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower_service::Service;

/// How the server treats connections.
pub(super) struct ServerLimits {
    pub max_connections: usize,
    pub header_timeout: Duration,
}

/// Serves `app` on `listener` until `shutdown`; returns once every
/// connection has closed. `health` is ready exactly while it listens.
pub(super) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    health: Health,
    shutdown: CancellationToken,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut connections = JoinSet::new();
    health.set_ready(true);
    loop {
        while connections.try_join_next().is_some() {}
        let permit = tokio::select! {
            _ = shutdown.cancelled() => break,
            permit = slots.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
        };
        let stream = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
        };
        connections.spawn(connection(
            stream,
            builder.clone(),
            app.clone(),
            shutdown.clone(),
            permit,
        ));
    }
    // Not ready before the port closes, so `/ready` never claims a closed port.
    health.set_ready(false);
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// A failed accept: a client that gave up is nothing; anything else (out of
/// file descriptors) is logged and waited out briefly instead of spinning.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::warn!(error = %e, "cannot accept a connection; retrying in 100 ms");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Serves one connection. At shutdown it is dropped at once unless a request
/// on it is being answered: that one is let finish (a request whose articles
/// are not taken yet answers 503 at once; one whose articles were taken
/// answers as its `ack` says), then the connection closes.
async fn connection(
    stream: TcpStream,
    builder: http1::Builder,
    app: Router,
    shutdown: CancellationToken,
    _slot: OwnedSemaphorePermit,
) {
    let answering = Arc::new(AtomicBool::new(false));
    let service = {
        let answering = answering.clone();
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let guard = Answering::start(&answering);
            // A Router is always ready; `call` needs it mutable.
            let response = app.clone().call(request);
            async move {
                let response = response.await?;
                Ok::<_, Infallible>(response.map(|body| Tracked {
                    body,
                    _guard: guard,
                }))
            }
        })
    };
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        ended = conn.as_mut() => {
            if let Err(e) = ended {
                tracing::debug!(error = %e, "connection ended");
            }
        }
        _ = shutdown.cancelled() => {
            // Hyper polls the request inside `conn`, in this task: nothing
            // can start between this check and the drop.
            if answering.load(Ordering::Acquire) {
                conn.as_mut().graceful_shutdown();
                let _ = conn.await;
            }
        }
    }
}

/// Marks a connection as answering a request, from the request's head until
/// its response's body has been handed to the connection.
struct Answering(Arc<AtomicBool>);

impl Answering {
    fn start(flag: &Arc<AtomicBool>) -> Answering {
        flag.store(true, Ordering::Release);
        Answering(flag.clone())
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// A response body that keeps its connection marked answering until sent.
struct Tracked {
    body: Body,
    _guard: Answering,
}

impl hyper::body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
