//! A confirmation for an action that changes door access: it states the effect and the
//! count, and its confirm button names the action. Esc or Cancel closes it.

use super::dialog_focus::{keep_focus_inside, return_focus};
use leptos::prelude::*;

/// What the dialog asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ask {
    pub title: String,
    pub effect: String,
    /// The confirm button's words ("Suspend 12 people").
    pub confirm: String,
}

#[component]
pub fn Confirm(ask: RwSignal<Option<Ask>>, #[prop(into)] on_confirm: Callback<()>) -> impl IntoView {
    let cancel = move || ask.set(None);
    return_focus(Signal::derive(move || ask.with(Option::is_some)));
    // Focus moves into the dialog, on its harmless choice.
    let first = NodeRef::<leptos::html::Button>::new();
    Effect::new(move || {
        if let Some(button) = first.get() {
            let _ = button.focus();
        }
    });
    let confirm = move |_| {
        ask.set(None);
        on_confirm.run(());
    };
    view! {
        {move || ask.get().map(|a| view! {
            <div class="backdrop" on:keydown=keep_focus_inside(cancel)>
                <div role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby="confirm-effect" class="dialog">
                    <h2 id="confirm-title">{a.title}</h2>
                    <p id="confirm-effect">{a.effect}</p>
                    <div class="actions">
                        <button type="button" node_ref=first on:click=move |_| cancel()>"Cancel"</button>
                        <button type="button" class="danger" on:click=confirm>{a.confirm}</button>
                    </div>
                </div>
            </div>
        })}
    }
}
