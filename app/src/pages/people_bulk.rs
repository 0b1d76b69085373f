//! Bulk actions of the People table: what each does, the confirmation's words, and the
//! per-person result afterwards.

use crate::api::Failure;
use leptos::prelude::*;
use proto::api::batch::BulkOutcome;

/// Who a bulk action names: the people ticked, or everyone matching the filters (however
/// many; the server reads the filter inside the action's transaction).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chosen {
    Ticked(usize),
    AllMatching(u64),
}

impl Chosen {
    pub fn count(self) -> u64 {
        match self {
            Chosen::Ticked(n) => n as u64,
            Chosen::AllMatching(n) => n,
        }
    }
}

/// A lifecycle change of many people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bulk {
    Suspend,
    Reactivate,
    Deactivate,
    Delete,
}

impl Bulk {
    pub const ALL: [Bulk; 4] = [Bulk::Suspend, Bulk::Reactivate, Bulk::Deactivate, Bulk::Delete];

    pub fn path(self) -> &'static str {
        match self {
            Bulk::Suspend => "/v1/users/suspend",
            Bulk::Reactivate => "/v1/users/reactivate",
            Bulk::Deactivate => "/v1/users/deactivate",
            Bulk::Delete => "/v1/users/delete",
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Bulk::Suspend => "Suspend",
            Bulk::Reactivate => "Reactivate",
            Bulk::Deactivate => "Deactivate",
            Bulk::Delete => "Delete",
        }
    }

    /// Changes that take door access away are marked as dangerous.
    pub fn is_danger(self) -> bool {
        matches!(self, Bulk::Deactivate | Bulk::Delete)
    }

    /// The confirmation's title and the effect it states.
    pub fn describe(self, who: Chosen) -> (String, &'static str) {
        let n = who.count();
        let whom = match who {
            Chosen::Ticked(_) => format!("{} {}", grouped(n), people(n)),
            Chosen::AllMatching(_) => format!("all {} {} matching the filters", grouped(n), people(n)),
        };
        let effect = match self {
            Bulk::Suspend => "They lose door access on every device at once.",
            Bulk::Reactivate => "Their credentials open doors again.",
            Bulk::Deactivate => "They lose door access, their access groups and their rank.",
            Bulk::Delete => {
                "They leave the directory and every device; their sessions end. This cannot be undone; the audit log keeps a record."
            }
        };
        (format!("{} {whom}?", self.verb()), effect)
    }
}

pub fn people(n: u64) -> &'static str {
    if n == 1 { "person" } else { "people" }
}

/// `12345` as `12,345`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Most refusals listed one by one; the rest are counted.
const LISTED: usize = 100;

/// The per-person result of a bulk action.
pub fn outcome(answer: Result<BulkOutcome, Failure>) -> impl IntoView {
    match answer {
        Err(f) => view! { <p class="error">{f.message}</p> }.into_any(),
        Ok(o) => {
            let done = o.results.len() as u64;
            let refused = o.error_details.len();
            let listed: Vec<String> =
                o.error_details.into_iter().take(LISTED).map(|(k, e)| format!("{k}: {}", e.message)).collect();
            view! {
                <div class="notice">
                    <p>{format!("{} {} changed.", grouped(done), people(done))}
                        {(refused > 0).then(|| format!(" {} not changed:", grouped(refused as u64)))}</p>
                    {(refused > 0).then(|| view! {
                        <ul>{listed.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ul>
                        {(refused > LISTED).then(|| view! { <p>{format!("and {} more.", grouped((refused - LISTED) as u64))}</p> })}
                    })}
                </div>
            }
            .into_any()
        }
    }
}
