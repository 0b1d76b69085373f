//! The trigram index of people's search text: SQLite's FTS5 table `users_search`, or on
//! PostgreSQL a `pg_trgm` GIN index on `users.search_text`, behind the same two functions.
//!
//! On SQLite, changes and deletions reach the index by triggers; new people are added here
//! by the code that inserts them, all of one write in one statement: a per-row insert
//! trigger made a 100,000-row import seconds slower, and the index writes a segment per
//! statement that it must merge again later. PostgreSQL keeps its index by itself.

use super::Conn;

/// Indexes the people with directory IDs `first..=last`, all inserted by the caller in
/// its open write transaction. Rows get IDs above every existing one (`INTEGER PRIMARY
/// KEY` without reuse while the write lock is held), so the range holds exactly those.
#[cfg(not(feature = "postgres"))]
pub async fn add(tx: &mut Conn, first: i64, last: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO users_search (rowid, search_text)
         SELECT id, search_text FROM users WHERE id BETWEEN $1 AND $2",
    )
    .bind(first)
    .bind(last)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// PostgreSQL indexes rows as they are written. After a write of several people (which
/// called [`before_many`]) their entries wait in the index's pending list: they are merged
/// into the index here, in bulk and before the write commits, so that no search reads them
/// one by one.
#[cfg(feature = "postgres")]
pub async fn add(tx: &mut Conn, first: i64, last: i64) -> sqlx::Result<()> {
    if last > first {
        sqlx::query("SELECT gin_clean_pending_list('users_search'::regclass)").execute(&mut *tx).await?;
        sqlx::query("SET LOCAL gin_pending_list_limit TO DEFAULT").execute(&mut *tx).await?;
    }
    Ok(())
}

/// Before a write of many people, which ends with [`add`]: on PostgreSQL their trigram
/// entries wait in the index's pending list instead of being merged 256 kB at a time (the
/// connection's bound, see `db::postgres::open`): one merge of 5,000 people's entries
/// costs about a third of 20 small ones.
#[cfg(feature = "postgres")]
pub async fn before_many(tx: &mut Conn) -> sqlx::Result<()> {
    sqlx::query("SET LOCAL gin_pending_list_limit = '64MB'").execute(&mut *tx).await.map(drop)
}

/// SQLite's index is written by [`add`] alone.
#[cfg(not(feature = "postgres"))]
pub async fn before_many(_tx: &mut Conn) -> sqlx::Result<()> {
    Ok(())
}

/// The people whose search text contains a term, once a probe found them few: the
/// page's query narrows to them with [`push_few`].
pub enum Few {
    /// SQLite: their IDs as one JSON array, which the page's query reads with `json_each`
    /// (matching the index again cost as much as the probe: half a millisecond for a term
    /// of common trigrams, like "person4242").
    #[cfg(not(feature = "postgres"))]
    Ids(String),
    /// PostgreSQL: their IDs, bound as one array.
    #[cfg(feature = "postgres")]
    Ids(Vec<i64>),
}

impl Few {
    /// The people with these directory IDs.
    #[cfg(not(feature = "postgres"))]
    pub fn of(ids: Vec<i64>) -> Few {
        Few::Ids(serde_json::Value::from(ids).to_string())
    }

    /// The people with these directory IDs.
    #[cfg(feature = "postgres")]
    pub fn of(ids: Vec<i64>) -> Few {
        Few::Ids(ids)
    }
}

/// Whether at most `cap` people's search text contains `term` (lower-cased, at least 3
/// characters: the index is of trigrams): `Ok(None)` when more do, `Ok(Some((n, few)))`
/// with `n` of them otherwise. A quoted phrase of trigrams is a substring match; `LIKE …
/// ESCAPE` would not use the index.
#[cfg(not(feature = "postgres"))]
pub async fn few(db: &mut Conn, term: &str, _looked_up: Option<&str>, cap: i64) -> sqlx::Result<Option<(i64, Few)>> {
    let phrase = format!("\"{}\"", term.replace('"', "\"\""));
    // One row, not one per match: each row the driver hands over costs more than the index
    // took to find it.
    let (n, ids): (i64, String) = sqlx::query_as(
        "SELECT count(*), json_group_array(rowid) FROM
           (SELECT rowid FROM users_search WHERE users_search MATCH $1 LIMIT $2)",
    )
    .bind(&phrase)
    .bind(cap + 1)
    .fetch_one(db)
    .await?;
    Ok((n <= cap).then_some((n, Few::Ids(ids))))
}

/// The same on PostgreSQL: `LIKE` with a bound pattern uses the trigram index as long as
/// the plan is made for the pattern ([`MATCH_PLANNED_EACH_TIME`]). The page's query alone,
/// left to the planner, is not enough: it guesses a term's matches from 100 sampled rows,
/// and took a rare term ("son 777", 111 people) for a common one: 55-90 ms walking the
/// name index instead of 1 ms. The index looks up `looked_up`
/// ([`super::search_sample::Sample`]) when there is one, and the whole term is checked on
/// the rows it finds.
#[cfg(feature = "postgres")]
pub async fn few(db: &mut Conn, term: &str, looked_up: Option<&str>, cap: i64) -> sqlx::Result<Option<(i64, Few)>> {
    // One array, not a row per match: a row costs the driver more than the index took.
    // `search_text || ''` is not the indexed expression: a check of each row found.
    let sql = if looked_up.is_some() {
        "SELECT coalesce(array_agg(id), '{}') FROM (SELECT id FROM users
           WHERE search_text LIKE $3 ESCAPE '\\' AND (search_text || '') LIKE $1 ESCAPE '\\' LIMIT $2) matched"
    } else {
        "SELECT coalesce(array_agg(id), '{}') FROM
           (SELECT id FROM users WHERE search_text LIKE $1 ESCAPE '\\' LIMIT $2) matched"
    };
    let mut query = sqlx::query_scalar(sql).bind(format!("%{}%", like_escape(term))).bind(cap + 1);
    if let Some(part) = looked_up {
        query = query.bind(format!("%{}%", like_escape(part)));
    }
    let ids: Vec<i64> = query.persistent(!MATCH_PLANNED_EACH_TIME).fetch_one(db).await?;
    let n = ids.len() as i64;
    Ok((n <= cap).then_some((n, Few::Ids(ids))))
}

/// How many pages of the `users` table a site's sample reads ([`sample_rows`]).
#[cfg(feature = "postgres")]
const SAMPLE_PAGES: f64 = 100.0;

/// A sample of the site's people for [`super::search_sample`]: about [`SAMPLE_PAGES`]
/// random pages of the table (its size now, not the planner's last count, which is stale
/// right after an import), each person with their page and search text.
#[cfg(feature = "postgres")]
pub async fn sample_rows(db: &mut Conn, site_id: i64) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT (ctid::text::point)[0]::bigint, coalesce(search_text, '') FROM users
         TABLESAMPLE SYSTEM ((SELECT least(100, 100 * $2 / greatest(1,
             pg_relation_size('users') / current_setting('block_size')::float8))))
         WHERE site_id = $1",
    )
    .bind(site_id)
    .bind(SAMPLE_PAGES)
    .fetch_all(db)
    .await
}

/// SQLite decides by its probe alone, which looks up the whole term in its FTS index.
#[cfg(not(feature = "postgres"))]
pub async fn sample_rows(_db: &mut Conn, _site_id: i64) -> sqlx::Result<Vec<(i64, String)>> {
    Ok(vec![])
}

/// Matches beyond which a search term is "common" among 100,000 people ([`few_for`] scales
/// it to the directory's size): walking the page's sort order and stopping at a page is
/// then faster than narrowing to the matches the index finds.
/// On SQLite at 100,000 people a walk checks about 0.3 µs a row and reads 51 × 100,000 / m
/// rows for a term of m matches; narrowing costs about 3 µs a match (the probe, then the
/// page of the matches, sorted): equal at m ≈ 700 (2 ms either way).
/// On PostgreSQL a walk costs about 0.7 µs a row (3.5 ms for a term of 1,000 matches
/// spread over 100,000 people, 42 ms for one of 100) and narrowing about 4 ms at 1,000
/// matches; the probe of a common term reads 100,000 × FEW / m rows (6-11 ms at 2,000).
#[cfg(not(feature = "postgres"))]
pub const FEW: i64 = 700;
#[cfg(feature = "postgres")]
pub const FEW: i64 = 1000;

/// The directory size [`FEW`] was measured at.
const FEW_MEASURED_AT: f64 = 100_000.0;

/// The most matches a search narrows to in a directory of `people`: [`FEW`], grown as the
/// square root of the size. A walk reads about 51 × people / m rows for a term of m
/// matches and narrowing costs a fixed amount per match, so the two meet at m ∝
/// √people: about 2,200 on SQLite among 1,000,000, where "son 777" (1,111 matches, after
/// 860,000 others in name order) walked for 140 ms with the cap of 100,000 people.
pub fn few_for(people: i64) -> i64 {
    (FEW as f64 * (people as f64 / FEW_MEASURED_AT).max(1.0).sqrt()) as i64
}

/// How many people the directory holds, for the search's costs: its highest directory ID
/// (people ever added, of every site), one step of the primary key where a count would
/// read them all. The probe reads one index of every site, so that is the size that
/// matters to it.
pub async fn directory_size(db: &mut Conn) -> sqlx::Result<i64> {
    let people: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM users").fetch_one(db).await?;
    Ok(people.unwrap_or(0))
}

/// How many people a walk of the sort order reads before it gives up on finding `rows`
/// matches of a common term ([`few_for`] `people` or more): what it reads when that many
/// matches are spread evenly. Past that the matches bunch later in the order (a first
/// name's people sort together) and narrowing to them costs less: at 100,000 people on
/// SQLite "person 99" (1,111 matches, after 99,000 others in name order) walked for 19 ms.
pub fn walk_bound(people: i64, rows: i64) -> i64 {
    rows * people.max(1) / few_for(people) + rows
}

/// Walking one person of the sort order against narrowing to one match (its probe, its
/// row, its place in the sort): a term with up to the directory's size / this many
/// matches is narrowed to when a walk gave up, as that costs less than walking everyone.
/// SQLite at 100,000 people: 11,111 matches narrowed (to IDs) in 9 ms, a walk of 100,000
/// rows 19 ms.
pub const NARROW_PER_WALK: i64 = 4;

/// Whether a common term's walk gives up at [`walk_bound`] (SQLite, where it runs inside
/// the page's statement: a statement of its own cost 0.3 ms more a page). Not on
/// PostgreSQL, where narrowing costs some ten times a walk's step: at 1,000,000 people
/// "Person 12" (11,111 matches, after 22,700 others) narrowed for 27 ms (probe 12.7, sort
/// 14.5) where walking on took 7. Its walk runs in a statement of its own, which reads
/// the sort index alone, and the page's statement, built on the IDs it found, stays
/// prepared instead of being planned for its term.
pub const WALK_GIVES_UP: bool = cfg!(not(feature = "postgres"));

/// Whether the few a probe found are exactly the people matching its term. PostgreSQL's
/// probe is the page's own `LIKE`: matching again made the page's plan read the trigram
/// index a second time (1.8 ms of 3.8 for "son 777") instead of the IDs. SQLite's
/// trigram phrase is checked again with `instr`, which costs nothing beside the IDs.
pub const FEW_ARE_EXACT: bool = cfg!(feature = "postgres");

/// Whether a statement that matches a term is planned for its term each time (not kept
/// prepared): on PostgreSQL a generic plan cannot use the trigram index for `LIKE $1` and
/// scans the table instead, ten times slower at 100,000 people.
pub const MATCH_PLANNED_EACH_TIME: bool = cfg!(feature = "postgres");

/// Adds ` AND` the search text contains `term` (lower-cased). SQLite: `instr`, whose bound
/// term leaves the page's prepared statement as it is (a bound `LIKE` pattern makes SQLite
/// prepare the statement again at every run, to see whether an index could serve it: half
/// a millisecond for the page's query). PostgreSQL: `LIKE`, which its trigram index serves.
pub fn push_contains(b: &mut sqlx::QueryBuilder<'_, super::Backend>, term: &str) {
    b.push(" AND ");
    push_match(b, term);
}

/// Whether the search text of `u` contains `term`, as a boolean expression ([`push_contains`]).
pub fn push_match(b: &mut sqlx::QueryBuilder<'_, super::Backend>, term: &str) {
    if cfg!(feature = "postgres") {
        b.push("u.search_text LIKE ").push_bind(format!("%{}%", like_escape(term))).push(" ESCAPE '\\'");
    } else {
        b.push("(instr(u.search_text, ").push_bind(term.to_owned()).push(") > 0)");
    }
}

/// Narrows a query of `users u` to the people of `few`.
pub fn push_few(b: &mut sqlx::QueryBuilder<'_, super::Backend>, few: &Few) {
    match few {
        #[cfg(not(feature = "postgres"))]
        Few::Ids(ids) => {
            b.push(" AND u.id IN (SELECT value FROM json_each(").push_bind(ids.clone()).push("))");
        }
        #[cfg(feature = "postgres")]
        Few::Ids(ids) => {
            b.push(" AND u.id");
            super::push_in_list(b, ids.iter().copied());
        }
    }
}

/// `%` and `_` match themselves in a LIKE pattern built from user text.
pub fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_grows_as_the_square_root_of_the_directory() {
        assert_eq!(few_for(0), FEW);
        assert_eq!(few_for(100_000), FEW);
        assert_eq!(few_for(400_000), 2 * FEW);
        assert_eq!(few_for(10_000_000), 10 * FEW);
    }
}
