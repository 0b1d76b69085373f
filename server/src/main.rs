//! `lintel [serve]`: configuration from `LINTEL_CONFIG` and `LINTEL_*` variables.
//! `lintel openapi`: prints the OpenAPI document.
//! `lintel backup <file>`: a consistent copy of the database, taken while the server runs.
//! `lintel restore <file>`: puts a backup in place (the server stopped).
//! `lintel health`: asks the running server's `/healthz` (the image's health check).

use server::clock::SystemClock;
use server::config::Config;
use std::sync::Arc;

fn main() -> anyhow::Result<()> {
    hand_over_to_the_postgres_build()?;
    // Before the runtime's threads exist.
    server::memory::limit_arenas();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    logging()?;
    match std::env::args().nth(1).as_deref() {
        None | Some("serve") => {}
        Some("health") => return server::probe::check(&Config::from_env()?),
        Some("openapi") => {
            println!("{}", server::openapi::json());
            return Ok(());
        }
        Some(command @ ("backup" | "restore")) => {
            let file = std::env::args().nth(2).map(std::path::PathBuf::from);
            let file = file.ok_or_else(|| anyhow::anyhow!("usage: lintel {command} <file>"))?;
            let config = Config::from_env()?;
            if command == "backup" {
                let made = server::backup::backup(&config.database_url, &file).await?;
                println!("backup written to {}: {} people, {} bytes", file.display(), made.people, made.bytes);
            } else {
                let people = server::backup::restore(&config.database_url, &file).await?;
                println!("restored {} ({people} people); start the server", file.display());
            }
            return Ok(());
        }
        Some(other) => {
            anyhow::bail!(
                "unknown command {other:?}; usage: lintel [serve | openapi | health | backup <file> | restore <file>]"
            )
        }
    }
    let mut config = Config::from_env()?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    // Listening on port 0 (tests, parallel runs): the default origin is the port chosen.
    let bound = listener.local_addr()?;
    if let Some(origin) = config.origin_once_bound(bound) {
        config.public_origin = origin;
    }
    if let Some(warning) = config.plain_http_warning() {
        tracing::warn!("{warning}");
    }
    let origin = config.public_origin.clone();
    let stopped = stop_signal()?;
    let running = server::start(config, Arc::new(SystemClock), listener).await?;
    // Written for the operator (stdout, not the log). A closed stdout (a supervisor that
    // does not read it) must not stop the server: write errors are ignored.
    let mut greeting = format!("Lintel is running at {origin} (listening on {})\n", running.addr);
    if let Some(code) = &running.bootstrap_code {
        // It works once, for 60 minutes.
        greeting.push_str(&format!(
            "No SUPER exists yet. Create the first one within 60 minutes with this one-time code:\n    {}\n    curl -X POST {origin}/v1/bootstrap -H 'Content-Type: application/json' \\\n         -d '{{\"code\":\"{}\",\"username\":\"admin\",\"password\":\"<12 to 128 characters>\"}}'\n",
            code.expose(),
            code.expose()
        ));
    }
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(greeting.as_bytes()).and_then(|()| out.flush());
    }
    stopped.await?;
    tracing::info!("stopping: requests in flight get {} s to finish", STOP_DEADLINE.as_secs());
    match tokio::time::timeout(STOP_DEADLINE, running.stop()).await {
        Ok(stopped) => stopped,
        Err(_) => {
            tracing::warn!("requests still running after the deadline; exiting anyway");
            Ok(())
        }
    }
}

/// The log goes to stderr, filtered by `RUST_LOG` (default `info`), as text or, with
/// `LINTEL_LOG_FORMAT=json`, one JSON object per line for a log collector.
fn logging() -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    // Colours only for a person at a terminal, never in a container's or a service's log.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    match std::env::var("LINTEL_LOG_FORMAT").as_deref() {
        Err(_) | Ok("" | "text") => builder.init(),
        Ok("json") => builder.json().flatten_event(true).with_current_span(false).init(),
        Ok(other) => anyhow::bail!("configuration: LINTEL_LOG_FORMAT: {other:?} is not text or json"),
    }
    Ok(())
}

/// How long a stop waits for requests in flight (container runtimes kill after ~10 s).
const STOP_DEADLINE: std::time::Duration = std::time::Duration::from_secs(8);

/// Ctrl-C or SIGTERM (what `docker stop` and systemd send). SIGTERM is caught from the
/// moment this is called, so a stop right after start is a clean stop too.
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = std::io::Result<()>>> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                r = tokio::signal::ctrl_c() => r,
                _ = term.recv() => Ok(()),
            }
        })
    }
    #[cfg(not(unix))]
    Ok(tokio::signal::ctrl_c())
}

/// The server is built for one database (see `server/src/db`). Given a postgres:// URL, the
/// SQLite build becomes the PostgreSQL build beside it (`lintel-postgres`, as the image
/// ships them), same arguments and process, so that DATABASE_URL alone chooses. Without
/// that file, the configuration's own error says what to do.
fn hand_over_to_the_postgres_build() -> anyhow::Result<()> {
    if cfg!(feature = "postgres") || !std::env::var("DATABASE_URL").is_ok_and(|url| url.starts_with("postgres")) {
        return Ok(());
    }
    let Some(sibling) = std::env::current_exe()?.parent().map(|dir| dir.join("lintel-postgres")) else {
        return Ok(());
    };
    if !sibling.is_file() {
        return Ok(());
    }
    use std::os::unix::process::CommandExt;
    let error = std::process::Command::new(&sibling).args(std::env::args_os().skip(1)).exec();
    anyhow::bail!("starting {}: {error}", sibling.display())
}
