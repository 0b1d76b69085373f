//! A labelled form field: the label above, help under it, and the error in the rule's own
//! words under that, tied to the input for screen readers.

use leptos::prelude::*;

#[component]
pub fn TextField(
    /// The input's id (and the key its error is looked up by).
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] help: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] autocomplete: Option<&'static str>,
    /// The field's current error, if any.
    #[prop(into, optional)]
    error: MaybeProp<String>,
) -> impl IntoView {
    let help_id = format!("{id}-help");
    let error_id = format!("{id}-error");
    let described = {
        let (help_id, error_id) = (help_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if help.is_some() {
                ids.push(help_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id>
                {label}
                {required.then(|| view! { <span class="required">" (required)"</span> })}
            </label>
            <input
                id=id
                name=id
                type=kind
                autocomplete=autocomplete
                required=required
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described
                bind:value=value
            />
            {help.map(|h| view! { <p class="help" id=help_id.clone()>{h}</p> })}
            {
                let error_id = error_id.clone();
                move || error.get().map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> })
            }
        </div>
    }
}
