//! Where a person stands on each device: held in their current version (and since when),
//! on its way, refused with the device's reason, or still held though they should not be.
//! The console never implies more than the devices confirmed.

use crate::api;
use crate::components::loaded::Loaded;
use crate::components::when::When;
use leptos::prelude::*;
use proto::api::device::{PersonDevices, PersonOnDevice};

fn words(d: &PersonOnDevice, version: i64) -> String {
    match (d.wanted, d.held_version, &d.error) {
        (_, _, Some(e)) => format!("Refused: {e}"),
        (true, Some(v), None) if v == version && !d.pending => "Holds the current record".to_owned(),
        (true, _, None) => "Update on its way".to_owned(),
        (false, Some(_), None) => "Still holds them: removal on its way".to_owned(),
        (false, None, None) => "Removed".to_owned(),
    }
}

#[component]
pub fn PersonDevicesSection(id: i64) -> impl IntoView {
    let places = Loaded::<PersonDevices>::new();
    places.load(async move { api::get::<PersonDevices>(&format!("/v1/users/{id}/devices"), None).await });
    view! {
        <section aria-labelledby="person-devices-title">
            <h2 id="person-devices-title">"Devices"</h2>
            {places.view(|p| {
                if p.devices.is_empty() {
                    return view! { <p>"No device holds or is meant to hold this person."</p> }.into_any();
                }
                let version = p.version;
                view! {
                    <table>
                        <thead><tr><th scope="col">"Device"</th><th scope="col">"State"</th><th scope="col">"Acknowledged"</th></tr></thead>
                        <tbody>
                            {p.devices.into_iter().map(|d| view! {
                                <tr>
                                    <td>{format!("{} ({})", d.model, d.device_id)}</td>
                                    <td>{words(&d, version)}</td>
                                    <td>{match d.acknowledged_at.clone() { Some(at) => view! { <When at /> }.into_any(), None => "—".into_any() }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
        </section>
    }
}
