//! CSV imports: `POST /v1/users/import` (create / update / upsert by a key, dry run,
//! import tag, per-row results kept for download as CSV). The export is `user_export`.

use crate::audit::Action;
use crate::auth::caller::OnSite;
use crate::directory::Actor;
use crate::directory::csv_import::{self, Plan};
use crate::directory::csv_rows;
use crate::directory::import_results;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::csv_stream;
use crate::web::extract::{Path, Query};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use proto::api::import::{ImportParams, ImportSummary, RunningImports};
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
    let plan = Plan { mode, key, dry_run: params.dry_run, tag: tag.clone() };
    let (rows, refused) = csv_import::check(&table, &plan)?;
    let header = import_results::Header { tag: &tag, file_sha256: &sha, rows };
    let import = csv_import::run(&state, &actor, &table, &plan, &header, refused).await?;
    let t = import.tally;
    let now = state.clock.now();
    let after = serde_json::json!({"import_id": import.id, "mode": mode.as_str(), "key": key.name(), "dry_run": params.dry_run, "rows": rows, "created": t.created, "updated": t.updated, "failed": t.failed});
    crate::audit::record_alone(&state.db, now, actor.entry(Action::UsersImport).target(&tag).after(after)).await?;
    Ok(axum::Json(ImportSummary {
        import_id: import.id,
        dry_run: params.dry_run,
        tag,
        rows,
        created: t.created,
        updated: t.updated,
        unchanged: t.unchanged,
        failed: t.failed,
        ignored_columns: table.ignored.clone(),
        errors: import_results::first(&state.db, import.id, true).await?,
        warnings: import_results::first(&state.db, import.id, false).await?,
        results_url: format!("/v1/imports/{}/results.csv", import.id),
    }))
}

#[utoipa::path(get, path = "/v1/imports/running", tag = "import-export", security(("session" = []), ("bearer" = [])), description = "The caller's imports running now and how many rows each has done: the progress of a long import.", responses((status = 200, body = RunningImports), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody)))]
pub async fn running(State(state): State<AppState>, actor: Actor) -> ApiResult<axum::Json<RunningImports>> {
    let imports = import_results::running(&state.db, actor.site_id, actor.user_row, state.clock.now()).await?;
    Ok(axum::Json(RunningImports { imports }))
}

#[utoipa::path(get, path = "/v1/imports/{id}/results.csv", tag = "import-export", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), responses((status = 200, description = "line,outcome,id,user_id,code,field,message,warnings", content_type = "text/csv"), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody)))]
pub async fn results(
    State(state): State<AppState>,
    OnSite(_, account): OnSite,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let found = import_results::find(&state.db, account.site_id, id).await?;
    let kept = found.ok_or_else(|| ApiError::not_found(format!("import {id}: not found in this site")))?;
    let filename = format!("import-{id}-results.csv");
    if let Some(text) = kept {
        return Ok(csv_stream::respond(csv_stream::slot(&state.exports)?, filename, (text, None), |_| async {
            Ok((String::new(), None))
        }));
    }
    let slot = csv_stream::slot(&state.exports)?;
    let (mut text, last) = import_results::page(&state.db, id, 0, csv_stream::PAGE_ROWS).await?;
    text.insert_str(0, &csv_rows::line(&import_results::COLUMNS));
    let next = move |after| {
        let db = state.db.clone();
        async move { Ok(import_results::page(&db, id, after, csv_stream::PAGE_ROWS).await?) }
    };
    Ok(csv_stream::respond(slot, filename, (text, last), next))
}
