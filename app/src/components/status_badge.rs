//! A person's status as a badge: a word and a colour, never the colour alone.

use leptos::prelude::*;
use proto::domain::Status;

#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    let class = match status {
        Status::Active => "badge active",
        Status::Pending => "badge pending",
        Status::Suspended => "badge suspended",
        Status::Deactivated => "badge deactivated",
    };
    view! { <span class=class>{status.as_str()}</span> }
}
