//! CSV imports (`POST /v1/users/import`) and their per-row results.

use super::batch::ItemError;
use super::user::{ImportKey, ImportMode};
use serde::{Deserialize, Serialize};

/// Every column an import understands (and an export writes, but for `pin`). Other
/// columns are ignored and named in the summary.
pub const COLUMNS: &[&str] = &[
    "user_id",
    "name",
    "first_name",
    "last_name",
    "email",
    "username",
    "phone",
    "department",
    "title",
    "notes",
    "system_id",
    "tag",
    "start_time",
    "end_time",
    "access_groups",
    "job_codes",
    "security_level",
    "computer_usernames",
    "cards",
    "pin",
];

/// A header as the import reads it: `" User ID "` and `"user-id"` are `user_id`.
pub fn normalize_header(h: &str) -> String {
    h.trim().to_lowercase().replace([' ', '-'], "_")
}

/// The column a header names, if the import knows it.
pub fn known_column(header: &str) -> Option<&'static str> {
    let name = normalize_header(header);
    COLUMNS.iter().copied().find(|c| *c == name)
}

/// The import's query parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct ImportParams {
    #[cfg_attr(feature = "openapi", param(inline))]
    pub mode: ImportMode,
    /// The column that names a person.
    #[cfg_attr(feature = "openapi", param(inline))]
    pub key: ImportKey,
    /// Check every row and report, commit nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Set on every row touched; default `csv-` and the start of the file's SHA-256 (so a
    /// re-run of the same file recognises its rows).
    #[cfg_attr(feature = "openapi", param(max_length = 64))]
    pub tag: Option<String>,
}

/// What happened to one row (in a dry run: what would happen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RowOutcome {
    Created,
    Updated,
    /// The person already matched the row (a re-run of the same file).
    Unchanged,
    Error,
}

impl RowOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RowOutcome::Created => "created",
            RowOutcome::Updated => "updated",
            RowOutcome::Unchanged => "unchanged",
            RowOutcome::Error => "error",
        }
    }

    /// The outcome `as_str` wrote.
    pub fn parse(text: &str) -> Option<Self> {
        [RowOutcome::Created, RowOutcome::Updated, RowOutcome::Unchanged, RowOutcome::Error]
            .into_iter()
            .find(|o| o.as_str() == text)
    }
}

/// One data row's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowResult {
    /// The row's line in the file (the header is line 1).
    pub line: usize,
    pub outcome: RowOutcome,
    /// The person's directory ID (none for a row that failed, or a dry run's new person).
    pub id: Option<i64>,
    pub user_id: Option<String>,
    /// Why the row failed (`outcome` is `error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ItemError>,
    /// What the row does beyond itself, such as a card that moves from another person.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportSummary {
    pub import_id: i64,
    pub dry_run: bool,
    pub tag: String,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    /// Columns of the file the import does not know, as written; their cells were ignored.
    #[serde(default)]
    pub ignored_columns: Vec<String>,
    /// The first 100 error rows; every row's result is at `results_url`.
    pub errors: Vec<RowResult>,
    /// The first 100 rows that succeed with a warning (a card that moves from another person).
    #[serde(default)]
    pub warnings: Vec<RowResult>,
    pub results_url: String,
}

/// An import running now (`GET /v1/imports/running`): how far it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportProgress {
    pub tag: String,
    pub dry_run: bool,
    pub rows: usize,
    /// Rows with their outcome so far.
    pub rows_done: usize,
}

/// The caller's imports running now, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunningImports {
    pub imports: Vec<ImportProgress>,
}

/// Error rows (and rows with warnings) the JSON answer shows; all of them are in the
/// results CSV.
pub const ERRORS_SHOWN: usize = 100;
