//! A SCIM filter (parsed by `proto::scim::filter`) as SQL over `users u`: each attribute the
//! mapping knows becomes a comparison of its column, every value bound; an attribute it does
//! not know, or an operator its type has no meaning for, is a 400 `invalidFilter` naming it.

use crate::db::Backend;
use crate::error::ApiError;
use proto::domain::Status;
use proto::scim::filter::{AttrPath, CompareOp, Filter, Value};
use sqlx::QueryBuilder;

/// What a filter's attribute reads.
#[derive(Clone, Copy)]
enum Column {
    /// Text compared case-insensitively; `lowered` when the column is stored lower-case (its
    /// index then serves `eq`).
    Text { column: &'static str, lowered: bool },
    /// Text compared exactly (`externalId`).
    Exact(&'static str),
    /// `userName`: the username, or the user ID of a person without one (as the resource
    /// shows it).
    UserName,
    /// `active`.
    Enabled,
    /// A Unix time compared with an RFC 3339 instant.
    Time(&'static str),
    /// The directory ID (`id`).
    Id,
    /// A value that is always the same for the one e-mail or phone a person has
    /// (`emails.type` is "work", `emails.primary` is true).
    Constant(Constant),
}

#[derive(Clone, Copy)]
enum Constant {
    Work,
    True,
}

/// The `userName` a person shows, as SQL.
pub const USER_NAME: &str = "COALESCE(u.username, lower(u.user_id))";

fn bad(message: String) -> ApiError {
    ApiError::bad_request(message).with_field("filter")
}

/// The column of a top-level attribute path.
fn column(attr: &AttrPath) -> Result<Column, ApiError> {
    let text = |column| Column::Text { column, lowered: false };
    let found = match (attr.name.to_ascii_lowercase().as_str(), attr.sub.as_deref().map(str::to_ascii_lowercase)) {
        ("username", None) => Column::UserName,
        ("externalid", None) => Column::Exact("u.system_id"),
        ("id", None) => Column::Id,
        ("displayname", None) => text("u.name"),
        ("title", None) => text("u.title"),
        ("department", None) => text("u.department"),
        ("active", None) => Column::Enabled,
        ("name", Some(sub)) => match sub.as_str() {
            "givenname" => text("u.first_name"),
            "familyname" => text("u.last_name"),
            "formatted" => text("u.name"),
            _ => return Err(unknown(attr)),
        },
        ("emails", sub) => {
            return multi_valued(attr, sub.as_deref(), Column::Text { column: "u.email", lowered: true });
        }
        ("phonenumbers", sub) => return multi_valued(attr, sub.as_deref(), text("u.phone")),
        ("meta", Some(sub)) => match sub.as_str() {
            "lastmodified" => Column::Time("u.updated_at"),
            "created" => Column::Time("u.created_at"),
            _ => return Err(unknown(attr)),
        },
        _ => return Err(unknown(attr)),
    };
    Ok(found)
}

/// `emails` and `phoneNumbers` hold at most one value, of type "work", primary.
fn multi_valued(attr: &AttrPath, sub: Option<&str>, value: Column) -> Result<Column, ApiError> {
    match sub {
        None | Some("value") => Ok(value),
        Some("type") => Ok(Column::Constant(Constant::Work)),
        Some("primary") => Ok(Column::Constant(Constant::True)),
        Some(_) => Err(unknown(attr)),
    }
}

fn unknown(attr: &AttrPath) -> ApiError {
    bad(format!(
        "filter: {attr} is not an attribute Lintel filters on (userName, externalId, id, name.givenName, name.familyName, name.formatted, displayName, title, emails.value, phoneNumbers.value, active, meta.created, meta.lastModified, department)"
    ))
}

/// Appends `filter` as one parenthesized SQL condition on the people of `site_id`.
pub fn push(b: &mut QueryBuilder<'_, Backend>, filter: &Filter, site_id: i64) -> Result<(), ApiError> {
    push_in(b, filter, None, site_id)
}

/// `within`: the multi-valued attribute of an enclosing `attr[…]`, whose sub-attributes
/// the inner paths name.
fn push_in(
    b: &mut QueryBuilder<'_, Backend>,
    filter: &Filter,
    within: Option<&AttrPath>,
    site_id: i64,
) -> Result<(), ApiError> {
    match filter {
        Filter::And(l, r) | Filter::Or(l, r) => {
            b.push("(");
            push_in(b, l, within, site_id)?;
            b.push(if matches!(filter, Filter::And(..)) { " AND " } else { " OR " });
            push_in(b, r, within, site_id)?;
            b.push(")");
        }
        Filter::Not(inner) => {
            b.push("NOT (");
            push_in(b, inner, within, site_id)?;
            b.push(")");
        }
        Filter::Values(attr, inner) => {
            if within.is_some() {
                return Err(bad(format!("filter: {attr}[…] inside another value filter")));
            }
            if !(attr.is("emails", None) || attr.is("phoneNumbers", None)) {
                return Err(bad(format!("filter: {attr} is not a multi-valued attribute (emails, phoneNumbers)")));
            }
            push_in(b, inner, Some(attr), site_id)?;
        }
        Filter::Present(attr) => {
            let column = resolve(attr, within)?;
            present(b, column);
        }
        Filter::Compare(attr, op, value) => {
            let column = resolve(attr, within)?;
            compare(b, attr, column, *op, value, site_id)?;
        }
    }
    Ok(())
}

/// An attribute inside `emails[…]` is a sub-attribute of `emails`.
fn resolve(attr: &AttrPath, within: Option<&AttrPath>) -> Result<Column, ApiError> {
    match within {
        Some(outer) if attr.sub.is_none() => {
            column(&AttrPath { urn: outer.urn.clone(), name: outer.name.clone(), sub: Some(attr.name.clone()) })
        }
        Some(_) => Err(bad(format!("filter: {attr} inside a value filter names a sub-attribute of a sub-attribute"))),
        None => column(attr),
    }
}

fn present(b: &mut QueryBuilder<'_, Backend>, column: Column) {
    match column {
        Column::Text { column, .. } | Column::Exact(column) => {
            b.push(format!("({column} IS NOT NULL AND {column} <> '')"));
        }
        // Every person has these; `emails[type pr]` is as present as the e-mail it is on.
        Column::UserName | Column::Enabled | Column::Time(_) | Column::Id | Column::Constant(_) => {
            b.push("TRUE");
        }
    }
}

fn compare(
    b: &mut QueryBuilder<'_, Backend>,
    attr: &AttrPath,
    column: Column,
    op: CompareOp,
    value: &Value,
    site_id: i64,
) -> Result<(), ApiError> {
    let refuse = |what: &str| bad(format!("filter: {attr} {} needs {what}", op.as_str()));
    match column {
        Column::Text { column, lowered } => {
            let Value::Str(v) = value else { return null_or(b, column, op, value, || refuse("a string")) };
            let lhs = if lowered { column.to_owned() } else { format!("lower({column})") };
            text(b, &lhs, op, v.to_lowercase());
        }
        Column::Exact(column) => {
            let Value::Str(v) = value else { return null_or(b, column, op, value, || refuse("a string")) };
            text(b, column, op, v.clone());
        }
        Column::UserName => {
            let Value::Str(v) = value else { return Err(refuse("a string")) };
            if op == CompareOp::Eq {
                // Each side by its own unique index, whose leading column (the site) each side
                // names itself: SQLite reads an OR by index only when every side can.
                b.push("((u.site_id = ").push_bind(site_id).push(" AND u.deleted_at IS NULL AND u.username = ");
                b.push_bind(v.to_lowercase());
                b.push(") OR (u.site_id = ").push_bind(site_id).push(" AND u.username IS NULL AND u.user_id = ");
                b.push_bind(v.clone()).push("))");
            } else {
                text(b, USER_NAME, op, v.to_lowercase());
            }
        }
        Column::Enabled => {
            let Value::Bool(want) = value else { return Err(refuse("true or false")) };
            let enabled = crate::db::status_list(Status::enabled);
            let is = match op {
                CompareOp::Eq => *want,
                CompareOp::Ne => !*want,
                _ => return Err(bad(format!("filter: active compares with eq or ne, not {}", op.as_str()))),
            };
            b.push(format!("(u.status {}IN {enabled})", if is { "" } else { "NOT " }));
        }
        Column::Time(column) => {
            let Value::Str(v) = value else { return Err(refuse("an RFC 3339 instant in quotes")) };
            let at = v
                .parse::<jiff::Timestamp>()
                .map_err(|_| bad(format!("filter: {v:?} is not an RFC 3339 instant (2025-03-01T08:00:00Z)")))?;
            let sql = match op {
                CompareOp::Eq => "=",
                CompareOp::Ne => "<>",
                CompareOp::Gt => ">",
                CompareOp::Ge => ">=",
                CompareOp::Lt => "<",
                CompareOp::Le => "<=",
                _ => return Err(bad(format!("filter: {attr} is a date: use eq ne gt ge lt le"))),
            };
            b.push(format!("{column} {sql} ")).push_bind(at.as_second());
        }
        Column::Id => {
            let id = match value {
                Value::Str(v) => v.parse::<i64>().ok(),
                Value::Number(n) if n.fract() == 0.0 => Some(*n as i64),
                _ => None,
            };
            match (op, id) {
                (CompareOp::Eq, Some(id)) => {
                    b.push("u.id = ").push_bind(id);
                }
                (CompareOp::Eq, None) => {
                    b.push("FALSE");
                }
                (CompareOp::Ne, Some(id)) => {
                    b.push("u.id <> ").push_bind(id);
                }
                (CompareOp::Ne, None) => {
                    b.push("TRUE");
                }
                _ => return Err(bad(format!("filter: id compares with eq or ne, not {}", op.as_str()))),
            }
        }
        Column::Constant(constant) => {
            let holds = match (constant, value) {
                (Constant::Work, Value::Str(v)) => Some(text_holds(op, "work", &v.to_lowercase())),
                (Constant::True, Value::Bool(v)) => match op {
                    CompareOp::Eq => Some(*v),
                    CompareOp::Ne => Some(!*v),
                    _ => None,
                },
                _ => None,
            };
            let Some(holds) = holds else { return Err(refuse("a value of its type")) };
            b.push(if holds { "TRUE" } else { "FALSE" });
        }
    }
    Ok(())
}

/// `attr eq null` / `attr ne null`: absent or present; other non-strings are refused.
fn null_or(
    b: &mut QueryBuilder<'_, Backend>,
    column: &str,
    op: CompareOp,
    value: &Value,
    refuse: impl Fn() -> ApiError,
) -> Result<(), ApiError> {
    match (op, value) {
        (CompareOp::Eq, Value::Null) => {
            b.push(format!("({column} IS NULL OR {column} = '')"));
        }
        (CompareOp::Ne, Value::Null) => {
            b.push(format!("({column} IS NOT NULL AND {column} <> '')"));
        }
        _ => return Err(refuse()),
    }
    Ok(())
}

/// A text comparison; `value` is already lower-cased where the comparison is.
fn text(b: &mut QueryBuilder<'_, Backend>, lhs: &str, op: CompareOp, value: String) {
    let escaped = crate::db::search::like_escape(&value);
    match op {
        CompareOp::Eq => {
            b.push(format!("{lhs} = ")).push_bind(value);
        }
        CompareOp::Ne => {
            b.push(format!("({lhs} IS NULL OR {lhs} <> ")).push_bind(value).push(")");
        }
        CompareOp::Co => {
            b.push(format!("{lhs} LIKE ")).push_bind(format!("%{escaped}%")).push(" ESCAPE '\\'");
        }
        CompareOp::Sw => {
            b.push(format!("{lhs} LIKE ")).push_bind(format!("{escaped}%")).push(" ESCAPE '\\'");
        }
        CompareOp::Ew => {
            b.push(format!("{lhs} LIKE ")).push_bind(format!("%{escaped}")).push(" ESCAPE '\\'");
        }
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => {
            let sql = match op {
                CompareOp::Gt => ">",
                CompareOp::Ge => ">=",
                CompareOp::Lt => "<",
                _ => "<=",
            };
            b.push(format!("{lhs} {sql} ")).push_bind(value);
        }
    }
}

/// The same comparison, of a value known in advance.
fn text_holds(op: CompareOp, have: &str, want: &str) -> bool {
    match op {
        CompareOp::Eq => have == want,
        CompareOp::Ne => have != want,
        CompareOp::Co => have.contains(want),
        CompareOp::Sw => have.starts_with(want),
        CompareOp::Ew => have.ends_with(want),
        CompareOp::Gt => have > want,
        CompareOp::Ge => have >= want,
        CompareOp::Lt => have < want,
        CompareOp::Le => have <= want,
    }
}
