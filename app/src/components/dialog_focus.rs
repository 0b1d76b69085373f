//! What every dialog does with the keyboard focus: it moves into the dialog when it opens,
//! Tab and Shift+Tab stay inside it, and it goes back to the control that opened it when
//! the dialog closes.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Remembers the focused control while `open` turns true, and focuses it again once `open`
/// turns false.
pub fn return_focus(open: Signal<bool>) {
    let opener = StoredValue::new(None::<web_sys::HtmlElement>);
    Effect::new(move |was_open: Option<bool>| {
        let now_open = open.get();
        if now_open && was_open != Some(true) {
            opener.set_value(document().active_element().and_then(|e| e.dyn_into().ok()));
        }
        if !now_open
            && was_open == Some(true)
            && let Some(el) = opener.get_value()
        {
            let _ = el.focus();
        }
        now_open
    });
}

/// A keydown handler for the dialog's root: Tab wraps around its controls; Esc runs `close`.
pub fn keep_focus_inside(close: impl Fn() + 'static) -> impl Fn(leptos::ev::KeyboardEvent) {
    move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            close();
            return;
        }
        if ev.key() != "Tab" {
            return;
        }
        let Some(root) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
        let Ok(found) = root.query_selector_all("button:not([disabled]), [href], input, select, textarea") else {
            return;
        };
        let controls: Vec<web_sys::HtmlElement> =
            (0..found.length()).filter_map(|i| found.item(i)).filter_map(|n| n.dyn_into().ok()).collect();
        let (Some(first), Some(last)) = (controls.first(), controls.last()) else { return };
        let active = document().active_element();
        let on =
            |el: &web_sys::HtmlElement| active.as_ref().is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>());
        if ev.shift_key() && on(first) {
            ev.prevent_default();
            let _ = last.focus();
        } else if !ev.shift_key() && on(last) {
            ev.prevent_default();
            let _ = first.focus();
        }
    }
}
