//! The one shape of every refusal the REST API answers, so clients (the console among
//! them) read errors in one way.

use serde::{Deserialize, Serialize};

/// `{"error": {"status": 409, "code": "conflict", "message": "…", "field": "…"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// The HTTP status.
    pub status: u16,
    /// A stable machine-readable code, e.g. `unauthorized`, `conflict`.
    pub code: String,
    /// What was wrong and what is allowed.
    pub message: String,
    /// The field at fault, when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
