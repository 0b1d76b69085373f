//! Adding a person: the profile, access (guest or user, access groups, validity), a first
//! card and a PIN (typed, or chosen by the server and shown once). Every field is checked
//! with the directory's own rules before the request; the server's answer names the field
//! the same way.

use crate::api::{self, Failure, Method};
use crate::components::field::TextField;
use crate::components::secret_once::SecretOnce;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use proto::api::PinText;
use proto::api::batch::CreatedUser;
use proto::api::user::{CardInput, NewUser};
use proto::domain::person::parse_access_groups;
use proto::domain::pin::RANDOM_PIN_REQUEST;
use proto::domain::{CardNumber, FieldError, PersonFields, Pin, Tag};
use std::collections::BTreeMap;

fn text(s: RwSignal<String>) -> Option<String> {
    let v = s.get_untracked().trim().to_owned();
    (!v.is_empty()).then_some(v)
}

#[component]
pub fn NewPerson() -> impl IntoView {
    let navigate = use_navigate();
    let (name, email, username, user_id, department) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let (card, card_label, pin) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let (access_groups, valid_from, valid_until) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let guest = RwSignal::new(false);
    let random_pin = RwSignal::new(false);
    let errors = RwSignal::new(BTreeMap::<String, String>::new());
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let shown_pin = RwSignal::new(None::<String>);
    let made = StoredValue::new(None::<i64>);

    // The request, checked by the same rules the server applies.
    let build = move || -> Result<NewUser, FieldError> {
        let mut fields = PersonFields {
            name: name.get_untracked().trim().to_owned(),
            email: text(email),
            username: text(username),
            department: text(department),
            tag: if guest.get_untracked() { Tag::Guest } else { Tag::User },
            access_groups: parse_access_groups(&access_groups.get_untracked())?,
            start_time: text(valid_from),
            end_time: text(valid_until),
            ..Default::default()
        };
        fields.validate()?;
        let mut cards = Vec::new();
        if let Some(number) = text(card) {
            CardNumber::parse("cards[0].number", &number)?;
            cards.push(CardInput { number, label: text(card_label) });
        }
        let pin = if random_pin.get_untracked() {
            Some(PinText::new(RANDOM_PIN_REQUEST))
        } else if let Some(p) = text(pin) {
            Pin::parse("pin", &p)?;
            Some(PinText::new(p))
        } else {
            None
        };
        Ok(NewUser { user_id: text(user_id), fields, cards, pin, allow_duplicates: false })
    };
    let open = {
        let navigate = navigate.clone();
        move |id: i64| navigate(&format!("/people/{id}"), Default::default())
    };
    let submit = {
        let open = open.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            failure.set(None);
            let request = match build() {
                Ok(r) => r,
                Err(e) => {
                    errors.set(BTreeMap::from([(e.field.clone(), e.to_string())]));
                    return;
                }
            };
            errors.set(BTreeMap::new());
            busy.set(true);
            let open = open.clone();
            leptos::task::spawn_local(async move {
                match api::send::<_, CreatedUser>(Method::Post, "/v1/users", &request).await {
                    Ok(created) => {
                        made.try_set_value(Some(created.user.id));
                        match created.pin {
                            Some(p) => drop(shown_pin.try_set(Some(p.expose().to_owned()))),
                            None => open(created.user.id),
                        }
                    }
                    Err(f) => match f.field.clone() {
                        Some(field) => drop(errors.try_set(BTreeMap::from([(field, f.message.clone())]))),
                        None => drop(failure.try_set(Some(f))),
                    },
                }
                busy.try_set(false);
            });
        }
    };
    let error = move |field: &'static str| Signal::derive(move || errors.with(|e| e.get(field).cloned()));
    view! {
        <div class="page-head"><h1>"Add a person"</h1></div>
        <form class="form" on:submit=submit novalidate>
            {move || failure.get().map(|f| view! { <p class="error" role="alert">{f.message}</p> })}
            {move || {
                let all = errors.get();
                (!all.is_empty()).then(|| view! {
                    <div class="error-summary" role="alert">
                        <p>"Fix this before saving:"</p>
                        <ul>{all.into_iter().map(|(field, message)| view! { <li><a href=format!("#{}", field_id(&field))>{message}</a></li> }).collect_view()}</ul>
                    </div>
                })
            }}
            <fieldset>
                <legend>"Profile"</legend>
                <TextField id="name" label="Name" value=name required=true help="Up to 48 characters" error=error("name") />
                <TextField id="email" label="Email" kind="email" value=email error=error("email") />
                <TextField id="username" label="Username" value=username help="Needed for a console sign-in" error=error("username") />
                <TextField id="user_id" label="User ID" value=user_id help="The ID on the devices; chosen for you when empty" error=error("user_id") />
                <TextField id="department" label="Department" value=department error=error("department") />
            </fieldset>
            <fieldset>
                <legend>"Access"</legend>
                <label class="check">
                    <input type="checkbox" prop:checked=move || guest.get() on:change=move |ev| guest.set(event_target_checked(&ev)) />
                    " A guest (a visitor: a validity period and credentials, no access groups)"
                </label>
                <TextField id="access_groups" label="Access groups" value=access_groups help="Group IDs separated by commas" error=error("access_groups") />
                <TextField id="start_time" label="Valid from" kind="date" value=valid_from error=error("start_time") />
                <TextField id="end_time" label="Valid until (through that day)" kind="date" value=valid_until error=error("end_time") />
            </fieldset>
            <fieldset>
                <legend>"Credentials"</legend>
                <TextField id="card" label="Card number" value=card help="Decimal, or hex after 0x" error=error("cards[0].number") />
                <TextField id="card_label" label="Card label" value=card_label error=error("cards[0].label") />
                <Show when=move || !random_pin.get()>
                    <TextField id="pin" label="PIN" kind="password" value=pin help="4 to 16 digits" autocomplete="off" error=error("pin") />
                </Show>
                <label class="check">
                    <input type="checkbox" prop:checked=move || random_pin.get() on:change=move |ev| random_pin.set(event_target_checked(&ev)) />
                    " Choose a random PIN for me (shown once)"
                </label>
            </fieldset>
            <button type="submit" class="primary" disabled=move || busy.get()>"Add person"</button>
        </form>
        <SecretOnce title="The new person's PIN" secret=shown_pin on_close=move |_| {
            if let Some(id) = made.get_value() {
                open(id);
            }
        } />
    }
}

/// The input a field path names (`cards[0].number` → `card`).
fn field_id(field: &str) -> &'static str {
    match field {
        "cards[0].number" | "cards" => "card",
        "cards[0].label" => "card_label",
        "email" => "email",
        "username" => "username",
        "user_id" => "user_id",
        "department" => "department",
        "access_groups" => "access_groups",
        "start_time" => "start_time",
        "end_time" => "end_time",
        "pin" => "pin",
        _ => "name",
    }
}
