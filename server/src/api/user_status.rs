//! Lifecycle calls: suspend, reactivate, deactivate, toggle suspension and promote one
//! person; and the bulk forms by IDs, emails or a filter (BioStar Air `POST /v1/users/suspend`),
//! deletion included.

use crate::audit::Action as AuditAction;
use crate::auth::caller::{OnSite, SourceIp};
use crate::db;
use crate::directory::{Actor, lifecycle, listing, outbox, person_read};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::json::Json;
use axum::extract::State;
use axum::response::Response;
use proto::api::BatchStatus;
use proto::api::batch::{BulkItem, BulkOutcome, BulkRequest, MAX_BULK};
use proto::api::user::UserView;
use proto::domain::{Action, Tag};
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};

fn audit_action(action: Action) -> AuditAction {
    match action {
        Action::Suspend => AuditAction::UserSuspend,
        Action::Reactivate => AuditAction::UserReactivate,
        Action::Deactivate => AuditAction::UserDeactivate,
        Action::ToggleSuspension => AuditAction::UserToggleSuspension,
        Action::Delete => AuditAction::UserDelete,
        Action::CredentialsChanged => AuditAction::UserCredentials,
    }
}

/// Applies `action` to one person and audits it, in the caller's write transaction.
pub(crate) async fn apply_one(tx: &mut db::Conn, actor: &Actor, id: i64, action: Action, now: i64) -> ApiResult<()> {
    let row = person_read::row(&mut *tx, actor.site_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("user {id}: no such person in this site")))?;
    let t = lifecycle::apply(&mut *tx, actor, &row, action, now).await?;
    let entry = actor
        .entry(audit_action(action))
        .target(&row.user_id)
        .before(json!({"status": row.status(), "rank": row.rank()}))
        .after(json!({"status": t.to, "sessions_ended": t.ends_sessions}));
    crate::audit::record(tx, now, entry).await?;
    Ok(())
}

async fn one(state: &AppState, actor: &Actor, id: i64, action: Action) -> ApiResult<Response> {
    let now = state.clock.now();
    let mut tx = db::write(&state.db).await?;
    apply_one(&mut tx, actor, id, action, now).await?;
    tx.commit().await?;
    crate::api::users::current(state, actor.site_id, id).await
}

macro_rules! single_action {
    ($name:ident, $path:literal, $action:expr, $what:literal) => {
        #[utoipa::path(post, path = $path, tag = "lifecycle", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path, description = "the directory ID")), description = $what, responses((status = 200, body = UserView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule (e.g. yourself)", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "not allowed from the person's status, or the last SUPER", body = crate::error::ErrorBody)))]
        pub async fn $name(
            State(state): State<AppState>,
            SourceIp(ip): SourceIp,
            OnSite(caller, account): OnSite,
            Path(id): Path<i64>,
        ) -> ApiResult<Response> {
            one(&state, &Actor::new(&caller, &account, &ip), id, $action).await
        }
    };
}

single_action!(
    suspend,
    "/v1/users/{id}/suspend",
    Action::Suspend,
    "PENDING or ACTIVE → SUSPENDED: keeps credentials and access groups; door access and console sessions end."
);
single_action!(
    reactivate,
    "/v1/users/{id}/reactivate",
    Action::Reactivate,
    "SUSPENDED or DEACTIVATED → ACTIVE (or PENDING without credentials)."
);
single_action!(
    deactivate,
    "/v1/users/{id}/deactivate",
    Action::Deactivate,
    "→ DEACTIVATED: access groups and rank are cleared; door access and console sessions end."
);
single_action!(
    toggle_suspension,
    "/v1/users/{id}/toggle-suspension",
    Action::ToggleSuspension,
    "Suspends an ACTIVE or PENDING person, reactivates a SUSPENDED one."
);

#[utoipa::path(post, path = "/v1/users/{id}/promote", tag = "lifecycle", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path, description = "the directory ID")), description = "Turns a GUEST into a USER (who may then hold access groups and a rank).", responses((status = 200, body = UserView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "not a guest", body = crate::error::ErrorBody)))]
pub async fn promote(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> ApiResult<Response> {
    let now = state.clock.now();
    let mut tx = db::write(&state.db).await?;
    let row = person_read::row(&mut tx, actor.site_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("user {id}: no such person in this site")))?;
    if row.tag != Tag::Guest.as_str() {
        return Err(ApiError::conflict(format!("user {}: is already a USER", row.user_id)).with_field("tag"));
    }
    crate::directory::person_write::promote_to_user(&mut tx, id, now).await?;
    let entry = actor
        .entry(AuditAction::UserPromote)
        .target(&row.user_id)
        .before(json!({"tag": "GUEST"}))
        .after(json!({"tag": "USER"}));
    crate::audit::record(&mut tx, now, entry).await?;
    let status = row.status();
    outbox::enqueue(&mut tx, actor.site_id, id, &row.user_id, status.on_devices(), Some(status), now).await?;
    tx.commit().await?;
    crate::api::users::current(&state, actor.site_id, id).await
}

async fn bulk(state: &AppState, actor: &Actor, req: BulkRequest, action: Action) -> ApiResult<axum::Json<BulkOutcome>> {
    let named = req.ids.len() + req.emails.len();
    if named > MAX_BULK {
        return Err(ApiError::bad_request(format!("ids: {named} given, at most {MAX_BULK}")).with_field("ids"));
    }
    if req.filter.is_some() && named > 0 {
        return Err(ApiError::bad_request("filter: name people by ids and emails, or by a filter; not both")
            .with_field("filter"));
    }
    let time_zone = match &req.filter {
        Some(q) => crate::api::users::query_time_zone(state, actor.site_id, q).await?,
        None => String::new(),
    };
    let now = state.clock.now();
    let mut tx = db::write(&state.db).await?;
    // A filter is read inside the transaction: the people it matches are the people changed.
    let ids = match &req.filter {
        Some(q) => listing::matching_ids(&mut tx, &state.search_samples, actor.site_id, &time_zone, q).await?,
        None => req.ids.clone(),
    };
    if let Some(expected) = req.expected.filter(|_| req.filter.is_some())
        && ids.len() as u64 != u64::from(expected)
    {
        return Err(ApiError::conflict(format!(
            "expected: the filter now matches {} {}, not {expected}; nothing was changed",
            ids.len(),
            if ids.len() == 1 { "person" } else { "people" }
        ))
        .with_field("expected"));
    }
    let mut people = person_read::status_rows(&mut tx, actor.site_id, "id", &ids).await?;
    let emails: Vec<String> = req.emails.iter().map(|e| e.trim().to_lowercase()).collect();
    let by_email = person_read::status_rows(&mut tx, actor.site_id, "email", &emails).await?;
    let mut error_details = BTreeMap::new();
    let found_ids: HashSet<i64> = people.iter().map(|p| p.id).collect();
    for id in &req.ids {
        if !found_ids.contains(id) {
            let e = ApiError::not_found(format!("user {id}: no such person in this site")).with_field("ids");
            error_details.insert(id.to_string(), e.item_error());
        }
    }
    let found_emails: HashSet<&str> = by_email.iter().filter_map(|p| p.email.as_deref()).collect();
    for email in &req.emails {
        if !found_emails.contains(email.trim().to_lowercase().as_str()) {
            let e = ApiError::not_found(format!("no person of this site has the email {email}")).with_field("emails");
            error_details.insert(email.clone(), e.item_error());
        }
    }
    // A person named by email only is keyed by the email as given.
    let given: HashMap<&str, &String> = emails.iter().map(String::as_str).zip(&req.emails).collect();
    let mut keys: HashMap<i64, String> = found_ids.iter().map(|id| (*id, id.to_string())).collect();
    for p in &by_email {
        let key = p.email.as_deref().and_then(|e| given.get(e)).map_or_else(|| p.id.to_string(), |g| (*g).clone());
        keys.entry(p.id).or_insert(key);
    }
    let mut seen = found_ids;
    people.extend(by_email.into_iter().filter(|p| seen.insert(p.id)));
    let outcomes = lifecycle::apply_many(&mut tx, actor, &people, action, now).await?;
    let mut results = Vec::new();
    let mut entries = Vec::new();
    for (person, outcome) in &outcomes {
        match outcome {
            Ok(t) => {
                let to = t.to.unwrap_or(person.status());
                results.push(BulkItem { id: person.id, user_id: person.user_id.clone(), status: to });
                let after = match t.to {
                    Some(to) => json!({"status": to, "bulk": true}),
                    None => json!({"deleted": true, "bulk": true}),
                };
                entries.push(
                    actor
                        .entry(audit_action(action))
                        .target(&person.user_id)
                        .before(json!({"status": person.status(), "rank": person.rank()}))
                        .after(after),
                );
            }
            Err(e) => {
                let key = keys.get(&person.id).cloned().unwrap_or_else(|| person.id.to_string());
                error_details.insert(key, e.item_error());
            }
        }
    }
    crate::audit::record_many(&mut tx, now, entries).await?;
    tx.commit().await?;
    let status = if error_details.is_empty() { BatchStatus::Ok } else { BatchStatus::Error };
    Ok(axum::Json(BulkOutcome { status, results, error_details }))
}

macro_rules! bulk_action {
    ($name:ident, $path:literal, $action:expr, $what:literal) => {
        #[utoipa::path(post, path = $path, tag = "lifecycle", security(("session" = []), ("bearer" = [])), request_body = BulkRequest, description = $what, responses((status = 200, description = "per-person results", body = BulkOutcome), (status = 400, description = "nobody or too many named", body = crate::error::ErrorBody), (status = 409, description = "the filter matches another number of people than `expected`", body = crate::error::ErrorBody), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody)))]
        pub async fn $name(
            State(state): State<AppState>,
            SourceIp(ip): SourceIp,
            OnSite(caller, account): OnSite,
            Json(req): Json<BulkRequest>,
        ) -> ApiResult<axum::Json<BulkOutcome>> {
            bulk(&state, &Actor::new(&caller, &account, &ip), req, $action).await
        }
    };
}

bulk_action!(
    suspend_many,
    "/v1/users/suspend",
    Action::Suspend,
    "BioStar Air suspendUsers: suspends everyone named by `ids` and/or `emails` in one transaction; per-person results."
);
bulk_action!(
    reactivate_many,
    "/v1/users/reactivate",
    Action::Reactivate,
    "Reactivates everyone named; per-person results."
);
bulk_action!(
    deactivate_many,
    "/v1/users/deactivate",
    Action::Deactivate,
    "Deactivates everyone named; per-person results."
);
bulk_action!(
    delete_many,
    "/v1/users/delete",
    Action::Delete,
    "Deletes everyone named, as `DELETE /v1/users/{id}` does for one; per-person results (a deleted person's `status` is their last)."
);
