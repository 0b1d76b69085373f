//! Editing a person's profile. Fields are checked with the directory's rules before the
//! request. The request carries the version read; if someone else saved the person since
//! (412), the form shows what they changed and lets the admin reload or overwrite — an
//! edit is never lost silently.

use crate::api::{self, Method};
use crate::components::field::TextField;
use leptos::prelude::*;
use proto::api::user::UserView;
use proto::domain::error::{FieldError, Problem};
use proto::domain::person::{SECURITY_LEVELS, parse_access_groups};
use proto::domain::{AuthModes, PersonFields};

/// How a field is edited.
#[derive(Clone, Copy)]
enum Control {
    Text,
    Notes,
    Date,
    /// The choices (value, words), given the current value.
    Choice(fn(&str) -> Vec<(String, String)>),
}

/// One editable field: its input id (the key its errors come under), words, control, and
/// how it reads from and writes to the fields as text.
struct Editable {
    id: &'static str,
    label: &'static str,
    control: Control,
    get: fn(&PersonFields) -> String,
    set: fn(&mut PersonFields, String) -> Result<(), FieldError>,
}

fn text(v: String) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

macro_rules! text_field {
    ($id:literal, $label:literal, $control:expr, $field:ident) => {
        Editable {
            id: $id,
            label: $label,
            control: $control,
            get: |f| f.$field.clone().unwrap_or_default(),
            set: |f, v| {
                f.$field = text(v);
                Ok(())
            },
        }
    };
}

/// A date of the validity period: the form shows and takes the day (an unchanged day
/// keeps a time set through the API; see `edited`).
fn day(time: &Option<String>) -> String {
    time.as_deref().and_then(|t| t.get(..10)).unwrap_or_default().to_owned()
}

fn number<T: std::str::FromStr>(field: &str, v: &str) -> Result<T, FieldError> {
    v.parse().map_err(|_| FieldError::new(field, Problem::Invalid(format!("{v:?} is not a number"))))
}

/// Auth mode choices of one kind: the device's default, the named modes, not allowed, and
/// a mode set through the API that has no name here.
fn modes(named: &[(u8, &'static str)], current: &str) -> Vec<(String, String)> {
    let mut out = vec![(AuthModes::DEVICE_DEFAULT.to_string(), AuthModes::name(AuthModes::DEVICE_DEFAULT))];
    out.extend(named.iter().map(|(m, words)| (m.to_string(), (*words).to_owned())));
    out.push((AuthModes::PROHIBITED.to_string(), AuthModes::name(AuthModes::PROHIBITED)));
    if let Ok(m) = current.parse::<u8>()
        && !out.iter().any(|(v, _)| *v == current)
    {
        out.push((current.to_owned(), AuthModes::name(m)));
    }
    out
}

/// Sets one kind of auth mode; all three at the device's default is no private mode.
fn set_mode(f: &mut PersonFields, v: &str, kind: fn(&mut AuthModes) -> &mut u8) -> Result<(), FieldError> {
    let all_default = AuthModes {
        biometric: AuthModes::DEVICE_DEFAULT,
        card: AuthModes::DEVICE_DEFAULT,
        id: AuthModes::DEVICE_DEFAULT,
    };
    let mut m = f.auth_modes.unwrap_or(all_default);
    *kind(&mut m) = number("auth_modes", v)?;
    f.auth_modes = (m != all_default).then_some(m);
    Ok(())
}

fn mode_of(f: &PersonFields, kind: fn(&AuthModes) -> u8) -> String {
    f.auth_modes.as_ref().map_or(AuthModes::DEVICE_DEFAULT, kind).to_string()
}

const PROFILE: [Editable; 11] = [
    Editable {
        id: "name",
        label: "Name",
        control: Control::Text,
        get: |f| f.name.clone(),
        set: |f, v| {
            f.name = v.trim().to_owned();
            Ok(())
        },
    },
    text_field!("first_name", "First name", Control::Text, first_name),
    text_field!("last_name", "Last name", Control::Text, last_name),
    text_field!("email", "Email", Control::Text, email),
    text_field!("username", "Username", Control::Text, username),
    text_field!("phone", "Phone", Control::Text, phone),
    text_field!("department", "Department", Control::Text, department),
    text_field!("title", "Title", Control::Text, title),
    text_field!("system_id", "System ID", Control::Text, system_id),
    Editable {
        id: "computer_usernames",
        label: "Computer usernames",
        control: Control::Text,
        get: |f| f.computer_usernames.join(", "),
        set: |f, v| {
            f.computer_usernames = v.split(',').map(str::trim).filter(|u| !u.is_empty()).map(str::to_owned).collect();
            Ok(())
        },
    },
    text_field!("notes", "Notes", Control::Notes, notes),
];

const ACCESS: [Editable; 7] = [
    Editable {
        id: "access_groups",
        label: "Access groups",
        control: Control::Text,
        get: |f| f.access_groups.iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
        set: |f, v| {
            f.access_groups = parse_access_groups(&v)?;
            Ok(())
        },
    },
    Editable {
        id: "start_time",
        label: "Valid from",
        control: Control::Date,
        get: |f| day(&f.start_time),
        set: |f, v| {
            f.start_time = text(v);
            Ok(())
        },
    },
    Editable {
        id: "end_time",
        label: "Valid until (through that day)",
        control: Control::Date,
        get: |f| day(&f.end_time),
        set: |f, v| {
            f.end_time = text(v);
            Ok(())
        },
    },
    Editable {
        id: "security_level",
        label: "Security level",
        control: Control::Choice(|_| {
            SECURITY_LEVELS.iter().enumerate().map(|(i, words)| (i.to_string(), (*words).to_owned())).collect()
        }),
        get: |f| f.security_level.to_string(),
        set: |f, v| {
            f.security_level = number("security_level", &v)?;
            Ok(())
        },
    },
    Editable {
        id: "auth_biometric",
        label: "Biometric authentication",
        control: Control::Choice(|current| modes(&AuthModes::BIOMETRIC, current)),
        get: |f| mode_of(f, |m| m.biometric),
        set: |f, v| set_mode(f, &v, |m| &mut m.biometric),
    },
    Editable {
        id: "auth_card",
        label: "Card authentication",
        control: Control::Choice(|current| modes(&AuthModes::CARD, current)),
        get: |f| mode_of(f, |m| m.card),
        set: |f, v| set_mode(f, &v, |m| &mut m.card),
    },
    Editable {
        id: "auth_id",
        label: "ID authentication",
        control: Control::Choice(|current| modes(&AuthModes::ID, current)),
        get: |f| mode_of(f, |m| m.id),
        set: |f, v| set_mode(f, &v, |m| &mut m.id),
    },
];

fn every() -> impl Iterator<Item = &'static Editable> {
    PROFILE.iter().chain(ACCESS.iter())
}

/// The field of this form an error belongs under (`computer_usernames[2]` under
/// `computer_usernames`); `None` for one the form does not show.
fn place(field: &str) -> Option<&'static str> {
    let field = field.split('[').next().unwrap_or(field);
    every().map(|e| e.id).find(|id| *id == field)
}

/// A field's value as the admin reads it (a choice by its words).
fn shown(e: &Editable, value: &str) -> String {
    let words = match e.control {
        Control::Choice(choices) => choices(value).into_iter().find(|(v, _)| v == value).map(|(_, w)| w),
        _ => None,
    };
    match words {
        Some(w) => w,
        None if value.is_empty() => "(empty)".to_owned(),
        None => value.to_owned(),
    }
}

/// Someone else's save, found when ours was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Conflict {
    theirs: UserView,
    /// (label, their value) of each field they changed.
    changed: Vec<(&'static str, String)>,
}

#[component]
pub fn ProfileForm(user: UserView, #[prop(into)] on_saved: Callback<UserView>) -> impl IntoView {
    let base = StoredValue::new(user.clone());
    let values: Vec<RwSignal<String>> = every().map(|e| RwSignal::new((e.get)(&user.fields))).collect();
    let values = StoredValue::new(values);
    let error = RwSignal::new(None::<(String, String)>);
    let failure = RwSignal::new(None::<String>);
    let conflict = RwSignal::new(None::<Conflict>);
    let busy = RwSignal::new(false);

    // The fields read, with each field the admin changed written over them (so a field left
    // alone keeps exactly what was read, such as a time of day set through the API).
    let edited = move || -> Result<PersonFields, FieldError> {
        let mut fields = base.with_value(|u| u.fields.clone());
        let read = fields.clone();
        values.with_value(|vs| {
            every().zip(vs).try_for_each(|(e, v)| {
                let value = v.get_untracked();
                if value.trim() == (e.get)(&read).trim() { Ok(()) } else { (e.set)(&mut fields, value) }
            })
        })?;
        Ok(fields)
    };
    let save = move |version: i64| {
        let checked = edited().and_then(|mut f| f.validate().map(|()| f));
        let fields = match checked {
            Ok(f) => f,
            Err(e) => {
                error.set(None);
                failure.set(None);
                match place(&e.field) {
                    Some(id) => error.set(Some((id.to_owned(), e.to_string()))),
                    None => failure.set(Some(e.to_string())),
                }
                return;
            }
        };
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
                        let changed = every()
                            .filter(|e| (e.get)(&mine) != (e.get)(&theirs.fields))
                            .map(|e| (e.label, shown(e, &(e.get)(&theirs.fields))))
                            .collect();
                        conflict.try_set(Some(Conflict { theirs, changed }));
                    }
                }
                Err(f) => {
                    // A field this form shows gets the message under it; any other at the top.
                    match f.field.as_deref().and_then(place) {
                        Some(id) => drop(error.try_set(Some((id.to_owned(), f.message)))),
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
            for (e, v) in every().zip(vs) {
                v.set((e.get)(&c.theirs.fields));
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
    let field = move |e: &'static Editable, value: RwSignal<String>| {
        let id = e.id;
        let error = Signal::derive(move || error.with(|x| x.as_ref().filter(|(f, _)| f == id).map(|(_, m)| m.clone())));
        match e.control {
            Control::Text => view! { <TextField id=id label=e.label value=value required=id == "name" error=error /> },
            Control::Notes => view! { <TextField id=id label=e.label value=value multiline=true error=error /> },
            Control::Date => view! { <TextField id=id label=e.label value=value kind="date" error=error /> },
            Control::Choice(choices) => {
                let choices = choices(&value.get_untracked());
                view! { <TextField id=id label=e.label value=value choices=choices error=error /> }
            }
        }
    };
    let (profile, access) = values.with_value(|vs| {
        let (p, a) = vs.split_at(PROFILE.len());
        (p.to_vec(), a.to_vec())
    });
    view! {
        <form class="form wide" on:submit=submit novalidate>
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
            <fieldset>
                <legend>"Profile"</legend>
                <div class="form-columns">
                    {PROFILE.iter().zip(profile).map(|(e, v)| field(e, v)).collect_view()}
                </div>
            </fieldset>
            <fieldset>
                <legend>"Access"</legend>
                <p class="help">"Access group IDs, like computer usernames, are separated by commas. Authentication modes left at the device default follow each device's own settings."</p>
                <div class="form-columns">
                    {ACCESS.iter().zip(access).map(|(e, v)| field(e, v)).collect_view()}
                </div>
            </fieldset>
            <button type="submit" class="primary" disabled=move || busy.get()>"Save"</button>
        </form>
    }
}
