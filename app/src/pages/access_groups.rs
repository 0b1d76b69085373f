//! Access groups and the site's sync mode: which devices hold whom. A group is the ID the
//! devices know, a name and the devices it covers; in the `groups` mode a person goes only
//! to the devices of their groups (BioStar 2's automatic user synchronization).

use crate::api::{self, Failure, Method};
use crate::components::field::TextField;
use crate::components::loaded::Loaded;
use crate::components::outcome::Outcome;
use crate::session::use_session;
use leptos::prelude::*;
use proto::api::access_group::{AccessGroupInput, AccessGroupList, AccessGroupView, SiteSync, SyncMode};
use proto::api::device::DeviceList;
use proto::domain::Rank;
use proto::domain::access_group::check_name;

#[component]
pub fn AccessGroups() -> impl IntoView {
    let session = use_session();
    let groups = Loaded::<AccessGroupList>::new();
    let reload = move || groups.load(async move { api::get::<AccessGroupList>("/v1/access-groups", None).await });
    reload();
    let devices = Loaded::<DeviceList>::new();
    devices.load(async move { api::get::<DeviceList>("/v1/devices", None).await });
    let mode = Loaded::<SiteSync>::new();
    mode.load(async move { api::get::<SiteSync>("/v1/site/sync", None).await });
    let outcome = RwSignal::new(None::<Result<String, String>>);
    // The form: a new group, or the group being changed.
    let editing = RwSignal::new(None::<u32>);
    let name = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<u32>::new());
    let name_error = RwSignal::new(None::<String>);
    let done = move |answer: Result<AccessGroupView, Failure>, verb: &'static str| match answer {
        Ok(g) => {
            outcome.set(Some(Ok(format!("Group {} ({}) {verb}.", g.name, g.group_id))));
            editing.set(None);
            name.set(String::new());
            chosen.set(Vec::new());
            reload();
        }
        Err(f) if f.field.as_deref() == Some("name") => name_error.set(Some(f.message)),
        Err(f) => outcome.set(Some(Err(f.message))),
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = AccessGroupInput { group_id: None, name: name.get_untracked(), devices: chosen.get_untracked() };
        if let Err(e) = check_name("name", &input.name) {
            name_error.set(Some(e.to_string()));
            return;
        }
        name_error.set(None);
        let target = editing.get_untracked();
        leptos::task::spawn_local(async move {
            match target {
                Some(id) => {
                    let path = format!("/v1/access-groups/{id}");
                    done(api::send::<_, AccessGroupView>(Method::Put, &path, &input).await, "saved");
                }
                None => done(api::send::<_, AccessGroupView>(Method::Post, "/v1/access-groups", &input).await, "made"),
            }
        });
    };
    let remove = move |g: AccessGroupView| {
        leptos::task::spawn_local(async move {
            let path = format!("/v1/access-groups/{}", g.group_id);
            match api::send_no_answer::<()>(Method::Delete, &path, None).await {
                Ok(()) => {
                    outcome.try_set(Some(Ok(format!("Group {} deleted; its {} people lost it.", g.name, g.people))))
                }
                Err(f) => outcome.try_set(Some(Err(f.message))),
            };
            reload();
        });
    };
    let set_mode = move |m: SyncMode| {
        leptos::task::spawn_local(async move {
            match api::send::<_, SiteSync>(Method::Put, "/v1/site/sync", &SiteSync { mode: m }).await {
                Ok(s) => {
                    mode.value.try_set(Some(Ok(s)));
                    outcome.try_set(Some(Ok(
                        "Saved: everyone is being sent to (or taken off) devices accordingly.".into()
                    )))
                }
                Err(f) => outcome.try_set(Some(Err(f.message))),
            };
        });
    };
    let is_super = move || session.rank() == Some(Rank::Super);
    view! {
        <div class="page-head"><h1>"Access groups"</h1></div>
        <section aria-labelledby="mode-title">
            <h2 id="mode-title">"Which devices hold a person"</h2>
            {mode.view(move |s: SiteSync| view! {
                <fieldset class="form choices" disabled=move || !is_super()>
                    <legend class="visually-hidden">"Sync mode"</legend>
                    <label><input type="radio" name="sync-mode" checked=s.mode == SyncMode::All on:change=move |_| set_mode(SyncMode::All) />
                        " Every device of the site"</label>
                    <label><input type="radio" name="sync-mode" checked=s.mode == SyncMode::Groups on:change=move |_| set_mode(SyncMode::Groups) />
                        " Only the devices of the person's access groups"</label>
                    {move || (!is_super()).then(|| view! { <p class="muted">"Only a SUPER changes this."</p> })}
                </fieldset>
            })}
        </section>
        {groups.view(move |l: AccessGroupList| {
            if l.access_groups.is_empty() {
                return view! { <p>"No access groups yet. Make the first below."</p> }.into_any();
            }
            view! {
                <table>
                    <thead><tr>
                        <th scope="col" class="num">"ID"</th><th scope="col">"Name"</th><th scope="col">"Devices"</th>
                        <th scope="col" class="num">"People"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr></thead>
                    <tbody>
                        {l.access_groups.into_iter().map(|g| {
                            let edit = g.clone();
                            let del = g.clone();
                            view! {
                                <tr>
                                    <td class="num">{g.group_id}</td>
                                    <th scope="row">{g.name.clone()}</th>
                                    <td>{if g.devices.is_empty() { "none".to_owned() } else { g.devices.iter().map(u32::to_string).collect::<Vec<_>>().join(", ") }}</td>
                                    <td class="num">{g.people}</td>
                                    <td><div class="actions">
                                        <button type="button" aria-label=format!("Change group {}", g.name) on:click=move |_| {
                                            editing.set(Some(edit.group_id));
                                            name.set(edit.name.clone());
                                            chosen.set(edit.devices.clone());
                                        }>"Change"</button>
                                        <button type="button" class="danger" aria-label=format!("Delete group {}", g.name) on:click=move |_| remove(del.clone())>"Delete"</button>
                                    </div></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        })}
        <Outcome message=outcome />
        <h2>{move || match editing.get() { Some(id) => format!("Change group {id}"), None => "Make a group".to_owned() }}</h2>
        <form class="form" on:submit=save novalidate>
            <TextField id="group-name" label="Name" value=name required=true help="At most 48 characters" error=name_error />
            <fieldset class="choices">
                <legend>"Devices it opens"</legend>
                {devices.view(move |l: DeviceList| l.devices.into_iter().map(|d| {
                    let id = d.id;
                    view! {
                        <label><input type="checkbox" prop:checked=move || chosen.with(|c| c.contains(&id)) on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|c| { c.retain(|x| *x != id); if on { c.push(id); } });
                        } />{format!(" {} ({id})", d.model)}</label>
                    }
                }).collect_view())}
            </fieldset>
            <p class="actions start">
                <button type="submit" class="primary">{move || if editing.get().is_some() { "Save group" } else { "Make group" }}</button>
                {move || editing.get().is_some().then(|| view! {
                    <button type="button" on:click=move |_| { editing.set(None); name.set(String::new()); chosen.set(Vec::new()); }>"Cancel"</button>
                })}
            </p>
        </form>
    }
}
