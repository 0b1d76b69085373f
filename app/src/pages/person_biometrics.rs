//! Fingerprints and faces: scanned at a device of the site the admin picks (the person
//! stands at it; the wait shows the time passing and can be cancelled), imported from a
//! file in the API's JSON form, or removed. Templates never reach the console: only counts.

use crate::api::{self, Failure, Method};
use leptos::prelude::*;
use proto::api::credentials::{ScanAt, SetFaces, SetFingerprints};
use proto::api::device::{DeviceList, DeviceView};
use proto::api::user::UserView;
use wasm_bindgen::JsCast;

/// One kind of biometric credential.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Fingerprint,
    Face,
}

impl Kind {
    fn path(self) -> &'static str {
        match self {
            Kind::Fingerprint => "fingerprints",
            Kind::Face => "faces",
        }
    }

    fn can_scan(self, d: &DeviceView) -> bool {
        d.connected
            && match self {
                Kind::Fingerprint => d.scans_fingerprints,
                Kind::Face => d.scans_faces,
            }
    }

    fn held(self, u: &UserView) -> usize {
        match self {
            Kind::Fingerprint => u.credentials.fingerprints,
            Kind::Face => u.credentials.faces,
        }
    }

    fn words(self, n: usize) -> String {
        match (self, n) {
            (Kind::Fingerprint, 1) => "1 fingerprint".into(),
            (Kind::Fingerprint, n) => format!("{n} fingerprints"),
            (Kind::Face, 1) => "1 face".into(),
            (Kind::Face, n) => format!("{n} faces"),
        }
    }

    fn instruction(self) -> &'static str {
        match self {
            Kind::Fingerprint => "Place the same finger on the device twice",
            Kind::Face => "Look at the device",
        }
    }

    /// The file's JSON checked for its shape, as the body of the import.
    fn import_body(self, text: &str) -> Result<serde_json::Value, String> {
        let checked = match self {
            Kind::Fingerprint => serde_json::from_str::<SetFingerprints>(text).map(|_| ()),
            Kind::Face => serde_json::from_str::<SetFaces>(text).map(|_| ()),
        };
        checked.map_err(|e| format!("The file is not a {} import: {e}", self.path()))?;
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

#[component]
pub fn Biometrics(user: UserView, may_change: bool, #[prop(into)] on_changed: Callback<UserView>) -> impl IntoView {
    let devices = RwSignal::new(None::<Result<DeviceList, Failure>>);
    if may_change {
        leptos::task::spawn_local(async move {
            devices.try_set(Some(api::get::<DeviceList>("/v1/devices", None).await));
        });
    }
    view! {
        <section aria-labelledby="biometrics-title">
            <h2 id="biometrics-title">"Fingerprints and faces"</h2>
            <Section kind=Kind::Fingerprint user=user.clone() may_change=may_change devices=devices on_changed=on_changed />
            <Section kind=Kind::Face user=user may_change=may_change devices=devices on_changed=on_changed />
        </section>
    }
}

#[component]
fn Section(
    kind: Kind,
    user: UserView,
    may_change: bool,
    devices: RwSignal<Option<Result<DeviceList, Failure>>>,
    on_changed: Callback<UserView>,
) -> impl IntoView {
    let id = user.id;
    let held = kind.held(&user);
    let device = RwSignal::new(String::new());
    let waiting = RwSignal::new(None::<u32>);
    let controller = StoredValue::new_local(None::<web_sys::AbortController>);
    let ticker = StoredValue::new(None::<IntervalHandle>);
    let error = RwSignal::new(None::<String>);
    let stop_ticker = move || {
        if let Some(t) = ticker.try_get_value().flatten() {
            t.clear();
        }
    };
    on_cleanup(move || {
        stop_ticker();
        if let Some(c) = controller.try_get_value().flatten() {
            c.abort();
        }
    });
    let finish = move |answer: Result<UserView, Failure>| {
        stop_ticker();
        waiting.try_set(None);
        match answer {
            // Last: the page draws this section again with the changed person.
            Ok(u) => on_changed.run(u),
            Err(f) if f.is_aborted() => drop(error.try_set(Some("Scan cancelled.".into()))),
            Err(f) => {
                error.try_set(Some(f.message));
            }
        }
    };
    let scan = move |_| {
        let Ok(device_id) = device.get_untracked().parse::<u32>() else {
            error.set(Some("device_id: choose a device".into()));
            return;
        };
        let Ok(c) = web_sys::AbortController::new() else { return };
        let signal = c.signal();
        controller.set_value(Some(c));
        error.set(None);
        waiting.set(Some(0));
        let second = std::time::Duration::from_secs(1);
        let tick = set_interval_with_handle(
            move || {
                waiting.try_update(|w| *w = w.map(|s| s + 1));
            },
            second,
        );
        ticker.set_value(tick.ok());
        leptos::task::spawn_local(async move {
            let path = format!("/v1/users/{id}/{}/scan", kind.path());
            let request = ScanAt { device_id, quality_threshold: None };
            finish(api::send_abortable::<_, UserView>(Method::Post, &path, &request, &signal).await);
        });
    };
    let cancel = move |_| {
        if let Some(c) = controller.get_value() {
            c.abort();
        }
    };
    let import = move |ev: leptos::ev::Event| {
        let input = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        let Some(file) = input.and_then(|i| i.files()).and_then(|f| f.get(0)) else { return };
        leptos::task::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|v| v.as_string());
            let body = match text.as_deref().map(|t| kind.import_body(t)) {
                Some(Ok(body)) => body,
                Some(Err(message)) => return drop(error.try_set(Some(message))),
                None => return drop(error.try_set(Some("The file cannot be read.".into()))),
            };
            let path = format!("/v1/users/{id}/{}", kind.path());
            finish(api::send::<_, UserView>(Method::Put, &path, &body).await);
        });
    };
    let clear = move |_| {
        leptos::task::spawn_local(async move {
            let path = format!("/v1/users/{id}/{}", kind.path());
            let body = serde_json::json!({ kind.path(): [] });
            finish(api::send::<_, UserView>(Method::Put, &path, &body).await);
        });
    };
    let choices = move || match devices.get() {
        Some(Ok(list)) => list.devices.into_iter().filter(|d| kind.can_scan(d)).collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    let select_id = format!("{}-device", kind.path());
    let file_id = format!("{}-file", kind.path());
    view! {
        <h3>{match kind { Kind::Fingerprint => "Fingerprints", Kind::Face => "Faces" }}</h3>
        <p>{if held == 0 { format!("No {}.", kind.path()) } else { format!("{} held.", kind.words(held)) }}</p>
        {may_change.then(|| view! {
            <div class="inline-form">
                <div class="field">
                    <label for=select_id.clone()>{match kind { Kind::Fingerprint => "Device for the fingerprint scan", Kind::Face => "Device for the face scan" }}</label>
                    <select id=select_id bind:value=device disabled=move || waiting.get().is_some()>
                        <option value="">{move || match devices.get() {
                            None => "Loading devices…".to_owned(),
                            Some(Err(f)) => format!("No devices: {}", f.message),
                            Some(Ok(_)) if choices().is_empty() => "No connected device can scan this".to_owned(),
                            Some(Ok(_)) => "Choose a device".to_owned(),
                        }}</option>
                        {move || choices().into_iter().map(|d| view! {
                            <option value=d.id.to_string()>{format!("{} ({})", d.model, d.id)}</option>
                        }).collect_view()}
                    </select>
                </div>
                {move || match waiting.get() {
                    None => view! {
                        <button type="button" on:click=scan>{match kind { Kind::Fingerprint => "Scan a fingerprint", Kind::Face => "Scan a face" }}</button>
                    }.into_any(),
                    Some(seconds) => view! {
                        <p class="scanning" role="status">
                            <progress aria-label="Waiting for the device"></progress>
                            {format!(" {} … {seconds} s ", kind.instruction())}
                        </p>
                        <button type="button" on:click=cancel>"Cancel scan"</button>
                    }.into_any(),
                }}
            </div>
            <div class="inline-form">
                <div class="field">
                    <label for=file_id.clone()>{format!("Import {} (replaces them)", kind.path())}</label>
                    <input id=file_id type="file" accept="application/json,.json" on:change=import />
                </div>
                {(held > 0).then(|| view! {
                    <button type="button" class="danger" on:click=clear>{format!("Remove all {}", kind.path())}</button>
                })}
            </div>
        })}
        {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
    }
}
