//! Talking to the server: JSON over fetch, same origin. The session is the HttpOnly cookie
//! the browser sends by itself (nothing here holds a token); every write carries the CSRF
//! header the server asks of cookie callers. Refusals arrive in the API's one error shape.

use gloo_net::http::{Request, RequestBuilder, Response};
use proto::api::error::ErrorBody;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The header (value `1`) the server requires on every cookie-authenticated write.
pub const CSRF_HEADER: &str = "x-lintel-csrf";

thread_local! {
    /// What a 401 means to the console, set once by the session: it ended. Every call
    /// passes through here, so no page has to remember it.
    static ON_SIGNED_OUT: std::cell::RefCell<Option<Box<dyn Fn()>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `hook` whenever the server answers 401.
pub fn on_signed_out(hook: impl Fn() + 'static) {
    ON_SIGNED_OUT.with(|h| *h.borrow_mut() = Some(Box::new(hook)));
}

/// The session ended (the server said so): the console signs out.
pub fn signed_out() {
    ON_SIGNED_OUT.with(|h| h.borrow().as_ref().map(|hook| hook()));
}

/// Why a call failed, as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The HTTP status; 0 when the server could not be reached.
    pub status: u16,
    pub code: String,
    pub message: String,
    pub field: Option<String>,
    /// Seconds to wait before trying again (429).
    pub retry_after: Option<u32>,
}

impl Failure {
    pub fn unreachable() -> Self {
        Self {
            status: 0,
            code: "unreachable".into(),
            message: "The server cannot be reached. Check the connection and try again.".into(),
            field: None,
            retry_after: None,
        }
    }

    pub fn unreadable(status: u16) -> Self {
        Self {
            status,
            code: "unreadable".into(),
            message: format!("The server answered {status} in a form the console cannot read."),
            field: None,
            retry_after: None,
        }
    }

    /// A request that was aborted because a newer one replaced it.
    pub fn is_aborted(&self) -> bool {
        self.code == "aborted"
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Post,
    Put,
    Delete,
}

fn builder(method: Method, path: &str) -> RequestBuilder {
    let b = match method {
        Method::Post => Request::post(path),
        Method::Put => Request::put(path),
        Method::Delete => Request::delete(path),
    };
    b.header(CSRF_HEADER, "1").header("Accept", "application/json")
}

/// `GET path`; `abort` lets a newer request of the same view cancel this one.
pub async fn get<T: DeserializeOwned>(path: &str, abort: Option<&web_sys::AbortSignal>) -> Result<T, Failure> {
    let request = Request::get(path).header("Accept", "application/json").abort_signal(abort);
    let sent = request.send().await;
    if abort.is_some_and(|a| a.aborted()) {
        return Err(Failure { code: "aborted".into(), ..Failure::unreachable() });
    }
    read(sent.map_err(|_| Failure::unreachable())?).await
}

/// A write with a JSON body; answers the JSON the server sends back.
pub async fn send<B: Serialize, T: DeserializeOwned>(method: Method, path: &str, body: &B) -> Result<T, Failure> {
    let request = builder(method, path).json(body).map_err(|_| Failure::unreadable(0))?;
    read(request.send().await.map_err(|_| Failure::unreachable())?).await
}

/// A write the person may cancel (a scan waiting at a device): aborting `abort` drops the
/// request, and the server stops the gateway call with it.
pub async fn send_abortable<B: Serialize, T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: &B,
    abort: &web_sys::AbortSignal,
) -> Result<T, Failure> {
    let request = builder(method, path).abort_signal(Some(abort)).json(body).map_err(|_| Failure::unreadable(0))?;
    let sent = request.send().await;
    if abort.aborted() {
        return Err(Failure { code: "aborted".into(), ..Failure::unreachable() });
    }
    read(sent.map_err(|_| Failure::unreachable())?).await
}

/// A write of a versioned record: `If-Match` carries the version read, so a change made
/// since by someone else answers 412 instead of being overwritten.
pub async fn send_versioned<B: Serialize, T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: &B,
    version: i64,
) -> Result<T, Failure> {
    let request = builder(method, path)
        .header("If-Match", &format!("\"{version}\""))
        .json(body)
        .map_err(|_| Failure::unreadable(0))?;
    read(request.send().await.map_err(|_| Failure::unreachable())?).await
}

/// A write whose answer has no body worth reading (204, or one the caller ignores).
pub async fn send_no_answer<B: Serialize>(method: Method, path: &str, body: Option<&B>) -> Result<(), Failure> {
    let request = match body {
        Some(body) => builder(method, path).json(body).map_err(|_| Failure::unreadable(0))?,
        None => builder(method, path).build().map_err(|_| Failure::unreadable(0))?,
    };
    let response = request.send().await.map_err(|_| Failure::unreachable())?;
    if response.ok() { Ok(()) } else { Err(refusal(response).await) }
}

/// A write of a body that is not JSON (a CSV file, a photo); answers the JSON the server
/// sends back.
pub async fn send_raw<T: DeserializeOwned>(
    method: Method,
    path: &str,
    content_type: &str,
    body: impl Into<wasm_bindgen::JsValue>,
) -> Result<T, Failure> {
    let request =
        builder(method, path).header("Content-Type", content_type).body(body).map_err(|_| Failure::unreadable(0))?;
    read(request.send().await.map_err(|_| Failure::unreachable())?).await
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, Failure> {
    if !response.ok() {
        return Err(refusal(response).await);
    }
    let status = response.status();
    response.json::<T>().await.map_err(|_| Failure::unreadable(status))
}

async fn refusal(response: Response) -> Failure {
    let status = response.status();
    if status == 401 {
        signed_out();
    }
    let retry_after = response.headers().get("retry-after").and_then(|v| v.trim().parse().ok());
    match response.json::<ErrorBody>().await {
        Ok(body) => {
            Failure { status, code: body.error.code, message: body.error.message, field: body.error.field, retry_after }
        }
        Err(_) => Failure { retry_after, ..Failure::unreadable(status) },
    }
}

/// The newest of a view's requests: a view that asks again (its filters changed) drops any
/// older answer that arrives late, so a slow first answer never replaces a newer one.
#[derive(Clone, Copy)]
pub struct Latest(leptos::prelude::StoredValue<u64>);

impl Latest {
    pub fn new() -> Self {
        Self(leptos::prelude::StoredValue::new(0))
    }

    /// Before asking: this request's number.
    pub fn begin(self) -> u64 {
        use leptos::prelude::{GetValue, SetValue};
        let n = self.0.get_value() + 1;
        self.0.set_value(n);
        n
    }

    /// On the answer: whether it is still the newest (and its view still there).
    pub fn is_current(self, n: u64) -> bool {
        use leptos::prelude::GetValue;
        self.0.try_get_value() == Some(n)
    }
}

/// A query string (without `?`) from a serializable query type.
pub fn query_string<Q: Serialize>(query: &Q) -> String {
    serde_urlencoded::to_string(query).unwrap_or_default()
}
