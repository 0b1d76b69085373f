//! The site's SCIM setting, on the tokens page where a `scim` token is made: what a person
//! becomes when the identity provider turns them off (`active: false`) or deletes them.

use crate::api::{self, Method};
use crate::components::loaded::Loaded;
use crate::components::outcome::Outcome;
use leptos::prelude::*;
use proto::api::scim_settings::{Leavers, ScimSettings};

#[component]
pub fn ScimLeavers() -> impl IntoView {
    let setting = Loaded::<ScimSettings>::new();
    setting.load(async move { api::get::<ScimSettings>("/v1/site/scim", None).await });
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let set = move |leavers: Leavers| {
        leptos::task::spawn_local(async move {
            match api::send::<_, ScimSettings>(Method::Put, "/v1/site/scim", &ScimSettings { leavers }).await {
                Ok(s) => {
                    setting.value.try_set(Some(Ok(s)));
                    outcome.try_set(Some(Ok("Saved: it applies to the identity provider's next change.".into())))
                }
                Err(f) => outcome.try_set(Some(Err(f.message))),
            };
        });
    };
    view! {
        <section aria-labelledby="scim-title">
            <h2 id="scim-title">"Identity provider (SCIM) leavers"</h2>
            <p>"Okta, Entra ID and other identity providers provision people at "<code>"/scim/v2"</code>
                " with a token of the " <code>"scim"</code> " scope. When one turns a person off or deletes them:"</p>
            {setting.view(move |s: ScimSettings| view! {
                <fieldset class="form choices">
                    <legend class="visually-hidden">"Leavers"</legend>
                    <label><input type="radio" name="scim-leavers" checked=s.leavers == Leavers::Suspend
                        on:change=move |_| set(Leavers::Suspend) />
                        " Suspend them (groups kept); a deletion deletes them"</label>
                    <label><input type="radio" name="scim-leavers" checked=s.leavers == Leavers::Deactivate
                        on:change=move |_| set(Leavers::Deactivate) />
                        " Deactivate them (groups and rank cleared); a deletion deactivates them and keeps the record"</label>
                </fieldset>
            })}
            <Outcome message=outcome />
        </section>
    }
}
