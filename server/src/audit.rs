//! The audit trail: one row per change and per sign-in attempt. Rows are final (triggers
//! refuse UPDATE and DELETE); before/after values never hold a secret.

pub use proto::api::audit::Action;
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub site_id: Option<i64>,
    pub actor: &'a str,
    pub source_ip: &'a str,
    pub action: Action,
    pub target: Option<&'a str>,
    pub success: bool,
    /// JSON text, serialized once when the entry is made.
    pub before: Option<String>,
    pub after: Option<String>,
}

impl<'a> Entry<'a> {
    pub fn new(site_id: Option<i64>, actor: &'a str, source_ip: &'a str, action: Action) -> Self {
        Self { site_id, actor, source_ip, action, target: None, success: true, before: None, after: None }
    }
    pub fn target(mut self, target: &'a str) -> Self {
        self.target = Some(target);
        self
    }
    pub fn failed(mut self) -> Self {
        self.success = false;
        self
    }
    pub fn before(mut self, v: impl Serialize) -> Self {
        self.before = serde_json::to_string(&v).ok();
        self
    }
    pub fn after(mut self, v: impl Serialize) -> Self {
        self.after = serde_json::to_string(&v).ok();
        self
    }
}

/// Writes the row in the transaction that made the change it records.
pub async fn record(tx: &mut crate::db::Conn, now: i64, e: Entry<'_>) -> sqlx::Result<()> {
    insert(tx, now, std::slice::from_ref(&e)).await
}

/// Writes the row of an event that changed nothing else (a sign-in, a refused password, a
/// call through the bridge) on its own, in this process's turn to write.
pub async fn record_alone(db: &crate::db::Db, now: i64, e: Entry<'_>) -> sqlx::Result<()> {
    let _turn = crate::db::turn(db).await;
    insert(db, now, std::slice::from_ref(&e)).await
}

/// Writes many rows at once (bulk changes: one row per person, few statements).
pub async fn record_many(db: &mut crate::db::Conn, now: i64, entries: Vec<Entry<'_>>) -> sqlx::Result<()> {
    for chunk in entries.chunks(crate::db::INSERT_ROWS) {
        insert(&mut *db, now, chunk).await?;
    }
    Ok(())
}

/// The one statement that writes audit rows.
async fn insert<'e, E: crate::db::Executor<'e>>(db: E, now: i64, entries: &[Entry<'_>]) -> sqlx::Result<()> {
    let mut q: sqlx::QueryBuilder<crate::db::Backend> = sqlx::QueryBuilder::new(
        "INSERT INTO audit (at, site_id, actor, source_ip, action, target, outcome, before_json, after_json) ",
    );
    q.push_values(entries, |mut row, e| {
        row.push_bind(now)
            .push_bind(e.site_id)
            .push_bind(e.actor)
            .push_bind(e.source_ip)
            .push_bind(e.action.as_str())
            .push_bind(e.target)
            .push_bind(if e.success { "success" } else { "failure" })
            .push_bind(e.before.clone())
            .push_bind(e.after.clone());
    });
    q.build().persistent(crate::db::insert_prepared(entries.len())).execute(db).await?;
    Ok(())
}

/// What a page of the audit is filtered by.
#[derive(Clone)]
pub struct Filter {
    pub site_id: i64,
    /// The caller's username: rows of no site (sign-ins) are shown only when they are the
    /// caller's own; another site's people and their sign-ins are none of this site's
    /// business.
    pub own_name: String,
    pub action: Option<&'static str>,
    pub actor: Option<String>,
    pub target: Option<String>,
    pub outcome: Option<&'static str>,
    pub since: Option<i64>,
    pub until: Option<i64>,
}

/// An audit row as stored: id, at, site, actor, source IP, action, target, outcome, and
/// before/after JSON text.
pub type Row =
    (i64, i64, Option<i64>, String, Option<String>, String, Option<String>, String, Option<String>, Option<String>);

/// Up to `limit` rows matching `f`, newest first, older than row `before` if given, after
/// skipping `offset`.
pub async fn page(
    db: &crate::db::Db,
    f: &Filter,
    before: Option<i64>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<Row>> {
    sqlx::query_as(
        "SELECT id, at, site_id, actor, source_ip, action, target, outcome, before_json, after_json FROM audit
         WHERE (site_id = $1 OR (site_id IS NULL AND (actor = $2 OR target = $2)))
           AND ($3 IS NULL OR action = $3) AND ($4 IS NULL OR actor = $4) AND ($5 IS NULL OR target = $5)
           AND ($6 IS NULL OR outcome = $6) AND ($7 IS NULL OR at >= $7) AND ($8 IS NULL OR at < $8)
           AND ($9 IS NULL OR id < $9)
         ORDER BY id DESC LIMIT $10 OFFSET $11",
    )
    .bind(f.site_id)
    .bind(&f.own_name)
    .bind(f.action)
    .bind(&f.actor)
    .bind(&f.target)
    .bind(f.outcome)
    .bind(f.since)
    .bind(f.until)
    .bind(before)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}
