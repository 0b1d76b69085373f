//! Access groups as site objects and the site's sync mode. A change that moves people on or
//! off devices queues those people (the outbox), in the same transaction: the sync worker
//! decides again where each must be.

use crate::error::{ApiError, ApiResult};
use proto::api::access_group::{AccessGroupInput, AccessGroupView, SyncMode};
use proto::domain::access_group::{check_id, check_name};
use sqlx::QueryBuilder;
use std::collections::BTreeMap;

/// The site's groups, by group ID.
pub async fn list<'e>(db: impl crate::db::Executor<'e>, site_id: i64) -> sqlx::Result<Vec<AccessGroupView>> {
    let rows: Vec<(i64, String, Option<i64>, i64)> = sqlx::query_as(
        "SELECT g.group_id, g.name, d.device_id,
                (SELECT COUNT(*) FROM user_access_groups uag JOIN users u ON u.id = uag.user_row
                 WHERE uag.group_id = g.group_id AND u.site_id = g.site_id AND u.deleted_at IS NULL) AS people
         FROM access_groups g
         LEFT JOIN access_group_devices agd ON agd.group_row = g.id
         LEFT JOIN devices d ON d.id = agd.device_row
         WHERE g.site_id = $1 ORDER BY g.group_id, d.device_id",
    )
    .bind(site_id)
    .fetch_all(db)
    .await?;
    let mut groups: BTreeMap<i64, AccessGroupView> = BTreeMap::new();
    for (group_id, name, device, people) in rows {
        let g = groups.entry(group_id).or_insert_with(|| AccessGroupView {
            group_id: u32::try_from(group_id).unwrap_or(0),
            name,
            devices: Vec::new(),
            people: u64::try_from(people).unwrap_or(0),
        });
        if let Some(d) = device.and_then(|d| u32::try_from(d).ok()) {
            g.devices.push(d);
        }
    }
    Ok(groups.into_values().collect())
}

pub async fn get(tx: &mut crate::db::Conn, site_id: i64, group_id: u32) -> sqlx::Result<Option<AccessGroupView>> {
    Ok(list(&mut *tx, site_id).await?.into_iter().find(|g| g.group_id == group_id))
}

/// Checks a group's input and answers the rows of its devices.
async fn checked(tx: &mut crate::db::Conn, site_id: i64, input: &AccessGroupInput) -> ApiResult<Vec<i64>> {
    check_name("name", &input.name).map_err(ApiError::from)?;
    let mut rows = Vec::with_capacity(input.devices.len());
    for (i, device_id) in input.devices.iter().enumerate() {
        let row: Option<i64> = sqlx::query_scalar("SELECT id FROM devices WHERE site_id = $1 AND device_id = $2")
            .bind(site_id)
            .bind(i64::from(*device_id))
            .fetch_optional(&mut *tx)
            .await?;
        let field = format!("devices[{i}]");
        let row = row.ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                format!("{field}: no device {device_id} in this site"),
            )
            .with_field(&field)
        })?;
        if rows.contains(&row) {
            return Err(ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                format!("{field}: device {device_id} is listed twice"),
            )
            .with_field(&field));
        }
        rows.push(row);
    }
    Ok(rows)
}

fn taken(e: sqlx::Error, input: &AccessGroupInput) -> ApiError {
    match crate::db::unique_violation_key(&e).as_deref() {
        Some("access_groups.name") => {
            ApiError::conflict(format!("name: a group named {:?} exists", input.name)).with_field("name")
        }
        Some("access_groups.group_id") => ApiError::conflict(format!(
            "group_id: group {} exists",
            input.group_id.map(|g| g.to_string()).unwrap_or_default()
        ))
        .with_field("group_id"),
        _ => e.into(),
    }
}

async fn set_devices(tx: &mut crate::db::Conn, group_row: i64, devices: &[i64]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM access_group_devices WHERE group_row = $1").bind(group_row).execute(&mut *tx).await?;
    for device_row in devices {
        sqlx::query("INSERT INTO access_group_devices (group_row, device_row) VALUES ($1, $2)")
            .bind(group_row)
            .bind(device_row)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

pub async fn create(
    tx: &mut crate::db::Conn,
    site_id: i64,
    input: &AccessGroupInput,
    now: i64,
) -> ApiResult<AccessGroupView> {
    let devices = checked(tx, site_id, input).await?;
    let group_id = match input.group_id {
        Some(id) => {
            check_id("group_id", id).map_err(ApiError::from)?;
            id
        }
        None => {
            let max: Option<i64> = sqlx::query_scalar("SELECT MAX(group_id) FROM access_groups WHERE site_id = $1")
                .bind(site_id)
                .fetch_one(&mut *tx)
                .await?;
            u32::try_from(max.unwrap_or(0) + 1).map_err(|_| {
                ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "group_id: no free group ID left; give one")
                    .with_field("group_id")
            })?
        }
    };
    let row: i64 = sqlx::query_scalar(
        "INSERT INTO access_groups (site_id, group_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
         RETURNING id",
    )
    .bind(site_id)
    .bind(i64::from(group_id))
    .bind(input.name.trim())
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| taken(e, &AccessGroupInput { group_id: Some(group_id), ..input.clone() }))?;
    set_devices(tx, row, &devices).await?;
    // People may already carry this ID: where they go depends on the group now.
    requeue_members(tx, site_id, group_id, now).await?;
    get(tx, site_id, group_id).await?.ok_or_else(ApiError::internal)
}

pub async fn update(
    tx: &mut crate::db::Conn,
    site_id: i64,
    group_id: u32,
    input: &AccessGroupInput,
    now: i64,
) -> ApiResult<(AccessGroupView, AccessGroupView)> {
    let before = get(tx, site_id, group_id).await?.ok_or_else(|| not_found(group_id))?;
    let devices = checked(tx, site_id, input).await?;
    let row: i64 = sqlx::query_scalar(
        "UPDATE access_groups SET name = $1, updated_at = $2 WHERE site_id = $3 AND group_id = $4 RETURNING id",
    )
    .bind(input.name.trim())
    .bind(now)
    .bind(site_id)
    .bind(i64::from(group_id))
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| taken(e, input))?;
    set_devices(tx, row, &devices).await?;
    requeue_members(tx, site_id, group_id, now).await?;
    let after = get(tx, site_id, group_id).await?.ok_or_else(ApiError::internal)?;
    Ok((before, after))
}

/// Deletes a group; its members lose it (their records change on every device).
pub async fn delete(tx: &mut crate::db::Conn, site_id: i64, group_id: u32, now: i64) -> ApiResult<AccessGroupView> {
    let before = get(tx, site_id, group_id).await?.ok_or_else(|| not_found(group_id))?;
    requeue_members(tx, site_id, group_id, now).await?;
    sqlx::query(
        "UPDATE users SET version = version + 1, updated_at = $1
         WHERE site_id = $2 AND id IN (SELECT user_row FROM user_access_groups WHERE group_id = $3)",
    )
    .bind(now)
    .bind(site_id)
    .bind(i64::from(group_id))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM user_access_groups WHERE group_id = $1 AND user_row IN (SELECT id FROM users WHERE site_id = $2)",
    )
    .bind(i64::from(group_id))
    .bind(site_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM access_groups WHERE site_id = $1 AND group_id = $2")
        .bind(site_id)
        .bind(i64::from(group_id))
        .execute(&mut *tx)
        .await?;
    Ok(before)
}

fn not_found(group_id: u32) -> ApiError {
    ApiError::not_found(format!("group_id: no access group {group_id} in this site")).with_field("group_id")
}

/// The group's members are decided again by the sync worker.
async fn requeue_members(tx: &mut crate::db::Conn, site_id: i64, group_id: u32, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO outbox (site_id, user_row, user_id, kind, created_at)
         SELECT u.site_id, u.id, u.user_id, 'upsert', $1 FROM users u JOIN user_access_groups uag ON uag.user_row = u.id
         WHERE u.site_id = $2 AND uag.group_id = $3 AND u.deleted_at IS NULL",
    )
    .bind(now)
    .bind(site_id)
    .bind(i64::from(group_id))
    .execute(&mut *tx)
    .await
    .map(drop)
}

pub async fn mode(db: &crate::db::Db, site_id: i64) -> sqlx::Result<SyncMode> {
    crate::sync::fan_out::mode(db, site_id).await
}

/// Sets the site's mode; everyone who is or may be on a device is decided again.
pub async fn set_mode(tx: &mut crate::db::Conn, site_id: i64, mode: SyncMode, now: i64) -> sqlx::Result<SyncMode> {
    let before: String =
        sqlx::query_scalar("SELECT sync_mode FROM sites WHERE id = $1").bind(site_id).fetch_one(&mut *tx).await?;
    sqlx::query("UPDATE sites SET sync_mode = $1 WHERE id = $2")
        .bind(mode.as_str())
        .bind(site_id)
        .execute(&mut *tx)
        .await?;
    let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new(
        "INSERT INTO outbox (site_id, user_row, user_id, kind, created_at) SELECT u.site_id, u.id, u.user_id, 'upsert', ",
    );
    q.push_bind(now).push(" FROM users u WHERE u.site_id = ").push_bind(site_id);
    q.push(
        " AND ((u.status = 'ACTIVE' AND u.deleted_at IS NULL)
               OR EXISTS (SELECT 1 FROM device_users du WHERE du.user_row = u.id))",
    );
    q.build().persistent(false).execute(&mut *tx).await?;
    Ok(SyncMode::parse(&before).unwrap_or(SyncMode::All))
}
