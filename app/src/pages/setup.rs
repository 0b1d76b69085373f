//! First run: the one-time code the server printed, and the first SUPER's username and
//! password; then straight to the console, signed in.

use crate::api::{self, Failure, Method};
use crate::components::field::TextField;
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use proto::api::Password;
use proto::api::session::{BootstrapRequest, BootstrapResponse, SessionView, SignInRequest};
use proto::domain::password;

#[derive(Clone, Default)]
struct Errors {
    code: Option<String>,
    username: Option<String>,
    password: Option<String>,
    again: Option<String>,
}

#[component]
pub fn Setup() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let code = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let new_password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let errors = RwSignal::new(Errors::default());
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let done = RwSignal::new(false);

    let check = move || {
        let mut e = Errors::default();
        if code.with_untracked(|c| c.trim().is_empty()) {
            e.code = Some("code: required; the server printed it when it started".into());
        }
        if let Err(err) = proto::domain::username::check(username.get_untracked().trim()) {
            e.username = Some(err.to_string());
        }
        if let Err(err) = password::check_length(&new_password.get_untracked()) {
            e.password = Some(err.to_string());
        } else if new_password.get_untracked() != again.get_untracked() {
            e.again = Some("The two passwords differ.".into());
        }
        let ok = e.code.is_none() && e.username.is_none() && e.password.is_none() && e.again.is_none();
        errors.set(e);
        ok
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || !check() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let name = username.get_untracked().trim().to_owned();
        let secret = Password::new(new_password.get_untracked());
        let request = BootstrapRequest {
            code: code.get_untracked().trim().to_owned(),
            username: name.clone(),
            password: secret.clone(),
        };
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let created = api::send::<_, BootstrapResponse>(Method::Post, "/v1/bootstrap", &request).await;
            match created {
                Ok(made) => {
                    done.try_set(true);
                    let sign_in = SignInRequest { username: made.username, password: secret };
                    if let Ok(view) = api::send::<_, SessionView>(Method::Post, "/v1/session", &sign_in).await {
                        session.set(view);
                        navigate("/people", Default::default());
                    }
                }
                Err(f) => {
                    let mut e = Errors::default();
                    match f.field.as_deref() {
                        Some("code") => e.code = Some(f.message.clone()),
                        Some("username") => e.username = Some(f.message.clone()),
                        Some("password") => e.password = Some(f.message.clone()),
                        _ => drop(failure.try_set(Some(f))),
                    }
                    errors.try_set(e);
                }
            }
            busy.try_set(false);
        });
    };
    let error = move |pick: fn(&Errors) -> Option<String>| Signal::derive(move || errors.with(pick));
    view! {
        <main class="narrow">
            <h1>"Set up Lintel"</h1>
            <p>
                "Create the first SUPER administrator. The one-time code is in the server's output; it works once, for an hour."
            </p>
            {move || failure.get().map(|f| {
                let text = if f.status == 409 { "Lintel is already set up. Sign in instead.".to_owned() } else { f.message };
                view! { <p class="error" role="alert">{text} " " <A href="/sign-in">"Sign in"</A></p> }
            })}
            {move || done.get().then(|| view! { <p class="notice" role="status">"Created. Signing in…"</p> })}
            <form on:submit=submit novalidate>
                <TextField id="code" label="One-time code" value=code required=true autocomplete="one-time-code"
                    help="Four groups of letters, as printed: ABCD-EFGH-JKLM-NPQR" error=error(|e| e.code.clone()) />
                <TextField id="username" label="Username" value=username required=true autocomplete="username"
                    help="Up to 64 characters; letters, digits, . _ - @" error=error(|e| e.username.clone()) />
                <TextField id="new-password" label="Password" kind="password" value=new_password required=true
                    autocomplete="new-password" help="12 to 128 characters; a passphrase is best"
                    error=error(|e| e.password.clone()) />
                <TextField id="again" label="Password again" kind="password" value=again required=true
                    autocomplete="new-password" error=error(|e| e.again.clone()) />
                <button type="submit" class="primary" disabled=move || busy.get()>"Create and sign in"</button>
            </form>
        </main>
    }
}
