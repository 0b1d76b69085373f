use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn assert_security_headers(r: &reqwest::Response, api: bool) {
    let h = r.headers();
    let csp = h.get("content-security-policy").expect("CSP").to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self' 'wasm-unsafe-eval'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert!(h.contains_key("referrer-policy"));
    if api {
        assert_eq!(h.get("cache-control").unwrap(), "no-store");
        let timing = h.get("server-timing").expect("Server-Timing on the API").to_str().unwrap();
        let ms: f64 = timing.strip_prefix("app;dur=").and_then(|d| d.parse().ok()).expect(timing);
        assert!(ms >= 0.0, "{timing}");
    } else {
        assert!(!h.contains_key("server-timing"));
    }
}

#[tokio::test]
async fn headers_and_json_errors_on_404_and_405() {
    let s = TestServer::start().await;
    let r = s.request(Method::GET, "/v1/nothing-here").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_security_headers(&r, true);
    assert_eq!(body(r).await["error"]["code"], "not_found");

    let r = s.request(Method::PATCH, "/v1/login").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_security_headers(&r, true);
    assert_eq!(body(r).await["error"]["status"], 405);

    let r = s.request(Method::GET, "/healthz").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_security_headers(&r, false);
    assert_eq!(s.request(Method::GET, "/readyz").send().await.unwrap().status(), StatusCode::OK);
    let metrics = s.request(Method::GET, "/metrics").send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("lintel_http_requests_total{class=\"2xx\"}"), "{metrics}");
}

#[tokio::test]
async fn wrong_content_type_and_bad_bodies() {
    let s = TestServer::start().await;
    let r = s
        .request(Method::POST, "/v1/login")
        .body("username=admin")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(body(r).await["error"]["code"], "unsupported_media_type");
    let r = s
        .request(Method::POST, "/v1/login")
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = s.request(Method::POST, "/v1/login").json(&json!({"username": 5, "password": "x"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let huge = "x".repeat(server::MAX_BODY_BYTES + 1);
    let r =
        s.request(Method::POST, "/v1/login").json(&json!({"username": huge, "password": "x"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn csrf_matrix() {
    let s = TestServer::start().await;
    let cookie = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let change = json!({"old_password": "wrong wrong wrong", "new_password": "another long passphrase"});
    let put = |origin: Option<&str>, header: bool| {
        let mut r = s.request(Method::PUT, "/v1/password").header("cookie", &cookie).json(&change);
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        if header {
            r = r.header("x-lintel-csrf", "1");
        }
        r
    };
    let cases = [
        (None, true, StatusCode::FORBIDDEN),
        (Some("null"), true, StatusCode::FORBIDDEN),
        (Some("https://evil.example"), true, StatusCode::FORBIDDEN),
        (Some(ORIGIN), false, StatusCode::FORBIDDEN),
        // Passes CSRF; refused later for the wrong old password.
        (Some(ORIGIN), true, StatusCode::FORBIDDEN),
    ];
    for (origin, header, expected) in cases {
        let r = put(origin, header).send().await.unwrap();
        assert_eq!(r.status(), expected, "origin {origin:?}, header {header}");
        let message = body(r).await["error"]["message"].as_str().unwrap().to_owned();
        let csrf_refusal = message.starts_with("CSRF");
        assert_eq!(csrf_refusal, !(origin == Some(ORIGIN) && header), "{message}");
    }
    // Sign-in itself needs the header and the origin (no login CSRF).
    let r = s
        .request(Method::POST, "/v1/session")
        .json(&json!({"username": ADMIN, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Scripts with a bearer token need neither.
    let token = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let r = s.request(Method::PUT, "/v1/password").bearer_auth(&token).json(&change).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(body(r).await["error"]["message"].as_str().unwrap().starts_with("old_password"));
}

#[tokio::test]
async fn cors_matrix() {
    let s = TestServer::start_with(Options {
        vars: vec![("LINTEL_CORS_ORIGINS", "https://hr.example".into())],
        ..Default::default()
    })
    .await;
    let preflight = |origin: &str| {
        s.request(Method::OPTIONS, "/v1/login")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
    };
    let r = preflight("https://hr.example").send().await.unwrap();
    assert_eq!(r.headers().get("access-control-allow-origin").unwrap(), "https://hr.example");
    assert!(r.headers().get("access-control-allow-credentials").is_none(), "no credentials cross-origin");
    for foreign in ["https://evil.example", "null"] {
        let r = preflight(foreign).send().await.unwrap();
        assert!(r.headers().get("access-control-allow-origin").is_none(), "{foreign} must not be allowed");
    }
    let r = s.request(Method::GET, "/healthz").header("origin", "https://evil.example").send().await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn every_refusal_is_the_json_error_naming_the_field() {
    let s = TestServer::start().await;
    let token = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    for (path, field) in [
        ("/v1/users/abc", "id"),
        ("/v1/users?limit=x", "limit"),
        ("/v1/users?search=ab%00cd", "search"),
        ("/v1/users?offset=99999999999999999", "offset"),
        ("/v1/audit?since=1796000000", "since"),
    ] {
        let r = s.request(Method::GET, path).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        let b = body(r).await;
        assert_eq!(b["error"]["field"], field, "{path}: {b}");
    }
    let r = s.request(Method::GET, "/v1/no-such-route").bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(body(r).await["error"]["code"], "not_found");
}

#[tokio::test]
async fn head_works_wherever_get_does() {
    let s = TestServer::start().await;
    let token = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    for path in ["/v1/users", "/healthz", "/v1/openapi.json"] {
        let r = s.request(Method::HEAD, path).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
}
