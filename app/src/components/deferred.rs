//! A part of a page whose code arrives on first use: a `#[lazy]` function that `cargo xtask`
//! splits into a wasm chunk of its own. Nothing shows until the chunk is there (a moment,
//! once per visit of the console); from then on the part draws at once.

use leptos::prelude::*;
use std::future::Future;

pub fn deferred(view: impl Future<Output = AnyView> + 'static) -> impl IntoView {
    // The chunk loader's future is not `Send`; the console runs on the browser's one thread.
    Suspend::new(send_wrapper::SendWrapper::new(view))
}
