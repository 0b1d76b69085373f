//! A person's cards and PIN. Every change re-derives PENDING/ACTIVE, queues device work
//! and is audited without the secret (a PIN is never in a log, response or audit row).

use crate::audit::Action;
use crate::auth::caller::OnSite;
use crate::db;
use crate::directory::cards::{self, ParsedCard};
use crate::directory::{Actor, lifecycle, person_read, pin};
use crate::error::{ApiError, ApiResult};
use crate::gateways::unavailable;
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::json::Json;
use axum::extract::State;
use proto::api::credentials::{CardList, PinSet, ScanCard, SetCards, SetPin};
use proto::api::user::UserView;
use proto::domain::CardNumber;
use proto::gsdk::card::ScanRequest;
use proto::gsdk::card::card_client::CardClient;
use serde_json::{Value, json};

pub fn not_found(id: i64) -> ApiError {
    ApiError::not_found(format!("user {id}: no such person in this site"))
}

/// Loads a person inside a write transaction, for a change of their record (profile,
/// credentials, photo, invitations): only someone who outranks them, or they themselves.
pub async fn load(tx: &mut crate::db::Conn, actor: &Actor, id: i64) -> ApiResult<person_read::PersonRow> {
    let row = person_read::row(tx, actor.site_id, id).await?.ok_or_else(|| not_found(id))?;
    if row.id != actor.user_row && !actor.rank.may_manage(row.rank()) {
        return Err(ApiError::forbidden(format!(
            "user {} is {}; only a SUPER may change their record",
            row.user_id,
            row.rank()
        )));
    }
    Ok(row)
}

/// After a credential change: status, device work, audit, commit; the person as now.
pub async fn finish(
    state: &AppState,
    mut tx: crate::db::Tx,
    actor: &Actor,
    row: &person_read::PersonRow,
    action: Action,
    after: Value,
) -> ApiResult<UserView> {
    let now = state.clock.now();
    let status =
        lifecycle::credentials_changed(&mut tx, actor.site_id, row.id, row.status(), &row.user_id, now).await?;
    let entry = actor
        .entry(action)
        .target(&row.user_id)
        .before(json!({"status": row.status()}))
        .after(json!({"status": status, "change": after}));
    crate::audit::record(&mut tx, now, entry).await?;
    tx.commit().await?;
    let mut db = state.db.acquire().await?;
    person_read::view(&mut db, actor.site_id, row.id).await?.ok_or_else(|| not_found(row.id))
}

#[utoipa::path(get, path = "/v1/users/{id}/cards", tag = "credentials", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), responses((status = 200, body = CardList), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody)))]
pub async fn list_cards(
    State(state): State<AppState>,
    OnSite(_, account): OnSite,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<CardList>> {
    let mut db = state.db.acquire().await?;
    person_read::row(&mut db, account.site_id, id).await?.ok_or_else(|| not_found(id))?;
    Ok(axum::Json(CardList { cards: person_read::cards(&mut db, id).await? }))
}

#[utoipa::path(put, path = "/v1/users/{id}/cards", tag = "credentials", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), request_body = SetCards, description = "Sets the person's cards (at most 8, decimal or hex numbers as strings); an empty list clears them.", responses((status = 200, body = UserView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "a card is held by someone else", body = crate::error::ErrorBody), (status = 422, description = "a field breaks a rule", body = crate::error::ErrorBody)))]
pub async fn set_cards(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(req): Json<SetCards>,
) -> ApiResult<axum::Json<UserView>> {
    let parsed = cards::parse("cards", &req.cards)?;
    let mut tx = db::write(&state.db).await?;
    let row = load(&mut tx, &actor, id).await?;
    cards::replace(&mut tx, actor.site_id, id, &parsed, req.allow_duplicates, "cards").await?;
    let numbers: Vec<&str> = parsed.iter().map(|c| c.number.text()).collect();
    let after = json!({"cards": numbers, "allow_duplicates": req.allow_duplicates});
    Ok(axum::Json(finish(&state, tx, &actor, &row, Action::UserCards, after).await?))
}

#[utoipa::path(post, path = "/v1/users/{id}/cards/scan", tag = "credentials", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), request_body = ScanCard, description = "Reads a card at a device of the site (Card.Scan) and adds it.", responses((status = 200, body = UserView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "no such person or device", body = crate::error::ErrorBody), (status = 409, description = "the card is held by someone else", body = crate::error::ErrorBody), (status = 422, description = "the device cannot read cards, or 8 cards already", body = crate::error::ErrorBody), (status = 503, description = "the gateway or device cannot be reached", body = crate::error::ErrorBody)))]
pub async fn scan_card(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(req): Json<ScanCard>,
) -> ApiResult<axum::Json<UserView>> {
    let mut client = CardClient::new(state.gateways.channel(actor.site_id)?);
    let scanned =
        client.scan(ScanRequest { device_id: req.device_id }).await.map_err(|s| unavailable("Card.Scan", &s))?;
    let data = scanned.into_inner().card_data.and_then(|c| c.csn_card_data).map(|c| c.data).unwrap_or_default();
    let number = CardNumber::from_data("card", &data)?;
    let mut tx = db::write(&state.db).await?;
    let row = load(&mut tx, &actor, id).await?;
    let mut held: Vec<ParsedCard> = Vec::new();
    for c in person_read::cards(&mut tx, id).await?.into_iter().filter(|c| c.card_type == "CSN") {
        held.push(ParsedCard { number: CardNumber::parse("cards", &c.number)?, label: c.label });
    }
    held.push(ParsedCard { number: number.clone(), label: req.label });
    cards::replace(&mut tx, actor.site_id, id, &held, req.allow_duplicates, "cards").await?;
    let after = json!({"card_added": number.text(), "device_id": req.device_id});
    Ok(axum::Json(finish(&state, tx, &actor, &row, Action::UserCards, after).await?))
}

#[utoipa::path(put, path = "/v1/users/{id}/pin", tag = "credentials", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), request_body = SetPin, description = "Sets the PIN: hashed by the gateway (GetPINHash), only the hash is kept. `******` returns a random PIN unique in the site, once.", responses((status = 200, body = PinSet), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "the PIN is in use in the site", body = crate::error::ErrorBody), (status = 422, description = "not 4 to 16 digits", body = crate::error::ErrorBody), (status = 503, description = "the gateway cannot be reached", body = crate::error::ErrorBody)))]
pub async fn set_pin(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(req): Json<SetPin>,
) -> ApiResult<axum::Json<PinSet>> {
    let hashed = pin::hash(&state, actor.site_id, Some(id), "pin", req.pin.expose()).await?;
    let mut tx = db::write(&state.db).await?;
    let row = load(&mut tx, &actor, id).await?;
    crate::directory::person_write::set_pin_hash(&mut tx, id, Some(&hashed.hash)).await?;
    let after = json!({"pin": "set", "generated": hashed.generated.is_some()});
    let user = finish(&state, tx, &actor, &row, Action::UserPin, after).await?;
    Ok(axum::Json(PinSet { user, pin: hashed.generated.map(|p| proto::api::PinText::new(p.expose())) }))
}

#[utoipa::path(delete, path = "/v1/users/{id}/pin", tag = "credentials", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), responses((status = 200, body = UserView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody)))]
pub async fn clear_pin(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<UserView>> {
    let mut tx = db::write(&state.db).await?;
    let row = load(&mut tx, &actor, id).await?;
    crate::directory::person_write::set_pin_hash(&mut tx, id, None).await?;
    Ok(axum::Json(finish(&state, tx, &actor, &row, Action::UserPin, json!({"pin": "cleared"})).await?))
}
