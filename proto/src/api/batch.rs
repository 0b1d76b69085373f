//! Calls on many people at once: batch creation, bulk lifecycle (BioStar Air's
//! `POST /v1/users/suspend` keeps its request shape), and BioStar Air's search.

use super::user::{NewUser, UserView};
use super::{BatchStatus, PinText};
use crate::domain::Status;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why one item of a batch, bulk or import call failed: the same code, field and message
/// the failure would have as a whole request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemError {
    /// `conflict`, `unprocessable_entity`, `not_found`, `forbidden`…
    pub code: String,
    pub field: Option<String>,
    pub message: String,
}

/// Most people one batch creates.
pub const MAX_BATCH: usize = 1000;
/// Most people one bulk lifecycle call names by ID or email (a `filter` has no cap).
pub const MAX_BULK: usize = 50_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchCreate {
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 1000))]
    pub users: Vec<NewUser>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedItem {
    /// The item's index in `users`.
    pub index: usize,
    pub id: i64,
    pub user_id: String,
    pub status: Status,
    /// The PIN the server chose for `******`, shown only here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<PinText>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchOutcome {
    pub status: BatchStatus,
    pub created_users: Vec<CreatedItem>,
    /// Keyed by the item's index in `users` (as a string, as JSON object keys are).
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::HashMap<String, ItemError>))]
    pub error_details: BTreeMap<usize, ItemError>,
}

/// People named by directory ID and/or email, or everyone matching a filter (no cap: the
/// console's "all N matching"). `certify_by` and `use_site_template` are
/// accepted as BioStar Air sends them; Lintel has no certification step or site templates.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkRequest {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 50000))]
    pub ids: Vec<i64>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 50000))]
    pub emails: Vec<String>,
    /// Everyone matching these filters of the listing (its sort and page do not apply);
    /// not together with `ids` or `emails`.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "object_only")]
    pub filter: Option<super::user::UserQuery>,
    /// With `filter`: how many people the caller was told it matches; if it matches another
    /// number by then, nothing changes (409) — a confirmation never understates its reach.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295_i64))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<u32>,
    pub certify_by: Option<String>,
    pub use_site_template: Option<bool>,
}

/// A filter is a JSON object: serde would also read a struct from an array of its fields
/// in order, which no client means.
fn object_only<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<super::user::UserQuery>, D::Error> {
    let Some(object) = Option::<serde_json::Map<String, serde_json::Value>>::deserialize(d)? else { return Ok(None) };
    serde_json::from_value(serde_json::Value::Object(object)).map(Some).map_err(serde::de::Error::custom)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkItem {
    pub id: i64,
    pub user_id: String,
    pub status: Status,
}

/// `OK` when every person was handled; `ERROR` with `error_details` otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkOutcome {
    pub status: BatchStatus,
    pub results: Vec<BulkItem>,
    /// Keyed by the ID or email as given.
    pub error_details: BTreeMap<String, ItemError>,
}

/// A new person, and the PIN the server chose when `pin` was `******` (shown only here).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedUser {
    #[serde(flatten)]
    pub user: UserView,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<PinText>,
}

/// BioStar Air's search filter: `{field, equals}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchFilter {
    /// `email`, `id`, `user_id`, `name`, `status`, `tag`, `username`, `system_id` or `search`.
    pub field: String,
    /// The value to match (a string or a number); emails compare case-insensitively.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub equals: serde_json::Value,
}

/// BioStar Air's `POST /v1/users/search`: every filter must hold.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchRequest {
    #[serde(default)]
    pub filters: Vec<SearchFilter>,
    /// 1 to 500, default 50.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 500))]
    pub limit: Option<u32>,
    #[cfg_attr(feature = "openapi", schema(maximum = 1_000_000_000))]
    pub offset: Option<u64>,
}
