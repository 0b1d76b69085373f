//! People: the site's directory as a table. Search, filters, sort and page live in the URL
//! (the listing's own query names), so a link reproduces the view and back/forward work.
//! A newer request aborts the one in flight. People are ticked one by one or a page at a
//! time, or all N matching the filters at once, for a bulk action.

use super::people_bulk::{Bulk, Chosen, grouped, outcome, people};
use super::people_filters::{Filters, only_filters};
use crate::api::{self, Failure, Method};
use crate::components::confirm::{Ask, Confirm};
use crate::components::status_badge::StatusBadge;
use crate::components::when::When;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate};
use proto::api::batch::{BulkOutcome, BulkRequest};
use proto::api::device::DoorSync;
use proto::api::user::{DEFAULT_PAGE, SortBy, SortOrder, UserCount, UserPage, UserQuery, UserView};
use std::collections::BTreeSet;

fn parse(search: &str) -> UserQuery {
    serde_urlencoded::from_str(search.trim_start_matches('?')).unwrap_or_default()
}

#[component]
pub fn People() -> impl IntoView {
    let location = use_location();
    let navigate = use_navigate();
    let query = Memo::new(move |_| parse(&location.search.get()));
    let page = RwSignal::new(None::<Result<UserPage, Failure>>);
    let loading = RwSignal::new(false);
    let selected = RwSignal::new(BTreeSet::<i64>::new());
    // "All N matching" chosen: the bulk action takes the filters, not the ticks.
    let everyone = RwSignal::new(false);
    let filters = Memo::new(move |_| only_filters(query.get()));
    let total = RwSignal::new(None::<u64>);
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
            page.try_set(Some(answer));
            loading.try_set(false);
        });
    });

    // The count follows the filters only (not the page or sort); a choice of "all N
    // matching" ends when they change.
    let latest_count = api::Latest::new();
    Effect::new(move || {
        let f = filters.get();
        refresh.track();
        everyone.set(false);
        let this = latest_count.begin();
        leptos::task::spawn_local(async move {
            let path = format!("/v1/users/count?{}", api::query_string(&f));
            let answer = api::get::<UserCount>(&path, None).await;
            if latest_count.is_current(this) {
                total.try_set(answer.ok().map(|c| c.total));
            }
        });
    });

    let go = {
        let navigate = navigate.clone();
        Callback::new(move |q: UserQuery| navigate(&format!("/people?{}", api::query_string(&q)), Default::default()))
    };
    let sort_by = {
        move |by: SortBy| {
            let mut q = query.get_untracked();
            let same = q.sort.unwrap_or_default() == by;
            let flip = same && q.order.unwrap_or_default() == SortOrder::Asc;
            q.sort = Some(by);
            q.order = Some(if flip { SortOrder::Desc } else { SortOrder::Asc });
            q.offset = None;
            go.run(q);
        }
    };
    let to_page = move |offset: u64| {
        let mut q = query.get_untracked();
        q.offset = (offset > 0).then_some(offset);
        go.run(q);
    };
    let header = move |by: SortBy, label: &'static str| {
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
    let chosen = move || match (everyone.get(), total.get()) {
        (true, Some(n)) => Chosen::AllMatching(n),
        _ => Chosen::Ticked(selected.with(BTreeSet::len)),
    };
    let propose = move |what: Bulk| {
        let who = chosen();
        let (title, effect) = what.describe(who);
        bulk.set_value(Some(what));
        let n = who.count();
        ask.set(Some(Ask {
            title,
            effect: effect.into(),
            confirm: format!("{} {} {}", what.verb(), grouped(n), people(n)),
        }));
    };
    // Who the last bulk action changed, while it can be undone exactly (a suspension).
    let undoable = RwSignal::new(None::<Vec<i64>>);
    let send = move |what: Bulk, request: BulkRequest| {
        result.set(None);
        undoable.set(None);
        leptos::task::spawn_local(async move {
            let answer = api::send::<_, BulkOutcome>(Method::Post, what.path(), &request).await;
            if let Ok(done) = &answer {
                selected.try_set(BTreeSet::new());
                everyone.try_set(false);
                if what == Bulk::Suspend && !done.results.is_empty() {
                    undoable.try_set(Some(done.results.iter().map(|r| r.id).collect()));
                }
            }
            result.try_set(Some(answer));
            refresh.try_update(|n| *n += 1);
        });
    };
    let run = move |_| {
        let Some(what) = bulk.get_value() else { return };
        let request = if everyone.get_untracked() {
            // The count the confirmation stated: if the filter matches more or fewer by now,
            // the server changes nobody and says so.
            BulkRequest {
                filter: Some(filters.get_untracked()),
                expected: total.get_untracked().and_then(|n| u32::try_from(n).ok()),
                ..Default::default()
            }
        } else {
            BulkRequest { ids: selected.get_untracked().into_iter().collect(), ..Default::default() }
        };
        send(what, request);
    };
    let undo = move |_| {
        if let Some(ids) = undoable.get_untracked() {
            send(Bulk::Reactivate, BulkRequest { ids, ..Default::default() });
        }
    };
    let limit = move || u64::from(query.get().limit.unwrap_or(DEFAULT_PAGE));
    let offset = move || query.get().offset.unwrap_or(0);

    view! {
        <div class="page-head">
            <h1>"People" {move || total.get().map(|n| view! { <span class="count">{grouped(n)}</span> })}</h1>
            <div class="actions">
                <a class="button" download href=move || format!("/v1/users/export.csv?{}", api::query_string(&filters.get()))>
                    "Export CSV"
                </a>
                <A href="/people/new" attr:class="button primary">"Add person"</A>
            </div>
        </div>
        <Filters query=query go=go />
        <p class="loading" role="status">{move || loading.get().then_some("Loading…")}</p>
        <Show when=move || everyone.get() || selected.with(|s| !s.is_empty())>
            <div class="bulk-bar" role="toolbar" aria-label="Selected people">
                <span>{move || match chosen() {
                    Chosen::AllMatching(n) => format!("All {} matching selected", grouped(n)),
                    Chosen::Ticked(n) => format!("{} selected", grouped(n as u64)),
                }}</span>
                {Bulk::ALL.into_iter().map(|what| view! {
                    <button type="button" class:danger=what.is_danger() on:click=move |_| propose(what)>{what.verb()}</button>
                }).collect_view()}
                <button type="button" on:click=move |_| { selected.set(BTreeSet::new()); everyone.set(false); }>"Clear"</button>
            </div>
        </Show>
        <div role="status" aria-live="polite" class="bulk-result">
            {move || result.get().map(outcome)}
            <Show when=move || undoable.with(Option::is_some)>
                <button type="button" on:click=undo>"Undo the suspension"</button>
            </Show>
        </div>
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
                        if !on {
                            everyone.set(false);
                        }
                        selected.update(|s| for id in &on_page {
                            if on { s.insert(*id); } else { s.remove(id); }
                        });
                    }
                };
                let rows = p.users.into_iter().map(|u| row(u, selected, everyone)).collect_view();
                let offer_all = {
                    let all_on_page = all_on_page.clone();
                    move || !everyone.get() && all_on_page() && total.get().is_some_and(|n| n > shown)
                };
                view! {
                    <Show when=offer_all>
                        <p class="select-all">
                            {format!("All {shown} on this page are selected. ")}
                            <button type="button" class="link" on:click=move |_| everyone.set(true)>
                                {move || format!("Select all {} matching the filters", grouped(total.get().unwrap_or(0)))}
                            </button>
                        </p>
                    </Show>
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
                                <th scope="col">"Doors"</th>
                                <th scope="col" class="num">"Cards"</th>
                                {header(SortBy::UpdatedAt, "Updated")}
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                    <nav class="pager" aria-label="Pages">
                        <button type="button" disabled=move || offset() == 0
                            on:click=move |_| to_page(offset().saturating_sub(limit()))>"Previous"</button>
                        <span>
                            {format!("{}–{}", grouped(offset() + shown.min(1)), grouped(offset() + shown))}
                            {move || total.get().map(|n| format!(" of {}", grouped(n)))}
                        </span>
                        <button type="button" disabled=!p.has_more on:click=move |_| to_page(offset() + limit())>"Next"</button>
                    </nav>
                }
                    .into_any()
            }
        }}
    }
}

fn row(u: UserView, selected: RwSignal<BTreeSet<i64>>, everyone: RwSignal<bool>) -> impl IntoView {
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
                        if !on {
                            everyone.set(false);
                        }
                        selected.update(|s| if on { s.insert(id); } else { s.remove(&id); });
                    }
                />
            </td>
            <td><A href=href>{u.fields.name.clone()}</A></td>
            <td>{u.user_id.clone()}</td>
            <td>{u.fields.email.clone().unwrap_or_default()}</td>
            <td><StatusBadge status=u.status /></td>
            <td>{doors(u.doors.unwrap_or_default())}</td>
            <td class="num">{u.credentials.cards}</td>
            <td><When at=u.updated_at.clone() /></td>
        </tr>
    }
}

/// Where the record stands at the doors, in a word: refused, waiting for an offline device,
/// on its way, or in sync (never more than the devices confirmed).
fn doors(d: DoorSync) -> impl IntoView {
    let (class, words) = if d.failing > 0 {
        ("badge failing", format!("Refused by {}", devices(d.failing)))
    } else if d.offline > 0 {
        ("badge suspended", format!("{} offline", devices(d.offline)))
    } else if d.pending > 0 {
        ("badge pending", format!("{} pending", devices(d.pending)))
    } else {
        ("muted", "In sync".to_owned())
    };
    view! { <span class=class title=d.reason.unwrap_or_default()>{words}</span> }
}

fn devices(n: u32) -> String {
    if n == 1 { "1 device".to_owned() } else { format!("{n} devices") }
}

/// Why the table is empty, and the next step.
fn empty(q: &UserQuery) -> impl IntoView {
    let filtered = only_filters(q.clone()) != UserQuery::default();
    let text = match &q.search {
        Some(s) => format!("No one matches “{s}”."),
        None if filtered => "No one matches these filters.".to_owned(),
        None => "No people yet.".to_owned(),
    };
    view! {
        <div class="empty" role="status">
            <p>{text}</p>
            {if filtered {
                view! { <p><A href="/people">"Clear the search and filters"</A></p> }.into_any()
            } else {
                view! { <p><A href="/people/new">"Add a person"</A>" or "<A href="/import">"import a CSV file"</A></p> }.into_any()
            }}
        </div>
    }
}
