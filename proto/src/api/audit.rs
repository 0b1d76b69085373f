//! The audit trail as the API shows it (`GET /v1/audit`).

use serde::{Deserialize, Serialize};

/// Whether an audited act succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditRow {
    pub id: i64,
    /// RFC 3339.
    pub at: String,
    pub site_id: Option<i64>,
    pub actor: String,
    pub source_ip: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub outcome: Outcome,
    /// The values before and after a change; secrets are never in them.
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub has_more: bool,
    pub next_offset: Option<i64>,
}
