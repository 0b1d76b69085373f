//! How a search's page finds its people: a term's few matches narrow the query to them
//! (the probe), a common term's page walks the sort order instead, and a walk that gives
//! up turns to the matches or walks on. The costs behind each choice are in
//! [`crate::db::search`].

use super::bounds::{check, since};
use super::{UserQuery, push_filters, query, search_term};
use crate::db::search::Few;
use crate::db::search_sample::Samples;
use crate::directory::person_read::VISIBLE;
use crate::error::ApiResult;
use sqlx::QueryBuilder;

/// What a search term's probe found ([`few_matches`]).
#[derive(Default)]
struct Probed {
    /// The directory's size, when it was read for the probe.
    people: Option<i64>,
    /// The part of the term the index looked up ([`crate::db::search_sample::Sample`]).
    looked_up: Option<String>,
    /// The matches, when they are few: how many, and who.
    few: Option<(i64, Few)>,
}

/// The people matching a search term when they are few (the trigram index answers at
/// once for terms of 3 characters or more); none when the term is short or common.
async fn few_matches(db: &mut crate::db::Conn, samples: &Samples, site_id: i64, q: &UserQuery) -> sqlx::Result<Probed> {
    use crate::db::search;
    let Some(term) = search_term(q).filter(|s| s.chars().count() >= 3) else { return Ok(Probed::default()) };
    let (people, sample) = samples.judge(db, site_id, &term).await?;
    if sample.common {
        return Ok(Probed { people: Some(people), looked_up: sample.looked_up, ..Probed::default() });
    }
    let few = search::few(db, &term, sample.looked_up.as_deref(), search::few_for(people)).await?;
    Ok(Probed { people: Some(people), looked_up: sample.looked_up, few })
}

/// More matches than this many pages' worth are put in order by their IDs alone before
/// the page reads its people: the page's statement otherwise builds the row of every match
/// it sorts.
pub(super) const IDS_FIRST_ABOVE: i64 = 4;

/// Where a common term's page goes when its walk gave up (or the matches ended before the
/// page did): to its matches, when the index finds them not too many to sort
/// ([`crate::db::search::NARROW_PER_WALK`]), or on along the whole sort order. Answers the
/// page's IDs in order; `narrowed` is left without the walk.
pub(super) async fn after_the_walk(
    db: &mut crate::db::Conn,
    site_id: i64,
    q: &UserQuery,
    narrowed: &mut Narrowed,
    term: &str,
    people: i64,
) -> ApiResult<Vec<i64>> {
    use crate::db::search;
    let Some(walk) = narrowed.walk.take() else { return Ok(vec![]) };
    let looked_up = narrowed.looked_up.as_deref();
    if let Some((found, matched)) = search::few(db, term, looked_up, people / search::NARROW_PER_WALK).await? {
        let matched = Narrowed {
            among: Some(matched),
            found,
            since: narrowed.since,
            walk: None,
            people: Some(people),
            looked_up: None,
        };
        return ids_in_order(db, site_id, q, &matched, &walk.order_by, walk.rows, walk.skip).await;
    }
    ids_in_order(db, site_id, q, narrowed, &walk.order_by, walk.rows, walk.skip).await
}

/// The IDs of up to `rows` people matching `q` among `narrowed`, in the order `order_by`
/// from `skip`.
pub(super) async fn ids_in_order(
    db: &mut crate::db::Conn,
    site_id: i64,
    q: &UserQuery,
    narrowed: &Narrowed,
    order_by: &str,
    rows: i64,
    skip: i64,
) -> ApiResult<Vec<i64>> {
    let (mut b, matches_term) = query(site_id, q, narrowed, "", "u.id", true)?;
    b.push(format!(" ORDER BY {order_by} LIMIT ")).push_bind(rows).push(" OFFSET ").push_bind(skip);
    let prepared = !(matches_term && crate::db::search::MATCH_PLANNED_EACH_TIME);
    Ok(b.build_query_scalar().persistent(prepared).fetch_all(&mut *db).await?)
}

/// A common term's walk of the page's order: the people matching the rest of the query
/// in the order `order_by`, read up to `bound` of them, of whom those matching the term
/// are kept: `rows` of them, after `skip`. Past the bound the matches bunch later in the
/// order (a first name's people sort together) and narrowing to them costs less.
pub(super) struct Walk {
    pub(super) order_by: String,
    pub(super) bound: i64,
    pub(super) rows: i64,
    pub(super) skip: i64,
}

/// Pushes the statement of `walk` (its IDs). The kept people come in the order they were
/// read: sorting them again would read all the bound's people before keeping the first
/// (5 ms for "lee" at 100,000 people on SQLite, instead of 1); the page sorts its people.
pub(super) fn push_walk<'q>(
    b: &mut QueryBuilder<'q, crate::db::Backend>,
    site_id: i64,
    q: &'q UserQuery,
    since: Option<i64>,
    walk: &Walk,
) -> ApiResult<()> {
    let term = search_term(q).unwrap_or_default();
    b.push("SELECT w.id FROM (SELECT u.id, ");
    crate::db::search::push_match(b, &term);
    b.push(format!(" AS hit FROM users u WHERE {VISIBLE} AND u.site_id = ")).push_bind(site_id);
    push_filters(b, site_id, q, since, None, false)?;
    b.push(format!(" ORDER BY {} LIMIT ", walk.order_by)).push_bind(walk.bound);
    b.push(") w WHERE w.hit LIMIT ").push_bind(walk.rows).push(" OFFSET ").push_bind(walk.skip);
    Ok(())
}

/// What a query of `q` starts from: the instant of its `since` and, for a search term
/// with few matches, those people (`found` of them); `people`, the directory's size when
/// it was read ([`crate::db::search_sample::Samples`]); `looked_up`, the part of the term
/// its probe looks up; `walk`, a common term's walk.
pub(super) struct Narrowed {
    pub(super) since: Option<i64>,
    pub(super) among: Option<Few>,
    pub(super) found: i64,
    pub(super) people: Option<i64>,
    pub(super) looked_up: Option<String>,
    pub(super) walk: Option<Walk>,
}

/// Checks `q` and looks up a search's few matches; `None` when they show nobody matches.
pub(super) async fn narrow(
    db: &mut crate::db::Conn,
    samples: &Samples,
    site_id: i64,
    time_zone: &str,
    q: &UserQuery,
) -> ApiResult<Option<Narrowed>> {
    // A page outside its bounds is refused even where the page does not apply, as the
    // API document says.
    check(q)?;
    let since = since(q, time_zone)?;
    let Probed { people, looked_up, few } = few_matches(&mut *db, samples, site_id, q).await?;
    let (found, among) = match few {
        Some((0, _)) => return Ok(None),
        Some((found, few)) => (found, Some(few)),
        None => (0, None),
    };
    Ok(Some(Narrowed { since, among, found, people, looked_up, walk: None }))
}
