//! Signing in: username (or email) and password. A throttled attempt shows how long to
//! wait; success goes back to the page the person came from.

use crate::api::{self, Failure, Method};
use crate::components::field::TextField;
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use proto::api::Password;
use proto::api::session::{SessionView, SetupState, SignInRequest};

/// Only a path of this console: never another origin (`//host`) or a scheme.
pub fn safe_next(next: Option<String>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.starts_with("/sign-in"))
        .unwrap_or_else(|| "/".to_owned())
}

#[component]
pub fn SignIn() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<Failure>);
    let wait = RwSignal::new(0u32);
    let busy = RwSignal::new(false);
    let setup_needed = LocalResource::new(|| async {
        api::get::<SetupState>("/v1/bootstrap", None).await.map(|s| s.needed).unwrap_or(false)
    });

    // Already signed in (a reload of this page): go on.
    Effect::new({
        let navigate = navigate.clone();
        move || {
            if session.signed_in() {
                navigate(&safe_next(query.with_untracked(|q| q.get("next"))), Default::default());
            }
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || wait.get_untracked() > 0 {
            return;
        }
        busy.set(true);
        failure.set(None);
        let request = SignInRequest {
            username: username.get_untracked().trim().to_owned(),
            password: Password::new(password.get_untracked()),
        };
        leptos::task::spawn_local(async move {
            match api::send::<_, SessionView>(Method::Post, "/v1/session", &request).await {
                Ok(view) => {
                    password.try_set(String::new());
                    session.set(view);
                }
                Err(f) => {
                    if let Some(seconds) = f.retry_after {
                        count_down(wait, seconds);
                    }
                    failure.try_set(Some(f));
                }
            }
            busy.try_set(false);
        });
    };
    let blocked = move || busy.get() || wait.get() != 0;
    let message = move || {
        let f = failure.get()?;
        Some(match (f.status, wait.get()) {
            (429, 0) => "Too many attempts. You can try again now.".to_owned(),
            (429, s) => format!("Too many attempts. Try again in {s} s."),
            (401, _) => "The username or password is wrong.".to_owned(),
            _ => f.message,
        })
    };
    view! {
        <main class="narrow sign-in">
            <h1>"Sign in to Lintel"</h1>
            {move || session.notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <form on:submit=submit novalidate>
                {move || message().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <TextField
                    id="username"
                    label="Username or email"
                    value=username
                    required=true
                    autocomplete="username"
                />
                <TextField
                    id="password"
                    label="Password"
                    kind="password"
                    value=password
                    required=true
                    autocomplete="current-password"
                />
                <button type="submit" class="primary" disabled=blocked>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
            {move || {
                setup_needed
                    .get()
                    .filter(|needed| *needed)
                    .map(|_| {
                        view! {
                            <p class="notice">
                                "Nobody can sign in yet. " <A href="/setup">"Set up Lintel"</A>
                                " with the one-time code the server printed when it started."
                            </p>
                        }
                    })
            }}
        </main>
    }
}

/// Counts `seconds` down to 0, once a second.
fn count_down(wait: RwSignal<u32>, seconds: u32) {
    wait.set(seconds);
    fn tick(wait: RwSignal<u32>) {
        set_timeout(
            move || {
                let left = wait.get_untracked().saturating_sub(1);
                wait.set(left);
                if left > 0 {
                    tick(wait);
                }
            },
            std::time::Duration::from_secs(1),
        );
    }
    tick(wait);
}
