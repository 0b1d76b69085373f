//! Editing a person's profile. Fields are checked with the directory's rules before the
//! request. The request carries the version read; if someone else saved the person since
//! (412), the form shows what they changed and lets the admin reload or overwrite — an
//! edit is never lost silently.

use crate::api::{self, Method};
use crate::components::field::TextField;
use crate::session::use_session;
use leptos::prelude::*;
use proto::api::user::UserView;
use proto::domain::PersonFields;

/// The profile fields the form edits: (input id, label, getter, setter).
type Access = (&'static str, &'static str, fn(&PersonFields) -> Option<String>, fn(&mut PersonFields, Option<String>));

const FIELDS: [Access; 8] = [
    ("name", "Name", |f| Some(f.name.clone()), |f, v| f.name = v.unwrap_or_default()),
    ("first_name", "First name", |f| f.first_name.clone(), |f, v| f.first_name = v),
    ("last_name", "Last name", |f| f.last_name.clone(), |f, v| f.last_name = v),
    ("email", "Email", |f| f.email.clone(), |f, v| f.email = v),
    ("username", "Username", |f| f.username.clone(), |f, v| f.username = v),
    ("phone", "Phone", |f| f.phone.clone(), |f, v| f.phone = v),
    ("department", "Department", |f| f.department.clone(), |f, v| f.department = v),
    ("title", "Title", |f| f.title.clone(), |f, v| f.title = v),
];

/// Someone else's save, found when ours was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Conflict {
    theirs: UserView,
    /// (label, their value) of each field they changed.
    changed: Vec<(&'static str, String)>,
}

#[component]
pub fn ProfileForm(user: UserView, #[prop(into)] on_saved: Callback<UserView>) -> impl IntoView {
    let session = use_session();
    let base = StoredValue::new(user.clone());
    let values: Vec<RwSignal<String>> =
        FIELDS.iter().map(|(_, _, get, _)| RwSignal::new(get(&user.fields).unwrap_or_default())).collect();
    let values = StoredValue::new(values);
    let error = RwSignal::new(None::<(String, String)>);
    let failure = RwSignal::new(None::<String>);
    let conflict = RwSignal::new(None::<Conflict>);
    let busy = RwSignal::new(false);

    let edited = move || {
        let mut fields = base.with_value(|u| u.fields.clone());
        values.with_value(|vs| {
            for ((_, _, _, set), v) in FIELDS.iter().zip(vs) {
                let text = v.get_untracked().trim().to_owned();
                set(&mut fields, (!text.is_empty()).then_some(text));
            }
        });
        fields
    };
    let save = move |version: i64| {
        let mut fields = edited();
        if let Err(e) = fields.validate() {
            error.set(Some((e.field.clone(), e.to_string())));
            return;
        }
        error.set(None);
        failure.set(None);
        busy.set(true);
        let id = base.with_value(|u| u.id);
        leptos::task::spawn_local(async move {
            let path = format!("/v1/users/{id}");
            let answer = api::send_versioned::<_, UserView>(Method::Put, &path, &fields, version).await;
            busy.try_set(false);
            match answer {
                // Last: the page draws this form again with the saved person.
                Ok(saved) => {
                    conflict.try_set(None);
                    base.try_set_value(saved.clone());
                    on_saved.run(saved);
                }
                Err(f) if f.status == 412 => {
                    if let Ok(theirs) = api::get::<UserView>(&path, None).await {
                        let mine = base.with_value(|u| u.fields.clone());
                        let changed = FIELDS
                            .iter()
                            .filter(|(_, _, get, _)| get(&mine) != get(&theirs.fields))
                            .map(|(_, label, get, _)| (*label, get(&theirs.fields).unwrap_or_else(|| "(empty)".into())))
                            .collect();
                        conflict.try_set(Some(Conflict { theirs, changed }));
                    }
                }
                Err(f) => {
                    session.check(&f);
                    match f.field.clone() {
                        Some(field) => drop(error.try_set(Some((field, f.message)))),
                        None => drop(failure.try_set(Some(f.message))),
                    }
                }
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !busy.get_untracked() {
            save(base.with_value(|u| u.version));
        }
    };
    let reload = move |_| {
        let Some(c) = conflict.get_untracked() else { return };
        values.with_value(|vs| {
            for ((_, _, get, _), v) in FIELDS.iter().zip(vs) {
                v.set(get(&c.theirs.fields).unwrap_or_default());
            }
        });
        base.set_value(c.theirs.clone());
        conflict.set(None);
        on_saved.run(c.theirs);
    };
    let overwrite = move |_| {
        if let Some(c) = conflict.get_untracked() {
            save(c.theirs.version);
        }
    };
    let field_error = move |id: &'static str| {
        Signal::derive(move || error.with(|e| e.as_ref().filter(|(f, _)| f == id).map(|(_, m)| m.clone())))
    };
    view! {
        <form class="form" on:submit=submit novalidate>
            {move || conflict.get().map(|c| view! {
                <div class="conflict" role="alert">
                    <p><strong>"Someone else saved this person while you were editing."</strong></p>
                    <p>"Their changes:"</p>
                    <ul>{c.changed.into_iter().map(|(label, value)| view! { <li>{format!("{label}: {value}")}</li> }).collect_view()}</ul>
                    <div class="actions">
                        <button type="button" on:click=reload>"Reload theirs (discard my edits)"</button>
                        <button type="button" class="danger" on:click=overwrite>"Overwrite with mine"</button>
                    </div>
                </div>
            })}
            {move || failure.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            {values.with_value(|vs| FIELDS.iter().zip(vs.iter().copied()).map(|((id, label, _, _), value)| view! {
                <TextField id=*id label=*label value=value required=*id == "name" error=field_error(id) />
            }).collect_view())}
            <button type="submit" class="primary" disabled=move || busy.get()>"Save profile"</button>
        </form>
    }
}
