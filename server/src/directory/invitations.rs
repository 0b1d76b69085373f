//! Mobile credential invitations: a code (stored hashed) sent to a person's email,
//! INVITED → ACTIVE (redeemed: the person gets a CSN_MOBILE card) → REVOKED.

use crate::db::Conn;

/// An invitation as its person's page lists it.
#[derive(Debug, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: i64,
    pub email: String,
    pub state: String,
    pub expires_at: i64,
}

/// An invitation found by its code.
#[derive(Debug, sqlx::FromRow)]
pub struct Pending {
    pub id: i64,
    pub user_row: i64,
    pub state: String,
    pub expires_at: i64,
}

/// Revokes the person's open invitation, if any, and makes a new one; returns its ID.
pub async fn invite(
    tx: &mut Conn,
    site_id: i64,
    user_row: i64,
    code_hash: &[u8],
    email: &str,
    now: i64,
    expires_at: i64,
) -> sqlx::Result<i64> {
    sqlx::query(
        "UPDATE mobile_invitations SET state = 'REVOKED', revoked_at = $1 WHERE user_row = $2 AND state = 'INVITED'",
    )
    .bind(now)
    .bind(user_row)
    .execute(&mut *tx)
    .await?;
    sqlx::query_scalar(
        "INSERT INTO mobile_invitations (site_id, user_row, code_hash, email, state, created_at, expires_at)
         VALUES ($1, $2, $3, $4, 'INVITED', $5, $6) RETURNING id",
    )
    .bind(site_id)
    .bind(user_row)
    .bind(code_hash)
    .bind(email)
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await
}

/// A person's invitations, oldest first.
pub async fn of_person(db: &mut Conn, user_row: i64) -> sqlx::Result<Vec<InvitationRow>> {
    sqlx::query_as("SELECT id, email, state, expires_at FROM mobile_invitations WHERE user_row = $1 ORDER BY id")
        .bind(user_row)
        .fetch_all(db)
        .await
}

/// The invitation of a site with this code hash.
pub async fn by_code(tx: &mut Conn, site_id: i64, code_hash: &[u8]) -> sqlx::Result<Option<Pending>> {
    sqlx::query_as(
        "SELECT id, user_row, state, expires_at FROM mobile_invitations WHERE code_hash = $1 AND site_id = $2",
    )
    .bind(code_hash)
    .bind(site_id)
    .fetch_optional(tx)
    .await
}

/// The invitation was redeemed.
pub async fn activate(tx: &mut Conn, id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE mobile_invitations SET state = 'ACTIVE', redeemed_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}

/// The state of a person's invitation (`None`: not theirs).
pub async fn state_of(tx: &mut Conn, id: i64, user_row: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT state FROM mobile_invitations WHERE id = $1 AND user_row = $2")
        .bind(id)
        .bind(user_row)
        .fetch_optional(tx)
        .await
}

/// Revokes an invitation or active credential; its card goes with it.
pub async fn revoke(tx: &mut Conn, id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE mobile_invitations SET state = 'REVOKED', revoked_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM cards WHERE mobile_invitation = $1").bind(id).execute(&mut *tx).await?;
    Ok(())
}
