//! One device's own user list, read from the device through the gRPC-web bridge
//! (`User.GetList`, then `User.GetPartial` for the names of the page shown): what the door
//! holds, not what the directory believes it holds.

use super::devices::grouped;
use crate::bridge;
use crate::components::loaded::Loaded;
use leptos::prelude::*;
use proto::gsdk::user::{GetListRequest, GetListResponse, GetPartialRequest, GetPartialResponse, InfoMask, UserHdr};

const PAGE: usize = 50;

/// Numeric IDs in number order, the rest after them.
fn by_id(a: &UserHdr, b: &UserHdr) -> std::cmp::Ordering {
    (a.id.len(), &a.id).cmp(&(b.id.len(), &b.id))
}

#[component]
pub fn DeviceUsers(device_id: u32) -> impl IntoView {
    let list = Loaded::<Vec<UserHdr>>::new();
    let names = Loaded::<Vec<(String, String)>>::new();
    let filter = RwSignal::new(String::new());
    let page = RwSignal::new(0usize);
    let read = move || {
        list.load(async move {
            let answer: GetListResponse =
                bridge::call("/gsdk.user.User/GetList", &GetListRequest { device_id }).await?;
            let mut hdrs = answer.hdrs;
            hdrs.sort_by(by_id);
            Ok(hdrs)
        })
    };
    read();
    // (how many match the filter, the page of them shown)
    let shown = Memo::new(move |_| {
        let wanted = filter.get().trim().to_owned();
        list.value.with(|v| match v {
            Some(Ok(hdrs)) => {
                let matching: Vec<&UserHdr> = hdrs.iter().filter(|h| h.id.contains(&wanted)).collect();
                let page: Vec<UserHdr> =
                    matching.iter().skip(page.get() * PAGE).take(PAGE).map(|h| (*h).clone()).collect();
                (matching.len(), page)
            }
            _ => (0, Vec::new()),
        })
    });
    Effect::new(move |_| {
        let ids: Vec<String> = shown.with(|(_, page)| page.iter().map(|h| h.id.clone()).collect());
        if ids.is_empty() {
            return;
        }
        names.load(async move {
            let request = GetPartialRequest { device_id, user_i_ds: ids, info_mask: InfoMask::UserMaskName as u32 };
            let answer: GetPartialResponse = bridge::call("/gsdk.user.User/GetPartial", &request).await?;
            Ok(answer.users.into_iter().map(|u| (u.hdr.map(|h| h.id).unwrap_or_default(), u.name)).collect())
        });
    });
    let name_of = move |id: &str| {
        names.value.with(|v| match v {
            Some(Ok(names)) => names.iter().find(|(i, _)| i == id).map(|(_, n)| n.clone()).unwrap_or_default(),
            _ => String::new(),
        })
    };
    view! {
        <section aria-labelledby="device-users-title" class="device-users">
            <h2 id="device-users-title">{format!("Held by device {device_id}")}</h2>
            <p class="muted">"Read from the device itself, through the gateway."</p>
            <div class="filters">
                <label>"Filter by user ID "
                    <input type="search" prop:value=move || filter.get()
                        on:input=move |ev| { filter.set(event_target_value(&ev)); page.set(0); } />
                </label>
                <button type="button" on:click=move |_| read()>"Read again"</button>
            </div>
            {list.view(move |_| {
                let (matching, hdrs) = shown.get();
                if matching == 0 {
                    return view! { <p>"No one on this device matches."</p> }.into_any();
                }
                let first = page.get() * PAGE;
                view! {
                    <table class="device-user-list">
                        <thead><tr>
                            <th scope="col">"User ID"</th><th scope="col">"Name on the device"</th>
                            <th scope="col" class="num">"Cards"</th><th scope="col" class="num">"Fingerprints"</th>
                            <th scope="col" class="num">"Faces"</th>
                        </tr></thead>
                        <tbody>
                            {hdrs.into_iter().map(|h| {
                                let id = h.id.clone();
                                view! {
                                    <tr>
                                        <th scope="row">{h.id}</th>
                                        <td>{move || name_of(&id)}</td>
                                        <td class="num">{h.num_of_card}</td>
                                        <td class="num">{h.num_of_finger}</td>
                                        <td class="num">{h.num_of_face}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <nav class="pager" aria-label="Pages of the device's users">
                        <button type="button" disabled={first == 0} on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"Previous"</button>
                        <span>{format!("{}–{} of {}", grouped(first as u64 + 1), grouped((first + PAGE).min(matching) as u64), grouped(matching as u64))}</span>
                        <button type="button" disabled={first + PAGE >= matching} on:click=move |_| page.update(|p| *p += 1)>"Next"</button>
                    </nav>
                }.into_any()
            })}
        </section>
    }
}
