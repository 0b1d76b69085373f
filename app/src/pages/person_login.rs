//! A person's console sign-in, for admins: give or reset it with a temporary password
//! (they choose their own at the next sign-in), disable it, or end their sessions. Each
//! ends every session the person has.

use crate::api::{self, Method};
use crate::components::field::TextField;
use crate::components::outcome::Outcome;
use leptos::prelude::*;
use proto::api::Password;
use proto::api::session::{ResetPassword, SessionsEnded};
use proto::domain::password::check_length;

#[component]
pub fn Login(id: i64, username: Option<String>) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let message = RwSignal::new(None::<Result<String, String>>);
    let done = move |answer: Result<String, api::Failure>| match answer {
        Ok(text) => {
            password.try_set(String::new());
            message.try_set(Some(Ok(text)));
        }
        Err(f) => drop(message.try_set(Some(Err(f.message)))),
    };
    let set = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let plain = password.get_untracked();
        if let Err(e) = check_length(&plain) {
            error.set(Some(e.to_string()));
            return;
        }
        error.set(None);
        let request = ResetPassword { new_password: Password::new(plain) };
        leptos::task::spawn_local(async move {
            let path = format!("/v1/users/{id}/password");
            let answer = api::send_no_answer(Method::Put, &path, Some(&request)).await;
            done(
                answer
                    .map(|()| "Password set. They choose their own at the next sign-in; their sessions ended.".into()),
            );
        });
    };
    let disable = move |_| {
        leptos::task::spawn_local(async move {
            let answer = api::send_no_answer::<()>(Method::Delete, &format!("/v1/users/{id}/password"), None).await;
            done(answer.map(|()| "Sign-in disabled; their sessions ended.".into()));
        });
    };
    let end = move |_| {
        leptos::task::spawn_local(async move {
            let path = format!("/v1/users/{id}/sessions");
            let answer = api::send::<_, SessionsEnded>(Method::Delete, &path, &serde_json::json!({})).await;
            done(answer.map(|e| format!("{} sessions ended.", e.sessions_ended)));
        });
    };
    view! {
        <section aria-labelledby="login-title">
            <h2 id="login-title">"Console sign-in"</h2>
            {match username {
                None => view! { <p>"Add a username to the profile to give this person a console sign-in."</p> }.into_any(),
                Some(name) => view! {
                    <p>{format!("Signs in as {name}.")}</p>
                    <form class="inline-form" on:submit=set novalidate>
                        <TextField id="temporary-password" label="Temporary password" kind="password" value=password
                            autocomplete="new-password" help="At least 12 characters" error=error />
                        <button type="submit">"Set password"</button>
                    </form>
                    <div class="actions start">
                        <button type="button" class="danger" on:click=disable>"Disable sign-in"</button>
                        <button type="button" on:click=end>"End their sessions"</button>
                    </div>
                }.into_any(),
            }}
            <Outcome message=message />
        </section>
    }
}
