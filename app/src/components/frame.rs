//! The frame around every signed-in page: the navigation (with the site and its picker),
//! the top bar (global search, the signed-in person's menu) and the page itself. Without a
//! session it sends the person to sign in, and brings them back afterwards.

use crate::api::{self, Method};
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::{A, Outlet, Redirect};
use leptos_router::hooks::{use_location, use_navigate};
use proto::api::session::{SessionView, SwitchSite};
use proto::api::user::{UserPage, UserQuery};
use proto::domain::Rank;

#[component]
pub fn Frame() -> impl IntoView {
    let session = use_session();
    let location = use_location();
    // Read once, untracked: the redirect itself changes the location.
    let back_to = move || {
        let (path, search) = (location.pathname.get_untracked(), location.search.get_untracked());
        let here = if search.is_empty() { path } else { format!("{path}?{search}") };
        format!("/sign-in?{}", api::query_string(&[("next", here)]))
    };
    // Under 1280 px the navigation folds away behind the top bar's Menu button.
    provide_context(MenuOpen(RwSignal::new(false)));
    view! {
        <Show when=move || session.known() fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            <Show when=move || session.signed_in() fallback=move || view! { <Redirect path=back_to() /> }>
                <div class="frame">
                    <Navigation />
                    <div class="main-column">
                        <TopBar />
                        <main id="main">
                            <Outlet />
                        </main>
                    </div>
                </div>
            </Show>
        </Show>
    }
}

/// Whether the folded navigation is open (narrow screens).
#[derive(Clone, Copy)]
struct MenuOpen(RwSignal<bool>);

#[component]
fn Navigation() -> impl IntoView {
    let session = use_session();
    let menu = expect_context::<MenuOpen>().0;
    let is_super = move || session.rank() == Some(Rank::Super);
    let is_admin = move || session.rank().is_some_and(Rank::is_admin);
    view! {
        // Following one of its links folds the navigation again.
        <nav id="side-nav" class="side" class:open=move || menu.get() aria-label="Main" on:click=move |ev| {
            use wasm_bindgen::JsCast;
            let element = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            if element.and_then(|e| e.closest("a").ok().flatten()).is_some() {
                menu.set(false);
            }
        }>
            <div class="brand">"Lintel"</div>
            <SitePicker />
            <Show when=is_admin>
                <ul>
                    <li><A href="/people">"People"</A></li>
                    <li><A href="/import">"Import"</A></li>
                    <li><A href="/devices">"Devices"</A></li>
                    <li><A href="/revocations">"Revocations"</A></li>
                    <li><A href="/access-groups">"Access groups"</A></li>
                    <li><A href="/audit">"Audit"</A></li>
                </ul>
            </Show>
            <ul aria-label="Me">
                <li><A href="/me">"My account"</A></li>
            </ul>
            <Show when=is_super>
                <ul aria-label="Administration">
                    <li><A href="/admins">"Admins"</A></li>
                    <li><A href="/tokens">"API tokens"</A></li>
                </ul>
            </Show>
        </nav>
    }
}

/// The current site; a picker when the person has accounts on several.
#[component]
fn SitePicker() -> impl IntoView {
    let session = use_session();
    let failure = RwSignal::new(None::<String>);
    let choose = move |account_id: i64| {
        leptos::task::spawn_local(async move {
            match api::send::<_, SessionView>(Method::Put, "/v1/session/site", &SwitchSite { account_id }).await {
                Ok(view) => session.set(view),
                Err(f) => {
                    failure.try_set(Some(f.message));
                }
            }
        });
    };
    view! {
        {move || {
            let view = session.view()?;
            let current = session.account();
            let name = current.as_ref().map(|a| a.site.name.clone()).unwrap_or_default();
            if view.accounts.len() < 2 {
                return Some(view! { <div class="site">{name}</div> }.into_any());
            }
            let options = view
                .accounts
                .iter()
                .map(|a| {
                    let selected = Some(a.id) == view.account_id;
                    view! { <option value=a.id.to_string() selected=selected>{a.site.name.clone()}</option> }
                })
                .collect_view();
            Some(
                view! {
                    <label class="site">
                        <span class="visually-hidden">"Site"</span>
                        <select on:change=move |ev| {
                            if let Ok(id) = event_target_value(&ev).parse() {
                                choose(id);
                            }
                        }>{options}</select>
                    </label>
                }
                    .into_any(),
            )
        }}
        {move || failure.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
    }
}

#[component]
fn TopBar() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let search = RwSignal::new(String::new());
    let to_people = navigate.clone();
    // A user ID or a card number held by exactly one person opens that person; anything
    // else is a search of the directory.
    let go = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = search.get_untracked().trim().to_owned();
        let to_people = to_people.clone();
        leptos::task::spawn_local(async move {
            let exact = |q: UserQuery| async move {
                let q = UserQuery { limit: Some(2), ..q };
                api::get::<UserPage>(&format!("/v1/users?{}", api::query_string(&q)), None).await.ok()
            };
            let mut found = Vec::new();
            if !text.is_empty() {
                for q in [
                    UserQuery { user_id: Some(text.clone()), ..Default::default() },
                    UserQuery { card: Some(text.clone()), ..Default::default() },
                ] {
                    found.extend(exact(q).await.map(|p| p.users).unwrap_or_default().into_iter().map(|u| u.id));
                }
            }
            found.dedup();
            let to = match found.as_slice() {
                [one] => format!("/people/{one}"),
                _ => format!("/people?{}", api::query_string(&[("search", text.as_str())])),
            };
            to_people(&to, Default::default());
        });
    };
    // `/` focuses the search from anywhere but a field being typed in.
    let slash = window_event_listener(leptos::ev::keydown, |ev| {
        use wasm_bindgen::JsCast;
        let typing = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()).is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.is_content_editable()
        });
        if ev.key() == "/" && !typing && !ev.ctrl_key() && !ev.meta_key() && !ev.alt_key() {
            let field = document().get_element_by_id("global-search");
            if let Some(field) = field.and_then(|f| f.dyn_into::<web_sys::HtmlElement>().ok()) {
                ev.prevent_default();
                let _ = field.focus();
            }
        }
    });
    on_cleanup(move || slash.remove());
    // Signing out leaves for the sign-in page without a way back here: whoever signs in
    // next may be someone else.
    let sign_out = {
        let navigate = navigate.clone();
        move |_| {
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                let _ = api::send_no_answer::<()>(Method::Delete, "/v1/session", None).await;
                navigate("/sign-in", Default::default());
                session.ended("You signed out.");
            });
        }
    };
    let menu = expect_context::<MenuOpen>().0;
    view! {
        <header class="top">
            <button
                type="button"
                class="menu-toggle"
                aria-controls="side-nav"
                aria-expanded=move || menu.get().to_string()
                on:click=move |_| menu.update(|open| *open = !*open)
            >
                "Menu"
            </button>
            <form role="search" on:submit=go>
                <label>
                    <span class="visually-hidden">"Find a person by name, user ID or card"</span>
                    <input
                        id="global-search"
                        type="search"
                        placeholder="Name, email, user ID or card (press /)"
                        aria-keyshortcuts="/"
                        bind:value=search
                    />
                </label>
            </form>
            <div class="me">
                <span>{move || session.view().map(|v| v.username)}</span>
                <button type="button" on:click=sign_out>"Sign out"</button>
            </div>
        </header>
    }
}
