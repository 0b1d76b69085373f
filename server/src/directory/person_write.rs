//! Writing a person's fields (not credentials, not status): create and update, with the
//! access-group index and the search text kept in step.

use super::conflict::unique_violation;
use crate::error::{ApiError, ApiResult};
use proto::domain::{PersonFields, ValidityWindow};

/// What the search filter matches: name, username and email, lower-cased.
pub fn search_text(f: &PersonFields) -> String {
    let parts = [Some(f.name.as_str()), f.username.as_deref(), f.email.as_deref()];
    parts.into_iter().flatten().collect::<Vec<_>>().join("\n").to_lowercase()
}

/// Whether two versions of a person differ in what the devices hold (besides credentials
/// and status), i.e. whether an update needs device work.
pub fn same_on_devices(a: &PersonFields, b: &PersonFields) -> bool {
    a.name == b.name
        && a.start_time == b.start_time
        && a.end_time == b.end_time
        && a.access_groups == b.access_groups
        && a.job_codes == b.job_codes
        && a.security_level == b.security_level
        && a.auth_modes == b.auth_modes
}

/// Inserts a new person (status PENDING) with validated fields; returns the directory ID.
pub async fn insert(
    tx: &mut crate::db::Conn,
    site_id: i64,
    user_id: &str,
    f: &PersonFields,
    import_tag: Option<&str>,
    now: i64,
) -> ApiResult<i64> {
    let window = f.validity()?;
    let q = sqlx::query(
        "INSERT INTO users (site_id, user_id, name, first_name, last_name, email, username, phone, department, title,
             notes, system_id, tag, start_time, end_time, security_level, auth_modes, job_codes, computer_usernames,
             import_tag, search_text, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22)
         RETURNING id",
    )
    .bind(site_id)
    .bind(user_id);
    let row = bind_fields(q, f, window)
        .bind(import_tag)
        .bind(search_text(f))
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(unique_violation)?;
    let id: i64 = sqlx::Row::try_get(&row, 0)?;
    crate::db::search::add(tx, id, id).await?;
    set_access_groups(tx, id, &f.access_groups).await?;
    Ok(id)
}

/// Overwrites a person's fields if their version is still `version`; bumps it.
pub async fn update(
    tx: &mut crate::db::Conn,
    id: i64,
    version: i64,
    f: &PersonFields,
    import_tag: Option<&str>,
    now: i64,
) -> ApiResult<()> {
    let window: ValidityWindow = f.validity()?;
    let q = sqlx::query(
        "UPDATE users SET name = $1, first_name = $2, last_name = $3, email = $4, username = $5, phone = $6,
             department = $7, title = $8, notes = $9, system_id = $10, tag = $11, start_time = $12, end_time = $13,
             security_level = $14, auth_modes = $15, job_codes = $16, computer_usernames = $17,
             import_tag = COALESCE($18, import_tag), search_text = $19, version = version + 1, updated_at = $20
         WHERE id = $21 AND version = $22",
    );
    let done = bind_fields(q, f, window)
        .bind(import_tag)
        .bind(search_text(f))
        .bind(now)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(unique_violation)?;
    if done.rows_affected() != 1 {
        return Err(stale());
    }
    set_access_groups(tx, id, &f.access_groups).await
}

pub fn stale() -> ApiError {
    ApiError::conflict("this person was changed by someone else since you read them; reload and try again")
        .with_field("version")
}

pub async fn set_access_groups(tx: &mut crate::db::Conn, id: i64, groups: &[u32]) -> ApiResult<()> {
    sqlx::query("DELETE FROM user_access_groups WHERE user_row = $1").bind(id).execute(&mut *tx).await?;
    for group in groups {
        sqlx::query("INSERT INTO user_access_groups (user_row, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(i64::from(*group))
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

type Query<'q> = sqlx::query::Query<'q, crate::db::Backend, crate::db::Args<'q>>;

/// Binds the editable fields, from `name` to `computer_usernames`, in the column order
/// both the insert and the update use.
fn bind_fields<'q>(q: Query<'q>, f: &'q PersonFields, window: ValidityWindow) -> Query<'q> {
    q.bind(&f.name)
        .bind(&f.first_name)
        .bind(&f.last_name)
        .bind(&f.email)
        .bind(&f.username)
        .bind(&f.phone)
        .bind(&f.department)
        .bind(&f.title)
        .bind(&f.notes)
        .bind(&f.system_id)
        .bind(f.tag.as_str())
        .bind(i64::from(window.start))
        .bind(i64::from(window.end))
        .bind(i64::from(f.security_level))
        .bind(auth_modes_json(f))
        .bind(json(&f.job_codes))
        .bind(json(&f.computer_usernames))
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

fn auth_modes_json(f: &PersonFields) -> Option<String> {
    f.auth_modes.as_ref().and_then(|m| serde_json::to_string(m).ok())
}

/// Sets or clears a person's photo (a new version of the person).
pub async fn set_photo(tx: &mut crate::db::Conn, id: i64, photo: Option<&[u8]>, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET photo = $1, version = version + 1, updated_at = $2 WHERE id = $3")
        .bind(photo)
        .bind(now)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}

/// Sets or clears a person's PIN hash; a PIN another person holds is a 409.
pub async fn set_pin_hash(tx: &mut crate::db::Conn, id: i64, hash: Option<&[u8]>) -> ApiResult<()> {
    sqlx::query("UPDATE users SET pin_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(tx)
        .await
        .map_err(unique_violation)?;
    Ok(())
}

/// A guest becomes a USER (a new version of the person).
pub async fn promote_to_user(tx: &mut crate::db::Conn, id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET tag = 'USER', version = version + 1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}
