//! A list request (RFC 7644 §3.4.2: `filter`, `startIndex`, `count`, `sortBy`, `sortOrder`,
//! `attributes`, `excludedAttributes`) as a query or as a `/.search` body (§3.4.3), and the
//! ListResponse that answers it.

use super::resource::parse_attribute_list;
use crate::error::{ApiError, ApiResult};
use proto::scim::filter::{Filter, parse_filter};
use serde::Deserialize;
use serde_json::{Value, json};

/// Most resources a page holds (`count` above it is lowered to it, as §3.4.2.4 allows).
pub const MAX_COUNT: u32 = proto::api::user::MAX_PAGE;
/// Resources a page holds when `count` is not given.
pub const DEFAULT_COUNT: u32 = 100;

/// The query of `GET /Users` or `GET /Groups`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    pub filter: Option<String>,
    pub start_index: Option<i64>,
    pub count: Option<i64>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

/// The body of `POST /Users/.search` or `POST /Groups/.search`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    filter: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    #[serde(default)]
    attributes: Vec<String>,
    #[serde(default)]
    excluded_attributes: Vec<String>,
}

impl From<SearchRequest> for ListQuery {
    fn from(r: SearchRequest) -> Self {
        let joined = |list: Vec<String>| (!list.is_empty()).then(|| list.join(","));
        ListQuery {
            filter: r.filter,
            start_index: r.start_index,
            count: r.count,
            sort_by: r.sort_by,
            sort_order: r.sort_order,
            attributes: joined(r.attributes),
            excluded_attributes: joined(r.excluded_attributes),
        }
    }
}

/// A request read: its filter, page and projection.
pub struct Listing {
    pub filter: Option<Filter>,
    /// 1-based; below 1 means 1 (§3.4.2.4).
    pub start: i64,
    /// At most [`MAX_COUNT`]; below 0 means 0.
    pub count: i64,
    pub descending: bool,
    pub only: Attributes,
    pub except: Attributes,
}

impl ListQuery {
    pub fn read(&self) -> ApiResult<Listing> {
        let filter = match self.filter.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            Some(text) => Some(
                parse_filter(text).map_err(|e| ApiError::bad_request(format!("filter: {e}")).with_field("filter"))?,
            ),
            None => None,
        };
        let descending = match self.sort_order.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("ascending") => false,
            Some("descending") => true,
            Some(other) => {
                return Err(ApiError::bad_request(format!("sortOrder: {other:?} is neither ascending nor descending"))
                    .with_field("value"));
            }
        };
        Ok(Listing {
            filter,
            start: self.start_index.unwrap_or(1).max(1),
            count: self.count.unwrap_or(i64::from(DEFAULT_COUNT)).clamp(0, i64::from(MAX_COUNT)),
            descending,
            only: parse_attribute_list(self.attributes.as_deref())?,
            except: parse_attribute_list(self.excluded_attributes.as_deref())?,
        })
    }
}

/// The query of a `GET` of one resource: which attributes to return.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OneQuery {
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

/// An attribute list as [`super::resource::project`] takes it.
pub type Attributes = Vec<(String, Option<String>)>;

impl OneQuery {
    /// `attributes` and `excludedAttributes`, read.
    pub fn read(&self) -> ApiResult<(Attributes, Attributes)> {
        Ok((
            parse_attribute_list(self.attributes.as_deref())?,
            parse_attribute_list(self.excluded_attributes.as_deref())?,
        ))
    }
}

/// The ListResponse of one page of `total` matches.
pub fn response(total: i64, start: i64, resources: Vec<Value>) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}
