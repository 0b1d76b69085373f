//! Cards: parsed by the domain's card-number rule, unique in the site (by value) unless
//! added with `allow_duplicates`. The unique index decides races: of two concurrent
//! requests for one card, exactly one commits.

use super::conflict::unique_violation;
use crate::error::{ApiError, ApiResult};
use proto::api::user::CardInput;
use proto::domain::error::check_count;
use proto::domain::limits::MAX_CARDS;
use proto::domain::person::{SHORT_TEXT_MAX_CHARS, bounded};
use proto::domain::{CardNumber, FieldError, Problem};
use proto::gsdk::card::Type;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct ParsedCard {
    pub number: CardNumber,
    pub label: Option<String>,
}

/// Checks a list of cards as a request gives it.
pub fn parse(field: &str, cards: &[CardInput]) -> Result<Vec<ParsedCard>, FieldError> {
    check_count(field, cards.len(), MAX_CARDS)?;
    let mut out: Vec<ParsedCard> = Vec::with_capacity(cards.len());
    for (i, card) in cards.iter().enumerate() {
        let number = CardNumber::parse(&format!("{field}[{i}].number"), &card.number)?;
        if let Some(label) = &card.label {
            bounded(&format!("{field}[{i}].label"), label, SHORT_TEXT_MAX_CHARS)?;
        }
        if out.iter().any(|c| c.number.key() == number.key()) {
            return Err(FieldError::new(
                format!("{field}[{i}].number"),
                Problem::Invalid("the same card number is listed twice".into()),
            ));
        }
        out.push(ParsedCard { number, label: card.label.clone() });
    }
    Ok(out)
}

/// Replaces a person's physical cards (mobile-credential cards stay). An empty list clears.
pub async fn replace(
    tx: &mut crate::db::Conn,
    site_id: i64,
    user_row: i64,
    cards: &[ParsedCard],
    allow_duplicates: bool,
    field: &str,
) -> ApiResult<()> {
    sqlx::query("DELETE FROM cards WHERE user_row = $1 AND mobile_invitation IS NULL")
        .bind(user_row)
        .execute(&mut *tx)
        .await?;
    let (mobile, next): (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MAX(position) + 1 FROM cards WHERE user_row = $1")
            .bind(user_row)
            .fetch_one(&mut *tx)
            .await?;
    check_count(field, cards.len() + usize::try_from(mobile).unwrap_or(0), MAX_CARDS)?;
    for (i, card) in cards.iter().enumerate() {
        if !allow_duplicates {
            let holder: Option<String> = sqlx::query_scalar(
                "SELECT u.user_id FROM cards c JOIN users u ON u.id = c.user_row
                 WHERE c.site_id = $1 AND c.card_key = $2 AND c.user_row <> $3 LIMIT 1",
            )
            .bind(site_id)
            .bind(card.number.key())
            .bind(user_row)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(holder) = holder {
                return Err(ApiError::conflict(format!(
                    "{field}[{i}].number: this card is held by user {holder}; set allow_duplicates to add it anyway"
                ))
                .with_field(format!("{field}[{i}].number")));
            }
        }
        insert(tx, site_id, user_row, next.unwrap_or(0) + i as i64, card, Type::CardTypeCsn, allow_duplicates, None)
            .await?;
    }
    Ok(())
}

/// Who holds each of these cards (by key) in the site: (directory ID, user ID).
#[cfg(not(feature = "postgres"))]
pub async fn holders(
    tx: &mut crate::db::Conn,
    site_id: i64,
    keys: &[Vec<u8>],
) -> sqlx::Result<HashMap<Vec<u8>, (i64, String)>> {
    let mut out = HashMap::new();
    for chunk in keys.chunks(500) {
        let mut q: sqlx::QueryBuilder<crate::db::Backend> = sqlx::QueryBuilder::new(
            "SELECT c.card_key, u.id, u.user_id FROM cards c JOIN users u ON u.id = c.user_row WHERE c.site_id = ",
        );
        q.push_bind(site_id).push(" AND c.card_key");
        crate::db::push_in_list(&mut q, chunk.iter().cloned());
        for (key, id, user_id) in
            q.build_query_as::<(Vec<u8>, i64, String)>().persistent(false).fetch_all(&mut *tx).await?
        {
            out.insert(key, (id, user_id));
        }
    }
    Ok(out)
}

/// Who holds each of these cards (by key) in the site: (directory ID, user ID).
///
/// On PostgreSQL each key is looked up by itself, in a subquery per key: with the
/// statistics of a table an import is filling (none yet, or of a fraction of its rows),
/// the planner read all of `cards` and `users` for a list of 500 keys (4–9 ms a list,
/// 3.6 s of a 100,000-row import); a lookup per key cannot go that way.
#[cfg(feature = "postgres")]
pub async fn holders(
    tx: &mut crate::db::Conn,
    site_id: i64,
    keys: &[Vec<u8>],
) -> sqlx::Result<HashMap<Vec<u8>, (i64, String)>> {
    let mut out = HashMap::new();
    for chunk in keys.chunks(crate::db::IN_LIST_CHUNK) {
        let found: Vec<(Vec<u8>, i64, String)> = sqlx::query_as(
            "SELECT k.key, h.id, h.user_id FROM unnest($2::bytea[]) AS k(key)
             CROSS JOIN LATERAL (SELECT u.id, u.user_id FROM cards c JOIN users u ON u.id = c.user_row
                                 WHERE c.site_id = $1 AND c.card_key = k.key LIMIT 1) h",
        )
        .bind(site_id)
        .bind(chunk)
        .fetch_all(&mut *tx)
        .await?;
        out.extend(found.into_iter().map(|(key, id, user_id)| (key, (id, user_id))));
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    tx: &mut crate::db::Conn,
    site_id: i64,
    user_row: i64,
    position: i64,
    card: &ParsedCard,
    card_type: Type,
    allow_duplicate: bool,
    mobile_invitation: Option<i64>,
) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO cards (site_id, user_row, position, number, card_key, card_type, label, allow_duplicate, mobile_invitation)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(site_id)
    .bind(user_row)
    .bind(position)
    .bind(card.number.text())
    .bind(card.number.key())
    .bind(card_type as i64)
    .bind(&card.label)
    .bind(allow_duplicate)
    .bind(mobile_invitation)
    .execute(&mut *tx)
    .await
    .map_err(unique_violation)?;
    Ok(())
}

/// How many cards a person holds, and the next free position.
pub async fn slots(tx: &mut crate::db::Conn, user_row: i64) -> sqlx::Result<(i64, i64)> {
    let (held, next): (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MAX(position) + 1 FROM cards WHERE user_row = $1")
            .bind(user_row)
            .fetch_one(tx)
            .await?;
    Ok((held, next.unwrap_or(0)))
}
