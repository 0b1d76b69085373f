//! CSV exports streamed a page at a time: at most a few run at once, memory stays at two
//! pages whatever the size, and a client that stops reading is dropped with its slot.

use crate::error::{ApiError, ApiResult};
use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_stream::wrappers::ReceiverStream;

/// Rows an export reads and sends at a time.
pub const PAGE_ROWS: i64 = 1000;
/// Exports running at once; more answer 429.
pub const MAX_CONCURRENT: usize = 4;
/// A client that takes no page for this long is dropped.
const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A slot for one more export, or 429 when all are taken.
pub fn slot(exports: &Arc<Semaphore>) -> ApiResult<OwnedSemaphorePermit> {
    exports.clone().try_acquire_owned().map_err(|_| {
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too many exports are running; retry in 5 s");
        e.retry_after = Some(5);
        e
    })
}

/// The response that sends `first` (already read, so a bad filter was still a 400) and
/// then the pages `next(cursor)` reads, as `filename`. Each page is its own short read,
/// so a stalled client holds no transaction.
pub fn respond<F, Fut>(slot: OwnedSemaphorePermit, filename: String, first: (String, Option<i64>), next: F) -> Response
where
    F: FnMut(i64) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ApiResult<(String, Option<i64>)>> + Send,
{
    // Two pages in flight at most: a slow client holds back the reading.
    let (pages, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(2);
    let disposition = format!("attachment; filename=\"{filename}\"");
    tokio::spawn(async move {
        let _slot = slot;
        if pump(&pages, first, next, SEND_TIMEOUT).await == Ended::Stalled {
            tracing::warn!(filename, "an export's client stopped reading; the export ends");
        }
    });
    let headers =
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)];
    (headers, Body::from_stream(ReceiverStream::new(receiver))).into_response()
}

/// How a streamed export ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    Done,
    ClientLeft,
    /// The client took no page for the send timeout.
    Stalled,
    /// A page could not be read; the body ends with an error.
    Failed,
}

/// Sends `first` and the pages after it, reading the next page only once the channel has
/// room for it: memory stays at two pages, and a client that takes nothing for `timeout`
/// is dropped (its slot with it).
async fn pump<F, Fut>(
    pages: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    first: (String, Option<i64>),
    mut next: F,
    timeout: std::time::Duration,
) -> Ended
where
    F: FnMut(i64) -> Fut,
    Fut: std::future::Future<Output = ApiResult<(String, Option<i64>)>>,
{
    let (mut text, mut last) = first;
    loop {
        match tokio::time::timeout(timeout, pages.send(Ok(Bytes::from(text)))).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Ended::ClientLeft,
            Err(_) => return Ended::Stalled,
        }
        let Some(after) = last else { return Ended::Done };
        match next(after).await {
            Ok(page) => (text, last) = page,
            Err(e) => {
                tracing::error!(error = %e.message, "an export stopped part-way");
                let _ = pages.send(Err(std::io::Error::other("the export stopped part-way"))).await;
                return Ended::Failed;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::time::Duration;

    /// Endless pages, counting how many were read.
    fn endless(read: &AtomicI64) -> impl FnMut(i64) -> std::future::Ready<ApiResult<(String, Option<i64>)>> + '_ {
        move |after| {
            read.fetch_add(1, Ordering::Relaxed);
            std::future::ready(Ok((format!("page after {after}\n"), Some(after + 1))))
        }
    }

    #[tokio::test]
    async fn a_client_that_stops_reading_is_dropped_and_nothing_is_read_ahead() {
        let (pages, _stalled_client) = tokio::sync::mpsc::channel(2);
        let read = AtomicI64::new(0);
        let first = ("header\n".to_owned(), Some(0));
        let ended = pump(&pages, first, endless(&read), Duration::from_millis(50)).await;
        assert_eq!(ended, Ended::Stalled);
        assert_eq!(read.load(Ordering::Relaxed), 2, "two pages wait in the channel; no third is read");
    }

    #[tokio::test]
    async fn a_client_that_leaves_ends_the_export() {
        let (pages, client) = tokio::sync::mpsc::channel(2);
        drop(client);
        let read = AtomicI64::new(0);
        let ended = pump(&pages, ("header\n".to_owned(), Some(0)), endless(&read), Duration::from_secs(30)).await;
        assert_eq!((ended, read.load(Ordering::Relaxed)), (Ended::ClientLeft, 0));
    }

    #[tokio::test]
    async fn every_page_arrives_in_order() {
        let (pages, mut client) = tokio::sync::mpsc::channel(2);
        let next = |after: i64| std::future::ready(Ok((format!("{after}\n"), (after < 3).then_some(after + 1))));
        let sender =
            tokio::spawn(async move { pump(&pages, ("h\n".to_owned(), Some(1)), next, Duration::from_secs(30)).await });
        let mut got = String::new();
        while let Some(page) = client.recv().await {
            got.push_str(std::str::from_utf8(&page.unwrap()).unwrap());
        }
        assert_eq!((got.as_str(), sender.await.unwrap()), ("h\n1\n2\n3\n", Ended::Done));
    }
}
