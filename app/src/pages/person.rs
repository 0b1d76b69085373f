//! One person: their record as the directory holds it, and the status actions. Buttons
//! follow the directory's own rules (which status changes are allowed, who may act on
//! whom), so a refused action is not offered.

use crate::api::{self, Failure, Method};
use crate::components::confirm::{Ask, Confirm};
use crate::components::deferred::deferred;
use crate::components::outcome::Outcome;
use crate::components::secret_once::SecretOnce;
use crate::components::status_badge::StatusBadge;
use crate::components::when::When;
use crate::pages::person_biometrics::Biometrics;
use crate::pages::person_credentials::Credentials;
use crate::pages::person_devices::PersonDevicesSection;
use crate::pages::person_history::History;
use crate::pages::person_login::Login;
use crate::pages::person_mobile::Mobile;
use crate::pages::person_photo::Photo;
use crate::pages::person_profile::ProfileForm;
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use proto::api::user::UserView;
use proto::domain::person::SECURITY_LEVELS;
use proto::domain::{Action, AuthModes, Rank, Tag};

/// What the person page can do to a person's status, and what it tells the admin first.
fn effect(action: Action, name: &str) -> (String, String, String) {
    match action {
        Action::Suspend => (
            format!("Suspend {name}?"),
            "They lose door access on every device at once; their record and credentials stay.".to_owned(),
            "Suspend".to_owned(),
        ),
        Action::Reactivate => (
            format!("Reactivate {name}?"),
            "Their credentials open doors again, on every device.".to_owned(),
            "Reactivate".to_owned(),
        ),
        Action::Deactivate => (
            format!("Deactivate {name}?"),
            "They lose door access, their access groups and their rank; reactivating later does not bring those back."
                .to_owned(),
            "Deactivate".to_owned(),
        ),
        _ => (
            format!("Delete {name}?"),
            "They are removed from every device and from the directory; only the audit keeps a trace. This cannot be undone."
                .to_owned(),
            "Delete".to_owned(),
        ),
    }
}

fn path(action: Action) -> &'static str {
    match action {
        Action::Suspend => "suspend",
        Action::Reactivate => "reactivate",
        Action::Deactivate => "deactivate",
        _ => "toggle-suspension",
    }
}

#[component]
pub fn Person() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let params = use_params_map();
    let person = RwSignal::new(None::<Result<UserView, Failure>>);
    let id = move || params.with(|p| p.get("id")).unwrap_or_default();
    // Going from one person to the next, a late answer about the first never shows.
    let latest = api::Latest::new();
    Effect::new(move || {
        let id = id();
        let this = latest.begin();
        leptos::task::spawn_local(async move {
            let answer = api::get::<UserView>(&format!("/v1/users/{id}"), None).await;
            if latest.is_current(this) {
                person.try_set(Some(answer));
            }
        });
    });
    let ask = RwSignal::new(None::<Ask>);
    let editing = RwSignal::new(false);
    let shown_pin = RwSignal::new(None::<String>);
    let pending = StoredValue::new(None::<Action>);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let propose = move |action: Action| {
        let Some(Ok(u)) = person.get_untracked() else { return };
        let (title, effect, confirm) = effect(action, &u.fields.name);
        pending.set_value(Some(action));
        ask.set(Some(Ask { title, effect, confirm }));
    };
    let run = move |_| {
        let Some(action) = pending.get_value() else { return };
        let id = id();
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let done = if action == Action::Delete {
                api::send_no_answer::<()>(Method::Delete, &format!("/v1/users/{id}"), None).await.map(|()| None)
            } else {
                let url = format!("/v1/users/{id}/{}", path(action));
                api::send::<_, UserView>(Method::Post, &url, &serde_json::json!({})).await.map(Some)
            };
            match done {
                Ok(Some(u)) => {
                    outcome.try_set(Some(Ok(format!("{} is now {}.", u.fields.name, u.status))));
                    person.try_set(Some(Ok(u)));
                }
                Ok(None) => navigate("/people", Default::default()),
                Err(f) => {
                    outcome.try_set(Some(Err(f.message)));
                }
            }
        });
    };
    let promote = move |_| {
        let id = id();
        leptos::task::spawn_local(async move {
            let url = format!("/v1/users/{id}/promote");
            match api::send::<_, UserView>(Method::Post, &url, &serde_json::json!({})).await {
                Ok(u) => {
                    outcome.try_set(Some(Ok(format!("{} is now a USER.", u.fields.name))));
                    person.try_set(Some(Ok(u)));
                }
                Err(f) => {
                    outcome.try_set(Some(Err(f.message)));
                }
            }
        });
    };
    view! {
        <p><A href="/people">"← People"</A></p>
        {move || match person.get() {
            None => view! { <p class="loading">"Loading…"</p> }.into_any(),
            Some(Err(f)) => view! { <p class="error" role="alert">{f.message}</p> }.into_any(),
            Some(Ok(u)) => {
                let may_manage = session.rank().is_some_and(|r| r.may_manage(u.rank));
                let itself = session.account().is_some_and(|a| a.id == u.id);
                let holds = u.credentials.cards > 0 || u.credentials.pin || u.credentials.fingerprints > 0 || u.credentials.faces > 0;
                let button = move |action: Action, label: &'static str| {
                    let allowed = may_manage && !itself && (action == Action::Delete || u.status.apply(action, holds).is_ok());
                    allowed.then(|| {
                        let class = if matches!(action, Action::Delete | Action::Deactivate) { "danger" } else { "" };
                        view! { <button type="button" class=class on:click=move |_| propose(action)>{label}</button> }
                    })
                };
                view! {
                    <div class="page-head">
                        <h1>{u.fields.name.clone()} " " <StatusBadge status=u.status /></h1>
                        <div class="actions">
                            {may_manage.then(|| view! {
                                <button type="button" aria-expanded=move || editing.get().to_string() on:click=move |_| editing.update(|e| *e = !*e)>
                                    "Edit profile"
                                </button>
                            })}
                            {(may_manage && u.fields.tag == Tag::Guest).then(|| view! {
                                <button type="button" on:click=promote>"Promote to USER"</button>
                            })}
                            {button(Action::Suspend, "Suspend")}
                            {button(Action::Reactivate, "Reactivate")}
                            {button(Action::Deactivate, "Deactivate")}
                            {button(Action::Delete, "Delete")}
                        </div>
                    </div>
                    {(!may_manage).then(|| view! { <p class="notice">{format!("Only a SUPER may change a person of rank {}.", u.rank)}</p> })}
                    {
                        let user = u.clone();
                        let on_saved = Callback::new(move |saved: UserView| {
                            outcome.set(Some(Ok(format!("Saved {}.", saved.fields.name))));
                            person.set(Some(Ok(saved)));
                            editing.set(false);
                        });
                        move || editing.get().then(|| deferred(profile_form(user.clone(), on_saved)))
                    }
                    {record(&u)}
                    {deferred(sections(Sections {
                        user: u.clone(),
                        may_change: may_manage,
                        itself,
                        shown_pin,
                        on_changed: Callback::new(move |changed: UserView| person.set(Some(Ok(changed)))),
                    }))}
                }
                    .into_any()
            }
        }}
        <Outcome message=outcome />
        <Confirm ask=ask on_confirm=run />
        <SecretOnce title="The new PIN" secret=shown_pin on_close=|_| {} />
    }
}

/// What the parts of the page below the record are drawn from.
struct Sections {
    user: UserView,
    may_change: bool,
    /// The person is the admin looking at them (who does not set their own login here).
    itself: bool,
    shown_pin: RwSignal<Option<String>>,
    on_changed: Callback<UserView>,
}

// The credentials, photo, mobile, login and history parts, and the profile form, come in
// wasm chunks of their own (`#[lazy]`): the first load of the console stays small, and a
// person's record shows before them.
#[lazy]
fn sections(s: Sections) -> AnyView {
    let Sections { user: u, may_change, itself, shown_pin, on_changed } = s;
    view! {
        <Credentials user=u.clone() may_change shown_pin on_changed />
        <Biometrics user=u.clone() may_change on_changed />
        <Photo user=u.clone() may_change on_changed />
        <Mobile user=u.clone() may_change on_changed />
        <PersonDevicesSection id=u.id />
        {(may_change && !itself).then(|| view! { <Login id=u.id username=u.fields.username.clone() /> })}
        <History user_id=u.user_id.clone() />
    }
    .into_any()
}

#[lazy]
fn profile_form(user: UserView, on_saved: Callback<UserView>) -> AnyView {
    view! { <ProfileForm user on_saved /> }.into_any()
}

fn record(u: &UserView) -> impl IntoView {
    let f = &u.fields;
    let line = |label: &'static str, value: Option<String>| value.map(|v| view! { <dt>{label}</dt><dd>{v}</dd> });
    view! {
        <dl class="record">
            {line("User ID", Some(u.user_id.clone()))}
            {line("Email", f.email.clone())}
            {line("Username", f.username.clone())}
            {line("Phone", f.phone.clone())}
            {line("Department", f.department.clone())}
            {line("Title", f.title.clone())}
            {line("System ID", f.system_id.clone())}
            {line("Tag", Some(f.tag.as_str().to_owned()))}
            {line("Rank", (u.rank != Rank::Regular).then(|| u.rank.as_str().to_owned()))}
            {line("Access groups", (!f.access_groups.is_empty()).then(|| {
                f.access_groups.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
            }))}
            {line("Valid from", f.start_time.clone())}
            {line("Valid until", f.end_time.clone())}
            {line("Security level", (f.security_level > 0).then(|| {
                SECURITY_LEVELS.get(usize::from(f.security_level)).copied().unwrap_or_default().to_owned()
            }))}
            {line("Authentication", f.auth_modes.map(|m| {
                format!("biometric: {}; card: {}; ID: {}", AuthModes::name(m.biometric), AuthModes::name(m.card), AuthModes::name(m.id))
            }))}
            {line("Notes", f.notes.clone())}
            {line("PIN", Some(if u.credentials.pin { "set" } else { "none" }.to_owned()))}
            <dt>"Updated"</dt><dd><When at=u.updated_at.clone() /></dd>
        </dl>
    }
}
