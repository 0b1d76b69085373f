//! My account: the signed-in person's own record and their password. This is all a
//! REGULAR person with a login sees; a password someone else set is changed here first.

use crate::api::{self, Failure, Method};
use crate::components::field::TextField;
use crate::components::loaded::Loaded;
use crate::components::status_badge::StatusBadge;
use crate::components::when::When;
use crate::session::use_session;
use leptos::prelude::*;
use proto::api::Password;
use proto::api::session::{ChangePassword, SessionKind, SessionList, SessionRow, SessionView};
use proto::api::user::UserView;
use proto::domain::password::check_length;

#[component]
pub fn MyAccount() -> impl IntoView {
    let session = use_session();
    let me = LocalResource::new(move || {
        let id = session.account().map(|a| a.id);
        async move {
            let id = id?;
            Some(api::get::<UserView>(&format!("/v1/users/{id}"), None).await)
        }
    });
    view! {
        <div class="page-head"><h1>"My account"</h1></div>
        {move || session.view().filter(|v| v.password_change_required).map(|_| view! {
            <p class="notice" role="status">"Your password was set by an administrator. Choose your own now."</p>
        })}
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || me.get().flatten().map(|answer| match answer {
                Ok(u) => view! {
                    <h2>{u.fields.name.clone()} " " <StatusBadge status=u.status /></h2>
                    <dl class="record">
                        <dt>"User ID"</dt><dd>{u.user_id.clone()}</dd>
                        <dt>"Email"</dt><dd>{u.fields.email.clone().unwrap_or_default()}</dd>
                        <dt>"Username"</dt><dd>{u.fields.username.clone().unwrap_or_default()}</dd>
                        <dt>"Cards"</dt><dd>{u.credentials.cards}</dd>
                    </dl>
                }.into_any(),
                Err(f) => view! { <p class="error" role="alert">{f.message}</p> }.into_any(),
            })}
        </Suspense>
        <PasswordChange />
        <Sessions />
    }
}

/// My live sessions (browsers and scripts' bearer tokens); any but this one can be ended.
#[component]
fn Sessions() -> impl IntoView {
    let list = Loaded::<Vec<SessionRow>>::new();
    let reload =
        move || list.load(async move { api::get::<SessionList>("/v1/sessions", None).await.map(|l| l.sessions) });
    reload();
    let end = move |id: i64| {
        leptos::task::spawn_local(async move {
            // The list read again shows the outcome either way.
            let _ = api::send_no_answer::<()>(Method::Delete, &format!("/v1/sessions/{id}"), None).await;
            reload();
        });
    };
    view! {
        <h2>"My sessions"</h2>
        {list.view(move |rows| view! {
            <table>
                <thead><tr>
                    <th scope="col">"Kind"</th><th scope="col">"From"</th><th scope="col">"Started"</th>
                    <th scope="col">"Last seen"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let id = r.id;
                        let kind = match r.kind { SessionKind::Cookie => "browser", SessionKind::Bearer => "script token" };
                        view! {
                            <tr>
                                <td>{kind}</td>
                                <td>{r.source_ip.unwrap_or_default()}</td>
                                <td><When at=r.created_at /></td>
                                <td><When at=r.last_seen_at /></td>
                                <td>{if r.current {
                                    view! { <span>"this one"</span> }.into_any()
                                } else {
                                    view! { <button type="button" on:click=move |_| end(id)>{format!("End session {id}")}</button> }.into_any()
                                }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        })}
    }
}

#[component]
fn PasswordChange() -> impl IntoView {
    let session = use_session();
    let (old, new, again) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let error = RwSignal::new(None::<(&'static str, String)>);
    let done = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(false);
        let fresh = new.get_untracked();
        if let Err(e) = check_length(&fresh) {
            error.set(Some(("new-password", e.to_string())));
            return;
        }
        if fresh != again.get_untracked() {
            error.set(Some(("again", "The two passwords differ.".into())));
            return;
        }
        error.set(None);
        let request =
            ChangePassword { old_password: Password::new(old.get_untracked()), new_password: Password::new(fresh) };
        leptos::task::spawn_local(async move {
            match api::send_no_answer(Method::Put, "/v1/password", Some(&request)).await {
                Ok(()) => {
                    for s in [old, new, again] {
                        s.try_set(String::new());
                    }
                    done.try_set(true);
                    if let Ok(view) = api::get::<SessionView>("/v1/session", None).await {
                        session.set(view);
                    }
                }
                Err(f) => {
                    error.try_set(Some(place(&f)));
                }
            }
        });
    };
    let at = move |id: &'static str| {
        Signal::derive(move || error.with(|e| e.as_ref().filter(|(f, _)| *f == id).map(|(_, m)| m.clone())))
    };
    view! {
        <h2>"Change my password"</h2>
        <form class="form" on:submit=submit novalidate>
            <TextField id="old-password" label="Current password" kind="password" value=old required=true autocomplete="current-password" error=at("old-password") />
            <TextField id="new-password" label="New password" kind="password" value=new required=true autocomplete="new-password" help="12 to 128 characters; a passphrase is best" error=at("new-password") />
            <TextField id="again" label="New password again" kind="password" value=again required=true autocomplete="new-password" error=at("again") />
            {move || error.get().filter(|(f, _)| *f == "form").map(|(_, m)| view! { <p class="error" role="alert">{m}</p> })}
            <button type="submit" class="primary">"Change password"</button>
            <p role="status">{move || done.get().then_some("Your password is changed; your other sessions have ended.")}</p>
        </form>
    }
}

/// Where a refusal of the password change is shown.
fn place(f: &Failure) -> (&'static str, String) {
    match f.field.as_deref() {
        Some("old_password") => ("old-password", "The current password is not right.".into()),
        Some("new_password" | "password") => ("new-password", f.message.clone()),
        _ => ("form", f.message.clone()),
    }
}
