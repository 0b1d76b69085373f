//! The pages loaded on their first visit, each from its own wasm chunks (split out by
//! `cargo xtask` at build time): everything but sign-in, the people table and a person's
//! page, which every administrator's session opens and the first load carries.
//! (Splitting those too made the first load 236 KB but an admin's usual session 615 KB
//! instead of 380: each split pays for the code it shares.)

use crate::pages;
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

macro_rules! lazy_page {
    ($name:ident, $component:path) => {
        pub struct $name;

        #[lazy_route]
        impl LazyRoute for $name {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$component /> }.into_any()
            }
        }
    };
}

lazy_page!(Setup, pages::setup::Setup);
lazy_page!(MyAccount, pages::my_account::MyAccount);
lazy_page!(Import, pages::import::Import);
lazy_page!(Audit, pages::audit::Audit);
lazy_page!(Tokens, pages::tokens::Tokens);
lazy_page!(Admins, pages::admins::Admins);
lazy_page!(NewPerson, pages::new_person::NewPerson);
lazy_page!(Devices, pages::devices::Devices);
lazy_page!(Revocations, pages::revocations::Revocations);
lazy_page!(AccessGroups, pages::access_groups::AccessGroups);
