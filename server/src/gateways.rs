//! The device gateway of each site, reached over gRPC: plain text for a simulator, TLS with
//! the configured CA for the vendor's gateway. Channels connect lazily and reconnect by
//! themselves, so a gateway that is down at start-up does not stop the server.

use crate::error::ApiError;
use axum::http::StatusCode;
use proto::domain::Pin;
use proto::domain::limits::PIN_HASH_BYTES;
use proto::gsdk::user::GetPinHashRequest;
use proto::gsdk::user::user_client::UserClient;
use std::collections::HashMap;
use std::time::Duration;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

/// Where one site's gateway is.
pub struct Target {
    pub site_id: i64,
    pub url: String,
    /// PEM of the CA that signed the gateway's certificate (TLS only).
    pub ca_pem: Option<Vec<u8>>,
}

#[derive(Clone, Default)]
pub struct Gateways {
    channels: HashMap<i64, Channel>,
}

impl Gateways {
    pub fn new(targets: Vec<Target>) -> anyhow::Result<Self> {
        let mut channels = HashMap::new();
        for t in targets {
            let mut endpoint = Endpoint::from_shared(t.url.clone())?
                .connect_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(30));
            if let Some(ca) = t.ca_pem {
                endpoint = endpoint.tls_config(ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ca)))?;
            }
            channels.insert(t.site_id, endpoint.connect_lazy());
        }
        Ok(Self { channels })
    }

    pub fn channel(&self, site_id: i64) -> Result<Channel, ApiError> {
        self.channels
            .get(&site_id)
            .cloned()
            .ok_or_else(|| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "this site has no device gateway"))
    }

    /// The gateway's 32-byte hash of a PIN: the only form in which a PIN is kept or sent.
    pub async fn pin_hash(&self, site_id: i64, pin: &Pin) -> Result<Vec<u8>, ApiError> {
        let mut client = UserClient::new(self.channel(site_id)?);
        let request = GetPinHashRequest { pin: pin.expose().to_owned() };
        let hash = client.get_pin_hash(request).await.map_err(|s| unavailable("GetPINHash", &s))?.into_inner().hash_val;
        if hash.len() != PIN_HASH_BYTES {
            tracing::error!(len = hash.len(), "GetPINHash answered a hash of the wrong size");
            return Err(ApiError::new(StatusCode::BAD_GATEWAY, "the device gateway answered a malformed PIN hash"));
        }
        Ok(hash)
    }
}

/// A failed gateway call, logged with its code (never its request): the device's refusal
/// becomes 404/422, an unreachable gateway 503, anything else 502.
pub fn unavailable(call: &str, status: &tonic::Status) -> ApiError {
    tracing::warn!(call, code = ?status.code(), message = status.message(), "device gateway call failed");
    match status.code() {
        tonic::Code::NotFound => {
            ApiError::not_found(format!("device_id: {}", status.message())).with_field("device_id")
        }
        tonic::Code::InvalidArgument | tonic::Code::FailedPrecondition | tonic::Code::OutOfRange => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("the device refused {call}: {}", status.message()))
        }
        tonic::Code::Unavailable | tonic::Code::DeadlineExceeded => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the device gateway cannot be reached ({call}); try again"),
        ),
        _ => ApiError::new(StatusCode::BAD_GATEWAY, format!("the device gateway refused {call}: {}", status.message())),
    }
}
