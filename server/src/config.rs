//! The server's configuration: a TOML file (`LINTEL_CONFIG`) overlaid by `LINTEL_*`
//! environment variables. A bad value stops start-up with a message naming its key.
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! public_origin = "https://lintel.example.com"
//! data_dir = "./data"
//! app_dir = "./target/app"                    # the built console
//! database_url = "sqlite://./data/lintel.db"   # default: <data_dir>/lintel.db
//! cors_origins = ["https://hr.example.com"]
//! trusted_proxies = ["10.0.0.2", "fd00::/8"]  # may set X-Forwarded-For / -Proto
//! tls_cert = "/etc/lintel/cert.pem"            # serve HTTPS (reloaded on SIGHUP or change)
//! tls_key = "/etc/lintel/key.pem"
//!
//! [[site]]
//! name = "Head office"
//! gateway = "https://10.0.0.5:4000"   # "embedded" | "http://host:port" | "https://host:port"
//! ca_file = "/etc/lintel/gateway-ca.crt"
//! time_zone = "Europe/Berlin"
//! ```

use crate::web::client_ip::Cidr;
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// The origin browsers use (`scheme://host[:port]`); state-changing cookie requests
    /// must come from it, and the session cookie is `__Host-` when it is https.
    pub public_origin: String,
    pub data_dir: PathBuf,
    /// The built console (`cargo xtask run` builds it into `target/app`).
    pub app_dir: PathBuf,
    pub database_url: String,
    /// Other origins allowed to call the API with CORS (never `*`, never `null`).
    pub cors_origins: Vec<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (nobody else's is believed).
    pub trusted_proxies: Vec<crate::web::client_ip::Cidr>,
    /// Serve HTTPS with this certificate chain and key (PEM files).
    pub tls: Option<TlsFiles>,
    pub sites: Vec<SiteConfig>,
    /// `username:password` of a first SUPER created at start when there is none (demos, tests).
    pub bootstrap_admin: Option<BootstrapAdmin>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteConfig {
    pub name: String,
    pub gateway: Gateway,
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gateway {
    /// An in-process gateway simulator with its default devices.
    Embedded,
    /// A plain-text gateway (a separate simulator).
    Plain { url: String },
    /// The vendor's gateway over TLS, trusting `ca_file`.
    Tls { url: String, ca_file: PathBuf },
}

#[derive(Clone)]
pub struct BootstrapAdmin {
    pub username: String,
    pub password: crate::auth::password::Password,
}

impl fmt::Debug for BootstrapAdmin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BootstrapAdmin").field("username", &self.username).field("password", &"<redacted>").finish()
    }
}

/// A configuration error naming the key.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

fn bad(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError { key: key.into(), message: message.into() }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    public_origin: Option<String>,
    data_dir: Option<PathBuf>,
    app_dir: Option<PathBuf>,
    database_url: Option<String>,
    #[serde(default)]
    cors_origins: Vec<String>,
    #[serde(default)]
    trusted_proxies: Vec<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    #[serde(default, rename = "site")]
    sites: Vec<FileSite>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSite {
    name: String,
    gateway: String,
    ca_file: Option<PathBuf>,
    time_zone: Option<String>,
}

impl Config {
    /// Reads `LINTEL_CONFIG` (if set) and the `LINTEL_*` / `DATABASE_URL` variables.
    pub fn from_env() -> Result<Self, ConfigError> {
        let vars: HashMap<String, String> = std::env::vars().collect();
        Self::load(&vars)
    }

    pub fn load(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let file = match vars.get("LINTEL_CONFIG") {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| bad("LINTEL_CONFIG", format!("{path}: {e}")))?;
                toml::from_str::<FileConfig>(&text).map_err(|e| bad("LINTEL_CONFIG", format!("{path}: {e}")))?
            }
            None => FileConfig::default(),
        };
        let var = |name: &str| vars.get(name).filter(|v| !v.is_empty()).cloned();

        let (listen_key, listen) = match var("LINTEL_LISTEN") {
            Some(v) => ("LINTEL_LISTEN", v),
            None => ("listen", file.listen.unwrap_or_else(|| "127.0.0.1:8080".into())),
        };
        let listen: SocketAddr =
            listen.parse().map_err(|e| bad(listen_key, format!("{listen:?} is not an address: {e}")))?;

        let data_dir = var("LINTEL_DATA_DIR").map(PathBuf::from).or(file.data_dir).unwrap_or_else(|| "./data".into());
        let app_dir =
            var("LINTEL_APP_DIR").map(PathBuf::from).or(file.app_dir).unwrap_or_else(|| "./target/app".into());
        let database_key = if vars.contains_key("DATABASE_URL") { "DATABASE_URL" } else { "database_url" };
        let database_url = match var("DATABASE_URL").or(file.database_url) {
            Some(url) => url,
            None if cfg!(feature = "postgres") => {
                return Err(bad("DATABASE_URL", "this is Lintel's PostgreSQL build: set DATABASE_URL=postgres://…"));
            }
            None => format!("sqlite://{}", data_dir.join("lintel.db").display()),
        };
        if !database_url.starts_with(crate::db::SCHEME) {
            let built_for =
                if cfg!(feature = "postgres") { "PostgreSQL (postgres://…)" } else { "SQLite (sqlite://…)" };
            return Err(bad(
                database_key,
                format!(
                    "this server was built for {built_for}; the other database needs the other build (see docs/operating.md)"
                ),
            ));
        }

        let tls_cert = var("LINTEL_TLS_CERT").map(|v| ("LINTEL_TLS_CERT", PathBuf::from(v)));
        let tls_key = var("LINTEL_TLS_KEY").map(|v| ("LINTEL_TLS_KEY", PathBuf::from(v)));
        let tls = match (
            tls_cert.or(file.tls_cert.map(|p| ("tls_cert", p))),
            tls_key.or(file.tls_key.map(|p| ("tls_key", p))),
        ) {
            (None, None) => None,
            (Some((key, _)), None) | (None, Some((key, _))) => {
                return Err(bad(key, "HTTPS needs both a certificate (LINTEL_TLS_CERT) and its key (LINTEL_TLS_KEY)"));
            }
            (Some((cert_key, cert)), Some((key_key, key))) => {
                for (name, path) in [(cert_key, &cert), (key_key, &key)] {
                    if !path.is_file() {
                        return Err(bad(name, format!("{} is not a readable file", path.display())));
                    }
                }
                Some(TlsFiles { cert, key })
            }
        };
        let scheme = if tls.is_some() { "https" } else { "http" };

        let (origin_key, public_origin) = match var("LINTEL_PUBLIC_ORIGIN") {
            Some(v) => ("LINTEL_PUBLIC_ORIGIN", v),
            None => ("public_origin", file.public_origin.unwrap_or_else(|| format!("{scheme}://{listen}"))),
        };
        let public_origin = origin(origin_key, &public_origin)?;
        if tls.is_some() && !public_origin.starts_with("https://") {
            return Err(bad(origin_key, "must be https://… when Lintel serves HTTPS itself"));
        }

        let mut cors_origins = Vec::new();
        for (i, o) in file.cors_origins.iter().enumerate() {
            cors_origins.push(origin(&format!("cors_origins[{i}]"), o)?);
        }
        if let Some(list) = var("LINTEL_CORS_ORIGINS") {
            for o in list.split(',').map(str::trim).filter(|o| !o.is_empty()) {
                cors_origins.push(origin("LINTEL_CORS_ORIGINS", o)?);
            }
        }

        let mut trusted_proxies = Vec::new();
        for (i, p) in file.trusted_proxies.iter().enumerate() {
            trusted_proxies.push(Cidr::parse(p).map_err(|e| bad(&format!("trusted_proxies[{i}]"), e))?);
        }
        if let Some(list) = var("LINTEL_TRUSTED_PROXIES") {
            for p in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                trusted_proxies.push(Cidr::parse(p).map_err(|e| bad("LINTEL_TRUSTED_PROXIES", e))?);
            }
        }

        let sites = if file.sites.is_empty() {
            vec![SiteConfig { name: "Demo site".into(), gateway: Gateway::Embedded, time_zone: "UTC".into() }]
        } else {
            let mut sites = Vec::new();
            for (i, s) in file.sites.into_iter().enumerate() {
                sites.push(site(i, s)?);
            }
            sites
        };
        for (i, s) in sites.iter().enumerate() {
            if sites[..i].iter().any(|other| other.name == s.name) {
                return Err(bad(&format!("site[{i}].name"), format!("{:?} is used by two sites", s.name)));
            }
        }

        let bootstrap_admin = match var("LINTEL_BOOTSTRAP_ADMIN") {
            None => None,
            Some(v) => {
                let (username, password) =
                    v.split_once(':').ok_or_else(|| bad("LINTEL_BOOTSTRAP_ADMIN", "expected username:password"))?;
                let password = crate::auth::password::Password::new(password);
                crate::auth::password::check_policy(&password)
                    .map_err(|e| bad("LINTEL_BOOTSTRAP_ADMIN", e.to_string()))?;
                proto::domain::username::check(username).map_err(|e| bad("LINTEL_BOOTSTRAP_ADMIN", e.to_string()))?;
                Some(BootstrapAdmin { username: username.to_owned(), password })
            }
        };

        Ok(Self {
            listen,
            public_origin,
            data_dir,
            app_dir,
            database_url,
            cors_origins,
            trusted_proxies,
            tls,
            sites,
            bootstrap_admin,
        })
    }

    /// Whether browsers reach the server over TLS, directly or through a proxy (then the
    /// cookie is `__Host-` and Secure, and HSTS is sent).
    pub fn is_https(&self) -> bool {
        self.public_origin.starts_with("https://")
    }

    /// What to tell the operator when browsers on other machines would reach the console
    /// over plain HTTP: they refuse the (always Secure) session cookie there.
    pub fn plain_http_warning(&self) -> Option<String> {
        let host = self.public_origin.strip_prefix("http://")?;
        let host = host.rsplit_once(':').map_or(host, |(h, _)| h).trim_matches(['[', ']']);
        let local = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        (!local).then(|| {
            format!(
                "the public origin {} is plain HTTP: browsers on other machines will not keep the session cookie \
                 (it is Secure). Serve HTTPS (LINTEL_TLS_CERT / LINTEL_TLS_KEY) or put a TLS proxy in front and set \
                 LINTEL_PUBLIC_ORIGIN to its https:// URL",
                self.public_origin
            )
        })
    }

    /// The origin a server listening on port 0 has once bound, when the origin was left to
    /// its default (tests, parallel runs).
    pub fn origin_once_bound(&self, bound: SocketAddr) -> Option<String> {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        (self.listen.port() == 0 && self.public_origin == format!("{scheme}://{}", self.listen))
            .then(|| format!("{scheme}://{bound}"))
    }
}

/// An origin is `scheme://host[:port]`, with no path, no `*`, and never `null`.
fn origin(key: &str, value: &str) -> Result<String, ConfigError> {
    let v = value.trim().trim_end_matches('/');
    let rest = v.strip_prefix("https://").or_else(|| v.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(['/', '*', '?', '#', ' ']) => Ok(v.to_ascii_lowercase()),
        _ => {
            Err(bad(key, format!("{value:?} is not an origin (scheme://host[:port]; no path, no wildcard, not null)")))
        }
    }
}

fn site(i: usize, s: FileSite) -> Result<SiteConfig, ConfigError> {
    let key = |field: &str| format!("site[{i}].{field}");
    if s.name.trim().is_empty() {
        return Err(bad(&key("name"), "is required"));
    }
    let gateway = match s.gateway.as_str() {
        "embedded" => Gateway::Embedded,
        url if url.starts_with("http://") => Gateway::Plain { url: url.into() },
        url if url.starts_with("https://") => {
            let ca_file = s.ca_file.ok_or_else(|| bad(&key("ca_file"), "is required for an https:// gateway"))?;
            if !ca_file.is_file() {
                return Err(bad(&key("ca_file"), format!("{} is not a readable file", ca_file.display())));
            }
            Gateway::Tls { url: url.into(), ca_file }
        }
        other => {
            return Err(bad(
                &key("gateway"),
                format!("{other:?}: use \"embedded\", http://host:port or https://host:port"),
            ));
        }
    };
    let time_zone = s.time_zone.unwrap_or_else(|| "UTC".into());
    if jiff::tz::TimeZone::get(&time_zone).is_err() {
        return Err(bad(&key("time_zone"), format!("{time_zone:?} is not an IANA time zone (e.g. Europe/Berlin)")));
    }
    Ok(SiteConfig { name: s.name, gateway, time_zone })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::load(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn defaults_are_one_embedded_demo_site_on_loopback() {
        let c = load(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(
            c.sites,
            vec![SiteConfig { name: "Demo site".into(), gateway: Gateway::Embedded, time_zone: "UTC".into() }]
        );
        assert!(c.database_url.ends_with("lintel.db"));
        assert!(c.bootstrap_admin.is_none());
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = load(&[("LINTEL_LISTEN", "nope")]).unwrap_err();
        assert_eq!(e.key, "LINTEL_LISTEN");
        let e = load(&[("LINTEL_PUBLIC_ORIGIN", "null")]).unwrap_err();
        assert_eq!(e.key, "LINTEL_PUBLIC_ORIGIN");
        let e = load(&[("LINTEL_CORS_ORIGINS", "*")]).unwrap_err();
        assert_eq!(e.key, "LINTEL_CORS_ORIGINS");
        let e = load(&[("LINTEL_TRUSTED_PROXIES", "10.0.0.1, the proxy")]).unwrap_err();
        assert_eq!(e.key, "LINTEL_TRUSTED_PROXIES");
        assert!(e.message.contains("\"the proxy\" is not an address"), "{}", e.message);
        assert_eq!(load(&[("LINTEL_TRUSTED_PROXIES", "10.0.0.0/8, fd00::/8")]).unwrap().trusted_proxies.len(), 2);
        let e = load(&[("LINTEL_BOOTSTRAP_ADMIN", "admin:short")]).unwrap_err();
        assert_eq!(e.key, "LINTEL_BOOTSTRAP_ADMIN");
        assert!(!e.to_string().contains("short"), "the password must not be echoed: {e}");
        let e = load(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(e.key, "DATABASE_URL");
        let e = load(&[("LINTEL_TLS_CERT", "/etc/hostname")]).unwrap_err();
        assert_eq!(e.key, "LINTEL_TLS_CERT");
        assert!(e.message.contains("LINTEL_TLS_KEY"), "{}", e.message);
        let e = load(&[("LINTEL_TLS_CERT", "/etc/hostname"), ("LINTEL_TLS_KEY", "/no/such/key.pem")]).unwrap_err();
        assert_eq!(e.key, "LINTEL_TLS_KEY");
    }

    #[test]
    fn serving_https_defaults_the_origin_to_https_and_refuses_an_http_one() {
        let both = [("LINTEL_TLS_CERT", "/etc/hostname"), ("LINTEL_TLS_KEY", "/etc/hostname")];
        let c = load(&both).unwrap();
        assert_eq!(c.public_origin, "https://127.0.0.1:8080");
        assert!(c.is_https());
        let mut with_http = both.to_vec();
        with_http.push(("LINTEL_PUBLIC_ORIGIN", "http://lintel.example.com"));
        assert_eq!(load(&with_http).unwrap_err().key, "LINTEL_PUBLIC_ORIGIN");
        let c = load(&[("LINTEL_LISTEN", "127.0.0.1:0")]).unwrap();
        assert_eq!(c.origin_once_bound("127.0.0.1:4321".parse().unwrap()).as_deref(), Some("http://127.0.0.1:4321"));
        assert_eq!(c.plain_http_warning(), None, "loopback");
        let lan = load(&[("LINTEL_PUBLIC_ORIGIN", "http://10.0.0.9:8080")]).unwrap();
        assert!(lan.plain_http_warning().unwrap().contains("http://10.0.0.9:8080"));
        assert_eq!(load(&[("LINTEL_PUBLIC_ORIGIN", "http://[::1]:8080")]).unwrap().plain_http_warning(), None);
        assert_eq!(load(&[("LINTEL_PUBLIC_ORIGIN", "https://lintel.example.com")]).unwrap().plain_http_warning(), None);
    }

    #[test]
    fn file_sites_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lintel.toml");
        std::fs::write(&path, "[[site]]\nname = \"HQ\"\ngateway = \"https://10.0.0.5:4000\"\n").unwrap();
        let e = load(&[("LINTEL_CONFIG", path.to_str().unwrap())]).unwrap_err();
        assert_eq!(e.key, "site[0].ca_file");
        std::fs::write(&path, "[[site]]\nname = \"HQ\"\ngateway = \"http://127.0.0.1:4000\"\n").unwrap();
        let c = load(&[("LINTEL_CONFIG", path.to_str().unwrap())]).unwrap();
        assert_eq!(c.sites[0].gateway, Gateway::Plain { url: "http://127.0.0.1:4000".into() });
        std::fs::write(&path, "listne = 1\n").unwrap();
        let e = load(&[("LINTEL_CONFIG", path.to_str().unwrap())]).unwrap_err();
        assert!(e.to_string().contains("listne"), "{e}");
    }
}
