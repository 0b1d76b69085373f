//! CSV imports: modes create / update / upsert by a declared key (user ID, `system_id` or
//! email). The file is read twice and never held as rows: a first pass checks it whole
//! (every line is CSV, no unique value twice, every key present), then rows are written
//! in batches, each batch one transaction (all or nothing) with its rows' results, which go
//! to the database, not to memory. A dry run does all of it and rolls every batch back
//! (its results are kept). Every row touched carries the import tag; re-running a file
//! (same tag) finds its own rows already there and reports them unchanged, so a crash
//! mid-way loses nothing and a re-run makes no duplicates.

use super::bulk_create::{self, Candidate};
use super::cards;
use super::csv_rows::{Row, Table};
use super::import_results::{self, Header, Started};
use super::person_read::{self, KeyColumn, PersonRow};
use super::{Actor, lifecycle, outbox, person_create, person_write, pin};
use crate::audit::Action;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use proto::domain::person::check_guest;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Rows per transaction: large enough to be fast, small enough that a batch's people and
/// their SQL stay a few MB.
pub const BATCH: usize = 5_000;

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

/// The first pass: the number of data rows, and the rows refused before any is written (a
/// unique value also on an earlier line, an empty key). A line that is not CSV fails the
/// whole file here, before anything is written.
pub fn check(table: &Table<'_>, plan: &Plan) -> ApiResult<(usize, BTreeMap<usize, RowResult>)> {
    if !table.columns.contains(&plan.key.name()) {
        return Err(ApiError::bad_request(format!("key: the file has no {} column", plan.key.name())).with_field("key"));
    }
    let unique: Vec<&str> =
        ["user_id", "email", "username", "system_id"].into_iter().filter(|c| table.columns.contains(c)).collect();
    let mut seen: Vec<HashMap<String, usize>> = vec![HashMap::new(); unique.len()];
    let mut refused = BTreeMap::new();
    let mut rows = 0;
    for row in table.rows() {
        let row = row?;
        rows += 1;
        for (column, seen) in unique.iter().zip(seen.iter_mut()) {
            let Some(v) = row.get(column).filter(|v| !v.is_empty()) else { continue };
            let v = if *column == "user_id" || *column == "system_id" { v.to_owned() } else { v.to_lowercase() };
            if let Some(first) = seen.get(&v) {
                let e = ApiError::conflict(format!("{column}: {v:?} is also on line {first}")).with_field(*column);
                refused.entry(row.line).or_insert_with(|| row_failed(row.line, &e));
            } else {
                seen.insert(v, row.line);
            }
        }
        if row.get(plan.key.name()).is_none_or(str::is_empty) {
            let e = ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                format!("{}: the key column is empty", plan.key.name()),
            )
            .with_field(plan.key.name());
            refused.entry(row.line).or_insert_with(|| row_failed(row.line, &e));
        }
    }
    Ok((rows, refused))
}

/// Runs an import whose file passed `check`: its row, then the refused rows' results, then
/// the batches. The import is marked finished however it ends.
pub async fn run(
    state: &AppState,
    actor: &Actor,
    table: &Table<'_>,
    plan: &Plan,
    header: &Header<'_>,
    refused: BTreeMap<usize, RowResult>,
) -> ApiResult<Started> {
    let now = state.clock.now();
    let mut import = import_results::start(&state.db, actor, plan, header, now).await?;
    let written: ApiResult<()> = async {
        let lines: BTreeSet<usize> = refused.keys().copied().collect();
        let results: Vec<RowResult> = refused.into_values().collect();
        let mut tx = crate::db::write(&state.db).await?;
        import.keep(&mut tx, &results, now).await?;
        tx.commit().await?;
        write(state, actor, table, plan, &mut import, &lines).await
    }
    .await;
    import.finish(&state.db, state.clock.now()).await?;
    // The planner's statistics of `users` and `cards` may describe far smaller tables (none
    // at all after a first import): on PostgreSQL a search's page was then planned to read
    // every match (130 ms, against 3 once analyzed) and an export's page of 1,000 people to
    // scan their cards (140 ms, against 12) until autovacuum came by. Done beside the
    // answer, which does not wait for it (about a second at 100,000 people).
    let db = state.db.clone();
    tokio::spawn(async move {
        for table in ["users", "cards"] {
            if let Err(e) = crate::db::settle_after_bulk_insert(&db, table).await {
                tracing::warn!(error = %e, table, "vacuuming and analyzing after an import failed");
            }
        }
    });
    written.map(|()| import)
}

/// The second pass: writes the rows the first pass did not refuse, a batch at a time, each
/// batch's results with it.
async fn write(
    state: &AppState,
    actor: &Actor,
    table: &Table<'_>,
    plan: &Plan,
    import: &mut Started,
    refused: &BTreeSet<usize>,
) -> ApiResult<()> {
    let mut batch: Vec<Row> = Vec::with_capacity(BATCH);
    for row in table.rows() {
        let row = row?;
        if refused.contains(&row.line) {
            continue;
        }
        batch.push(row);
        if batch.len() == BATCH {
            write_batch(state, actor, plan, &batch, import).await?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        write_batch(state, actor, plan, &batch, import).await?;
    }
    Ok(())
}

/// One transaction: looks up the batch's keys, creates and updates, keeps the rows'
/// results and the import's progress, commits (or, in a dry run, rolls back and then keeps
/// the results). A database failure rolls the whole batch back and fails its rows.
async fn write_batch(
    state: &AppState,
    actor: &Actor,
    plan: &Plan,
    rows: &[Row],
    import: &mut Started,
) -> ApiResult<()> {
    // PINs are hashed by the gateway, before the write lock is taken.
    let pins: Vec<(usize, String)> = rows.iter().filter_map(|r| r.pin().map(|p| (r.line, p))).collect();
    let mut results = Vec::with_capacity(rows.len());
    let mut hashes: HashMap<usize, Vec<u8>> = HashMap::new();
    for (line, hashed) in pin::hash_many(state, actor.site_id, pins, false).await {
        match hashed {
            Ok(h) => {
                hashes.insert(line, h.hash);
            }
            Err(e) => results.push(row_failed(line, &e)),
        }
    }
    let pin_failed: BTreeSet<usize> = results.iter().map(|r| r.line).collect();
    let batch: Vec<&Row> = rows.iter().filter(|r| !pin_failed.contains(&r.line)).collect();
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
    let mut creates: Vec<Candidate> = Vec::new();
    let mut updates: Vec<(&Row, &PersonRow)> = Vec::new();
    for row in batch.iter().copied() {
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
        }
        let clashes = bulk_create::conflicts(&mut tx, actor.site_id, &creates).await?;
        for (line, e) in &clashes {
            done.push(row_failed(*line, e));
        }
        let ok: Vec<&Candidate> = creates.iter().filter(|c| !clashes.contains_key(&c.item)).collect();
        for (line, c) in bulk_create::insert_many(&mut tx, actor, &ok, Some(&plan.tag), now).await? {
            done.push(row_done(line, RowOutcome::Created, (!plan.dry_run).then_some(c.id), &c.user_id));
        }
        let by_line: HashMap<usize, &Row> = batch.iter().map(|r| (r.line, *r)).collect();
        for result in done.iter_mut().filter(|r| matches!(r.outcome, RowOutcome::Created | RowOutcome::Updated)) {
            let Some(cards) =
                by_line.get(&result.line).and_then(|r| r.cards()).and_then(|c| cards::parse("cards", &c).ok())
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
            results.extend(done);
            if plan.dry_run {
                tx.rollback().await?;
                let mut tx = crate::db::write(&state.db).await?;
                import.keep(&mut tx, &results, now).await?;
                tx.commit().await?;
            } else {
                import.keep(&mut tx, &results, now).await?;
                tx.commit().await?;
            }
        }
        Err(e) => {
            tx.rollback().await?;
            tracing::warn!(error = %e.message, "an import batch was rolled back");
            let e = ApiError::conflict(format!("this row's batch was rolled back: {}", e.message));
            let mut failed: Vec<RowResult> = results.into_iter().filter(|r| pin_failed.contains(&r.line)).collect();
            failed.extend(batch.iter().map(|r| row_failed(r.line, &e)));
            let mut tx = crate::db::write(&state.db).await?;
            import.keep(&mut tx, &failed, now).await?;
            tx.commit().await?;
        }
    }
    Ok(())
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
    crate::audit::record(tx, now, entry).await?;
    Ok(RowOutcome::Updated)
}
