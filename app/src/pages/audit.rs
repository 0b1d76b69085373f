//! The audit log: who did what to whom, newest first, filtered by action, actor, target,
//! outcome and time; filters and page live in the URL.

use crate::api;
use crate::components::loaded::Loaded;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use proto::api::audit::{Action, AuditPage, AuditQuery, AuditRow, Change, Outcome};

const PAGE: i64 = 50;

#[component]
pub fn Audit() -> impl IntoView {
    let location = use_location();
    let navigate = use_navigate();
    let query = Memo::new(move |_| {
        serde_urlencoded::from_str::<AuditQuery>(location.search.get().trim_start_matches('?')).unwrap_or_default()
    });
    let page = Loaded::<AuditPage>::new();
    Effect::new(move || {
        let mut q = query.get();
        q.limit = Some(PAGE);
        page.load(async move { api::get::<AuditPage>(&format!("/v1/audit?{}", api::query_string(&q)), None).await });
    });
    let go = move |q: AuditQuery| navigate(&format!("/audit?{}", api::query_string(&q)), Default::default());
    let actor = RwSignal::new(query.get_untracked().actor.unwrap_or_default());
    let target = RwSignal::new(query.get_untracked().target.unwrap_or_default());
    let since = RwSignal::new(minute_of(query.get_untracked().since));
    let until = RwSignal::new(minute_of(query.get_untracked().until));
    let apply = {
        let go = go.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let mut q = query.get_untracked();
            let text = |s: RwSignal<String>| Some(s.get_untracked().trim().to_owned()).filter(|t| !t.is_empty());
            q.actor = text(actor);
            q.target = text(target);
            q.since = text(since).map(|m| m + ":00Z");
            q.until = text(until).map(|m| m + ":00Z");
            q.offset = None;
            go(q);
        }
    };
    let on_action = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            let mut q = query.get_untracked();
            q.action = Action::parse(&event_target_value(&ev));
            q.offset = None;
            go(q);
        }
    };
    let on_outcome = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            let mut q = query.get_untracked();
            q.outcome = match event_target_value(&ev).as_str() {
                "success" => Some(Outcome::Success),
                "failure" => Some(Outcome::Failure),
                _ => None,
            };
            q.offset = None;
            go(q);
        }
    };
    let to = move |offset: i64| {
        let mut q = query.get_untracked();
        q.offset = (offset > 0).then_some(offset);
        go(q);
    };
    let offset = move || query.get().offset.unwrap_or(0);
    view! {
        <div class="page-head"><h1>"Audit log"</h1></div>
        <form class="filters" role="search" aria-label="Audit filters" on:submit=apply>
            <label>"Action "
                <select on:change=on_action prop:value=move || query.get().action.map(Action::as_str).unwrap_or("")>
                    <option value="">"Any"</option>
                    {Action::ALL.iter().map(|a| view! { <option value=a.as_str()>{a.as_str()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Outcome "
                <select on:change=on_outcome prop:value=move || query.get().outcome.map(Outcome::as_str).unwrap_or("")>
                    <option value="">"Any"</option>
                    <option value="success">"success"</option>
                    <option value="failure">"failure"</option>
                </select>
            </label>
            <label>"Actor " <input type="search" bind:value=actor /></label>
            <label>"Target " <input type="search" bind:value=target /></label>
            <label>"From (UTC) " <input type="datetime-local" bind:value=since /></label>
            <label>"Before (UTC) " <input type="datetime-local" bind:value=until /></label>
            <button type="submit">"Filter"</button>
            <a class="button" download href=move || export_link(query.get())>"Export CSV"</a>
        </form>
        {page.view(move |p| if p.rows.is_empty() {
            view! { <p class="empty" role="status">"Nothing matches these filters."</p> }.into_any()
        } else {
            let more = p.has_more;
            let (newer, older) = (to.clone(), to.clone());
            view! {
                {table(p.rows)}
                <nav class="pager" aria-label="Pages">
                    <button type="button" disabled=move || offset() == 0 on:click=move |_| newer((offset() - PAGE).max(0))>"Newer"</button>
                    <button type="button" disabled=!more on:click=move |_| older(offset() + PAGE)>"Older"</button>
                </nav>
            }.into_any()
        })}
    }
}

/// The instant of the URL (`2026-11-30T08:00:00Z`) as a `datetime-local` value to the
/// minute (`2026-11-30T08:00`); the page shows and filters times in UTC.
fn minute_of(instant: Option<String>) -> String {
    instant.map(|t| t.chars().take(16).collect()).unwrap_or_default()
}

/// Every row the filters match as CSV (the server ignores paging for an export).
fn export_link(mut q: AuditQuery) -> String {
    (q.limit, q.offset) = (None, None);
    format!("/v1/audit/export.csv?{}", api::query_string(&q))
}

/// Audit rows as a table, newest first as given.
pub fn table(rows: Vec<AuditRow>) -> impl IntoView {
    view! {
        <table>
            <thead><tr>
                <th scope="col">"When (UTC)"</th><th scope="col">"Actor"</th><th scope="col">"Action"</th>
                <th scope="col">"Target"</th><th scope="col">"Outcome"</th><th scope="col">"Changes"</th>
                <th scope="col">"From"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let changes = r.changes();
                    view! {
                        <tr>
                            <td><time datetime=r.at.clone()>{r.at.replace('T', " ").trim_end_matches('Z').to_owned()}</time></td>
                            <td>{r.actor}</td>
                            <td>{r.action.as_str()}</td>
                            <td>{r.target.unwrap_or_default()}</td>
                            <td>{r.outcome.as_str()}</td>
                            <td>{changes_view(changes)}</td>
                            <td>{r.source_ip.unwrap_or_default()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// What an act changed, folded: "2 changes", opened to one line per field.
fn changes_view(changes: Vec<Change>) -> Option<impl IntoView> {
    let count = match changes.len() {
        0 => return None,
        1 => "1 change".to_owned(),
        n => format!("{n} changes"),
    };
    let shown = |v: Option<String>| v.unwrap_or_else(|| "—".into());
    Some(view! {
        <details class="changes">
            <summary>{count}</summary>
            <ul>
                {changes.into_iter().map(|c| view! {
                    <li><span class="field-name">{c.field}</span>" " {shown(c.before)}" → "{shown(c.after)}</li>
                }).collect_view()}
            </ul>
        </details>
    })
}
