//! CSV imports: modes create / update / upsert by a declared key (user ID, `system_id` or
//! email). Every row is checked first; rows are then written in batches, each batch one
//! transaction (all or nothing). A dry run does all of it and rolls every batch back.
//! Every row touched carries the import tag; re-running a file (same tag) finds its own
//! rows already there and reports them unchanged, so a crash mid-way loses nothing and a
//! re-run makes no duplicates.

use super::bulk_create::{self, Candidate};
use super::cards;
use super::csv_rows::{Row, Table, line};
use super::import_progress::Watch;
use super::person_read::{self, KeyColumn, PersonRow};
use super::{Actor, lifecycle, outbox, person_create, person_write, pin};
use crate::audit::Action;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use proto::domain::person::check_guest;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

/// Rows per transaction.
pub const BATCH: usize = 25_000;

pub use proto::api::user::ImportMode as Mode;

pub use proto::api::import::{RowOutcome, RowResult};

fn row_failed(line: usize, e: &ApiError) -> RowResult {
    RowResult {
        line,
        outcome: RowOutcome::Error,
        id: None,
        user_id: None,
        error: Some(e.item_error()),
        warnings: vec![],
    }
}

/// The per-row results as the CSV an import keeps for download.
pub fn results_table(results: &[RowResult]) -> String {
    let mut out = line(&["line", "outcome", "id", "user_id", "code", "field", "message", "warnings"]);
    for r in results {
        let id = r.id.map(|i| i.to_string()).unwrap_or_default();
        let error = r.error.as_ref();
        out += &line(&[
            &r.line.to_string(),
            r.outcome.as_str(),
            &id,
            r.user_id.as_deref().unwrap_or_default(),
            error.map(|e| e.code.as_str()).unwrap_or_default(),
            error.and_then(|e| e.field.as_deref()).unwrap_or_default(),
            error.map(|e| e.message.as_str()).unwrap_or_default(),
            &r.warnings.join("; "),
        ]);
    }
    out
}

fn row_done(line: usize, outcome: RowOutcome, id: Option<i64>, user_id: &str) -> RowResult {
    RowResult { line, outcome, id, user_id: Some(user_id.to_owned()), error: None, warnings: vec![] }
}

pub struct Plan {
    pub mode: Mode,
    pub key: KeyColumn,
    pub dry_run: bool,
    pub tag: String,
}

fn row_error(e: proto::domain::FieldError) -> ApiError {
    ApiError::from(e)
}

/// Runs an import; returns one result per data row, in file order. `watch` counts the rows
/// that have their outcome as they get it.
pub async fn run(
    state: &AppState,
    actor: &Actor,
    table: Table,
    plan: &Plan,
    watch: &Watch,
) -> ApiResult<Vec<RowResult>> {
    if !table.columns.contains(&plan.key.name()) {
        return Err(ApiError::bad_request(format!("key: the file has no {} column", plan.key.name())).with_field("key"));
    }
    let mut results: BTreeMap<usize, RowResult> = BTreeMap::new();
    // The same unique value twice in one file: the later row is refused.
    for column in ["user_id", "email", "username", "system_id"] {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for row in &table.rows {
            let Some(v) = row.get(column).filter(|v| !v.is_empty()) else { continue };
            let v = if column == "user_id" || column == "system_id" { v.to_owned() } else { v.to_lowercase() };
            if let Some(first) = seen.get(&v) {
                let e = ApiError::conflict(format!("{column}: {v:?} is also on line {first}")).with_field(column);
                results.entry(row.line).or_insert_with(|| row_failed(row.line, &e));
            } else {
                seen.insert(v, row.line);
            }
        }
    }
    for row in &table.rows {
        if row.get(plan.key.name()).is_none_or(str::is_empty) {
            let e = ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                format!("{}: the key column is empty", plan.key.name()),
            )
            .with_field(plan.key.name());
            results.entry(row.line).or_insert_with(|| row_failed(row.line, &e));
        }
    }
    let pins: Vec<(usize, String)> = table
        .rows
        .iter()
        .filter(|r| !results.contains_key(&r.line))
        .filter_map(|r| r.pin().map(|p| (r.line, p)))
        .collect();
    let mut hashes: HashMap<usize, Vec<u8>> = HashMap::new();
    for (line, hashed) in pin::hash_many(state, actor.site_id, pins, false).await {
        match hashed {
            Ok(h) => {
                hashes.insert(line, h.hash);
            }
            Err(e) => {
                results.entry(line).or_insert_with(|| row_failed(line, &e));
            }
        }
    }
    watch.add(results.len());
    let pending: Vec<&Row> = table.rows.iter().filter(|r| !results.contains_key(&r.line)).collect();
    for batch in pending.chunks(BATCH) {
        for r in write_batch(state, actor, plan, batch, &hashes, watch).await? {
            results.insert(r.line, r);
        }
    }
    Ok(results.into_values().collect())
}

/// One transaction: looks up the batch's keys, creates and updates, commits (or, in a dry
/// run, rolls back). A database failure rolls the whole batch back and fails its rows.
async fn write_batch(
    state: &AppState,
    actor: &Actor,
    plan: &Plan,
    batch: &[&Row],
    hashes: &HashMap<usize, Vec<u8>>,
    watch: &Watch,
) -> ApiResult<Vec<RowResult>> {
    let now = state.clock.now();
    let mut tx = crate::db::write(&state.db).await?;
    let keys: Vec<String> =
        batch.iter().filter_map(|r| r.get(plan.key.name()).map(|k| plan.key.normalize(k))).collect();
    let existing: HashMap<String, PersonRow> = person_read::rows_by(&mut tx, actor.site_id, plan.key, &keys)
        .await?
        .into_iter()
        .filter_map(|p| {
            let key = match plan.key {
                KeyColumn::UserId => Some(p.user_id.clone()),
                KeyColumn::SystemId => p.system_id.clone(),
                KeyColumn::Email => p.email.clone(),
            };
            key.map(|k| (k, p))
        })
        .collect();
    let mut results = Vec::with_capacity(batch.len());
    let mut creates: Vec<Candidate> = Vec::new();
    let mut updates: Vec<(&Row, &PersonRow)> = Vec::new();
    for row in batch {
        let key = plan.key.normalize(row.get(plan.key.name()).unwrap_or_default());
        match (existing.get(&key), plan.mode) {
            (Some(p), Mode::Create) if p.import_tag.as_deref() == Some(plan.tag.as_str()) => {
                results.push(row_done(row.line, RowOutcome::Unchanged, Some(p.id), &p.user_id));
            }
            (Some(p), Mode::Create) => {
                let e = ApiError::conflict(format!(
                    "{}: user {} already has this {}",
                    plan.key.name(),
                    p.user_id,
                    plan.key.name()
                ))
                .with_field(plan.key.name());
                results.push(row_failed(row.line, &e));
            }
            (Some(p), _) => updates.push((row, p)),
            (None, Mode::Update) => {
                let e = ApiError::not_found(format!("{}: no person of this site has it", plan.key.name()))
                    .with_field(plan.key.name());
                results.push(row_failed(row.line, &e));
            }
            (None, _) => match row.new_user().and_then(person_create::check) {
                Ok(new) => creates.push(Candidate { item: row.line, new, pin_hash: hashes.get(&row.line).cloned() }),
                Err(e) => results.push(row_failed(row.line, &row_error(e))),
            },
        }
    }
    watch.add(results.len());
    let outcome: ApiResult<Vec<RowResult>> = async {
        let mut done = Vec::with_capacity(batch.len());
        // Who holds each card the batch names before it runs: a row that ends up with a card
        // someone else held says so. Updates run first, so a card one row gives up can go
        // to a person another row creates.
        let named: Vec<Vec<u8>> = batch
            .iter()
            .filter_map(|r| r.cards().and_then(|c| cards::parse("cards", &c).ok()))
            .flatten()
            .map(|c| c.number.key().to_vec())
            .collect();
        let held_before = cards::holders(&mut tx, actor.site_id, &named).await?;
        for (row, person) in &updates {
            let mut savepoint = sqlx::Connection::begin(&mut *tx).await?;
            match update_row(&mut savepoint, actor, plan, row, person, hashes.get(&row.line), now).await {
                Ok(outcome) => {
                    savepoint.commit().await?;
                    done.push(row_done(row.line, outcome, Some(person.id), &person.user_id));
                }
                Err(e) => {
                    savepoint.rollback().await?;
                    done.push(row_failed(row.line, &e));
                }
            }
            watch.add(1);
        }
        let clashes = bulk_create::conflicts(&mut tx, actor.site_id, &creates).await?;
        for (line, e) in &clashes {
            done.push(row_failed(*line, e));
        }
        let ok: Vec<&Candidate> = creates.iter().filter(|c| !clashes.contains_key(&c.item)).collect();
        for (line, c) in bulk_create::insert_many(&mut tx, actor, &ok, Some(&plan.tag), now).await? {
            done.push(row_done(line, RowOutcome::Created, (!plan.dry_run).then_some(c.id), &c.user_id));
        }
        watch.add(creates.len());
        let rows: HashMap<usize, &Row> = batch.iter().map(|r| (r.line, *r)).collect();
        for result in done.iter_mut().filter(|r| matches!(r.outcome, RowOutcome::Created | RowOutcome::Updated)) {
            let Some(cards) =
                rows.get(&result.line).and_then(|r| r.cards()).and_then(|c| cards::parse("cards", &c).ok())
            else {
                continue;
            };
            for card in cards {
                if let Some(from) = held_before.get(card.number.key()).filter(|h| Some(&h.1) != result.user_id.as_ref())
                {
                    result.warnings.push(format!("card {} moves from user {}", card.number.text(), from.1));
                }
            }
        }
        Ok(done)
    }
    .await;
    match outcome {
        Ok(done) => {
            if plan.dry_run {
                tx.rollback().await?;
            } else {
                tx.commit().await?;
            }
            results.extend(done);
            Ok(results)
        }
        Err(e) => {
            tx.rollback().await?;
            tracing::warn!(error = %e.message, "an import batch was rolled back");
            let e = ApiError::conflict(format!("this row's batch was rolled back: {}", e.message));
            Ok(batch.iter().map(|r| row_failed(r.line, &e)).collect())
        }
    }
}

/// Applies a row to an existing person: present columns change, empty cells clear.
async fn update_row(
    tx: &mut crate::db::Conn,
    actor: &Actor,
    plan: &Plan,
    row: &Row,
    person: &PersonRow,
    pin_hash: Option<&Vec<u8>>,
    now: i64,
) -> ApiResult<RowOutcome> {
    if let Some(user_id) = row.get("user_id").filter(|u| !u.is_empty())
        && user_id != person.user_id
    {
        return Err(ApiError::conflict(format!(
            "user_id: {} cannot become {user_id}; delete and create instead",
            person.user_id
        ))
        .with_field("user_id"));
    }
    let groups = person_read::access_groups(tx, &[person.id]).await?.remove(&person.id).unwrap_or_default();
    let old = person.fields(groups);
    let mut new = old.clone();
    row.apply(&mut new).map_err(row_error)?;
    new.validate().map_err(row_error)?;
    check_guest(new.tag, new.access_groups.len(), person.rank()).map_err(row_error)?;
    let cards = row.cards().map(|c| cards::parse("cards", &c)).transpose().map_err(row_error)?;
    let held = person_read::cards(tx, person.id).await?;
    let cards_change = cards.as_ref().is_some_and(|c| {
        let now: Vec<&str> = c.iter().map(|k| k.number.text()).collect();
        let before: Vec<&str> = held.iter().filter(|h| h.card_type == "CSN").map(|h| h.number.as_str()).collect();
        now != before
    });
    if old == new && !cards_change && pin_hash.is_none() && person.import_tag.as_deref() == Some(plan.tag.as_str()) {
        return Ok(RowOutcome::Unchanged);
    }
    person_write::update(tx, person.id, person.version, &new, Some(&plan.tag), now).await?;
    if let Some(cards) = cards.filter(|_| cards_change) {
        cards::replace(tx, actor.site_id, person.id, &cards, false, "cards").await?;
    }
    if let Some(hash) = pin_hash {
        sqlx::query("UPDATE users SET pin_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(person.id)
            .execute(&mut *tx)
            .await
            .map_err(super::conflict::unique_violation)?;
    }
    if cards_change || pin_hash.is_some() {
        lifecycle::credentials_changed(tx, actor.site_id, person.id, person.status(), &person.user_id, now).await?;
    } else if !person_write::same_on_devices(&old, &new) {
        let status = person.status();
        outbox::enqueue(tx, actor.site_id, person.id, &person.user_id, status.on_devices(), Some(status), now).await?;
    }
    let (before, after) = super::audit_fields::changes(&old, &new);
    let entry = actor.entry(Action::UserUpdate).target(&person.user_id).before(before).after(
        json!({"fields": after, "cards_changed": cards_change, "pin_set": pin_hash.is_some(), "import_tag": plan.tag}),
    );
    crate::audit::record(&mut *tx, now, entry).await?;
    Ok(RowOutcome::Updated)
}

/// What is kept of an import once it ran.
pub struct Record<'a> {
    pub tag: &'a str,
    pub file_sha256: &'a [u8],
    pub rows_total: usize,
    pub rows_ok: usize,
    pub results_csv: String,
}

/// Keeps an import's summary and per-row results; returns its ID.
pub async fn record(db: &crate::db::Db, actor: &Actor, plan: &Plan, r: &Record<'_>, now: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO imports (site_id, tag, mode, key_column, dry_run, file_sha256, actor, created_at, rows_total, rows_ok, results_csv)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(actor.site_id)
    .bind(r.tag)
    .bind(plan.mode.as_str())
    .bind(plan.key.name())
    .bind(plan.dry_run)
    .bind(r.file_sha256)
    .bind(&actor.name)
    .bind(now)
    .bind(r.rows_total as i64)
    .bind(r.rows_ok as i64)
    .bind(&r.results_csv)
    .fetch_one(db)
    .await
}

/// The per-row results of an import of a site, as CSV (`None`: no such import).
pub async fn results_csv(db: &crate::db::Db, site_id: i64, import_id: i64) -> sqlx::Result<Option<String>> {
    let text: Option<Option<String>> =
        sqlx::query_scalar("SELECT results_csv FROM imports WHERE id = $1 AND site_id = $2")
            .bind(import_id)
            .bind(site_id)
            .fetch_optional(db)
            .await?;
    Ok(text.flatten())
}
