//! People: the site's directory as a table. Search, filters, sort and page live in the URL
//! (the listing's own query names), so a link reproduces the view and back/forward work.
//! Typing searches after a pause; a newer request aborts the one in flight.

use crate::api::{self, Failure};
use crate::components::status_badge::StatusBadge;
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate};
use proto::api::user::{DEFAULT_PAGE, SortBy, SortOrder, UserPage, UserQuery, UserView};
use proto::domain::Status;

/// How long typing pauses before the search runs.
const DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(250);

fn parse(search: &str) -> UserQuery {
    serde_urlencoded::from_str(search.trim_start_matches('?')).unwrap_or_default()
}

#[component]
pub fn People() -> impl IntoView {
    let session = use_session();
    let location = use_location();
    let navigate = use_navigate();
    let query = Memo::new(move |_| parse(&location.search.get()));
    let page = RwSignal::new(None::<Result<UserPage, Failure>>);
    let loading = RwSignal::new(false);

    // The list follows the URL; a newer request aborts the one in flight, and an answer
    // that arrives late anyway is dropped.
    let generation = StoredValue::new(0u64);
    let in_flight = StoredValue::new(None::<web_sys::AbortController>);
    Effect::new(move || {
        let q = query.get();
        let this = generation.get_value() + 1;
        generation.set_value(this);
        if let Some(previous) = in_flight.get_value() {
            previous.abort();
        }
        let controller = web_sys::AbortController::new().ok();
        in_flight.set_value(controller.clone());
        loading.set(true);
        leptos::task::spawn_local(async move {
            let path = format!("/v1/users?{}", api::query_string(&q));
            let answer = api::get::<UserPage>(&path, controller.as_ref().map(|c| c.signal()).as_ref()).await;
            if generation.get_value() != this || answer.as_ref().is_err_and(Failure::is_aborted) {
                return;
            }
            if let Err(f) = &answer {
                session.check(f);
            }
            page.set(Some(answer));
            loading.set(false);
        });
    });

    let go = {
        let navigate = navigate.clone();
        move |q: UserQuery| navigate(&format!("/people?{}", api::query_string(&q)), Default::default())
    };
    // The search box: its own text while typing, the URL once the typing pauses.
    let draft = RwSignal::new(query.get_untracked().search.unwrap_or_default());
    Effect::new(move || draft.set(query.get().search.unwrap_or_default()));
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let on_type = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            draft.set(event_target_value(&ev));
            if let Some(h) = pending.get_value() {
                h.clear();
            }
            let go = go.clone();
            let handle = set_timeout_with_handle(
                move || {
                    let mut q = query.get_untracked();
                    let text = draft.get_untracked();
                    q.search = (!text.trim().is_empty()).then(|| text.trim().to_owned());
                    q.offset = None;
                    go(q);
                },
                DEBOUNCE,
            );
            pending.set_value(handle.ok());
        }
    };
    let on_status = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            let mut q = query.get_untracked();
            q.status = Status::parse(&event_target_value(&ev));
            q.offset = None;
            go(q);
        }
    };
    let sort_by = {
        let go = go.clone();
        move |by: SortBy| {
            let mut q = query.get_untracked();
            let same = q.sort.unwrap_or_default() == by;
            let flip = same && q.order.unwrap_or_default() == SortOrder::Asc;
            q.sort = Some(by);
            q.order = Some(if flip { SortOrder::Desc } else { SortOrder::Asc });
            q.offset = None;
            go(q);
        }
    };
    let to_page = {
        let go = go.clone();
        move |offset: u64| {
            let mut q = query.get_untracked();
            q.offset = (offset > 0).then_some(offset);
            go(q);
        }
    };
    let header = move |by: SortBy, label: &'static str| {
        let sort_by = sort_by.clone();
        let state = move || {
            let q = query.get();
            (q.sort.unwrap_or_default() == by).then(|| match q.order.unwrap_or_default() {
                SortOrder::Asc => "ascending",
                SortOrder::Desc => "descending",
            })
        };
        view! {
            <th scope="col" aria-sort=move || state().unwrap_or("none")>
                <button type="button" class="sort" on:click=move |_| sort_by(by)>
                    {label}
                    <span aria-hidden="true">
                        {move || match state() {
                            Some("ascending") => " ▲",
                            Some(_) => " ▼",
                            None => "",
                        }}
                    </span>
                </button>
            </th>
        }
    };
    let limit = move || u64::from(query.get().limit.unwrap_or(DEFAULT_PAGE));
    let offset = move || query.get().offset.unwrap_or(0);

    view! {
        <div class="page-head">
            <h1>"People"</h1>
        </div>
        <div class="filters" role="group" aria-label="Filters">
            <label>
                <span class="visually-hidden">"Search by name, username or email"</span>
                <input type="search" placeholder="Search by name, username or email" prop:value=move || draft.get() on:input=on_type />
            </label>
            <label>
                "Status "
                <select on:change=on_status prop:value=move || query.get().status.map(|s| s.as_str()).unwrap_or("")>
                    <option value="">"Any"</option>
                    {Status::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.as_str()}</option> }).collect_view()}
                </select>
            </label>
            <span class="loading" role="status">{move || loading.get().then_some("Loading…")}</span>
        </div>
        {move || match page.get() {
            None => view! { <p class="loading">"Loading people…"</p> }.into_any(),
            Some(Err(f)) => view! { <p class="error" role="alert">{f.message}</p> }.into_any(),
            Some(Ok(p)) if p.users.is_empty() => empty(&query.get()).into_any(),
            Some(Ok(p)) => {
                let rows = p.users.into_iter().map(row).collect_view();
                view! {
                    <table class="people">
                        <thead>
                            <tr>
                                {header(SortBy::Name, "Name")}
                                {header(SortBy::UserId, "User ID")}
                                {header(SortBy::Email, "Email")}
                                <th scope="col">"Status"</th>
                                <th scope="col" class="num">"Cards"</th>
                                {header(SortBy::UpdatedAt, "Updated")}
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                    <nav class="pager" aria-label="Pages">
                        <button type="button" disabled=move || offset() == 0
                            on:click={
                                let to_page = to_page.clone();
                                move |_| to_page(offset().saturating_sub(limit()))
                            }>"Previous"</button>
                        <span>{move || format!("{}–{}", offset() + 1, offset() + limit())}</span>
                        <button type="button" disabled=!p.has_more
                            on:click={
                                let to_page = to_page.clone();
                                move |_| to_page(offset() + limit())
                            }>"Next"</button>
                    </nav>
                }
                    .into_any()
            }
        }}
    }
}

fn row(u: UserView) -> impl IntoView {
    let href = format!("/people/{}", u.id);
    view! {
        <tr>
            <td><A href=href>{u.fields.name.clone()}</A></td>
            <td>{u.user_id.clone()}</td>
            <td>{u.fields.email.clone().unwrap_or_default()}</td>
            <td><StatusBadge status=u.status /></td>
            <td class="num">{u.credentials.cards}</td>
            <td><time datetime=u.updated_at.clone() title=u.updated_at.clone()>{u.updated_at.get(..10).unwrap_or_default().to_owned()}</time></td>
        </tr>
    }
}

/// Why the table is empty, and the next step.
fn empty(q: &UserQuery) -> impl IntoView {
    let text = match &q.search {
        Some(s) => format!("No one matches “{s}”."),
        None if q.status.is_some() => "No one has this status.".to_owned(),
        None => "No people yet.".to_owned(),
    };
    view! {
        <div class="empty" role="status">
            <p>{text}</p>
            <p><A href="/people">"Clear the search and filters"</A></p>
        </div>
    }
}
