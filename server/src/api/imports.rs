//! CSV imports: `POST /v1/users/import` (create / update / upsert by a key, dry run,
//! import tag, per-row results kept for download as CSV). The export is `user_export`.

use crate::audit::Action;
use crate::auth::caller::OnSite;
use crate::directory::Actor;
use crate::directory::csv_import::{self, Plan};
use crate::directory::csv_rows;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::extract::{Path, Query};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use proto::api::import::{ERRORS_SHOWN, ImportParams, ImportSummary, RowOutcome, RunningImports};
use proto::domain::person::{SHORT_TEXT_MAX_CHARS, bounded};
use sha2::{Digest, Sha256};

/// Largest CSV file an import takes.
pub const MAX_CSV_BYTES: usize = 64 << 20;

#[utoipa::path(post, path = "/v1/users/import", tag = "import-export", security(("session" = []), ("bearer" = [])), params(ImportParams), request_body(content = String, content_type = "text/csv", description = "UTF-8 CSV (a BOM is fine); header names ignore case and spaces; lists in a cell are separated by `;`"), responses((status = 200, body = ImportSummary), (status = 400, description = "a bad parameter or an unreadable file", body = crate::error::ErrorBody), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 413, description = "larger than 64 MiB", body = crate::error::ErrorBody), (status = 415, description = "not text/csv", body = crate::error::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    actor: Actor,
    Query(params): Query<ImportParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<axum::Json<ImportSummary>> {
    // The file, its rows and their results are freed when the import is done (all of them
    // inside `import_file`); the memory goes back to the system then.
    let _trim = crate::memory::TrimWhenDone;
    import_file(state, actor, params, headers, body).await
}

async fn import_file(
    state: AppState,
    actor: Actor,
    params: ImportParams,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<axum::Json<ImportSummary>> {
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !declared.starts_with("text/csv") {
        return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type: an import is text/csv"));
    }
    let (mode, key) = (params.mode, params.key);
    let sha = Sha256::digest(&body);
    let tag = match params.tag {
        Some(t) => {
            bounded("tag", &t, SHORT_TEXT_MAX_CHARS)?;
            t
        }
        None => format!("csv-{}", sha.iter().take(6).map(|b| format!("{b:02x}")).collect::<String>()),
    };
    let table = csv_rows::parse(&body)?;
    let rows = table.rows.len();
    let ignored_columns = table.ignored.clone();
    let plan = Plan { mode, key, dry_run: params.dry_run, tag: tag.clone() };
    let watch = state.imports.start(actor.site_id, actor.user_row, &tag, params.dry_run, rows);
    let results = csv_import::run(&state, &actor, table, &plan, &watch).await?;
    drop(watch);
    let count = |o: RowOutcome| results.iter().filter(|r| r.outcome == o).count();
    let (created, updated, unchanged, failed) = (
        count(RowOutcome::Created),
        count(RowOutcome::Updated),
        count(RowOutcome::Unchanged),
        count(RowOutcome::Error),
    );
    let now = state.clock.now();
    let record = csv_import::Record {
        tag: &tag,
        file_sha256: &sha,
        rows_total: rows,
        rows_ok: rows - failed,
        results_csv: csv_import::results_table(&results),
    };
    let import_id = csv_import::record(&state.db, &actor, &plan, &record, now).await?;
    let after = serde_json::json!({"import_id": import_id, "mode": mode.as_str(), "key": key.name(), "dry_run": params.dry_run, "rows": rows, "created": created, "updated": updated, "failed": failed});
    crate::audit::record(&state.db, now, actor.entry(Action::UsersImport).target(&tag).after(after)).await?;
    let warnings = results.iter().filter(|r| !r.warnings.is_empty()).take(ERRORS_SHOWN).cloned().collect();
    let errors = results.into_iter().filter(|r| r.outcome == RowOutcome::Error).take(ERRORS_SHOWN).collect();
    Ok(axum::Json(ImportSummary {
        import_id,
        dry_run: params.dry_run,
        tag,
        rows,
        created,
        updated,
        unchanged,
        failed,
        ignored_columns,
        errors,
        warnings,
        results_url: format!("/v1/imports/{import_id}/results.csv"),
    }))
}

fn csv_response(name: &str, text: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        text,
    )
        .into_response()
}

#[utoipa::path(get, path = "/v1/imports/running", tag = "import-export", security(("session" = []), ("bearer" = [])), description = "The caller's imports running now and how many rows each has done: the progress of a long import.", responses((status = 200, body = RunningImports), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody)))]
pub async fn running(State(state): State<AppState>, actor: Actor) -> axum::Json<RunningImports> {
    axum::Json(RunningImports { imports: state.imports.of(actor.site_id, actor.user_row) })
}

#[utoipa::path(get, path = "/v1/imports/{id}/results.csv", tag = "import-export", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), responses((status = 200, description = "line,outcome,id,user_id,code,field,message,warnings", content_type = "text/csv"), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody)))]
pub async fn results(
    State(state): State<AppState>,
    OnSite(_, account): OnSite,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let text = csv_import::results_csv(&state.db, account.site_id, id).await?;
    let text = text.ok_or_else(|| ApiError::not_found(format!("import {id}: not found in this site")))?;
    Ok(csv_response(&format!("import-{id}-results.csv"), text))
}
