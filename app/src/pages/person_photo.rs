//! A person's photo: shown, replaced with a preview first, or removed. The file is checked
//! with the directory's own rule (a JPEG or PNG of at most 16 KiB, by its bytes) before
//! it is sent.

use crate::api::{self, Method};
use leptos::prelude::*;
use proto::api::user::UserView;
use proto::domain::photo::{PhotoKind, check_photo};
use wasm_bindgen::JsCast;

/// A chosen file, checked, with the browser-local URL its preview shows.
#[derive(Clone)]
struct Chosen {
    file: web_sys::File,
    kind: PhotoKind,
    url: String,
}

async fn bytes_of(file: &web_sys::File) -> Option<Vec<u8>> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await.ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

#[component]
pub fn Photo(user: UserView, may_change: bool, #[prop(into)] on_changed: Callback<UserView>) -> impl IntoView {
    let id = user.id;
    let name = user.fields.name.clone();
    // The version in the address: a new photo is a new address, never a stale cached one.
    let current = user.has_photo.then(|| format!("/v1/users/{id}/photo?v={}", user.version));
    let chosen = RwSignal::new_local(None::<Chosen>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let forget = move || {
        if let Some(c) = chosen.try_get_untracked().flatten() {
            let _ = web_sys::Url::revoke_object_url(&c.url);
        }
    };
    on_cleanup(forget);

    let pick = move |ev: leptos::ev::Event| {
        let input = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        let Some(file) = input.and_then(|i| i.files()).and_then(|f| f.get(0)) else { return };
        leptos::task::spawn_local(async move {
            let Some(bytes) = bytes_of(&file).await else { return };
            forget();
            match check_photo("photo", &bytes) {
                Ok(kind) => {
                    let url = web_sys::Url::create_object_url_with_blob(&file).unwrap_or_default();
                    error.try_set(None);
                    chosen.try_set(Some(Chosen { file, kind, url }));
                }
                Err(e) => {
                    error.try_set(Some(e.to_string()));
                    chosen.try_set(None);
                }
            }
        });
    };
    let finish = move |answer: Result<UserView, api::Failure>| match answer {
        // Last: the page draws this section again with the changed person.
        Ok(u) => on_changed.run(u),
        Err(f) => {
            busy.try_set(false);
            error.try_set(Some(f.message));
        }
    };
    let save = move |_| {
        let Some(c) = chosen.get_untracked() else { return };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let path = format!("/v1/users/{id}/photo");
            finish(api::send_raw::<UserView>(Method::Put, &path, c.kind.content_type(), c.file).await);
        });
    };
    let remove = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let removed = api::send_no_answer::<()>(Method::Delete, &format!("/v1/users/{id}/photo"), None).await;
            let answer = match removed {
                Ok(()) => api::get::<UserView>(&format!("/v1/users/{id}"), None).await,
                Err(f) => Err(f),
            };
            finish(answer);
        });
    };
    let has_photo = current.is_some();
    view! {
        <section aria-labelledby="photo-title">
            <h2 id="photo-title">"Photo"</h2>
            <div class="photo-row">
                {move || match chosen.get() {
                    Some(c) => view! { <img class="photo" src=c.url alt="The new photo, not saved yet" width="96" height="96" /> }.into_any(),
                    None => match current.clone() {
                        Some(src) => view! { <img class="photo" src=src alt=format!("Photo of {name}") width="96" height="96" /> }.into_any(),
                        None => view! { <p>"No photo."</p> }.into_any(),
                    },
                }}
                {may_change.then(|| view! {
                    <div class="field">
                        <label for="photo-file">"Choose a photo"</label>
                        <input id="photo-file" type="file" accept="image/jpeg,image/png" on:change=pick
                            aria-describedby="photo-help" />
                        <p class="help" id="photo-help">"A JPEG or PNG of at most 16 KiB; the devices show it."</p>
                    </div>
                    <div class="actions">
                        <Show when=move || chosen.with(Option::is_some)>
                            <button type="button" class="primary" disabled=move || busy.get() on:click=save>"Save photo"</button>
                        </Show>
                        {has_photo.then(|| view! {
                            <button type="button" disabled=move || busy.get() on:click=remove>"Remove photo"</button>
                        })}
                    </div>
                })}
            </div>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </section>
    }
}
