//! The People table's filters. Each one writes the URL (through `go`); the search box keeps
//! its own text while typing and writes after a pause, the other fields when they change
//! (Enter or leaving the field).

use leptos::prelude::*;
use proto::api::user::UserQuery;
use proto::domain::{Status, Tag};

/// How long typing pauses before the search runs.
const DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(250);

/// The listing's filters alone: what a count, an export or a bulk action "on everyone
/// matching" takes (sort and page do not apply to them).
pub fn only_filters(mut q: UserQuery) -> UserQuery {
    (q.sort, q.order, q.limit, q.offset) = (None, None, None, None);
    q
}

/// Text as a filter: blank is no filter.
fn text(value: String) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

#[component]
pub fn Filters(query: Memo<UserQuery>, #[prop(into)] go: Callback<UserQuery>) -> impl IntoView {
    // A change of any filter starts again at the first page.
    let change = move |set: fn(&mut UserQuery, String)| {
        move |ev: leptos::ev::Event| {
            let mut q = query.get_untracked();
            set(&mut q, event_target_value(&ev));
            q.offset = None;
            go.run(q);
        }
    };
    let draft = RwSignal::new(query.get_untracked().search.unwrap_or_default());
    Effect::new(move || draft.set(query.get().search.unwrap_or_default()));
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let on_type = move |ev: leptos::ev::Event| {
        draft.set(event_target_value(&ev));
        if let Some(h) = pending.get_value() {
            h.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                let mut q = query.get_untracked();
                q.search = text(draft.get_untracked());
                q.offset = None;
                go.run(q);
            },
            DEBOUNCE,
        );
        pending.set_value(handle.ok());
    };
    let filtered = move || only_filters(query.get()) != UserQuery::default();
    view! {
        <div class="filters" role="group" aria-label="Filters">
            <label>
                <span class="visually-hidden">"Search by name, username or email"</span>
                <input type="search" placeholder="Search by name, username or email" prop:value=move || draft.get() on:input=on_type />
            </label>
            <label>
                "Status "
                <select on:change=change(|q, v| q.status = Status::parse(&v)) prop:value=move || query.get().status.map(|s| s.as_str()).unwrap_or("")>
                    <option value="">"Any"</option>
                    {Status::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.as_str()}</option> }).collect_view()}
                </select>
            </label>
            <label>
                "Tag "
                <select on:change=change(|q, v| q.tag = Tag::parse(&v)) prop:value=move || query.get().tag.map(|t| t.as_str()).unwrap_or("")>
                    <option value="">"Any"</option>
                    {[Tag::User, Tag::Guest].into_iter().map(|t| view! { <option value=t.as_str()>{t.as_str()}</option> }).collect_view()}
                </select>
            </label>
            <label>
                "Department "
                <input type="text" class="short" on:change=change(|q, v| q.department = text(v))
                    prop:value=move || query.get().department.unwrap_or_default() />
            </label>
            <label>
                "Access group "
                <input type="number" class="narrow" min="0" max="4294967295" inputmode="numeric"
                    on:change=change(|q, v| q.access_group = v.trim().parse().ok())
                    prop:value=move || query.get().access_group.map(|g| g.to_string()).unwrap_or_default() />
            </label>
            <label>
                "Updated since "
                <input type="date" on:change=change(|q, v| q.since = text(v))
                    prop:value=move || query.get().since.unwrap_or_default() />
            </label>
            <Show when=filtered>
                <button type="button" class="link" on:click=move |_| {
                    let q = query.get_untracked();
                    go.run(UserQuery { sort: q.sort, order: q.order, ..Default::default() });
                }>"Clear filters"</button>
            </Show>
        </div>
    }
}
