//! Revocations not yet true at the doors: everyone who lost access (suspended, deactivated,
//! deleted, moved off a device) and whom some device still holds, the longest first, with
//! what the removal waits for. Empty is the good state, and says so.

use crate::api;
use crate::components::loaded::Loaded;
use crate::components::when::When;
use leptos::prelude::*;
use proto::api::device::RevocationList;

#[component]
pub fn Revocations() -> impl IntoView {
    let list = Loaded::<RevocationList>::new();
    list.load(async move { api::get::<RevocationList>("/v1/revocations?limit=500", None).await });
    view! {
        <div class="page-head"><h1>"Revocations"</h1></div>
        <p class="muted">"People who lost access but whom a device still holds: a door that may still open for them."</p>
        {list.view(|l| {
            if l.revocations.is_empty() {
                return view! { <p class="notice">"Every revocation has been confirmed by every device."</p> }.into_any();
            }
            view! {
                <table>
                    <thead><tr>
                        <th scope="col">"Person"</th><th scope="col">"Status"</th><th scope="col">"Still on device"</th>
                        <th scope="col">"Since"</th><th scope="col">"Waiting for"</th>
                    </tr></thead>
                    <tbody>
                        {l.revocations.into_iter().map(|r| view! {
                            <tr>
                                <td>{if r.status == "DELETED" {
                                    view! { <del>{format!("{} ({})", r.name, r.user_id)}</del> }.into_any()
                                } else {
                                    view! { <a href=format!("/people/{}", r.id)>{r.name.clone()}</a>{format!(" ({})", r.user_id)} }.into_any()
                                }}</td>
                                <td>{r.status.clone()}</td>
                                <td>{format!("{} ({})", r.model, r.device_id)}</td>
                                <td><When at=r.since.clone() /></td>
                                <td>{r.waiting_for.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                {l.has_more.then(|| view! { <p class="muted">"The 500 longest-waiting are shown."</p> })}
            }.into_any()
        })}
    }
}
