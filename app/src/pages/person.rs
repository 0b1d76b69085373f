//! One person: their record as the directory holds it.

use crate::api::{self, Failure};
use crate::components::status_badge::StatusBadge;
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use proto::api::user::UserView;

#[component]
pub fn Person() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let person = LocalResource::new(move || {
        let id = params.with(|p| p.get("id")).unwrap_or_default();
        async move {
            let answer = api::get::<UserView>(&format!("/v1/users/{id}"), None).await;
            if let Err(f) = &answer {
                session.check(f);
            }
            answer
        }
    });
    view! {
        <p><A href="/people">"← People"</A></p>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || person.get().map(|answer| match answer {
                Ok(u) => profile(u).into_any(),
                Err(f) => failed(f).into_any(),
            })}
        </Suspense>
    }
}

fn failed(f: Failure) -> impl IntoView {
    view! { <p class="error" role="alert">{f.message}</p> }
}

fn profile(u: UserView) -> impl IntoView {
    let f = u.fields.clone();
    let line = |label: &'static str, value: Option<String>| value.map(|v| view! { <dt>{label}</dt><dd>{v}</dd> });
    view! {
        <div class="page-head">
            <h1>{f.name.clone()}</h1>
            <StatusBadge status=u.status />
        </div>
        <dl class="record">
            {line("User ID", Some(u.user_id.clone()))}
            {line("Email", f.email.clone())}
            {line("Username", f.username.clone())}
            {line("Phone", f.phone.clone())}
            {line("Department", f.department.clone())}
            {line("Title", f.title.clone())}
            {line("Rank", Some(u.rank.as_str().to_owned()))}
            {line("Cards", Some(u.credentials.cards.to_string()))}
            {line("PIN", Some(if u.credentials.pin { "set" } else { "none" }.to_owned()))}
            {line("Updated", Some(u.updated_at.clone()))}
        </dl>
    }
}
