//! Calling the device gateway's own methods through the server's gRPC-web bridge: grpc-web
//! framing over fetch (`proto::grpc_web`), the prost messages of `proto`, same origin, the
//! session cookie and the CSRF header as for the REST API. A refusal becomes the same
//! [`Failure`] the rest of the console shows.

use crate::api::{CSRF_HEADER, Failure, signed_out};
use gloo_net::http::Request;
use proto::grpc_web::{self, CallError};

/// One unary call to `path` (`/gsdk.user.User/GetList`, …).
pub async fn call<Req: prost::Message, Resp: prost::Message + Default>(
    path: &str,
    request: &Req,
) -> Result<Resp, Failure> {
    let body = js_sys::Uint8Array::from(grpc_web::frame(request).as_slice());
    let request = Request::post(path)
        .header("Content-Type", grpc_web::CONTENT_TYPE)
        .header("X-Grpc-Web", "1")
        .header(CSRF_HEADER, "1")
        .body(body)
        .map_err(|_| Failure::unreadable(0))?;
    let response = request.send().await.map_err(|_| Failure::unreachable())?;
    let status = response.status();
    let headers = response.headers();
    let body = response.binary().await.map_err(|_| Failure::unreachable())?;
    grpc_web::read_answer(status, |name| headers.get(name), &body).map_err(|e| refusal(status, e))
}

fn refusal(status: u16, e: CallError) -> Failure {
    if e.code_name() == "UNAUTHENTICATED" {
        signed_out();
    }
    let message = match e.multi_errors() {
        Some(m) => {
            let devices: Vec<String> =
                m.device_errors.iter().map(|d| format!("device {}: {}", d.device_id, d.msg)).collect();
            format!("{} ({})", e.message, devices.join("; "))
        }
        None => e.message.clone(),
    };
    Failure { status, code: e.code_name().to_ascii_lowercase(), message, field: None, retry_after: None }
}
