//! The outcome of the last action on a page, in a live region screen readers announce: a
//! notice when it worked, the reason in the error colour when it did not.

use leptos::prelude::*;

#[component]
pub fn Outcome(message: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    view! {
        <div role="status" aria-live="polite">
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <p class="notice">{text}</p> }.into_any(),
                Err(text) => view! { <p class="error">{text}</p> }.into_any(),
            })}
        </div>
    }
}
