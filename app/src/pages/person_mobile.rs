//! A person's mobile credentials: invitations (for their email; the code is shown once
//! for the admin to pass on) and active credentials, each revocable.

use crate::api::{self, Method};
use crate::components::loaded::Loaded;
use crate::components::outcome::Outcome;
use crate::components::secret_once::SecretOnce;
use leptos::prelude::*;
use proto::api::credentials::{Invitation, InvitationState, Invite, MobileCredentials};
use proto::api::user::UserView;

/// How long an invitation may stay open, in days (the API takes 1 to 30).
const DAYS: [i64; 5] = [1, 3, 7, 14, 30];

#[component]
pub fn Mobile(user: UserView, may_change: bool, #[prop(into)] on_changed: Callback<UserView>) -> impl IntoView {
    let id = user.id;
    let has_email = user.fields.email.is_some();
    let list = Loaded::<MobileCredentials>::new();
    let reload = move || {
        list.load(
            async move { api::get::<MobileCredentials>(&format!("/v1/users/{id}/mobile-credentials"), None).await },
        )
    };
    reload();
    let days = RwSignal::new("7".to_owned());
    let code = RwSignal::new(None::<String>);
    let message = RwSignal::new(None::<Result<String, String>>);
    let invite = move |_| {
        let request = Invite { expires_in_days: days.get_untracked().parse().ok() };
        leptos::task::spawn_local(async move {
            let path = format!("/v1/users/{id}/mobile-credentials");
            match api::send::<_, Invitation>(Method::Post, &path, &request).await {
                Ok(i) => {
                    let until = i.credential.expires_at.replace('T', " ");
                    message
                        .try_set(Some(Ok(format!("Invitation for {} open until {until} (UTC).", i.credential.email))));
                    code.try_set(Some(i.code));
                    reload();
                }
                Err(f) => {
                    message.try_set(Some(Err(f.message)));
                }
            }
        });
    };
    let revoke = move |credential: i64| {
        leptos::task::spawn_local(async move {
            let path = format!("/v1/users/{id}/mobile-credentials/{credential}");
            match api::send_no_answer::<()>(Method::Delete, &path, None).await {
                // The person's cards may have changed (an active credential is a card).
                Ok(()) => match api::get::<UserView>(&format!("/v1/users/{id}"), None).await {
                    Ok(u) => on_changed.run(u),
                    Err(f) => drop(message.try_set(Some(Err(f.message)))),
                },
                Err(f) => {
                    message.try_set(Some(Err(f.message)));
                }
            }
        });
    };
    view! {
        <section aria-labelledby="mobile-title">
            <h2 id="mobile-title">"Mobile credentials"</h2>
            {list.view(move |m| if m.mobile_credentials.is_empty() {
                view! { <p>"No mobile credential."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr>
                            <th scope="col">"Email"</th><th scope="col">"State"</th><th scope="col">"Open until (UTC)"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr></thead>
                        <tbody>
                            {m.mobile_credentials.into_iter().map(|c| {
                                let open = c.state != InvitationState::Revoked;
                                view! {
                                    <tr>
                                        <td>{c.email}</td>
                                        <td>{c.state.as_str()}</td>
                                        <td>{(c.state == InvitationState::Invited).then(|| c.expires_at.replace('T', " "))}</td>
                                        <td>{(may_change && open).then(|| view! {
                                            <button type="button" class="danger" on:click=move |_| revoke(c.id)>"Revoke"</button>
                                        })}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
            {may_change.then(|| view! {
                <div class="inline-form">
                    <label>
                        "Open for "
                        <select bind:value=days>
                            {DAYS.iter().map(|d| view! { <option value=d.to_string()>{format!("{d} days")}</option> }).collect_view()}
                        </select>
                    </label>
                    <button type="button" disabled=!has_email on:click=invite>"Send an invitation"</button>
                    {(!has_email).then(|| view! { <p class="help">"An invitation is for the person's email; add one first."</p> })}
                </div>
            })}
            <Outcome message=message />
            <SecretOnce title="The invitation code" secret=code on_close=|_| {} />
        </section>
    }
}
