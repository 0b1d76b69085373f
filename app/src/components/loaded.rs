//! What a view shows of one request: "Loading…", the failure, or the answer. Asking again
//! keeps the answer shown until the new one comes, and an older answer that arrives late
//! never replaces a newer one.

use crate::api::{Failure, Latest};
use leptos::prelude::*;
use std::future::Future;

pub struct Loaded<T: Send + Sync + 'static> {
    pub value: RwSignal<Option<Result<T, Failure>>>,
    latest: Latest,
}

impl<T: Send + Sync + 'static> Clone for Loaded<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Loaded<T> {}

impl<T: Clone + Send + Sync + 'static> Loaded<T> {
    pub fn new() -> Self {
        Self { value: RwSignal::new(None), latest: Latest::new() }
    }

    /// Asks (again): the answer of `request` is shown when it comes, unless a newer
    /// request began meanwhile or the view is gone.
    pub fn load(self, request: impl Future<Output = Result<T, Failure>> + 'static) {
        let this = self.latest.begin();
        leptos::task::spawn_local(async move {
            let answer = request.await;
            if self.latest.is_current(this) {
                self.value.try_set(Some(answer));
            }
        });
    }

    /// "Loading…", the failure as an alert, or `show` of the answer.
    pub fn view<V: IntoView + 'static>(self, show: impl Fn(T) -> V + Send + Sync + 'static) -> impl IntoView {
        move || match self.value.get() {
            None => view! { <p class="loading">"Loading…"</p> }.into_any(),
            Some(Err(f)) => view! { <p class="error" role="alert">{f.message}</p> }.into_any(),
            Some(Ok(answer)) => show(answer).into_any(),
        }
    }
}
