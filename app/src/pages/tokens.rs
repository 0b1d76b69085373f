//! API tokens (SUPER): the site's tokens for scripts and integrations; make one with its
//! scopes and lifetime (shown once, with a copy button), revoke one; and the site's SCIM
//! setting, which the identity provider's token is made for.

use crate::api::{self, Method};
use crate::components::confirm::{Ask, Confirm};
use crate::components::field::TextField;
use crate::components::loaded::Loaded;
use crate::components::secret_once::SecretOnce;
use crate::components::when::When;
use leptos::prelude::*;
use proto::api::Scope;
use proto::api::token::{CreateToken, CreatedToken, TokenList, TokenView};
use std::collections::BTreeSet;

#[component]
pub fn Tokens() -> impl IntoView {
    let list = Loaded::<Vec<TokenView>>::new();
    let reload = move || list.load(async move { api::get::<TokenList>("/v1/tokens", None).await.map(|l| l.tokens) });
    reload();
    let name = RwSignal::new(String::new());
    let days = RwSignal::new("90".to_owned());
    let scopes = RwSignal::new(BTreeSet::from([Scope::UsersRead.as_str()]));
    let error = RwSignal::new(None::<(String, String)>);
    let secret = RwSignal::new(None::<String>);
    let ask = RwSignal::new(None::<Ask>);
    let revoking = StoredValue::new(None::<i64>);

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen: Vec<Scope> = scopes.get_untracked().iter().filter_map(|s| Scope::parse(s)).collect();
        let request = CreateToken {
            name: name.get_untracked().trim().to_owned(),
            scopes: chosen,
            expires_in_days: days.get_untracked().trim().parse().ok(),
        };
        if request.name.is_empty() {
            error.set(Some(("token-name".into(), "name: is required".into())));
            return;
        }
        if request.scopes.is_empty() {
            error.set(Some(("scopes".into(), "scopes: choose at least one".into())));
            return;
        }
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::send::<_, CreatedToken>(Method::Post, "/v1/tokens", &request).await {
                Ok(made) => {
                    name.try_set(String::new());
                    secret.try_set(Some(made.token));
                    reload();
                }
                Err(f) => {
                    let at = match f.field.as_deref() {
                        Some("expires_in_days") => "token-days",
                        Some("scopes") => "scopes",
                        _ => "token-name",
                    };
                    error.try_set(Some((at.into(), f.message)));
                }
            }
        });
    };
    let revoke = move |_| {
        let Some(id) = revoking.get_value() else { return };
        leptos::task::spawn_local(async move {
            // The list read again shows the outcome either way.
            let _ = api::send_no_answer::<()>(Method::Delete, &format!("/v1/tokens/{id}"), None).await;
            reload();
        });
    };
    let at = move |id: &'static str| {
        Signal::derive(move || error.with(|e| e.as_ref().filter(|(f, _)| f == id).map(|(_, m)| m.clone())))
    };
    view! {
        <div class="page-head"><h1>"API tokens"</h1></div>
        <p>"Scripts and integrations call the REST API with a token: " <code>"Authorization: Bearer ltk_…"</code>
            ". A token acts as an ADMIN of this site within its scopes."</p>
        {list.view(move |tokens| if tokens.is_empty() {
            view! { <p class="empty">"No tokens yet. Make one below."</p> }.into_any()
        } else {
            view! {
                <table>
                    <thead><tr>
                        <th scope="col">"Name"</th><th scope="col">"Scopes"</th><th scope="col">"Expires"</th>
                        <th scope="col">"Last used"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr></thead>
                    <tbody>
                        {tokens.into_iter().map(|t| {
                            let (id, label) = (t.id, t.name.clone());
                            view! {
                                <tr>
                                    <td>{t.name.clone()}</td>
                                    <td>{t.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")}</td>
                                    <td><time datetime=t.expires_at.clone()>{t.expires_at.get(..10).unwrap_or_default().to_owned()}</time></td>
                                    <td>{match t.last_used_at.clone() {
                                        Some(at) => view! { <When at=at /> }.into_any(),
                                        None => "never".into_any(),
                                    }}</td>
                                    <td>{if t.revoked {
                                        view! { <span>"revoked"</span> }.into_any()
                                    } else {
                                        view! { <button type="button" class="danger" on:click=move |_| {
                                            revoking.set_value(Some(id));
                                            ask.set(Some(Ask {
                                                title: format!("Revoke the token {label}?"),
                                                effect: "Scripts using it are refused at once; this cannot be undone.".into(),
                                                confirm: "Revoke".into(),
                                            }));
                                        }>{format!("Revoke {}", t.name)}</button> }.into_any()
                                    }}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        })}
        <h2>"Make a token"</h2>
        <form class="form" on:submit=create novalidate>
            <TextField id="token-name" label="Name" value=name required=true help="What it is for, e.g. HR sync" error=at("token-name") />
            <fieldset>
                <legend>"Scopes"</legend>
                {Scope::ALL.into_iter().map(|s| view! {
                    <label class="check">
                        <input type="checkbox" prop:checked=move || scopes.with(|c| c.contains(s.as_str()))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                scopes.update(|c| { if on { c.insert(s.as_str()); } else { c.remove(s.as_str()); } });
                            } />
                        {s.as_str()}
                    </label>
                }).collect_view()}
                {move || at("scopes").get().map(|m| view! { <p class="field-error">{m}</p> })}
            </fieldset>
            <TextField id="token-days" label="Days until it expires" value=days help="1 to 365" error=at("token-days") />
            <button type="submit" class="primary">"Make token"</button>
        </form>
        <crate::pages::scim_leavers::ScimLeavers />
        <SecretOnce title="The new API token" secret=secret on_close=|_| {} />
        <Confirm ask=ask on_confirm=revoke />
    }
}
