//! A person's cards and PIN on their page: add a card (decimal or hex, checked with the
//! directory's rule first), remove one, set a PIN or have one chosen (shown once), clear
//! it. Each change answers the person as they are now, and this part is drawn again with
//! them: nothing of its own is touched after `on_changed`.

use crate::api::{self, Method};
use crate::components::field::TextField;
use leptos::prelude::*;
use proto::api::PinText;
use proto::api::credentials::{PinSet, SetCards, SetPin};
use proto::api::user::{CardInput, UserView};
use proto::domain::pin::RANDOM_PIN_REQUEST;
use proto::domain::{CardNumber, Pin};

#[component]
pub fn Credentials(
    user: UserView,
    may_change: bool,
    /// Where a PIN the server chose is shown once: the page's, as this part is drawn
    /// again with the changed person.
    shown_pin: RwSignal<Option<String>>,
    #[prop(into)] on_changed: Callback<UserView>,
) -> impl IntoView {
    let id = user.id;
    let held: Vec<CardInput> = user
        .cards
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.card_type == "CSN")
        .map(|c| CardInput { number: c.number, label: c.label })
        .collect();
    let held = StoredValue::new(held);
    let number = RwSignal::new(String::new());
    let label = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let error = RwSignal::new(None::<(&'static str, String)>);

    let put_cards = move |cards: Vec<CardInput>, at: &'static str| {
        leptos::task::spawn_local(async move {
            let request = SetCards { cards, allow_duplicates: false };
            match api::send::<_, UserView>(Method::Put, &format!("/v1/users/{id}/cards"), &request).await {
                Ok(u) => {
                    number.try_set(String::new());
                    label.try_set(String::new());
                    on_changed.run(u);
                }
                Err(f) => {
                    error.try_set(Some((at, f.message)));
                }
            }
        });
    };
    let add_card = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = number.get_untracked().trim().to_owned();
        if let Err(e) = CardNumber::parse("card number", &text) {
            error.set(Some(("new-card", e.to_string())));
            return;
        }
        error.set(None);
        let mut cards = held.get_value();
        let label = Some(label.get_untracked().trim().to_owned()).filter(|l| !l.is_empty());
        cards.push(CardInput { number: text, label });
        put_cards(cards, "new-card");
    };
    let remove_card = move |number: String| {
        let cards = held.get_value().into_iter().filter(|c| c.number != number).collect();
        put_cards(cards, "new-card");
    };
    let set_pin = move |requested: String| {
        if requested != RANDOM_PIN_REQUEST
            && let Err(e) = Pin::parse("pin", &requested)
        {
            error.set(Some(("new-pin", e.to_string())));
            return;
        }
        error.set(None);
        leptos::task::spawn_local(async move {
            let request = SetPin { pin: PinText::new(requested) };
            match api::send::<_, PinSet>(Method::Put, &format!("/v1/users/{id}/pin"), &request).await {
                Ok(done) => {
                    pin.try_set(String::new());
                    if let Some(chosen) = done.pin {
                        shown_pin.try_set(Some(chosen.expose().to_owned()));
                    }
                    on_changed.run(done.user);
                }
                Err(f) => {
                    error.try_set(Some(("new-pin", f.message)));
                }
            }
        });
    };
    let clear_pin = move |_| {
        leptos::task::spawn_local(async move {
            match api::send_no_answer::<()>(Method::Delete, &format!("/v1/users/{id}/pin"), None).await {
                Ok(()) => {
                    if let Ok(u) = api::get::<UserView>(&format!("/v1/users/{id}"), None).await {
                        on_changed.run(u);
                    }
                }
                Err(f) => {
                    error.try_set(Some(("new-pin", f.message)));
                }
            }
        });
    };
    let at = move |id: &'static str| {
        Signal::derive(move || error.with(|e| e.as_ref().filter(|(f, _)| *f == id).map(|(_, m)| m.clone())))
    };
    let cards = user.cards.clone().unwrap_or_default();
    view! {
        <h2>"Cards"</h2>
        {if cards.is_empty() {
            view! { <p>"No cards."</p> }.into_any()
        } else {
            view! {
                <table class="cards">
                    <thead><tr>
                        <th scope="col">"Number"</th><th scope="col">"Label"</th><th scope="col">"Kind"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr></thead>
                    <tbody>
                        {cards.into_iter().map(|c| {
                            let removable = may_change && c.card_type == "CSN";
                            let number = c.number.clone();
                            view! {
                                <tr>
                                    <td>{c.number.clone()}</td>
                                    <td>{c.label.clone().unwrap_or_default()}</td>
                                    <td>{if c.card_type == "CSN" { "card" } else { "mobile" }}</td>
                                    <td>{removable.then(|| {
                                        let label = format!("Remove card {number}");
                                        view! { <button type="button" on:click=move |_| remove_card(number.clone())>{label}</button> }
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        {may_change.then(|| view! {
            <form class="inline-form" on:submit=add_card novalidate>
                <TextField id="new-card" label="Card number" value=number help="Decimal, or hex after 0x" error=at("new-card") />
                <TextField id="new-card-label" label="Label" value=label />
                <button type="submit">"Add card"</button>
            </form>
        })}
        <h2>"PIN"</h2>
        <p>{if user.credentials.pin { "A PIN is set." } else { "No PIN." }}</p>
        {may_change.then(|| view! {
            <form class="inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                set_pin(pin.get_untracked().trim().to_owned());
            } novalidate>
                <TextField id="new-pin" label="New PIN" kind="password" value=pin help="4 to 16 digits" autocomplete="off" error=at("new-pin") />
                <button type="submit">"Set PIN"</button>
                <button type="button" on:click=move |_| set_pin(RANDOM_PIN_REQUEST.to_owned())>"Choose a random PIN"</button>
                {user.credentials.pin.then(|| view! { <button type="button" class="danger" on:click=clear_pin>"Clear PIN"</button> })}
            </form>
        })}
    }
}
