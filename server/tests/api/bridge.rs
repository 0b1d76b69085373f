//! The gRPC-web bridge as a browser or script calls it: grpc-web framing over HTTP/1.1,
//! the session cookie (with the CSRF header) or a bearer token, one rule per method.

use crate::harness::*;
use crate::sync::{MAIN_ENTRANCE, SERVER_ROOM};
use prost::Message;
use proto::grpc_web::{self, CallError};
use proto::gsdk::user::user_client::UserClient;
use proto::gsdk::user::{
    DeleteRequest, DeleteResponse, EnrollMultiRequest, EnrollMultiResponse, EnrollRequest, EnrollResponse,
    GetListRequest, GetListResponse, GetPinHashRequest, GetPinHashResponse, UserHdr, UserInfo,
};
use reqwest::{Method, StatusCode};

pub enum Auth<'a> {
    None,
    Bearer(&'a str),
    /// As the console sends it: cookie, CSRF header and Origin.
    Cookie(&'a str),
}

/// One unary call through the bridge.
pub async fn call<Req: Message, Resp: Message + Default>(
    s: &TestServer,
    path: &str,
    request: &Req,
    auth: Auth<'_>,
) -> Result<Resp, CallError> {
    let builder = match auth {
        Auth::None => s.request(Method::POST, path),
        Auth::Bearer(token) => s.request(Method::POST, path).bearer_auth(token),
        Auth::Cookie(cookie) => s.browser(Method::POST, path, Some(cookie)),
    };
    let r = builder
        .header("content-type", grpc_web::CONTENT_TYPE)
        .header("x-grpc-web", "1")
        .body(grpc_web::frame(request))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.bytes().await.unwrap();
    grpc_web::read_answer(status, |name| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned), &body)
}

fn person(id: &str) -> UserInfo {
    UserInfo {
        hdr: Some(UserHdr { id: id.into(), ..Default::default() }),
        name: format!("Bridged {id}"),
        ..Default::default()
    }
}

const ENROLL: &str = "/gsdk.user.User/Enroll";
const GET_LIST: &str = "/gsdk.user.User/GetList";

#[tokio::test]
async fn no_session_is_unauthenticated() {
    let s = TestServer::start().await;
    let e = call::<_, GetListResponse>(&s, GET_LIST, &GetListRequest { device_id: MAIN_ENTRANCE }, Auth::None)
        .await
        .unwrap_err();
    assert_eq!(e.code_name(), "UNAUTHENTICATED", "{e}");
    let e =
        call::<_, GetListResponse>(&s, GET_LIST, &GetListRequest { device_id: MAIN_ENTRANCE }, Auth::Bearer("nope"))
            .await
            .unwrap_err();
    assert_eq!(e.code_name(), "UNAUTHENTICATED", "{e}");
}

#[tokio::test]
async fn reads_for_admins_writes_for_super_and_every_write_audited() {
    let s = TestServer::start().await;
    s.add_person("reggie", "regular long password 1", "REGULAR").await;
    s.add_person("ada", "admin long password 12", "ADMIN").await;
    let regular = s.sign_in("reggie", "regular long password 1").await;
    let admin = s.sign_in("ada", "admin long password 12").await;
    let boss = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let list = GetListRequest { device_id: MAIN_ENTRANCE };
    let enroll = EnrollRequest { device_id: MAIN_ENTRANCE, users: vec![person("B-1")], overwrite: true };

    let e = call::<_, GetListResponse>(&s, GET_LIST, &list, Auth::Cookie(&regular)).await.unwrap_err();
    assert_eq!(e.code_name(), "PERMISSION_DENIED", "{e}");
    call::<_, GetListResponse>(&s, GET_LIST, &list, Auth::Cookie(&admin)).await.unwrap();
    for who in [&regular, &admin] {
        let e = call::<_, EnrollResponse>(&s, ENROLL, &enroll, Auth::Cookie(who)).await.unwrap_err();
        assert_eq!(e.code_name(), "PERMISSION_DENIED", "{e}");
    }
    assert!(!s.held_by(MAIN_ENTRANCE).await.contains("B-1"), "a refused call never reaches the device");

    call::<_, EnrollResponse>(&s, ENROLL, &enroll, Auth::Cookie(&boss)).await.unwrap();
    let held: GetListResponse = call(&s, GET_LIST, &list, Auth::Cookie(&admin)).await.unwrap();
    assert!(held.hdrs.iter().any(|h| h.id == "B-1"));
    let delete = DeleteRequest { device_id: MAIN_ENTRANCE, user_i_ds: vec!["B-1".into()] };
    call::<_, DeleteResponse>(&s, "/gsdk.user.User/Delete", &delete, Auth::Cookie(&boss)).await.unwrap();

    // A cookie without the CSRF header is refused (a cross-site form cannot set it).
    let r = s
        .request(Method::POST, ENROLL)
        .header("cookie", &boss)
        .header("content-type", grpc_web::CONTENT_TYPE)
        .body(grpc_web::frame(&enroll))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let token = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let audit =
        body(s.request(Method::GET, "/v1/audit?action=device.call").bearer_auth(&token).send().await.unwrap()).await;
    let rows = audit["rows"].as_array().unwrap();
    let targets: Vec<&str> = rows.iter().map(|r| r["target"].as_str().unwrap()).collect();
    assert_eq!(targets, ["/gsdk.user.User/Delete", ENROLL], "{audit}");
    assert_eq!(rows[1]["actor"], ADMIN);
    assert_eq!(rows[1]["after"]["users"], serde_json::json!(["B-1"]));
    assert_eq!(rows[1]["after"]["devices"], serde_json::json!([MAIN_ENTRANCE]));
}

#[tokio::test]
async fn other_sites_devices_and_unlisted_methods_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // Site B's gateway: a simulator with a device of its own.
    let other = gateway_sim::SimConfig {
        devices: vec![gateway_sim::DeviceConfig {
            id: 777_000_001,
            model: gateway_sim::Model::Biostation3,
            name: "Elsewhere".into(),
            ip: "10.9.9.9".into(),
            capacity: None,
            alphanumeric_ids: true,
        }],
    };
    let sim = gateway_sim::Simulator::open(&other, &dir.path().join("sim")).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(gateway_sim::serve(sim, listener, None, std::future::pending()));
    let config = dir.path().join("lintel.toml");
    std::fs::write(
        &config,
        format!("[[site]]\nname = \"A\"\ngateway = \"embedded\"\n\n[[site]]\nname = \"B\"\ngateway = \"{url}\"\n"),
    )
    .unwrap();
    let s = TestServer::start_with(Options {
        vars: vec![("LINTEL_CONFIG", config.display().to_string())],
        ..Default::default()
    })
    .await;
    let token = s.site_token(ADMIN, ADMIN_PASSWORD).await; // site A
    for device_id in [777_000_001, 999] {
        let e = call::<_, GetListResponse>(&s, GET_LIST, &GetListRequest { device_id }, Auth::Bearer(&token))
            .await
            .unwrap_err();
        assert_eq!(e.code_name(), "PERMISSION_DENIED", "{e}");
        assert!(e.message.contains("not a device of this site"), "{e}");
    }
    let multi =
        EnrollMultiRequest { device_i_ds: vec![MAIN_ENTRANCE, 777_000_001], users: vec![person("X")], overwrite: true };
    let e = call::<_, EnrollMultiResponse>(&s, "/gsdk.user.User/EnrollMulti", &multi, Auth::Bearer(&token))
        .await
        .unwrap_err();
    assert!(e.message.starts_with("deviceIDs[1]: "), "{e}");
    assert!(!s.held_by(MAIN_ENTRANCE).await.contains("X"), "nothing half-sent");

    for path in ["/gsdk.connect.Connect/SubscribeStatus", "/gsdk.event.Event/GetLog", "/lintel.sim.Control/SetOnline"] {
        let e =
            call::<_, GetListResponse>(&s, path, &GetListRequest::default(), Auth::Bearer(&token)).await.unwrap_err();
        assert_eq!(e.code_name(), "PERMISSION_DENIED", "{path}: {e}");
    }
}

#[tokio::test]
async fn requests_meet_the_domain_rules_and_the_size_cap_before_they_leave() {
    let s = TestServer::start().await;
    let token = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    // The server room's model takes numeric IDs only.
    let enroll = EnrollRequest { device_id: SERVER_ROOM, users: vec![person("1"), person("abc")], overwrite: true };
    let e = call::<_, EnrollResponse>(&s, ENROLL, &enroll, Auth::Bearer(&token)).await.unwrap_err();
    assert_eq!(e.code_name(), "INVALID_ARGUMENT");
    assert!(e.message.starts_with("users[1].hdr.ID: "), "{e}");
    assert!(!s.held_by(SERVER_ROOM).await.contains("1"), "nothing of a refused batch is sent");

    let pin = GetPinHashRequest { pin: "12345678901234567".into() };
    let e =
        call::<_, GetPinHashResponse>(&s, "/gsdk.user.User/GetPINHash", &pin, Auth::Bearer(&token)).await.unwrap_err();
    assert!(e.message.starts_with("PIN: "), "{e}");

    let huge = EnrollRequest {
        device_id: MAIN_ENTRANCE,
        users: (0..300).map(|i| UserInfo { photo: vec![0; 16 << 10], ..person(&format!("H{i}")) }).collect(),
        overwrite: true,
    };
    let e = call::<_, EnrollResponse>(&s, ENROLL, &huge, Auth::Bearer(&token)).await.unwrap_err();
    assert!(e.message.contains("too large"), "{e}");
}

#[tokio::test]
async fn a_multi_failure_arrives_with_its_details_intact() {
    let s = TestServer::start().await;
    let token = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    s.set_online(SERVER_ROOM, false).await;
    let multi = EnrollMultiRequest {
        device_i_ds: vec![MAIN_ENTRANCE, SERVER_ROOM],
        users: vec![person("77")],
        overwrite: true,
    };
    let direct = UserClient::new(s.state().gateways.channel(1).unwrap()).enroll_multi(multi.clone()).await.unwrap_err();
    let bridged = call::<_, EnrollMultiResponse>(&s, "/gsdk.user.User/EnrollMulti", &multi, Auth::Bearer(&token))
        .await
        .unwrap_err();
    assert_eq!(bridged.code, direct.code() as i32);
    assert_eq!(bridged.message, direct.message());
    assert_eq!(bridged.details, direct.details(), "grpc-status-details-bin byte for byte");
    let failed = bridged.multi_errors().expect("a MultiErrorResponse");
    assert_eq!(failed.device_errors.len(), 1);
    assert_eq!(failed.device_errors[0].device_id, SERVER_ROOM);
    assert_eq!(failed.device_errors[0].code, tonic::Code::Unavailable as i32);
}

#[tokio::test]
async fn cors_exposes_the_grpc_status_to_configured_origins_only() {
    let s = TestServer::start_with(Options {
        vars: vec![("LINTEL_CORS_ORIGINS", "https://hr.example".into())],
        ..Default::default()
    })
    .await;
    let token = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let send = |origin: &'static str| {
        s.request(Method::POST, GET_LIST)
            .bearer_auth(&token)
            .header("origin", origin)
            .header("content-type", grpc_web::CONTENT_TYPE)
            .body(grpc_web::frame(&GetListRequest { device_id: MAIN_ENTRANCE }))
            .send()
    };
    let r = send("https://hr.example").await.unwrap();
    let exposed = r.headers().get("access-control-expose-headers").unwrap().to_str().unwrap().to_owned();
    for h in ["grpc-status", "grpc-message", "grpc-status-details-bin"] {
        assert!(exposed.contains(h), "{exposed}");
    }
    // Without Access-Control-Allow-Origin a browser shows that origin nothing of the answer,
    // exposed headers included.
    let r = send("https://evil.example").await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}
