//! A person as the API shows them, read with one query (plus one for access groups).

use crate::clock::rfc3339;
use crate::db::{IN_LIST_CHUNK, push_in_list};
use proto::api::user::{CardView, CredentialSummary, UserView};
use proto::domain::validity::format_time;
use proto::domain::{AuthModes, PersonFields, Rank, Status, Tag};
use sqlx::QueryBuilder;
use std::collections::HashMap;

/// The columns of [`PersonRow`], from `users u`.
pub const COLUMNS: &str = "u.id, u.user_id, u.name, u.first_name, u.last_name, u.email, u.username, u.phone,
    u.department, u.title, u.notes, u.system_id, u.tag, u.status, u.rank, u.start_time, u.end_time,
    u.security_level, u.auth_modes, u.job_codes, u.computer_usernames, u.photo IS NOT NULL AS has_photo,
    u.pin_hash IS NOT NULL AS has_pin, u.import_tag, u.version, u.created_at, u.updated_at,
    (SELECT COUNT(*) FROM cards c WHERE c.user_row = u.id) AS card_count,
    (SELECT COUNT(*) FROM biometrics b WHERE b.user_row = u.id AND b.kind = 'finger') AS finger_count,
    (SELECT COUNT(*) FROM biometrics b WHERE b.user_row = u.id AND b.kind = 'face') AS face_count,
    (SELECT m.state FROM mobile_invitations m WHERE m.user_row = u.id ORDER BY m.id DESC LIMIT 1) AS mobile";

/// The people the directory shows: not service accounts, not deleted.
pub const VISIBLE: &str = "u.is_service = FALSE AND u.deleted_at IS NULL";

/// A person of [`COLUMNS`], read as named columns or, where many are read at once, from
/// one JSON array in the order of the fields ([`json_columns`], [`crate::db::read_json_row`]).
#[derive(Debug, sqlx::FromRow, serde::Deserialize)]
pub struct PersonRow {
    pub id: i64,
    pub user_id: String,
    pub name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub department: Option<String>,
    pub title: Option<String>,
    pub notes: Option<String>,
    pub system_id: Option<String>,
    pub tag: String,
    pub status: String,
    pub rank: String,
    pub start_time: i64,
    pub end_time: i64,
    pub security_level: i64,
    pub auth_modes: Option<String>,
    pub job_codes: String,
    pub computer_usernames: String,
    #[serde(deserialize_with = "sql_bool")]
    pub has_photo: bool,
    #[serde(deserialize_with = "sql_bool")]
    pub has_pin: bool,
    pub import_tag: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub card_count: i64,
    pub finger_count: i64,
    pub face_count: i64,
    pub mobile: Option<String>,
}

/// A boolean as SQLite's JSON writes it (1 or 0) or PostgreSQL's (true or false).
fn sql_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum SqlBool {
        Bool(bool),
        Int(i64),
    }
    Ok(match serde::Deserialize::deserialize(d)? {
        SqlBool::Bool(b) => b,
        SqlBool::Int(i) => i != 0,
    })
}

/// [`COLUMNS`] as one JSON array a row ([`crate::db::json_row`]): a page of 50 people read
/// as 31 values each spent more in the driver's copies of them than in the query.
pub fn json_columns() -> String {
    // The aliases go (an array's elements have none); no expression of COLUMNS has an `AS`
    // of its own.
    let mut parts = COLUMNS.split(" AS ");
    let mut out = parts.next().unwrap_or_default().to_owned();
    for part in parts {
        out.push_str(part.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_'));
    }
    crate::db::json_row(&out)
}

impl PersonRow {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Pending)
    }

    pub fn rank(&self) -> Rank {
        Rank::parse(&self.rank).unwrap_or(Rank::Regular)
    }

    pub fn has_credentials(&self) -> bool {
        self.card_count > 0 || self.has_pin || self.finger_count > 0 || self.face_count > 0
    }

    /// The editable fields, as a client would send them back.
    pub fn fields(&self, access_groups: Vec<u32>) -> PersonFields {
        PersonFields {
            name: self.name.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            username: self.username.clone(),
            phone: self.phone.clone(),
            department: self.department.clone(),
            title: self.title.clone(),
            notes: self.notes.clone(),
            system_id: self.system_id.clone(),
            tag: Tag::parse(&self.tag).unwrap_or_default(),
            start_time: format_time(u32::try_from(self.start_time).unwrap_or(0)),
            end_time: format_time(u32::try_from(self.end_time).unwrap_or(0)),
            access_groups,
            job_codes: serde_json::from_str(&self.job_codes).unwrap_or_default(),
            security_level: u8::try_from(self.security_level).unwrap_or(0),
            auth_modes: self.auth_modes.as_deref().and_then(|m| serde_json::from_str::<AuthModes>(m).ok()),
            computer_usernames: serde_json::from_str(&self.computer_usernames).unwrap_or_default(),
        }
    }

    pub fn view(&self, access_groups: Vec<u32>, cards: Option<Vec<CardView>>) -> UserView {
        UserView {
            id: self.id,
            user_id: self.user_id.clone(),
            fields: self.fields(access_groups),
            status: self.status(),
            rank: self.rank(),
            has_photo: self.has_photo,
            credentials: CredentialSummary {
                cards: usize::try_from(self.card_count).unwrap_or(0),
                pin: self.has_pin,
                fingerprints: usize::try_from(self.finger_count).unwrap_or(0),
                faces: usize::try_from(self.face_count).unwrap_or(0),
                mobile: self.mobile.clone(),
            },
            cards,
            doors: None,
            import_tag: self.import_tag.clone(),
            version: self.version,
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
        }
    }
}

/// What a lifecycle action needs to know of a person (bulk calls read only this).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StatusRow {
    pub id: i64,
    pub user_id: String,
    pub email: Option<String>,
    pub status: String,
    pub rank: String,
    pub has_credentials: bool,
}

impl StatusRow {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Pending)
    }

    pub fn rank(&self) -> Rank {
        Rank::parse(&self.rank).unwrap_or(Rank::Regular)
    }
}

impl PersonRow {
    pub fn status_row(&self) -> StatusRow {
        StatusRow {
            id: self.id,
            user_id: self.user_id.clone(),
            email: self.email.clone(),
            status: self.status.clone(),
            rank: self.rank.clone(),
            has_credentials: self.has_credentials(),
        }
    }
}

/// `OFFSET 0` keeps each `EXISTS` a probe of the person's own rows: without it PostgreSQL
/// may answer them from a hash of every card of the database (all 100,000 read to look up
/// 5,000 people by email: 91 ms, against 49 ms with a probe each).
const STATUS_COLUMNS: &str = "u.id, u.user_id, u.email, u.status, u.rank,
    (u.pin_hash IS NOT NULL OR EXISTS (SELECT 1 FROM cards c WHERE c.user_row = u.id LIMIT 1 OFFSET 0)
        OR EXISTS (SELECT 1 FROM biometrics b WHERE b.user_row = u.id LIMIT 1 OFFSET 0)) AS has_credentials";

/// The lifecycle view of the visible people of a site whose `column` (`id` or `email`) is
/// one of `values`.
pub async fn status_rows<T>(
    db: &mut crate::db::Conn,
    site_id: i64,
    column: &str,
    values: &[T],
) -> sqlx::Result<Vec<StatusRow>>
where
    T: for<'q> sqlx::Encode<'q, crate::db::Backend> + crate::db::InList + Clone + Sync,
{
    let mut out = Vec::with_capacity(values.len());
    for chunk in values.chunks(IN_LIST_CHUNK) {
        let mut q: QueryBuilder<crate::db::Backend> =
            QueryBuilder::new(format!("SELECT {STATUS_COLUMNS} FROM users u WHERE {VISIBLE} AND u.site_id = "));
        q.push_bind(site_id).push(format!(" AND u.{column}"));
        push_in_list(&mut q, chunk.iter().cloned());
        out.extend(q.build_query_as::<StatusRow>().persistent(false).fetch_all(&mut *db).await?);
    }
    Ok(out)
}

/// One visible person of a site by directory ID.
pub async fn row(db: &mut crate::db::Conn, site_id: i64, id: i64) -> sqlx::Result<Option<PersonRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users u WHERE u.id = $1 AND u.site_id = $2 AND {VISIBLE}"))
        .bind(id)
        .bind(site_id)
        .fetch_optional(db)
        .await
}

/// The access groups of the person at `user_row` (an SQL expression) as a JSON array of
/// their IDs, in order: a subquery, for a page of a list to read with its people.
pub fn access_groups_of(user_row: &str) -> String {
    format!(
        "('[' || coalesce((SELECT string_agg(CAST(g.group_id AS TEXT), ',' ORDER BY g.group_id)
                           FROM user_access_groups g WHERE g.user_row = {user_row}), '') || ']')"
    )
}

/// The access groups of some people, by directory ID.
pub async fn access_groups(db: &mut crate::db::Conn, ids: &[i64]) -> sqlx::Result<HashMap<i64, Vec<u32>>> {
    let mut out: HashMap<i64, Vec<u32>> = HashMap::new();
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        let mut q: QueryBuilder<crate::db::Backend> =
            QueryBuilder::new("SELECT user_row, group_id FROM user_access_groups WHERE user_row");
        push_in_list(&mut q, chunk.iter().copied());
        q.push(" ORDER BY user_row, group_id");
        let rows: Vec<(i64, i64)> =
            q.build_query_as().persistent(crate::db::keep_prepared(chunk.len())).fetch_all(&mut *db).await?;
        for (user_row, group) in rows {
            out.entry(user_row).or_default().push(u32::try_from(group).unwrap_or_default());
        }
    }
    Ok(out)
}

pub async fn cards(db: &mut crate::db::Conn, id: i64) -> sqlx::Result<Vec<CardView>> {
    let rows: Vec<(String, Option<String>, i64)> =
        sqlx::query_as("SELECT number, label, card_type FROM cards WHERE user_row = $1 ORDER BY position")
            .bind(id)
            .fetch_all(db)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(number, label, card_type)| CardView { number, label, card_type: card_type_name(card_type).into() })
        .collect())
}

pub fn card_type_name(card_type: i64) -> &'static str {
    use proto::gsdk::card::Type;
    i32::try_from(card_type)
        .ok()
        .and_then(|t| Type::try_from(t).ok())
        .map_or("UNKNOWN", |t| t.as_str_name().strip_prefix("CARD_TYPE_").unwrap_or("UNKNOWN"))
}

/// A whole person for a single-user response.
pub async fn view(db: &mut crate::db::Conn, site_id: i64, id: i64) -> sqlx::Result<Option<UserView>> {
    let Some(row) = row(&mut *db, site_id, id).await? else {
        return Ok(None);
    };
    let groups = access_groups(&mut *db, &[id]).await?.remove(&id).unwrap_or_default();
    let cards = cards(&mut *db, id).await?;
    Ok(Some(row.view(groups, Some(cards))))
}

/// A text column that names one person of a site (the import's key, one wire type).
pub use proto::api::user::ImportKey as KeyColumn;

/// The visible people of a site named by a key column (values as [`KeyColumn::normalize`] gives them).
pub async fn rows_by(
    db: &mut crate::db::Conn,
    site_id: i64,
    column: KeyColumn,
    values: &[String],
) -> sqlx::Result<Vec<PersonRow>> {
    let mut out = Vec::with_capacity(values.len());
    for chunk in values.chunks(IN_LIST_CHUNK) {
        let mut q: QueryBuilder<crate::db::Backend> =
            QueryBuilder::new(format!("SELECT {COLUMNS} FROM users u WHERE {VISIBLE} AND u.site_id = "));
        q.push_bind(site_id).push(format!(" AND u.{}", column.name()));
        push_in_list(&mut q, chunk.iter().map(|v| column.normalize(v)));
        out.extend(q.build_query_as::<PersonRow>().persistent(false).fetch_all(&mut *db).await?);
    }
    Ok(out)
}

/// A visible person's photo: `None` if there is no such person, `Some(None)` if they have
/// none.
pub async fn photo(db: &mut crate::db::Conn, site_id: i64, id: i64) -> sqlx::Result<Option<Option<Vec<u8>>>> {
    sqlx::query_scalar(
        "SELECT photo FROM users u WHERE u.id = $1 AND u.site_id = $2 AND u.is_service = FALSE AND u.deleted_at IS NULL",
    )
    .bind(id)
    .bind(site_id)
    .fetch_optional(db)
    .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    /// An export of a whole site asks for the access groups of 100,000 people at once;
    /// SQLite takes at most 32,766 variables in one statement.
    #[tokio::test]
    async fn access_groups_of_more_people_than_one_statement_binds() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open(&format!("sqlite://{}", dir.path().join("t.db").display())).await.unwrap();
        let mut conn = db.acquire().await.unwrap();
        sqlx::query("INSERT INTO sites (id, name, created_at) VALUES (1, 'HQ', 0)").execute(&mut *conn).await.unwrap();
        sqlx::query("INSERT INTO users (id, site_id, user_id, created_at, updated_at) VALUES (39999, 1, '7', 0, 0)")
            .execute(&mut *conn)
            .await
            .unwrap();
        sqlx::query("INSERT INTO user_access_groups (user_row, group_id) VALUES (39999, 12), (39999, 3)")
            .execute(&mut *conn)
            .await
            .unwrap();
        let ids: Vec<i64> = (1..=40_000).collect();
        let groups = super::access_groups(&mut conn, &ids).await.unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[&39999], vec![3, 12]);
    }
}
