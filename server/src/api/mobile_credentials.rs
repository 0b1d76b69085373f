//! Mobile credentials: an invitation (code `XXXX-XXXX-XXXX-XXXX`, expiry) for a person with
//! an email; redeemed through the API it becomes ACTIVE and reaches the devices as a card
//! of type CSN_MOBILE; revoking removes that card. Only the code's SHA-256 is stored.

use crate::api::user_credentials::{finish, load, not_found};
use crate::audit::Action;
use crate::auth::caller::OnSite;
use crate::auth::secret::{Secret, grouped_code};
use crate::clock::rfc3339;
use crate::db;
use crate::directory::cards::{self, ParsedCard};
use crate::directory::{Actor, invitations, person_read};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::json::Json;
use axum::extract::State;
use axum::http::StatusCode;
use proto::api::credentials::{Invitation, InvitationState, Invite, MobileCredential, MobileCredentials, Redeem};
use proto::api::user::UserView;
use proto::domain::CardNumber;
use proto::domain::limits::MAX_CARDS;
use proto::gsdk::card::Type;
use rand::RngCore;
use serde_json::json;

pub const DEFAULT_DAYS: i64 = 7;
pub const MAX_DAYS: i64 = 30;

#[utoipa::path(post, path = "/v1/users/{id}/mobile-credentials", tag = "credentials", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), request_body = Invite, description = "Invites the person (who needs an email) to a mobile credential; an older pending invitation is revoked.", responses((status = 201, body = Invitation), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 422, description = "no email, or a bad expiry", body = crate::error::ErrorBody)))]
pub async fn invite(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(req): Json<Invite>,
) -> ApiResult<(StatusCode, axum::Json<Invitation>)> {
    let days = req.expires_in_days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("expires_in_days: {days} is outside 1..={MAX_DAYS}"),
        )
        .with_field("expires_in_days"));
    }
    let now = state.clock.now();
    let code = grouped_code();
    let mut tx = db::write(&state.db).await?;
    let row = load(&mut tx, &actor, id).await?;
    let email = row.email.clone().ok_or_else(|| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "email: a mobile credential needs the person's email")
            .with_field("email")
    })?;
    let expires_at = now + days * 86_400;
    let mid = invitations::invite(&mut tx, actor.site_id, id, &code.hash(), &email, now, expires_at).await?;
    let after = json!({"invitation": mid, "email": email, "expires_at": rfc3339(expires_at)});
    crate::audit::record(&mut tx, now, actor.entry(Action::UserMobileInvite).target(&row.user_id).after(after)).await?;
    tx.commit().await?;
    let credential =
        MobileCredential { id: mid, email, state: InvitationState::Invited, expires_at: rfc3339(expires_at) };
    Ok((StatusCode::CREATED, axum::Json(Invitation { credential, code: code.expose().to_owned() })))
}

#[utoipa::path(get, path = "/v1/users/{id}/mobile-credentials", tag = "credentials", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), responses((status = 200, body = MobileCredentials), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    OnSite(_, account): OnSite,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<MobileCredentials>> {
    let mut db = state.db.acquire().await?;
    person_read::row(&mut db, account.site_id, id).await?.ok_or_else(|| not_found(id))?;
    let rows = invitations::of_person(&mut db, id).await?;
    let mobile_credentials = rows
        .into_iter()
        .map(|r| MobileCredential {
            state: InvitationState::parse(&r.state).unwrap_or(InvitationState::Revoked),
            id: r.id,
            email: r.email,
            expires_at: rfc3339(r.expires_at),
        })
        .collect();
    Ok(axum::Json(MobileCredentials { mobile_credentials }))
}

#[utoipa::path(post, path = "/v1/mobile-credentials/redeem", tag = "credentials", security(("session" = []), ("bearer" = [])), request_body = Redeem, description = "Redeems an invitation: the credential becomes ACTIVE and the person gets a CSN_MOBILE card for the devices.", responses((status = 200, body = UserView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "no such invitation in this site", body = crate::error::ErrorBody), (status = 409, description = "expired, revoked, already redeemed, or 8 cards held", body = crate::error::ErrorBody)))]
pub async fn redeem(
    State(state): State<AppState>,
    actor: Actor,
    Json(req): Json<Redeem>,
) -> ApiResult<axum::Json<UserView>> {
    let code: String = req.code.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    let now = state.clock.now();
    let mut tx = db::write(&state.db).await?;
    let pending = invitations::by_code(&mut tx, actor.site_id, &Secret::from_presented(&code).hash()).await?;
    let Some(p) = pending else {
        return Err(ApiError::not_found("code: no such invitation in this site").with_field("code"));
    };
    if p.state != "INVITED" {
        return Err(ApiError::conflict(format!("code: this invitation is {}", p.state)).with_field("code"));
    }
    if p.expires_at <= now {
        return Err(ApiError::conflict(format!("code: this invitation expired at {}", rfc3339(p.expires_at)))
            .with_field("code"));
    }
    // Redeeming is the invited person's own act (through the integration that carries the
    // code): the invitation was made by someone allowed to, so no rank check here.
    let row = person_read::row(&mut tx, actor.site_id, p.user_row).await?.ok_or_else(|| not_found(p.user_row))?;
    let (held, next) = cards::slots(&mut tx, p.user_row).await?;
    if held as usize >= MAX_CARDS {
        return Err(ApiError::conflict(format!("cards: {held} held, at most {MAX_CARDS}; remove one first"))
            .with_field("cards"));
    }
    // The mobile credential's card number: 8 random bytes, unique in the site by index.
    let mut data = [0u8; 8];
    rand::rng().fill_bytes(&mut data);
    data[0] |= 0x80;
    let card = ParsedCard { number: CardNumber::from_data("card", &data)?, label: Some("mobile".into()) };
    cards::insert(&mut tx, actor.site_id, p.user_row, next, &card, Type::CardTypeCsnMobile, false, Some(p.id)).await?;
    invitations::activate(&mut tx, p.id, now).await?;
    let after = json!({"mobile_credential": p.id, "state": "ACTIVE"});
    Ok(axum::Json(finish(&state, tx, &actor, &row, Action::UserMobileRedeem, after).await?))
}

#[utoipa::path(delete, path = "/v1/users/{id}/mobile-credentials/{credential_id}", tag = "credentials", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path), ("credential_id" = i64, Path)), description = "Revokes an invitation or an active mobile credential (its card leaves the devices).", responses((status = 200, body = UserView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "already revoked", body = crate::error::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, credential_id)): Path<(i64, i64)>,
) -> ApiResult<axum::Json<UserView>> {
    let now = state.clock.now();
    let mut tx = db::write(&state.db).await?;
    let row = load(&mut tx, &actor, id).await?;
    let current = invitations::state_of(&mut tx, credential_id, id).await?;
    match current.as_deref() {
        None => return Err(ApiError::not_found(format!("mobile credential {credential_id}: not this person's"))),
        Some("REVOKED") => return Err(ApiError::conflict("this mobile credential is already revoked")),
        Some(_) => {}
    }
    invitations::revoke(&mut tx, credential_id, now).await?;
    let after = json!({"mobile_credential": credential_id, "state": "REVOKED"});
    Ok(axum::Json(finish(&state, tx, &actor, &row, Action::UserMobileRevoke, after).await?))
}
