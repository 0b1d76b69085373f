//! Lintel's server: sign-in, sessions and tokens, the REST API, audit, the directory,
//! device sync and the gRPC-web bridge.

pub mod access_groups;
pub mod api;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod backup;
pub mod bootstrap;
pub mod bridge;
pub mod clock;
pub mod config;
pub mod db;
pub mod directory;
pub mod embedded_gateway;
pub mod error;
pub mod gateways;
pub mod housekeeping;
pub mod https;
pub mod memory;
pub mod openapi;
pub mod openapi_edge;
pub mod probe;
pub mod ranks;
pub mod scim;
pub mod sites;
pub mod state;
pub mod sync;
pub mod web;

use crate::auth::secret::Secret;
use crate::clock::Clock;
use crate::config::{Config, Gateway};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Largest JSON body the API accepts.
pub const MAX_BODY_BYTES: usize = 1 << 20;

pub fn router(state: AppState) -> Router {
    let mut routes = Router::new();
    for (_, path, handler) in api::routes().into_iter().chain(scim::routes()) {
        routes = routes.route(path, handler);
    }
    let https = state.config.is_https();
    let public_origin: Arc<str> = state.config.public_origin.clone().into();
    let files = web::app_files::service(&state.config.app_dir);
    routes
        .route_layer(middleware::from_fn(authz::enforce))
        .fallback(move |State(state): State<AppState>, req: Request| {
            let files = files.clone();
            async move {
                if bridge::is_bridged(&req) {
                    bridge::serve(state, req).await
                } else {
                    web::app_files::fallback(files, req).await
                }
            }
        })
        .method_not_allowed_fallback(method_not_allowed)
        // The CSRF check runs after (inside) the caller's identification: it depends on how
        // the caller authenticated.
        .layer(middleware::from_fn(move |req, next| web::csrf::enforce(public_origin.clone(), req, next)))
        .layer(middleware::from_fn_with_state(state.clone(), auth::caller::identify_caller))
        // Every refusal under /scim/ (sign-in, rules, input) in SCIM's error shape.
        .layer(middleware::from_fn(scim::scim_errors))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(cors(&state.config))
        .layer(middleware::from_fn_with_state(state.clone(), count_responses))
        .layer(middleware::from_fn_with_state(state.clone(), web::forwarded_proto::redirect_plain_http))
        .layer(CatchPanicLayer::custom(panicked))
        .layer(middleware::from_fn(move |req, next| web::headers::security_headers(https, req, next)))
        .with_state(state)
}

/// CORS for the configured origins only; without any, no CORS headers at all.
fn cors(config: &Config) -> CorsLayer {
    let origins: Vec<HeaderValue> = config.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            HeaderName::from_static("x-grpc-web"),
            HeaderName::from_static("x-user-agent"),
            HeaderName::from_static("grpc-timeout"),
        ])
        // grpc-web clients read the call's outcome from these.
        .expose_headers([
            HeaderName::from_static("grpc-status"),
            HeaderName::from_static("grpc-message"),
            HeaderName::from_static("grpc-status-details-bin"),
        ])
        .max_age(std::time::Duration::from_secs(600))
}

/// A handler that panicked answers a plain 500 in the one error shape (the cause is logged).
fn panicked(cause: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message =
        cause.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| cause.downcast_ref::<String>().cloned());
    tracing::error!(cause = message.as_deref().unwrap_or("unknown"), "handler panicked");
    axum::response::IntoResponse::into_response(ApiError::internal())
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "this route does not take that method")
}

async fn count_responses(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let class = (response.status().as_u16() / 100).clamp(1, 5) as usize - 1;
    state.metrics.requests[class].fetch_add(1, Ordering::Relaxed);
    response
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    /// The one-time code for the first SUPER, when one was issued at this start.
    pub bootstrap_code: Option<Secret>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    housekeeping: tokio::task::JoinHandle<()>,
    /// Reloads the HTTPS certificate (when Lintel serves HTTPS itself).
    cert_watch: Option<tokio::task::JoinHandle<()>>,
    sync: sync::Sync,
    gateways: Vec<embedded_gateway::EmbeddedGateway>,
    /// Held while the server runs (a restore waits for it).
    _lock: backup::ServerLock,
}

impl Running {
    /// Stops accepting, lets requests in flight finish, stops embedded gateways, and closes
    /// the database before it lets go of the database's lock.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task.await??;
        self.housekeeping.abort();
        let _ = self.housekeeping.await;
        if let Some(watch) = self.cert_watch {
            watch.abort();
        }
        self.sync.stop().await;
        for g in self.gateways {
            g.stop().await?;
        }
        // Closed, not just dropped: a dropped pool's SQLite connections close later on their
        // own threads, and the last one deletes `<db>-wal` by name. After a restore that
        // file is the next server's log, whose frames then read short (CI saw "disk I/O
        // error" once).
        self.state.db.close().await;
        Ok(())
    }
}

/// Opens the database, syncs sites, starts embedded gateways, makes sure a first SUPER
/// can be created, and serves on `listener`.
pub async fn start(config: Config, clock: Arc<dyn Clock>, listener: TcpListener) -> anyhow::Result<Running> {
    let lock = backup::lock(&config.database_url)?;
    let db = db::open(&config.database_url).await?;
    let now = clock.now();
    let sites = sites::sync(&db, &config.sites, now).await?;
    let mut gateways = Vec::new();
    let mut targets = Vec::new();
    for (site, site_config) in sites.iter().zip(&config.sites) {
        let (url, ca_pem) = match &site_config.gateway {
            Gateway::Embedded => {
                let dir = config.data_dir.join(format!("gateway-site-{}", site.id));
                let embedded = embedded_gateway::EmbeddedGateway::start(&dir).await?;
                let url = embedded.url();
                gateways.push(embedded);
                (url, None)
            }
            Gateway::Plain { url } => (url.clone(), None),
            Gateway::Tls { url, ca_file } => (url.clone(), Some(std::fs::read(ca_file)?)),
        };
        targets.push(gateways::Target { site_id: site.id, url, ca_pem });
    }
    let channels = gateways::Gateways::new(targets)?;
    let state = AppState::new(db, clock, config, channels);
    let mut bootstrap_code = None;
    if !bootstrap::has_super(&state.db).await? {
        match &state.config.bootstrap_admin {
            Some(admin) => {
                let username = admin.username.to_lowercase();
                bootstrap::create_first_super(
                    &state.db,
                    &state.passwords,
                    None,
                    &username,
                    &admin.password,
                    "local",
                    now,
                )
                .await?;
            }
            None => bootstrap_code = Some(bootstrap::issue_code(&state.db, now).await?),
        }
    }
    let housekeeping = housekeeping::spawn(state.clone());
    let site_ids: Vec<i64> = sites.iter().map(|s| s.id).collect();
    let sync = sync::Sync::start(&state.db, state.clock.clone(), &state.gateways, &site_ids).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let (task, cert_watch) = match &state.config.tls {
        Some(files) => {
            let certs = https::certs::Certs::load(&files.cert, &files.key)?;
            let tls = https::server_config(certs.clone())?;
            let task = tokio::spawn(https::serve(listener, router(state.clone()), tls, stopped));
            (task, Some(certs.watch()))
        }
        None => (serve_plain(listener, router(state.clone()), stopped), None),
    };
    Ok(Running { addr, state, bootstrap_code, stop, task, housekeeping, cert_watch, sync, gateways, _lock: lock })
}

/// Plain HTTP (on loopback, or behind a reverse proxy that terminates TLS).
fn serve_plain(
    listener: TcpListener,
    app: Router,
    stopped: oneshot::Receiver<()>,
) -> tokio::task::JoinHandle<std::io::Result<()>> {
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    // Small answers go out at once: without TCP_NODELAY a short write after another can wait
    // for the client's delayed ACK (40 ms on Linux).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "TCP_NODELAY could not be set");
        }
    });
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use tower::ServiceExt;

    async fn boom() -> &'static str {
        panic!("secret detail 739184")
    }

    /// A panicking handler must neither drop the connection nor leak the panic's text.
    #[tokio::test]
    async fn a_panic_answers_500_in_the_error_shape_without_its_cause() {
        let app: Router =
            Router::new().route("/boom", axum::routing::get(boom)).layer(CatchPanicLayer::custom(panicked));
        let request = Request::builder().uri("/boom").body(axum::body::Body::empty()).unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = axum::body::to_bytes(response.into_body(), 4096).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["error"]["code"], "internal");
        assert_eq!(body["error"]["status"], 500);
        assert!(!String::from_utf8_lossy(&bytes).contains("739184"), "the cause leaked: {body}");
    }
}
