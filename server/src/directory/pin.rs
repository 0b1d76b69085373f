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

/// Hashes many PINs (batch calls, imports) with up to 32 gateway calls in flight. Random
/// PINs are generated only when `allow_random`. Whether a given PIN is free (in the set
/// and in the site) is the caller's check.
pub async fn hash_many(
    state: &AppState,
    site_id: i64,
    pins: Vec<(usize, String)>,
    allow_random: bool,
) -> Vec<(usize, ApiResult<HashedPin>)> {
    let mut out = Vec::with_capacity(pins.len());
    let mut unanswered: std::collections::BTreeSet<usize> = pins.iter().map(|(item, _)| *item).collect();
    let mut tasks = tokio::task::JoinSet::new();
    let mut pending = pins.into_iter();
    loop {
        while tasks.len() < 32 {
            let Some((item, requested)) = pending.next() else { break };
            let state = state.clone();
            tasks.spawn(async move {
                if requested == RANDOM_PIN_REQUEST && !allow_random {
                    let e = ApiError::new(
                        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                        "pin: ****** (a random PIN) cannot be used here; set those PINs one by one",
                    );
                    return (item, Err(e.with_field("pin")));
                }
                if requested == RANDOM_PIN_REQUEST {
                    return (item, hash(&state, site_id, None, "pin", &requested).await);
                }
                // Whether the PIN is free is the caller's check, against the right holder.
                let hashed = match Pin::parse("pin", &requested) {
                    Ok(pin) => {
                        let hashed = state.gateways.pin_hash(site_id, &pin).await;
                        // A gateway failure fails this item's PIN, named as such.
                        let hashed = hashed.map_err(|e| if e.field.is_none() { e.with_field("pin") } else { e });
                        hashed.map(|hash| HashedPin { hash, generated: None })
                    }
                    Err(e) => Err(e.into()),
                };
                (item, hashed)
            });
        }
        match tasks.join_next().await {
            Some(Ok(done)) => {
                unanswered.remove(&done.0);
                out.push(done);
            }
            Some(Err(e)) => {
                tracing::error!(error = %e, "a PIN hashing task failed");
            }
            None => break,
        }
    }
    // A task that died leaves its item without a hash: that item fails, it is never
    // created without the PIN it asked for.
    for item in unanswered {
        out.push((item, Err(ApiError::internal().with_field("pin"))));
    }
    out.sort_by_key(|(item, _)| *item);
    out
}
