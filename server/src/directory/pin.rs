//! PINs: hashed by the site's gateway (GetPINHash) before anything is stored; only the
//! 32-byte hash is kept, unique in the site. `******` asks for a random PIN, returned once.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use proto::domain::Pin;
use proto::domain::pin::RANDOM_PIN_REQUEST;
use rand::Rng;

/// Digits of a generated PIN; more when the site is crowded.
const RANDOM_DIGITS: [usize; 3] = [6, 8, 10];
const TRIES_PER_LENGTH: usize = 8;

/// A PIN ready to store: its hash, and the PIN itself when the server chose it (to be
/// returned once in the response).
pub struct HashedPin {
    pub hash: Vec<u8>,
    pub generated: Option<Pin>,
}

impl std::fmt::Debug for HashedPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HashedPin(<redacted>)")
    }
}

/// Validates and hashes a requested PIN (`field` names it in errors).
/// `holder` is the person the PIN is for (their own current PIN does not count as in use).
pub async fn hash(
    state: &AppState,
    site_id: i64,
    holder: Option<i64>,
    field: &str,
    requested: &str,
) -> ApiResult<HashedPin> {
    if requested != RANDOM_PIN_REQUEST {
        let pin = Pin::parse(field, requested)?;
        let hash = state.gateways.pin_hash(site_id, &pin).await?;
        if in_use(state, site_id, holder, &hash).await? {
            return Err(ApiError::conflict("this PIN is already in use in this site; choose another").with_field(field));
        }
        return Ok(HashedPin { hash, generated: None });
    }
    for digits in RANDOM_DIGITS {
        for _ in 0..TRIES_PER_LENGTH {
            let text: String = {
                let mut rng = rand::rng();
                (0..digits).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
            };
            let pin = Pin::parse(field, &text)?;
            let hash = state.gateways.pin_hash(site_id, &pin).await?;
            if !in_use(state, site_id, holder, &hash).await? {
                return Ok(HashedPin { hash, generated: Some(pin) });
            }
        }
    }
    Err(ApiError::conflict("no free random PIN was found; set one explicitly").with_field(field))
}

async fn in_use(state: &AppState, site_id: i64, holder: Option<i64>, hash: &[u8]) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM users WHERE site_id = $1 AND pin_hash = $2 AND deleted_at IS NULL AND ($3 IS NULL OR id <> $3)",
    )
    .bind(site_id)
    .bind(hash)
    .bind(holder)
    .fetch_optional(&state.db)
    .await?;
    Ok(found.is_some())
}
