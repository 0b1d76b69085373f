//! Lintel's browser console (Leptos, client-side rendered). For now a shell; sign-in and
//! the pages arrive with the server-core and console issues.

use leptos::prelude::*;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    view! {
        <main>
            <h1>"Lintel"</h1>
            <p>"People, credentials and doors. The console is on its way."</p>
        </main>
    }
}
