//! An import's row in `imports` and its per-row results in `import_results`, written as the
//! import runs: its progress is there for `GET /v1/imports/running` (whichever server
//! answers it), its results for the summary and the results CSV, streamed from here.

use super::Actor;
use super::csv_import::Plan;
use super::csv_rows::line;
use crate::db::Conn;
use proto::api::batch::ItemError;
use proto::api::import::{ERRORS_SHOWN, ImportProgress, RowOutcome, RowResult};
use sqlx::QueryBuilder;

/// An import whose row has moved for this long is taken for stopped (its server went away)
/// and is no longer shown as running.
const STOPPED_AFTER_SECONDS: i64 = 300;
/// The results CSV's columns.
pub const COLUMNS: [&str; 8] = ["line", "outcome", "id", "user_id", "code", "field", "message", "warnings"];

/// How many rows ended each way.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
}

impl Tally {
    fn add(&mut self, outcome: RowOutcome) {
        match outcome {
            RowOutcome::Created => self.created += 1,
            RowOutcome::Updated => self.updated += 1,
            RowOutcome::Unchanged => self.unchanged += 1,
            RowOutcome::Error => self.failed += 1,
        }
    }

    pub fn rows(&self) -> usize {
        self.created + self.updated + self.unchanged + self.failed
    }
}

/// An import that has its row: results are kept through it.
pub struct Started {
    pub id: i64,
    pub tally: Tally,
}

/// What an import is, before its rows are written.
pub struct Header<'a> {
    pub tag: &'a str,
    pub file_sha256: &'a [u8],
    pub rows: usize,
}

/// The import's row, running (no `finished_at` yet).
pub async fn start(db: &crate::db::Db, actor: &Actor, plan: &Plan, h: &Header<'_>, now: i64) -> sqlx::Result<Started> {
    let mut tx = crate::db::write(db).await?;
    let id = sqlx::query_scalar(
        "INSERT INTO imports (site_id, tag, mode, key_column, dry_run, file_sha256, actor, started_by, created_at, progress_at, rows_total)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id",
    )
    .bind(actor.site_id)
    .bind(h.tag)
    .bind(plan.mode.as_str())
    .bind(plan.key.name())
    .bind(plan.dry_run)
    .bind(h.file_sha256)
    .bind(&actor.name)
    .bind(actor.user_row)
    .bind(now)
    .bind(h.rows as i64)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Started { id, tally: Tally::default() })
}

impl Started {
    /// Keeps `results` and the progress they make, in the caller's transaction (so a
    /// batch's people and its results are written together or not at all).
    pub async fn keep(&mut self, tx: &mut Conn, results: &[RowResult], now: i64) -> sqlx::Result<()> {
        for chunk in results.chunks(crate::db::INSERT_ROWS) {
            let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new(
                "INSERT INTO import_results (import_id, line, outcome, user_row, user_id, code, field, message, warnings) ",
            );
            q.push_values(chunk, |mut b, r| {
                let error = r.error.as_ref();
                b.push_bind(self.id)
                    .push_bind(r.line as i64)
                    .push_bind(r.outcome.as_str())
                    .push_bind(r.id)
                    .push_bind(r.user_id.as_deref())
                    .push_bind(error.map(|e| e.code.as_str()))
                    .push_bind(error.and_then(|e| e.field.as_deref()))
                    .push_bind(error.map(|e| e.message.as_str()))
                    .push_bind(r.warnings.join("\n"));
            });
            q.build().persistent(crate::db::insert_prepared(chunk.len())).execute(&mut *tx).await?;
        }
        let mut tally = self.tally;
        results.iter().for_each(|r| tally.add(r.outcome));
        sqlx::query("UPDATE imports SET rows_done = $1, progress_at = $2 WHERE id = $3")
            .bind(tally.rows() as i64)
            .bind(now)
            .bind(self.id)
            .execute(&mut *tx)
            .await?;
        // For the summary; should the caller's commit fail, the import fails as a whole and
        // `finish` counts what was kept from the table, not from here.
        self.tally = tally;
        Ok(())
    }

    /// Marks the import done (it leaves the running list), with the rows that succeeded
    /// as its results say.
    pub async fn finish(&self, db: &crate::db::Db, now: i64) -> sqlx::Result<()> {
        let mut tx = crate::db::write(db).await?;
        sqlx::query(
            "UPDATE imports SET finished_at = $1,
                 rows_ok = (SELECT COUNT(*) FROM import_results WHERE import_id = $2 AND outcome <> 'error')
             WHERE id = $2",
        )
        .bind(now)
        .bind(self.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }
}

type ResultRow = (i64, String, Option<i64>, Option<String>, Option<String>, Option<String>, Option<String>, String);

fn row_result((line, outcome, id, user_id, code, field, message, warnings): ResultRow) -> RowResult {
    let error = code.map(|code| ItemError { code, field, message: message.unwrap_or_default() });
    RowResult {
        line: line as usize,
        outcome: RowOutcome::parse(&outcome).unwrap_or(RowOutcome::Error),
        id,
        user_id,
        error,
        warnings: warnings.split('\n').filter(|w| !w.is_empty()).map(str::to_owned).collect(),
    }
}

const SELECT: &str = "SELECT line, outcome, user_row, user_id, code, field, message, warnings FROM import_results";

/// The first rows (by line) that failed, or that succeeded with a warning: the summary's.
pub async fn first(db: &crate::db::Db, import_id: i64, failed: bool) -> sqlx::Result<Vec<RowResult>> {
    let which = if failed { "outcome = 'error'" } else { "outcome <> 'error' AND warnings <> ''" };
    let rows: Vec<ResultRow> =
        sqlx::query_as(&format!("{SELECT} WHERE import_id = $1 AND {which} ORDER BY line LIMIT $2"))
            .bind(import_id)
            .bind(ERRORS_SHOWN as i64)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(row_result).collect())
}

/// The results CSV's lines after file line `after`, and the line to go on from when more
/// may follow.
pub async fn page(db: &crate::db::Db, import_id: i64, after: i64, limit: i64) -> sqlx::Result<(String, Option<i64>)> {
    let rows: Vec<ResultRow> =
        sqlx::query_as(&format!("{SELECT} WHERE import_id = $1 AND line > $2 ORDER BY line LIMIT $3"))
            .bind(import_id)
            .bind(after)
            .bind(limit)
            .fetch_all(db)
            .await?;
    let full = rows.len() as i64 == limit;
    let last = rows.last().map(|r| r.0);
    let mut out = String::new();
    for r in rows.into_iter().map(row_result) {
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
    Ok((out, last.filter(|_| full)))
}

/// An import of a site: `None` if there is none; `Some(Some(csv))` for one made before
/// results were kept per row (its whole results CSV).
pub async fn find(db: &crate::db::Db, site_id: i64, import_id: i64) -> sqlx::Result<Option<Option<String>>> {
    sqlx::query_scalar("SELECT results_csv FROM imports WHERE id = $1 AND site_id = $2")
        .bind(import_id)
        .bind(site_id)
        .fetch_optional(db)
        .await
}

/// The imports one person is running on one site, oldest first.
pub async fn running(db: &crate::db::Db, site_id: i64, user_row: i64, now: i64) -> sqlx::Result<Vec<ImportProgress>> {
    let rows: Vec<(String, bool, i64, i64)> = sqlx::query_as(
        "SELECT tag, dry_run, rows_total, rows_done FROM imports
         WHERE site_id = $1 AND started_by = $2 AND finished_at IS NULL AND progress_at >= $3 ORDER BY id",
    )
    .bind(site_id)
    .bind(user_row)
    .bind(now - STOPPED_AFTER_SECONDS)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(tag, dry_run, rows, done)| ImportProgress {
            tag,
            dry_run,
            rows: rows as usize,
            rows_done: done.min(rows) as usize,
        })
        .collect())
}
