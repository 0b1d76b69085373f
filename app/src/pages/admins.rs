//! Admins and ranks (SUPER): who administers this site, giving a person (by username) the
//! ADMIN or SUPER rank, and taking it back. The last SUPER stays SUPER (the server says
//! why when it refuses), and nobody changes their own rank.

use crate::api::{self, Failure, Method};
use crate::components::field::TextField;
use crate::components::loaded::Loaded;
use crate::components::outcome::Outcome;
use leptos::prelude::*;
use proto::api::admin::{AdminView, AdminsResponse, BatchResult, RemoveAdmins, SetAdmins};
use proto::domain::Rank;

#[component]
pub fn Admins() -> impl IntoView {
    let list = Loaded::<Vec<AdminView>>::new();
    let reload =
        move || list.load(async move { api::get::<AdminsResponse>("/v1/admins", None).await.map(|a| a.admins) });
    reload();
    let username = RwSignal::new(String::new());
    let rank = RwSignal::new(Rank::Admin);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let report = move |answer: Result<BatchResult, Failure>, done: String| {
        match answer {
            Ok(r) if r.error_details.is_empty() => outcome.set(Some(Ok(done))),
            Ok(r) => {
                outcome.set(Some(Err(r.error_details.into_values().map(|e| e.message).collect::<Vec<_>>().join("; "))))
            }
            Err(f) => {
                outcome.set(Some(Err(f.message)));
            }
        }
        reload();
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = username.get_untracked().trim().to_owned();
        if name.is_empty() {
            outcome.set(Some(Err("username: is required".into())));
            return;
        }
        let request = SetAdmins { usernames: vec![name.clone()], rank: Some(rank.get_untracked()) };
        leptos::task::spawn_local(async move {
            let answer = api::send::<_, BatchResult>(Method::Post, "/v1/admins", &request).await;
            if answer.is_ok() {
                username.try_set(String::new());
            }
            report(answer, format!("{name} is now {}.", request.rank.unwrap_or(Rank::Admin)));
        });
    };
    let remove = move |name: String| {
        leptos::task::spawn_local(async move {
            let request = RemoveAdmins { usernames: vec![name.clone()] };
            let answer = api::send::<_, BatchResult>(Method::Delete, "/v1/admins", &request).await;
            report(answer, format!("{name} is no longer an administrator."));
        });
    };
    view! {
        <div class="page-head"><h1>"Admins"</h1></div>
        {list.view(move |admins| view! {
            <table>
                <thead><tr>
                    <th scope="col">"Name"</th><th scope="col">"Username"</th><th scope="col">"Rank"</th>
                    <th scope="col">"Can sign in"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {admins.into_iter().map(|a| {
                        let username = a.username.clone();
                        view! {
                            <tr>
                                <td>{a.name.clone()}</td>
                                <td>{a.username.clone().unwrap_or_default()}</td>
                                <td>{a.rank.as_str()}</td>
                                <td>{if a.is_active && !a.is_disabled { "yes" } else { "no" }}</td>
                                <td>{username.map(|u| {
                                    let label = format!("Remove {u}'s admin rights");
                                    view! { <button type="button" class="danger" on:click=move |_| remove(u.clone())>{label}</button> }
                                })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        })}
        <Outcome message=outcome />
        <h2>"Make someone an administrator"</h2>
        <form class="form" on:submit=add novalidate>
            <TextField id="admin-username" label="Username" value=username required=true help="A person of this site with a username" />
            <label>"Rank "
                <select on:change=move |ev| rank.set(if event_target_value(&ev) == "SUPER" { Rank::Super } else { Rank::Admin })>
                    <option value="ADMIN" selected>"ADMIN — manages people and credentials"</option>
                    <option value="SUPER">"SUPER — also admins, tokens and settings"</option>
                </select>
            </label>
            <p><button type="submit" class="primary">"Give the rank"</button></p>
        </form>
    }
}
