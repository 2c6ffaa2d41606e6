//! `hss mcp --listen ADDR`: Streamable HTTP at `/mcp`. Only local origins
//! (and those `--allow-origin` names) may call it, as the MCP
//! specification asks against DNS rebinding; with `--token-file`, every
//! request must carry the token as a bearer token.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};

use super::{Mcp, Server};
use crate::exit::{Failure, Status};

/// Origins a local client sends.
const LOCAL_ORIGINS: [&str; 3] = ["http://localhost", "http://127.0.0.1", "http://[::1]"];

/// Serves `server` at `addr` until the process is stopped.
pub(super) async fn serve(server: Server, addr: SocketAddr, mcp: &Mcp) -> Result<Status, Failure> {
    let mut stop = crate::signals::Signals::install().stop;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Failure::local(format!("cannot listen on {addr}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| Failure::local(format!("cannot read the address bound: {e}")))?;
    let guard = Arc::new(Guard {
        token: mcp.token.clone(),
        origins: mcp.allow_origins.clone(),
    });
    // Cancelled at shutdown: it ends the open sessions' streams, which
    // would keep the server up.
    let sessions = tokio_util::sync::CancellationToken::new();
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default().with_cancellation_token(sessions.child_token()),
    );
    let router = axum::Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn_with_state(guard, check));
    eprintln!("hss mcp listening on http://{bound}/mcp");
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            stop.recv().await;
            sessions.cancel();
        })
        .await
        .map_err(|e| Failure::local(format!("the MCP server failed: {e}")))?;
    Ok(Status::Done)
}

/// What a request must show.
struct Guard {
    token: Option<String>,
    origins: Vec<String>,
}

impl Guard {
    fn origin_allowed(&self, origin: &str) -> bool {
        let local = LOCAL_ORIGINS.iter().any(|allowed| {
            origin == *allowed
                || origin
                    .strip_prefix(allowed)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .is_some_and(|port| port.bytes().all(|b| b.is_ascii_digit()))
        });
        local || self.origins.iter().any(|o| o == origin)
    }

    fn token_given(&self, request: &Request) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        // The same time whatever the bytes: no byte of the token leaks.
        given.is_some_and(|g| {
            g.len() == token.len()
                && g.bytes()
                    .zip(token.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        })
    }
}

/// Refuses a foreign origin (403) and a missing or wrong token (401).
async fn check(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let allowed = origin.to_str().is_ok_and(|o| guard.origin_allowed(o));
        if !allowed {
            return (StatusCode::FORBIDDEN, "this origin may not call hss mcp").into_response();
        }
    }
    if !guard.token_given(&request) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a bearer token is required",
        )
            .into_response();
    }
    next.run(request).await
}
