//! The site's devices: connection and sync state at a glance (refreshed every few seconds,
//! so a resync's progress shows), a resync, a device's own user list (through the gRPC-web
//! bridge) and a comparison of one device with the directory, read from the device itself.

use super::device_users::DeviceUsers;
use crate::api::{self, Method};
use crate::components::loaded::Loaded;
use crate::components::outcome::Outcome;
use crate::components::when::When;
use leptos::prelude::*;
use proto::api::device::{DeviceDiff, DeviceList, DeviceView, DiffPart, Resync, SyncState};
use std::time::Duration;

/// How often the list is asked again while the page is open.
const REFRESH: Duration = Duration::from_secs(3);

/// The sync state in words, with what it waits for.
fn state_words(d: &DeviceView) -> String {
    let s = &d.sync;
    match s.state {
        SyncState::InSync => "In sync".to_owned(),
        SyncState::Pending => format!("{} pending (oldest {} s)", s.pending, s.oldest_pending_seconds),
        SyncState::Failing => format!("Failing: {}", s.last_error.clone().unwrap_or_default()),
        SyncState::Offline if s.pending > 0 => format!("Offline, {} waiting", s.pending),
        SyncState::Offline => "Offline".to_owned(),
    }
}

/// 500000 as "500,000".
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn state_class(state: SyncState) -> &'static str {
    match state {
        SyncState::InSync => "badge active",
        SyncState::Pending => "badge pending",
        SyncState::Failing => "badge failing",
        SyncState::Offline => "badge suspended",
    }
}

#[component]
pub fn Devices() -> impl IntoView {
    let list = Loaded::<DeviceList>::new();
    // One question at a time: on a large site the list can take longer than REFRESH while a
    // sync runs, and ticks must not pile up behind it. A reload asked for meanwhile (after a
    // resync) runs once the answer is in.
    let (asking, again) = (StoredValue::new(false), StoredValue::new(false));
    let reload = move || {
        if asking.try_get_value() != Some(false) {
            again.try_set_value(true);
            return;
        }
        asking.set_value(true);
        leptos::task::spawn_local(async move {
            loop {
                again.try_set_value(false);
                let answer = Some(api::get::<DeviceList>("/v1/devices", None).await);
                // Redrawn only when something changed: a steady table keeps the keyboard focus.
                if list.value.try_with_untracked(|v| *v != answer) == Some(true) {
                    list.value.try_set(answer);
                }
                if again.try_get_value() != Some(true) {
                    break;
                }
            }
            asking.try_set_value(false);
        })
    };
    reload();
    if let Ok(tick) = set_interval_with_handle(reload, REFRESH) {
        on_cleanup(move || tick.clear());
    }
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let diff = Loaded::<DeviceDiff>::new();
    let compared = RwSignal::new(None::<u32>);
    let resync = move |id: u32| {
        leptos::task::spawn_local(async move {
            let path = format!("/v1/devices/{id}/resync");
            match api::send::<_, Resync>(Method::Post, &path, &serde_json::json!({})).await {
                Ok(r) => outcome.try_set(Some(Ok(format!("Device {id}: {} people are being sent again.", r.queued)))),
                Err(f) => outcome.try_set(Some(Err(f.message))),
            };
            reload();
        });
    };
    let held = RwSignal::new(None::<u32>);
    let compare = move |id: u32| {
        held.set(None);
        compared.set(Some(id));
        diff.load(async move { api::get::<DeviceDiff>(&format!("/v1/devices/{id}/diff"), None).await });
    };
    view! {
        <div class="page-head"><h1>"Devices"</h1></div>
        {list.view(move |l| {
            if l.devices.is_empty() {
                return view! { <p>"No devices yet: the site's gateway has reported none."</p> }.into_any();
            }
            view! {
                <table class="devices">
                    <thead><tr>
                        <th scope="col">"Device"</th><th scope="col">"Address"</th><th scope="col">"Connection"</th>
                        <th scope="col">"Sync"</th><th scope="col" class="num">"People held"</th>
                        <th scope="col" class="num">"Refused"</th><th scope="col">"Verified"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr></thead>
                    <tbody>
                        {l.devices.into_iter().map(|d| {
                            let id = d.id;
                            let words = state_words(&d);
                            let class = state_class(d.sync.state);
                            let capacity = d.sync.capacity.map(|c| format!(" of {}", grouped(u64::from(c)))).unwrap_or_default();
                            view! {
                                <tr>
                                    <th scope="row">{d.model.clone()}<br /><span class="muted">{id}</span></th>
                                    <td>{d.address.clone()}</td>
                                    <td>{if d.connected { "Connected " } else { "Offline " }}<When at=d.connected_since.clone() /></td>
                                    <td><span class=class title=d.sync.last_error.clone().unwrap_or_default()>{words}</span>
                                        {d.sync.drift.clone().map(|drift| view! { <br /><span class="muted">{format!("Last drift repaired: {drift}")}</span> })}
                                    </td>
                                    <td class="num">{format!("{}{capacity}", grouped(d.sync.held))}</td>
                                    <td class="num">{if d.sync.full { format!("{} (full)", d.sync.refused) } else { d.sync.refused.to_string() }}</td>
                                    <td>{match d.sync.verified_at.clone() { Some(at) => view! { <When at /> }.into_any(), None => "not yet".into_any() }}</td>
                                    <td><div class="actions">
                                        <button type="button" aria-label=format!("Users held by device {id}") on:click=move |_| { compared.set(None); held.set(Some(id)); }>"Users"</button>
                                        <button type="button" aria-label=format!("Compare device {id} with the directory") on:click=move |_| compare(id)>"Compare"</button>
                                        <button type="button" aria-label=format!("Resync device {id}") on:click=move |_| resync(id)>"Resync"</button>
                                    </div></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        })}
        <Outcome message=outcome />
        {move || held.get().map(|device_id| view! { <DeviceUsers device_id /> })}
        {move || compared.get().map(|id| view! {
            <section aria-labelledby="diff-title">
                <h2 id="diff-title">{format!("Device {id} against the directory")}</h2>
                {diff.view(|d: DeviceDiff| view! {
                    <p>{format!("The device holds {} people.", d.on_device)}</p>
                    {part("Missing: should be on the device", d.missing)}
                    {part("Extra: on the device, should not be", d.extra)}
                    {part("Stale: on the device in another form", d.stale)}
                })}
            </section>
        })}
    }
}

fn part(title: &'static str, p: DiffPart) -> impl IntoView {
    view! {
        <h3>{format!("{title} ({})", p.count)}</h3>
        {(!p.people.is_empty()).then(|| view! {
            <table>
                <thead><tr><th scope="col">"User ID"</th><th scope="col">"Name"</th><th scope="col">"What"</th></tr></thead>
                <tbody>
                    {p.people.into_iter().map(|e| view! {
                        <tr>
                            <td>{match e.id {
                                Some(id) => view! { <a href=format!("/people/{id}")>{e.user_id.clone()}</a> }.into_any(),
                                None => e.user_id.clone().into_any(),
                            }}</td>
                            <td>{e.name.unwrap_or_default()}</td>
                            <td>{e.detail}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
    }
}
