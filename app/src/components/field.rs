//! A labelled form field: the label above, help under it, and the error in the rule's own
//! words under that, tied to the input for screen readers. The control is an input of
//! `kind`, a list of `choices` (value, words), or a multi-line text.

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
    /// A choice among these (value, words) instead of typed text.
    #[prop(optional)]
    choices: Option<Vec<(String, String)>>,
    /// Several lines of text.
    #[prop(optional)]
    multiline: bool,
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
            {
                let invalid = move || error.get().is_some().then_some("true");
                match (choices, multiline) {
                    (Some(choices), _) => view! {
                        <select id=id name=id aria-invalid=invalid aria-describedby=described bind:value=value>
                            {choices.into_iter().map(|(v, words)| view! { <option value=v>{words}</option> }).collect_view()}
                        </select>
                    }.into_any(),
                    (None, true) => view! {
                        <textarea id=id name=id rows="3" aria-invalid=invalid aria-describedby=described bind:value=value></textarea>
                    }.into_any(),
                    (None, false) => view! {
                        <input
                            id=id
                            name=id
                            type=kind
                            autocomplete=autocomplete
                            required=required
                            aria-invalid=invalid
                            aria-describedby=described
                            bind:value=value
                        />
                    }.into_any(),
                }
            }
            {help.map(|h| view! { <p class="help" id=help_id.clone()>{h}</p> })}
            {
                let error_id = error_id.clone();
                move || error.get().map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> })
            }
        </div>
    }
}
