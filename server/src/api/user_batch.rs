//! `POST /v1/users/batch`: many people in one call. Each item is checked on its own; the
//! valid ones are created together in one transaction; `created_users` and `error_details`
//! are keyed by the item's index.

use crate::db;
use crate::directory::bulk_create::{self, Candidate};
use crate::directory::{Actor, person_create, pin};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::json::Json;
use axum::extract::State;
use proto::api::BatchStatus;
use proto::api::PinText;
use proto::api::batch::ItemError;
use proto::api::batch::{BatchCreate, BatchOutcome, CreatedItem, MAX_BATCH};
use std::collections::{BTreeMap, HashMap};

fn item_error(e: &ApiError) -> ItemError {
    e.item_error()
}

#[utoipa::path(post, path = "/v1/users/batch", tag = "users", security(("session" = []), ("bearer" = [])), request_body = BatchCreate, description = "Creates up to 1000 people; each item succeeds or fails on its own.", responses((status = 200, description = "per-item results", body = BatchOutcome), (status = 400, description = "no items or too many", body = crate::error::ErrorBody), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody)))]
pub async fn create_many(
    State(state): State<AppState>,
    actor: Actor,
    Json(req): Json<BatchCreate>,
) -> ApiResult<axum::Json<BatchOutcome>> {
    let count = req.users.len();
    if count == 0 || count > MAX_BATCH {
        return Err(
            ApiError::bad_request(format!("users: {count} given, 1 to {MAX_BATCH} per call")).with_field("users")
        );
    }
    let mut error_details: BTreeMap<usize, ItemError> = BTreeMap::new();
    let pins: Vec<(usize, String)> =
        req.users.iter().enumerate().filter_map(|(i, u)| u.pin.as_ref().map(|p| (i, p.expose().to_owned()))).collect();
    let mut checked = Vec::new();
    for (i, new) in req.users.into_iter().enumerate() {
        match person_create::check(new) {
            Ok(c) => checked.push((i, c)),
            Err(e) => {
                error_details.insert(i, item_error(&ApiError::from(e.within(format!("users[{i}]")))));
            }
        }
    }
    let mut hashes = HashMap::new();
    let mut generated = HashMap::new();
    for (i, hashed) in pin::hash_many(&state, actor.site_id, pins, true).await {
        match hashed {
            Ok(h) => {
                if let Some(p) = h.generated {
                    generated.insert(i, PinText::new(p.expose()));
                }
                hashes.insert(i, h.hash);
            }
            Err(e) => {
                error_details.entry(i).or_insert_with(|| item_error(&e));
            }
        }
    }
    let cands: Vec<Candidate> = checked
        .into_iter()
        .filter(|(i, _)| !error_details.contains_key(i))
        .map(|(i, new)| Candidate { item: i, new, pin_hash: hashes.remove(&i) })
        .collect();
    let now = state.clock.now();
    let mut tx = db::write(&state.db).await?;
    let clashes = bulk_create::conflicts(&mut tx, actor.site_id, &cands).await?;
    for (i, e) in &clashes {
        error_details.insert(*i, item_error(e));
    }
    let ok: Vec<&Candidate> = cands.iter().filter(|c| !clashes.contains_key(&c.item)).collect();
    let created = bulk_create::insert_many(&mut tx, &actor, &ok, None, now).await?;
    tx.commit().await?;
    let created_users = created
        .into_iter()
        .map(|(index, c)| CreatedItem {
            index,
            id: c.id,
            user_id: c.user_id,
            status: c.status,
            pin: generated.remove(&index),
        })
        .collect();
    let status = if error_details.is_empty() { BatchStatus::Ok } else { BatchStatus::Error };
    Ok(axum::Json(BatchOutcome { status, created_users, error_details }))
}
