//! A moment as people say it ("5 min ago", "yesterday"), with the exact UTC time in its
//! tooltip and `datetime` for machines. Older than a week, it is the date.

use leptos::prelude::*;

/// How long ago `then_ms` was, at `now_ms` (both milliseconds since the Unix epoch).
fn ago(then_ms: f64, now_ms: f64, date: &str) -> String {
    let seconds = ((now_ms - then_ms) / 1000.0).max(0.0) as u64;
    match seconds {
        0..60 => "just now".to_owned(),
        60..3600 => format!("{} min ago", seconds / 60),
        3600..86_400 => format!("{} h ago", seconds / 3600),
        86_400..172_800 => "yesterday".to_owned(),
        172_800..604_800 => format!("{} days ago", seconds / 86_400),
        _ => date.to_owned(),
    }
}

#[component]
pub fn When(
    /// RFC 3339, UTC.
    at: String,
) -> impl IntoView {
    let then = js_sys::Date::parse(&at);
    let date = at.get(..10).unwrap_or_default().to_owned();
    let text = if then.is_nan() { at.clone() } else { ago(then, js_sys::Date::now(), &date) };
    let exact = format!("{} UTC", at.trim_end_matches('Z').replace('T', " "));
    view! { <time datetime=at title=exact>{text}</time> }
}
