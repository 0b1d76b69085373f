//! Behind a reverse proxy that terminates TLS, a request the proxy received over plain
//! HTTP (it says so with `X-Forwarded-Proto: http`) is sent to the public `https://` origin
//! with a 308, before anything reads a credential from it. Only a configured trusted
//! proxy's header counts; from anyone else it is ignored, like `X-Forwarded-For`.

use super::client_ip::Cidr;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};

/// The scheme the nearest proxy says the client used, when that proxy is trusted.
pub fn forwarded_proto(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> Option<String> {
    if !super::client_ip::is_trusted(peer, trusted) {
        return None;
    }
    // The nearest proxy's value is the last one (a proxy that appends keeps earlier ones).
    let last = headers.get_all("x-forwarded-proto").iter().next_back()?.to_str().ok()?;
    Some(last.rsplit(',').next()?.trim().to_ascii_lowercase())
}

pub async fn redirect_plain_http(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if state.config.is_https() {
        let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let proto = peer.and_then(|peer| forwarded_proto(peer, request.headers(), &state.config.trusted_proxies));
        if proto.as_deref() == Some("http") {
            let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
            let location = format!("{}{path}", state.config.public_origin);
            if let Ok(location) = HeaderValue::from_str(&location) {
                return (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, location)]).into_response();
            }
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-proto", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_a_trusted_proxy_says_which_scheme_the_client_used() {
        let trusted = [Cidr::parse("10.0.0.2").unwrap()];
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let stranger: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(forwarded_proto(proxy, &headers(&["HTTP"]), &trusted).as_deref(), Some("http"));
        assert_eq!(forwarded_proto(proxy, &headers(&["https", "http"]), &trusted).as_deref(), Some("http"));
        assert_eq!(forwarded_proto(proxy, &headers(&["http, https"]), &trusted).as_deref(), Some("https"));
        assert_eq!(forwarded_proto(stranger, &headers(&["http"]), &trusted), None);
        assert_eq!(forwarded_proto(proxy, &headers(&[]), &trusted), None);
    }
}
