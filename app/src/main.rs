//! Lintel's browser console (Leptos, client-side rendered). The server serves it and keeps
//! the session; every page talks to `/v1` through `api`.

mod api;
mod bridge;
mod components;
mod pages;
mod routes;
mod session;

use components::frame::Frame;
use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{Lazy, path};

fn main() {
    panic_message::install();
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    session::Session::provide();
    view! {
        <Router>
            <ErrorBoundary fallback=|errors| view! {
                <div role="alert" class="fatal">
                    <p>"This page cannot be shown:"</p>
                    <ul>{move || errors.get().into_iter().map(|(_, e)| view! { <li>{e.to_string()}</li> }).collect_view()}</ul>
                    <p><a href="/">"Start again"</a></p>
                </div>
            }>
            <Routes fallback=pages::not_found::NotFound>
                <Route path=path!("/sign-in") view=pages::sign_in::SignIn />
                <Route path=path!("/setup") view={Lazy::<routes::Setup>::new()} />
                <ParentRoute path=path!("") view=Frame>
                    <Route path=path!("") view=Home />
                    <Route path=path!("me") view={Lazy::<routes::MyAccount>::new()} />
                    <Route path=path!("people") view=pages::people::People />
                    <Route path=path!("import") view={Lazy::<routes::Import>::new()} />
                    <Route path=path!("audit") view={Lazy::<routes::Audit>::new()} />
                    <Route path=path!("devices") view={Lazy::<routes::Devices>::new()} />
                    <Route path=path!("revocations") view={Lazy::<routes::Revocations>::new()} />
                    <Route path=path!("access-groups") view={Lazy::<routes::AccessGroups>::new()} />
                    <Route path=path!("tokens") view={Lazy::<routes::Tokens>::new()} />
                    <Route path=path!("admins") view={Lazy::<routes::Admins>::new()} />
                    <Route path=path!("people/new") view={Lazy::<routes::NewPerson>::new()} />
                    <Route path=path!("people/:id") view=pages::person::Person />
                </ParentRoute>
            </Routes>
            </ErrorBoundary>
        </Router>
    }
}

/// Where a signed-in person starts: the directory for admins, their own account otherwise
/// (and there first while their password is one an administrator set).
#[component]
fn Home() -> impl IntoView {
    let session = session::use_session();
    move || {
        let admin = session.rank().is_some_and(proto::domain::Rank::is_admin);
        let must_change = session.view().is_some_and(|v| v.password_change_required);
        let to = if admin && !must_change { "/people" } else { "/me" };
        view! { <Redirect path=to /> }
    }
}

/// A panic shows a message instead of a blank page (and still reaches the browser console).
mod panic_message {
    pub fn install() {
        std::panic::set_hook(Box::new(|info| {
            console_error_panic_hook::hook(info);
            let shown = web_sys::window().and_then(|w| w.document()).and_then(|d| {
                let banner = d.create_element("div").ok()?;
                banner.set_attribute("role", "alert").ok()?;
                banner.set_class_name("fatal");
                banner.set_text_content(Some(
                    "Something went wrong in the console. Reload the page; your data on the server is safe.",
                ));
                d.body()?.prepend_with_node_1(&banner).ok()
            });
            let _ = shown;
        }));
    }
}
