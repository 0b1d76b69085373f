//! A person's latest audit entries on their page, with the way to the full log. The page
//! draws it again (and so reads it again) whenever the person changes.

use crate::api;
use crate::components::loaded::Loaded;
use crate::pages::audit::table;
use leptos::prelude::*;
use leptos_router::components::A;
use proto::api::audit::{AuditPage, AuditQuery};

/// Entries shown on the person's page.
const LATEST: i64 = 10;

#[component]
pub fn History(user_id: String) -> impl IntoView {
    let q = AuditQuery { target: Some(user_id.clone()), ..Default::default() };
    let full = format!("/audit?{}", api::query_string(&q));
    let latest = AuditQuery { limit: Some(LATEST), ..q };
    let page = Loaded::<AuditPage>::new();
    page.load(async move { api::get::<AuditPage>(&format!("/v1/audit?{}", api::query_string(&latest)), None).await });
    view! {
        <section aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            {page.view(move |p| if p.rows.is_empty() {
                view! { <p>"Nothing recorded yet."</p> }.into_any()
            } else {
                let more = p.has_more;
                view! {
                    {table(p.rows)}
                    {more.then(|| view! { <p><A href=full.clone()>"The full history in the audit log"</A></p> })}
                }
                .into_any()
            })}
        </section>
    }
}
