//! Creating a person with their first credentials: checked whole before anything is
//! written, then written in the caller's transaction (one person, a batch, or a CSV batch).

use super::cards::{self, ParsedCard};
use super::person_write;
use super::{Actor, lifecycle};
use crate::audit;
use crate::audit::Action;
use crate::error::ApiResult;
use crate::sites::next_user_id;
use proto::api::user::NewUser;
use proto::domain::{FieldError, IdKind, PersonFields, Status, UserId};
use serde_json::json;

/// A new person whose every field passed the domain rules (the PIN is hashed separately,
/// by the gateway, before the transaction).
#[derive(Debug, Clone)]
pub struct CheckedNew {
    pub user_id: Option<UserId>,
    pub fields: PersonFields,
    pub cards: Vec<ParsedCard>,
    pub allow_duplicates: bool,
}

/// The directory accepts alphanumeric IDs; a device that takes only numeric ones reports
/// its own error through the sync state.
pub fn check(mut new: NewUser) -> Result<CheckedNew, FieldError> {
    let user_id =
        new.user_id.as_deref().map(|id| UserId::parse("user_id", id.trim(), IdKind::Alphanumeric)).transpose()?;
    new.fields.validate()?;
    let cards = cards::parse("cards", &new.cards)?;
    Ok(CheckedNew { user_id, fields: new.fields, cards, allow_duplicates: new.allow_duplicates })
}

/// What was created.
#[derive(Debug, Clone)]
pub struct Created {
    pub id: i64,
    pub user_id: String,
    pub status: Status,
}

pub async fn insert(
    tx: &mut crate::db::Conn,
    actor: &Actor,
    new: &CheckedNew,
    pin_hash: Option<&[u8]>,
    import_tag: Option<&str>,
    now: i64,
) -> ApiResult<Created> {
    let user_id = match &new.user_id {
        Some(id) => id.as_str().to_owned(),
        None => next_user_id(tx, actor.site_id).await?,
    };
    let id = person_write::insert(tx, actor.site_id, &user_id, &new.fields, import_tag, now).await?;
    if !new.cards.is_empty() {
        cards::replace(tx, actor.site_id, id, &new.cards, new.allow_duplicates, "cards").await?;
    }
    if let Some(hash) = pin_hash {
        sqlx::query("UPDATE users SET pin_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(super::conflict::unique_violation)?;
    }
    let status = if new.cards.is_empty() && pin_hash.is_none() {
        Status::Pending
    } else {
        lifecycle::credentials_changed(tx, actor.site_id, id, Status::Pending, &user_id, now).await?
    };
    let cards: Vec<&str> = new.cards.iter().map(|c| c.number.text()).collect();
    let after = json!({"user_id": user_id, "fields": super::audit_fields::SetFields::from(&new.fields), "cards": cards, "pin_set": pin_hash.is_some(), "status": status, "import_tag": import_tag});
    audit::record(tx, now, actor.entry(Action::UserCreate).target(&user_id).after(after)).await?;
    Ok(Created { id, user_id, status })
}
