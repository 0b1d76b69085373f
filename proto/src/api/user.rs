//! The people of the directory as the REST API shows and takes them.

use crate::domain::{PersonFields, Rank, Status, Tag};
use serde::{Deserialize, Serialize};

/// A card as a request gives it: the number as decimal or hex text, always a string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardInput {
    /// Decimal, or hex after `0x`; leading zeros kept.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 66))]
    pub number: String,
    pub label: Option<String>,
}

/// A card as the directory holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardView {
    pub number: String,
    pub label: Option<String>,
    /// `CSN`, or `CSN_MOBILE` for an active mobile credential.
    #[serde(rename = "type")]
    pub card_type: String,
}

/// What credentials a person holds, without any secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CredentialSummary {
    pub cards: usize,
    pub pin: bool,
    pub fingerprints: usize,
    pub faces: usize,
    /// State of the latest mobile credential (INVITED, ACTIVE, REVOKED), if any.
    pub mobile: Option<String>,
}

/// A person of the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserView {
    /// The directory's ID of this person (used in paths and by `ids` in bulk calls).
    pub id: i64,
    /// The device user ID.
    pub user_id: String,
    #[serde(flatten)]
    pub fields: PersonFields,
    pub status: Status,
    pub rank: Rank,
    pub has_photo: bool,
    pub credentials: CredentialSummary,
    /// The cards; only in single-user responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cards: Option<Vec<CardView>>,
    pub import_tag: Option<String>,
    /// In lists only: where the record stands at the doors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doors: Option<super::device::DoorSync>,
    /// Changes with every write; send it back as `If-Match` to refuse a stale overwrite.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// A new person: their fields, and optionally their user ID and first credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewUser {
    /// The device user ID; allocated by the server when absent.
    pub user_id: Option<String>,
    #[serde(flatten)]
    pub fields: PersonFields,
    #[serde(default)]
    pub cards: Vec<CardInput>,
    /// 4 to 16 digits, or `******` for a random PIN returned once.
    pub pin: Option<super::PinText>,
    /// Allow card numbers another person of the site already holds.
    #[serde(default)]
    pub allow_duplicates: bool,
}

/// A page of people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserPage {
    pub users: Vec<UserView>,
    pub has_more: bool,
    pub next_offset: Option<u64>,
}

/// How many people match a filter (`GET /v1/users/count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserCount {
    pub total: u64,
}

/// The listing's default and largest page.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 500;

/// What a list of people is sorted by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SortBy {
    /// Case-insensitive.
    #[default]
    Name,
    /// Numeric IDs by value.
    UserId,
    Email,
    CreatedAt,
    UpdatedAt,
}

impl SortBy {
    pub fn column(self) -> &'static str {
        match self {
            SortBy::Name => "name",
            SortBy::UserId => "user_id",
            SortBy::Email => "email",
            SortBy::CreatedAt => "created_at",
            SortBy::UpdatedAt => "updated_at",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

/// How a CSV import treats its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ImportMode {
    /// New people only; a row whose key exists fails.
    Create,
    /// Existing people only; a row whose key is unknown fails.
    Update,
    /// Either.
    Upsert,
}

/// The column that names a person in a CSV import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ImportKey {
    UserId,
    SystemId,
    Email,
}

impl ImportKey {
    pub fn parse(s: &str) -> Option<Self> {
        [Self::UserId, Self::SystemId, Self::Email].into_iter().find(|k| k.name() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::UserId => "user_id",
            Self::SystemId => "system_id",
            Self::Email => "email",
        }
    }

    /// A value as stored: emails lower-cased, the others trimmed.
    pub fn normalize(self, value: &str) -> String {
        match self {
            Self::Email => value.trim().to_lowercase(),
            _ => value.trim().to_owned(),
        }
    }
}

impl ImportMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Upsert => "upsert",
        }
    }
}

/// The filters, order and page of a list of people (`GET /v1/users`; the export takes the
/// filters). An empty parameter is the same as an absent one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema), into_params(parameter_in = Query))]
pub struct UserQuery {
    /// Substring of name, username or email (case-insensitive); no control characters.
    #[cfg_attr(feature = "openapi", param(max_length = 128))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// Exact email (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_prefix: Option<String>,
    /// `example.com`: emails ending in `@example.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_domain: Option<String>,
    #[cfg_attr(feature = "openapi", param(inline))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[cfg_attr(feature = "openapi", param(inline))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Tag>,
    #[cfg_attr(feature = "openapi", param(value_type = Option<i64>, minimum = 0, maximum = 4_294_967_295_i64))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_group: Option<u32>,
    /// Exact department (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Who holds this card: a number in decimal or `0x` hex, leading zeros aside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_id: Option<String>,
    /// The device user ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Exact name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The directory ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// Changed at or after this local date or date-time of the site's time zone (`2025-03-01`, `2025-03-01T08:00`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Changed at or after this ISO 8601 instant (`2025-03-01T08:00:00Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_utc: Option<String>,
    /// Default `name`.
    #[cfg_attr(feature = "openapi", param(inline))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<SortBy>,
    /// Default `asc`.
    #[cfg_attr(feature = "openapi", param(inline))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<SortOrder>,
    /// 1 to 500, default 50.
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[cfg_attr(feature = "openapi", param(maximum = 1_000_000_000))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}
