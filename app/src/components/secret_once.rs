//! A one-time secret (a random PIN, an API token, an invitation code): shown once in a
//! dialog with a copy button; closing it forgets it.

use super::dialog_focus::{keep_focus_inside, return_focus};
use leptos::prelude::*;

#[component]
pub fn SecretOnce(
    title: &'static str,
    /// The secret; `None` closes the dialog.
    secret: RwSignal<Option<String>>,
    /// Runs after the person closes the dialog.
    #[prop(into)]
    on_close: Callback<()>,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        if let (Some(text), Some(window)) = (secret.get_untracked(), web_sys::window()) {
            let _ = window.navigator().clipboard().write_text(&text);
            copied.set(true);
        }
    };
    let close = move || {
        secret.set(None);
        copied.set(false);
        on_close.run(());
    };
    return_focus(Signal::derive(move || secret.with(Option::is_some)));
    let copy_button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move || {
        if let Some(button) = copy_button.get() {
            let _ = button.focus();
        }
    });
    view! {
        <Show when=move || secret.with(Option::is_some)>
            <div class="backdrop" on:keydown=keep_focus_inside(close)>
                <div role="dialog" aria-modal="true" aria-labelledby="secret-title" class="dialog">
                    <h2 id="secret-title">{title}</h2>
                    <p class="secret"><code>{move || secret.get().unwrap_or_default()}</code></p>
                    <p><strong>"You will not see this again."</strong></p>
                    <div class="actions">
                        <button type="button" node_ref=copy_button on:click=copy>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
                        <button type="button" class="primary" on:click=move |_| close()>"Done"</button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
