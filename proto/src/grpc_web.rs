//! grpc-web framing for unary calls, as plain byte functions: the console (wasm, over
//! fetch), the server's tests and its bridge benchmark all call the bridge with these.
//!
//! A request body is one frame: flag 0, a 4-byte big-endian length, the message. An answer
//! holds a message frame and a trailer frame (flag 0x80, `name: value` lines), or, when
//! the call failed before any message, only headers ("trailers-only").

use prost::Message;

pub const CONTENT_TYPE: &str = "application/grpc-web+proto";

const TRAILER_FLAG: u8 = 0x80;

/// The request body for `message`.
pub fn frame<M: Message>(message: &M) -> Vec<u8> {
    let len = message.encoded_len();
    let mut body = Vec::with_capacity(5 + len);
    body.push(0);
    body.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
    message.encode_raw(&mut body);
    body
}

/// A call that did not answer OK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    /// The gRPC status code (7 PERMISSION_DENIED, 16 UNAUTHENTICATED, …).
    pub code: i32,
    pub message: String,
    /// `grpc-status-details-bin`, decoded from base64: a `google.rpc.Status`.
    pub details: Vec<u8>,
}

impl CallError {
    fn new(code: i32, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), details: Vec::new() }
    }

    /// The per-device failures of a `…Multi` call.
    pub fn multi_errors(&self) -> Option<crate::gsdk::err::MultiErrorResponse> {
        crate::multi_error::decode_details(&self.details)
    }

    pub fn code_name(&self) -> &'static str {
        code_name(self.code)
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code_name(), self.message)
    }
}

pub fn code_name(code: i32) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    usize::try_from(code).ok().and_then(|c| NAMES.get(c)).copied().unwrap_or("UNKNOWN")
}

/// Reads an answer: its HTTP status, a lookup of its headers (lower-case names), its body.
pub fn read_answer<M: Message + Default>(
    http_status: u16,
    header: impl Fn(&str) -> Option<String>,
    body: &[u8],
) -> Result<M, CallError> {
    let mut message = None;
    let mut trailers = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (flag, len) = match rest {
            [flag, a, b, c, d, ..] => (*flag, u32::from_be_bytes([*a, *b, *c, *d]) as usize),
            _ => return Err(CallError::new(13, "a truncated grpc-web frame")),
        };
        let Some(data) = rest.get(5..5 + len) else { return Err(CallError::new(13, "a truncated grpc-web frame")) };
        if flag & TRAILER_FLAG != 0 {
            trailers.extend(String::from_utf8_lossy(data).lines().filter_map(|line| {
                let (name, value) = line.split_once(':')?;
                Some((name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            }));
        } else if message.is_none() {
            message = Some(data);
        }
        rest = &rest[5 + len..];
    }
    let field = |name: &str| trailers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).or_else(|| header(name));
    let Some(code) = field("grpc-status") else {
        return match http_status {
            200 => Err(CallError::new(2, "the answer carried no grpc-status")),
            status => Err(CallError::new(http_code(status), format!("HTTP {status}"))),
        };
    };
    let code = code.parse().unwrap_or(2);
    if code != 0 {
        let message = field("grpc-message").map(|m| percent_decode(&m)).unwrap_or_default();
        let details = field("grpc-status-details-bin").and_then(|d| base64_decode(&d)).unwrap_or_default();
        return Err(CallError { code, message, details });
    }
    M::decode(message.unwrap_or_default()).map_err(|e| CallError::new(13, format!("an unreadable answer: {e}")))
}

/// gRPC's mapping of an HTTP status without a grpc-status.
fn http_code(status: u16) -> i32 {
    match status {
        400 => 13,
        401 => 16,
        403 => 7,
        404 => 12,
        429 | 502..=504 => 14,
        _ => 2,
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Binary headers are base64, padded or not.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const ANY_PADDING: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    base64::Engine::decode(&ANY_PADDING, s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gsdk::user::{GetListRequest, GetListResponse, UserHdr};

    fn answer(message: &[u8], trailer: &str) -> Vec<u8> {
        let mut body = vec![0];
        body.extend_from_slice(&(message.len() as u32).to_be_bytes());
        body.extend_from_slice(message);
        body.push(TRAILER_FLAG);
        body.extend_from_slice(&(trailer.len() as u32).to_be_bytes());
        body.extend_from_slice(trailer.as_bytes());
        body
    }

    #[test]
    fn frames_and_reads_a_message() {
        let body = frame(&GetListRequest { device_id: 7 });
        assert_eq!(body[0], 0);
        assert_eq!(&body[1..5], &2u32.to_be_bytes());
        let hdrs = vec![UserHdr { id: "42".into(), ..Default::default() }];
        let sent = GetListResponse { hdrs: hdrs.clone() }.encode_to_vec();
        let got: GetListResponse = read_answer(200, |_| None, &answer(&sent, "grpc-status:0\r\n")).unwrap();
        assert_eq!(got.hdrs, hdrs);
    }

    #[test]
    fn reads_failures_from_trailers_or_headers() {
        let err =
            read_answer::<GetListResponse>(200, |_| None, &answer(&[], "grpc-status: 7\r\ngrpc-message: no%20way\r\n"))
                .unwrap_err();
        assert_eq!((err.code, err.message.as_str()), (7, "no way"));
        let details = crate::multi_error::encode_details(14, "offline", vec![]);
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD_NO_PAD, &details);
        let headers = |n: &str| match n {
            "grpc-status" => Some("14".to_owned()),
            "grpc-status-details-bin" => Some(b64.clone()),
            _ => None,
        };
        let err = read_answer::<GetListResponse>(200, headers, &[]).unwrap_err();
        assert_eq!((err.code_name(), err.details), ("UNAVAILABLE", details));
        let err = read_answer::<GetListResponse>(403, |_| None, &[]).unwrap_err();
        assert_eq!(err.code_name(), "PERMISSION_DENIED");
        assert_eq!(read_answer::<GetListResponse>(200, |_| None, &[0, 0, 0]).unwrap_err().code, 13);
    }
}
