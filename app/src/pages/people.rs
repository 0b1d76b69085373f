//! People: the site's directory as a table. Search, filters, sort and page live in the URL
//! (the listing's own query names), so a link reproduces the view and back/forward work.
//! Typing searches after a pause; a newer request aborts the one in flight.

use crate::api::{self, Failure, Method};
use crate::components::confirm::{Ask, Confirm};
use crate::components::status_badge::StatusBadge;
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate};
use proto::api::batch::{BulkOutcome, BulkRequest};
use proto::api::user::{DEFAULT_PAGE, SortBy, SortOrder, UserPage, UserQuery, UserView};
use proto::domain::Status;
use std::collections::BTreeSet;

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
    let selected = RwSignal::new(BTreeSet::<i64>::new());
    let ask = RwSignal::new(None::<Ask>);
    let bulk = StoredValue::new(None::<Bulk>);
    let result = RwSignal::new(None::<Result<BulkOutcome, Failure>>);
    // Reloads the page after a bulk action (the URL did not change).
    let refresh = RwSignal::new(0u32);

    // The list follows the URL; a newer request aborts the one in flight, and an answer
    // that arrives late anyway is dropped.
    let generation = StoredValue::new(0u64);
    let in_flight = StoredValue::new(None::<web_sys::AbortController>);
    Effect::new(move || {
        let q = query.get();
        refresh.track();
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
            if generation.try_get_value() != Some(this) || answer.as_ref().is_err_and(Failure::is_aborted) {
                return;
            }
            if let Err(f) = &answer {
                session.check(f);
            }
            page.try_set(Some(answer));
            loading.try_set(false);
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
    let propose = move |what: Bulk| {
        let n = selected.with_untracked(BTreeSet::len);
        let (title, effect) = what.describe(n);
        bulk.set_value(Some(what));
        ask.set(Some(Ask { title, effect, confirm: format!("{} {n} {}", what.verb(), people(n)) }));
    };
    let run = move |_| {
        let Some(what) = bulk.get_value() else { return };
        let ids: Vec<i64> = selected.get_untracked().into_iter().collect();
        leptos::task::spawn_local(async move {
            let request = BulkRequest { ids, ..Default::default() };
            let answer = api::send::<_, BulkOutcome>(Method::Post, what.path(), &request).await;
            if let Err(f) = &answer {
                session.check(f);
            }
            if answer.is_ok() {
                selected.try_set(BTreeSet::new());
            }
            result.try_set(Some(answer));
            refresh.try_update(|n| *n += 1);
        });
    };
    let limit = move || u64::from(query.get().limit.unwrap_or(DEFAULT_PAGE));
    let offset = move || query.get().offset.unwrap_or(0);

    view! {
        <div class="page-head">
            <h1>"People"</h1>
            <div class="actions">
                <a class="button" download href=move || {
                    // The export takes the listing's filters; sort and page do not apply.
                    let mut q = query.get();
                    (q.sort, q.order, q.limit, q.offset) = (None, None, None, None);
                    format!("/v1/users/export.csv?{}", api::query_string(&q))
                }>"Export CSV"</a>
                <A href="/people/new" attr:class="button primary">"Add person"</A>
            </div>
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
        <Show when=move || selected.with(|s| !s.is_empty())>
            <div class="bulk-bar" role="toolbar" aria-label="Selected people">
                <span>{move || format!("{} selected", selected.with(BTreeSet::len))}</span>
                <button type="button" on:click=move |_| propose(Bulk::Suspend)>"Suspend"</button>
                <button type="button" on:click=move |_| propose(Bulk::Reactivate)>"Reactivate"</button>
                <button type="button" class="danger" on:click=move |_| propose(Bulk::Deactivate)>"Deactivate"</button>
                <button type="button" on:click=move |_| selected.set(BTreeSet::new())>"Clear"</button>
            </div>
        </Show>
        <div role="status" aria-live="polite">{move || result.get().map(outcome)}</div>
        <Confirm ask=ask on_confirm=run />
        {move || match page.get() {
            None => view! { <p class="loading">"Loading people…"</p> }.into_any(),
            Some(Err(f)) => view! { <p class="error" role="alert">{f.message}</p> }.into_any(),
            Some(Ok(p)) if p.users.is_empty() => empty(&query.get()).into_any(),
            Some(Ok(p)) => {
                let on_page: Vec<i64> = p.users.iter().map(|u| u.id).collect();
                let shown = on_page.len() as u64;
                let all_on_page = {
                    let on_page = on_page.clone();
                    move || !on_page.is_empty() && selected.with(|s| on_page.iter().all(|id| s.contains(id)))
                };
                let toggle_page = {
                    let on_page = on_page.clone();
                    move |ev: leptos::ev::Event| {
                        let on = event_target_checked(&ev);
                        selected.update(|s| for id in &on_page {
                            if on { s.insert(*id); } else { s.remove(id); }
                        });
                    }
                };
                let rows = p.users.into_iter().map(|u| row(u, selected)).collect_view();
                view! {
                    <table class="people">
                        <thead>
                            <tr>
                                <th scope="col" class="select">
                                    <input type="checkbox" aria-label="Select everyone on this page" prop:checked=all_on_page on:change=toggle_page />
                                </th>
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
                        <span>{format!("{}–{}", offset() + shown.min(1), offset() + shown)}</span>
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

fn row(u: UserView, selected: RwSignal<BTreeSet<i64>>) -> impl IntoView {
    let href = format!("/people/{}", u.id);
    let id = u.id;
    view! {
        <tr>
            <td class="select">
                <input
                    type="checkbox"
                    aria-label=format!("Select {}", u.fields.name)
                    prop:checked=move || selected.with(|s| s.contains(&id))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        selected.update(|s| if on { s.insert(id); } else { s.remove(&id); });
                    }
                />
            </td>
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

/// A bulk status change of the selected people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bulk {
    Suspend,
    Reactivate,
    Deactivate,
}

impl Bulk {
    fn path(self) -> &'static str {
        match self {
            Bulk::Suspend => "/v1/users/suspend",
            Bulk::Reactivate => "/v1/users/reactivate",
            Bulk::Deactivate => "/v1/users/deactivate",
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Bulk::Suspend => "Suspend",
            Bulk::Reactivate => "Reactivate",
            Bulk::Deactivate => "Deactivate",
        }
    }

    fn describe(self, n: usize) -> (String, String) {
        let who = format!("{n} {}", people(n));
        match self {
            Bulk::Suspend => (format!("Suspend {who}?"), "They lose door access on every device at once.".into()),
            Bulk::Reactivate => (format!("Reactivate {who}?"), "Their credentials open doors again.".into()),
            Bulk::Deactivate => {
                (format!("Deactivate {who}?"), "They lose door access, their access groups and their rank.".into())
            }
        }
    }
}

fn people(n: usize) -> &'static str {
    if n == 1 { "person" } else { "people" }
}

/// The per-person result of a bulk action.
fn outcome(answer: Result<BulkOutcome, Failure>) -> impl IntoView {
    match answer {
        Err(f) => view! { <p class="error">{f.message}</p> }.into_any(),
        Ok(o) => {
            let done = o.results.len();
            let failed: Vec<(String, String)> = o.error_details.into_iter().map(|(k, e)| (k, e.message)).collect();
            view! {
                <div class="notice">
                    <p>{format!("{done} {} changed.", people(done))}
                        {(!failed.is_empty()).then(|| format!(" {} not changed:", failed.len()))}</p>
                    {(!failed.is_empty()).then(|| view! {
                        <ul>{failed.into_iter().map(|(k, m)| view! { <li>{format!("{k}: {m}")}</li> }).collect_view()}</ul>
                    })}
                </div>
            }
                .into_any()
        }
    }
}
