//! CSV import: pick or drop a file, see its first rows and which columns the import reads
//! (unknown ones are named and ignored, never a failed import), choose the mode and key,
//! check it (a dry run with an outcome per row), then import it and download the per-row
//! results.

use crate::api::{self, Failure, Method};
use leptos::prelude::*;
use proto::api::csv_preview::preview;
use proto::api::import::{ImportParams, ImportSummary, RowOutcome, RunningImports, known_column};
use proto::api::user::{ImportKey, ImportMode};

/// The chosen file, read as text.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Picked {
    name: String,
    text: String,
}

#[component]
pub fn Import() -> impl IntoView {
    let picked = RwSignal::new(None::<Picked>);
    let mode = RwSignal::new(ImportMode::Upsert);
    let key = RwSignal::new(ImportKey::UserId);
    let report = RwSignal::new(None::<Result<ImportSummary, Failure>>);
    let busy = RwSignal::new(None::<&'static str>);
    // How far the running import got: (rows done, rows), asked of the server while it runs.
    let progress = RwSignal::new(None::<(usize, usize)>);
    let poller = StoredValue::new(None::<IntervalHandle>);
    let stop_polling = move || {
        if let Some(p) = poller.try_get_value().flatten() {
            p.clear();
        }
    };
    on_cleanup(stop_polling);
    let dragging = RwSignal::new(false);

    let take = move |file: web_sys::File| {
        let name = file.name();
        leptos::task::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|v| v.as_string());
            report.try_set(None);
            picked.try_set(text.map(|text| Picked { name, text }));
        });
    };
    let on_pick = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let input = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        if let Some(file) = input.and_then(|i| i.files()).and_then(|f| f.get(0)) {
            take(file);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = ev.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
            take(file);
        }
    };
    let run = move |dry_run: bool| {
        let Some(file) = picked.get_untracked() else { return };
        busy.set(Some(if dry_run { "Checking every row…" } else { "Importing…" }));
        report.set(None);
        let params = ImportParams { mode: mode.get_untracked(), key: key.get_untracked(), dry_run, tag: None };
        progress.set(None);
        let ask = move || {
            leptos::task::spawn_local(async move {
                if let Ok(r) = api::get::<RunningImports>("/v1/imports/running", None).await
                    && busy.try_get_untracked().flatten().is_some()
                {
                    progress.try_set(r.imports.last().map(|i| (i.rows_done, i.rows)));
                }
            });
        };
        poller.set_value(set_interval_with_handle(ask, std::time::Duration::from_millis(250)).ok());
        leptos::task::spawn_local(async move {
            let path = format!("/v1/users/import?{}", api::query_string(&params));
            let answer =
                api::send_raw::<ImportSummary>(Method::Post, &path, "text/csv; charset=utf-8", file.text).await;
            stop_polling();
            report.try_set(Some(answer));
            busy.try_set(None);
            progress.try_set(None);
        });
    };

    view! {
        <div class="page-head"><h1>"Import people"</h1></div>
        <div
            class=move || if dragging.get() { "drop-zone dragging" } else { "drop-zone" }
            on:dragover=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop
        >
            <label for="csv-file">"Choose a CSV file, or drop it here"</label>
            <input id="csv-file" type="file" accept=".csv,text/csv" on:change=on_pick />
            <p class="help">"UTF-8; the first line names the columns (any case, spaces allowed). Lists in a cell are separated by ;"</p>
        </div>
        {move || picked.get().map(file_preview)}
        <Show when=move || picked.with(Option::is_some)>
            <div class="filters" role="group" aria-label="Import options">
                <label>
                    "Mode "
                    <select on:change=move |ev| {
                        mode.set(match event_target_value(&ev).as_str() {
                            "create" => ImportMode::Create,
                            "update" => ImportMode::Update,
                            _ => ImportMode::Upsert,
                        })
                    }>
                        <option value="upsert" selected>"Create or update"</option>
                        <option value="create">"Create only"</option>
                        <option value="update">"Update only"</option>
                    </select>
                </label>
                <label>
                    "People are matched by "
                    <select on:change=move |ev| key.set(ImportKey::parse(&event_target_value(&ev)).unwrap_or(ImportKey::UserId))>
                        <option value="user_id" selected>"User ID"</option>
                        <option value="email">"Email"</option>
                        <option value="system_id">"System ID"</option>
                    </select>
                </label>
                <button type="button" disabled=move || busy.get().is_some() on:click=move |_| run(true)>"Check the file"</button>
                <button type="button" class="primary" disabled=move || busy.get().is_some() on:click=move |_| run(false)>"Import"</button>
            </div>
        </Show>
        {move || busy.get().map(|what| match progress.get() {
            Some((done, rows)) if rows > 0 => view! {
                <p class="loading" role="status">
                    <progress max=rows.to_string() value=done.to_string() aria-label="Rows done"></progress>
                    {format!(" {what} {done} of {rows} rows")}
                </p>
            }.into_any(),
            _ => view! { <p class="loading" role="status"><progress aria-label="Working"></progress>" " {what}</p> }.into_any(),
        })}
        <div aria-live="polite">{move || report.get().map(summary)}</div>
    }
}

fn file_preview(p: Picked) -> impl IntoView {
    let (header, rows) = preview(&p.text, 5);
    let total = p.text.lines().filter(|l| !l.trim().is_empty()).count().saturating_sub(1);
    let unknown: Vec<String> = header.iter().filter(|h| known_column(h).is_none()).cloned().collect();
    view! {
        <h2>{format!("{} — about {total} rows", p.name)}</h2>
        {(!unknown.is_empty()).then(|| view! {
            <p class="notice" role="status">
                {format!("Not a column Lintel knows, ignored: {}", unknown.join(", "))}
            </p>
        })}
        <div class="table-scroll">
            <table class="preview">
                <thead>
                    <tr>
                        {header.iter().map(|h| {
                            let known = known_column(h);
                            view! {
                                <th scope="col" class=if known.is_some() { "" } else { "ignored" }>
                                    {h.clone()}
                                    <span class="help">{known.map_or(" (ignored)".to_owned(), |k| format!(" → {k}"))}</span>
                                </th>
                            }
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

fn summary(answer: Result<ImportSummary, Failure>) -> AnyView {
    let s = match answer {
        Ok(s) => s,
        Err(f) => return view! { <p class="error" role="alert">{f.message}</p> }.into_any(),
    };
    let title = if s.dry_run { "Check finished — nothing was changed yet" } else { "Import finished" };
    let failed_class = if s.failed == 0 { "" } else { "error" };
    let verb = |n: usize, done: &str, would: &str| format!("{n} {}", if s.dry_run { would } else { done });
    view! {
        <section class="report">
            <h2>{title}</h2>
            <ul class="counts">
                <li>{verb(s.created, "created", "to create")}</li>
                <li>{verb(s.updated, "updated", "to update")}</li>
                <li>{format!("{} unchanged", s.unchanged)}</li>
                <li class=failed_class>{format!("{} with errors", s.failed)}</li>
            </ul>
            {(!s.ignored_columns.is_empty()).then(|| view! {
                <p class="notice">{format!("Ignored columns: {}", s.ignored_columns.join(", "))}</p>
            })}
            {(!s.errors.is_empty()).then(|| view! {
                <table class="errors">
                    <thead><tr><th scope="col" class="num">"Line"</th><th scope="col">"Field"</th><th scope="col">"Problem"</th></tr></thead>
                    <tbody>
                        {s.errors.iter().filter(|r| r.outcome == RowOutcome::Error).map(|r| {
                            let e = r.error.clone();
                            view! {
                                <tr>
                                    <td class="num">{r.line}</td>
                                    <td>{e.as_ref().and_then(|e| e.field.clone()).unwrap_or_default()}</td>
                                    <td>{e.map(|e| e.message).unwrap_or_default()}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {(!s.warnings.is_empty()).then(|| view! {
                <h3>"Warnings"</h3>
                <table class="warnings">
                    <thead><tr><th scope="col" class="num">"Line"</th><th scope="col">"User ID"</th><th scope="col">"What else changes"</th></tr></thead>
                    <tbody>
                        {s.warnings.iter().map(|r| view! {
                            <tr>
                                <td class="num">{r.line}</td>
                                <td>{r.user_id.clone().unwrap_or_default()}</td>
                                <td>{r.warnings.join("; ")}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            <p><a href=s.results_url.clone() download>"Download the result of every row (CSV)"</a></p>
        </section>
    }
        .into_any()
}
