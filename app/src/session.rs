//! Who is signed in, shared by every page. The truth is the server's cookie session: the
//! console asks `GET /v1/session` at start and after sign-in, and forgets it on any 401.

use crate::api;
use leptos::prelude::*;
use proto::api::session::{AccountView, SessionView};
use proto::domain::Rank;

#[derive(Clone, Copy)]
pub struct Session {
    /// `None` until the first answer, then who is signed in (or nobody).
    state: RwSignal<Option<Option<SessionView>>>,
    /// Why the person is back on the sign-in page ("Your session ended…").
    pub notice: RwSignal<Option<String>>,
}

impl Session {
    pub fn provide() -> Self {
        let session = Self { state: RwSignal::new(None), notice: RwSignal::new(None) };
        provide_context(session);
        // A 401 while signed in: the session expired or was revoked. (Before, a 401 is just
        // "not signed in": the first question, or a wrong password.)
        api::on_signed_out(move || {
            if session.state.try_with_untracked(|s| matches!(s, Some(Some(_)))) == Some(true) {
                session.ended("Your session ended. Sign in again to go on where you were.");
            }
        });
        leptos::task::spawn_local(async move { session.reload().await });
        session
    }

    /// Asks the server who is signed in.
    pub async fn reload(self) {
        let view = api::get::<SessionView>("/v1/session", None).await.ok();
        self.state.set(Some(view));
    }

    pub fn set(self, view: SessionView) {
        self.notice.set(None);
        self.state.set(Some(Some(view)));
    }

    /// Whether the first answer came.
    pub fn known(self) -> bool {
        self.state.with(Option::is_some)
    }

    pub fn view(self) -> Option<SessionView> {
        self.state.get().flatten()
    }

    pub fn signed_in(self) -> bool {
        self.state.with(|s| matches!(s, Some(Some(_))))
    }

    /// The site account in use.
    pub fn account(self) -> Option<AccountView> {
        self.state.with(|s| {
            let view = s.as_ref()?.as_ref()?;
            let id = view.account_id?;
            view.accounts.iter().find(|a| a.id == id).cloned()
        })
    }

    pub fn rank(self) -> Option<Rank> {
        self.account().map(|a| a.rank)
    }

    /// Forgets the session after the server said it ended; the guard sends the person to
    /// sign in, and back to where they were afterwards.
    pub fn ended(self, message: &str) {
        self.notice.set(Some(message.to_owned()));
        self.state.set(Some(None));
    }
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}
