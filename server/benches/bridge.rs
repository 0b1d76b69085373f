//! `cargo xtask bench bridge`: what a call through the gRPC-web bridge costs against the
//! same call made straight to the gateway. The server runs in-process, its gateway is a
//! simulator on its own loopback port (as a remote gateway would be) with one device
//! holding 1,000 users. Each call is made 1,000 times one after the other, each way, after
//! a warm-up; prints the medians and their ratio (SPEC: ≤ 1.25). Asserts nothing about time.
//!
//! Through the bridge: grpc-web over HTTP/1.1 with a bearer token (the session is looked up,
//! the rule and the site's devices checked, the request validated, then forwarded over
//! gRPC). Directly, two ways: the same grpc-web call made to the simulator (which also
//! speaks grpc-web), and a tonic client over HTTP/2. And the floor of any bridge: a bare
//! HTTP proxy in front of the simulator that checks nothing (one more loopback hop).
//! docs/bridge-cost.md keeps the figures and what they mean for the target.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use gateway_sim::{DeviceConfig, Model, SimConfig};
use prost::Message;
use proto::grpc_web;
use proto::gsdk::device::{GetCapabilityInfoRequest, GetCapabilityInfoResponse};
use proto::gsdk::user::{EnrollRequest, GetListRequest, GetListResponse, GetRequest, GetResponse, UserHdr, UserInfo};
use std::time::{Duration, Instant};
use support::ms;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Channel;

const DEVICE: u32 = 700_000_001;
const USERS: u32 = 1_000;
const WARM_UP: usize = 100;
const CALLS: usize = 1_000;
const DEVICE_LATENCY_MS: u64 = 2;

fn one_device() -> SimConfig {
    SimConfig {
        devices: vec![DeviceConfig {
            id: DEVICE,
            model: Model::Biostation3,
            name: "Door".into(),
            ip: "10.0.0.1".into(),
            capacity: None,
            alphanumeric_ids: false,
        }],
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

async fn direct<Req: Message + Clone + 'static, Resp: Message + Default + 'static>(
    channel: &Channel,
    path: &'static str,
    request: &Req,
) -> Duration {
    let mut client = tonic::client::Grpc::new(channel.clone()).max_decoding_message_size(64 << 20);
    let mut times = Vec::with_capacity(CALLS);
    for i in 0..WARM_UP + CALLS {
        let started = Instant::now();
        client.ready().await.unwrap();
        let codec = tonic_prost::ProstCodec::<Req, Resp>::default();
        client.unary(tonic::Request::new(request.clone()), PathAndQuery::from_static(path), codec).await.unwrap();
        if i >= WARM_UP {
            times.push(started.elapsed());
        }
    }
    median(times)
}

/// A grpc-web call to `base` (the bridge with `token`, or the simulator itself).
async fn grpc_web<Req: Message, Resp: Message + Default>(
    http: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    path: &str,
    request: &Req,
) -> Duration {
    let body = grpc_web::frame(request);
    let mut times = Vec::with_capacity(CALLS);
    for i in 0..WARM_UP + CALLS {
        let started = Instant::now();
        let mut call = http.post(format!("{base}{path}"));
        if let Some(token) = token {
            call = call.bearer_auth(token);
        }
        let r = call
            .header("content-type", grpc_web::CONTENT_TYPE)
            .header("x-grpc-web", "1")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.unwrap();
        let lookup = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
        grpc_web::read_answer::<Resp>(status, lookup, &bytes).unwrap();
        if i >= WARM_UP {
            times.push(started.elapsed());
        }
    }
    median(times)
}

const CAPABILITY: &str = "/gsdk.device.Device/GetCapabilityInfo";

struct Targets<'a> {
    api: &'a support::Api,
    gateway: &'a str,
    proxy: &'a str,
    channel: &'a Channel,
}

impl Targets<'_> {
    /// One call three ways: through the bridge, as grpc-web to the simulator, as gRPC to it.
    async fn compare<Req: Message + Clone + 'static, Resp: Message + Default + 'static>(
        &self,
        name: &str,
        path: &'static str,
        request: &Req,
    ) {
        let bridge = grpc_web::<Req, Resp>(&self.api.http, &self.api.base, Some(&self.api.token), path, request).await;
        let web = grpc_web::<Req, Resp>(&self.api.http, self.gateway, None, path, request).await;
        let grpc = direct::<Req, Resp>(self.channel, path, request).await;
        let proxied = grpc_web::<Req, Resp>(&self.api.http, self.proxy, None, path, request).await;
        let ratio = |of: Duration, to: Duration| of.as_secs_f64() / to.as_secs_f64();
        println!(
            "  {name}: bridge {}; directly as grpc-web {} (ratio {:.2}), as gRPC {} (ratio {:.2}); \
             a bare proxy {} (ratio {:.2} to gRPC)",
            ms(bridge),
            ms(web),
            ratio(bridge, web),
            ms(grpc),
            ratio(bridge, grpc),
            ms(proxied),
            ratio(proxied, grpc)
        );
    }
}

/// The floor of any bridge: an HTTP server that hands each request's body to the simulator
/// over a kept-alive connection and returns its answer as it came, checking nothing.
/// Answers its `http://` address.
async fn bare_proxy(gateway: String) -> anyhow::Result<String> {
    use axum::body::{Body, Bytes};
    use axum::http::{HeaderMap, Uri};
    let http = reqwest::Client::new();
    let forward = move |uri: Uri, headers: HeaderMap, body: Bytes| {
        let (http, gateway) = (http.clone(), gateway.clone());
        async move {
            // The call's own headers; the connection's (length, chunking) are each hop's.
            let own = |headers: &HeaderMap| -> HeaderMap {
                let hop = ["host", "content-length", "transfer-encoding", "connection"];
                headers
                    .iter()
                    .filter(|(n, _)| !hop.contains(&n.as_str()))
                    .map(|(n, v)| (n.clone(), v.clone()))
                    .collect()
            };
            let answer =
                http.post(format!("{gateway}{}", uri.path())).headers(own(&headers)).body(body).send().await.unwrap();
            let mut response = axum::response::Response::builder().status(answer.status());
            for (name, value) in &own(answer.headers()) {
                response = response.header(name, value);
            }
            response.body(Body::from(answer.bytes().await.unwrap())).unwrap()
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, axum::Router::new().fallback(forward)).await });
    Ok(address)
}

/// A call the bridge refuses before forwarding it (a method it does not bridge): the edge,
/// the caller's lookup and grpc-web, without the gateway.
async fn refused_call(api: &support::Api, body: &[u8]) -> Duration {
    let mut times = Vec::with_capacity(CALLS);
    for i in 0..WARM_UP + CALLS {
        let started = Instant::now();
        let r = api
            .http
            .post(format!("{}/gsdk.user.User/NotBridged", api.base))
            .bearer_auth(&api.token)
            .header("content-type", grpc_web::CONTENT_TYPE)
            .header("x-grpc-web", "1")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        let status = r.headers().get("grpc-status").and_then(|v| v.to_str().ok()).map(str::to_owned);
        r.bytes().await.unwrap();
        assert_eq!(status.as_deref(), Some("7"), "PERMISSION_DENIED");
        if i >= WARM_UP {
            times.push(started.elapsed());
        }
    }
    median(times)
}

/// A REST call that does next to nothing: HTTP/1.1, the edge's layers and, signed in, the
/// caller's lookup.
async fn rest_baseline(api: &support::Api, path: &str, signed_in: bool) -> Duration {
    let mut times = Vec::with_capacity(CALLS);
    for i in 0..WARM_UP + CALLS {
        let started = Instant::now();
        let mut call = api.http.get(format!("{}{path}", api.base));
        if signed_in {
            call = call.bearer_auth(&api.token);
        }
        let r = call.send().await.unwrap();
        assert!(r.status().is_success());
        r.bytes().await.unwrap();
        if i >= WARM_UP {
            times.push(started.elapsed());
        }
    }
    median(times)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let sim = gateway_sim::Simulator::open(&one_device(), &dir.path().join("sim"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let gateway = format!("http://{}", listener.local_addr()?);
    tokio::spawn(gateway_sim::serve(sim.clone(), listener, None, std::future::pending()));
    let config = dir.path().join("lintel.toml");
    std::fs::write(&config, format!("[[site]]\nname = \"Bench\"\ngateway = \"{gateway}\"\n"))?;
    let data = dir.path().join("data");
    let (running, api) = support::start(&data, &[("LINTEL_CONFIG", config.display().to_string())]).await?;
    let channel = Channel::from_shared(gateway.clone())?.connect().await?;

    let users: Vec<UserInfo> = (1..=USERS)
        .map(|i| UserInfo {
            hdr: Some(UserHdr { id: i.to_string(), ..Default::default() }),
            name: format!("Person {i}"),
            ..Default::default()
        })
        .collect();
    let mut client = proto::gsdk::user::user_client::UserClient::new(channel.clone());
    client.enroll(EnrollRequest { device_id: DEVICE, users, overwrite: true }).await?;

    let page = GetRequest { device_id: DEVICE, user_i_ds: (1..=50).map(|i| i.to_string()).collect() };
    let capability = GetCapabilityInfoRequest { device_id: DEVICE };
    let list = GetListRequest { device_id: DEVICE };
    let proxy = bare_proxy(gateway.clone()).await?;
    let to = Targets { api: &api, gateway: &gateway, proxy: &proxy, channel: &channel };
    println!(
        "bench bridge: p50 of {CALLS} calls each (after {WARM_UP} warm-up); ratio = bridge / directly (target ≤ 1.25)"
    );
    to.compare::<_, GetCapabilityInfoResponse>("Device.GetCapabilityInfo (a small answer)", CAPABILITY, &capability)
        .await;
    to.compare::<_, GetResponse>("User.Get of 50 users (a page of the console's list)", "/gsdk.user.User/Get", &page)
        .await;
    to.compare::<_, GetListResponse>("User.GetList of 1,000 users", "/gsdk.user.User/GetList", &list).await;
    println!(
        "  (the bridge refusing an unlisted method: {}; the REST edge alone: GET /healthz {}, \
         GET /v1/session with the same token {})",
        ms(refused_call(&api, &grpc_web::frame(&capability)).await),
        ms(rest_baseline(&api, "/healthz", false).await),
        ms(rest_baseline(&api, "/v1/session", true).await)
    );
    // A device on a network takes a few milliseconds to answer; the bridge's cost stays the same.
    sim.set_latency(None, Duration::from_millis(DEVICE_LATENCY_MS)).unwrap();
    let name = format!("Device.GetCapabilityInfo, the device answering in {DEVICE_LATENCY_MS} ms");
    to.compare::<_, GetCapabilityInfoResponse>(&name, CAPABILITY, &capability).await;
    running.stop().await?;
    Ok(())
}
