//! Per-device failures of a `…Multi` call: a `gsdk.err.MultiErrorResponse` packed as an
//! `Any` inside the `google.rpc.Status` of the `grpc-status-details-bin` trailer.
//! Plain byte functions so the app (grpc-web) can decode them too.

use crate::google_rpc::Status as RpcStatus;
use crate::gsdk::err::{ErrorResponse, MultiErrorResponse};
use prost::Message;

pub const MULTI_ERROR_TYPE_URL: &str = "type.googleapis.com/gsdk.err.MultiErrorResponse";

/// Whether an `Any` type URL names the multi-error message. The vendor's gateway and its
/// own samples use both `…/gsdk.err.MultiErrorResponse` and `…/err.MultiErrorResponse`.
pub fn is_multi_error(type_url: &str) -> bool {
    let name = type_url.rsplit('/').next().unwrap_or(type_url);
    name == "gsdk.err.MultiErrorResponse" || name == "err.MultiErrorResponse"
}

/// Encodes the `google.rpc.Status` bytes for a failed `…Multi` call.
pub fn encode_details(code: i32, message: &str, device_errors: Vec<ErrorResponse>) -> Vec<u8> {
    let any = prost_types::Any {
        type_url: MULTI_ERROR_TYPE_URL.into(),
        value: MultiErrorResponse { device_errors }.encode_to_vec(),
    };
    RpcStatus { code, message: message.into(), details: vec![any] }.encode_to_vec()
}

/// Reads the per-device errors out of `grpc-status-details-bin`, if it carries them.
pub fn decode_details(details: &[u8]) -> Option<MultiErrorResponse> {
    let status = RpcStatus::decode(details).ok()?;
    let any = status.details.iter().find(|a| is_multi_error(&a.type_url))?;
    MultiErrorResponse::decode(any.value.as_slice()).ok()
}

#[cfg(feature = "grpc")]
mod tonic_status {
    use super::*;

    /// A non-OK status naming each failed device.
    pub fn multi_error_status(code: tonic::Code, message: &str, device_errors: Vec<ErrorResponse>) -> tonic::Status {
        let details = encode_details(code as i32, message, device_errors);
        tonic::Status::with_details(code, message, details.into())
    }

    /// The per-device errors of a failed `…Multi` call (None for any other failure).
    pub fn multi_errors(status: &tonic::Status) -> Option<MultiErrorResponse> {
        decode_details(status.details())
    }
}

#[cfg(feature = "grpc")]
pub use tonic_status::{multi_error_status, multi_errors};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let errs = vec![ErrorResponse { device_id: 7, code: 14, msg: "offline".into() }];
        let bytes = encode_details(14, "1 of 2 devices failed", errs.clone());
        assert_eq!(decode_details(&bytes).unwrap().device_errors, errs);
        assert!(decode_details(b"\x08\x01").is_none());
    }

    #[test]
    fn both_type_urls_of_the_vendor_are_read() {
        for url in ["type.googleapis.com/gsdk.err.MultiErrorResponse", "type.googleapis.com/err.MultiErrorResponse"] {
            let errors = vec![ErrorResponse { device_id: 7, code: 14, msg: "offline".into() }];
            let any = prost_types::Any {
                type_url: url.into(),
                value: MultiErrorResponse { device_errors: errors }.encode_to_vec(),
            };
            let bytes = RpcStatus { code: 13, message: "x".into(), details: vec![any] }.encode_to_vec();
            assert_eq!(decode_details(&bytes).unwrap().device_errors[0].device_id, 7, "{url}");
        }
        assert!(!is_multi_error("type.googleapis.com/gsdk.err.ErrorResponse"));
    }
}
