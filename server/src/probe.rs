//! `lintel health`: the image's health check. It asks the running server's `/healthz` on
//! its own listening address (an image made `FROM scratch` has no curl) and succeeds only
//! on a 200. When Lintel serves HTTPS, the probe speaks TLS and accepts exactly the
//! certificate of the configured file (whatever name it was issued for).

use crate::config::Config;
use anyhow::{Context, Result, ensure};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

const TIMEOUT: Duration = Duration::from_secs(4);

pub fn check(config: &Config) -> Result<()> {
    let addr = local_addr(config.listen);
    let tcp = TcpStream::connect_timeout(&addr, TIMEOUT).with_context(|| format!("connecting to {addr}"))?;
    tcp.set_read_timeout(Some(TIMEOUT))?;
    tcp.set_write_timeout(Some(TIMEOUT))?;
    let mut stream: Box<dyn ReadWrite> = match &config.tls {
        None => Box::new(tcp),
        Some(files) => {
            let leaf = crate::https::certs::read_chain(&files.cert)?.swap_remove(0);
            let tls = rustls::ClientConfig::builder_with_provider(provider())
                .with_safe_default_protocol_versions()?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Pinned { leaf }))
                .with_no_client_auth();
            let connection = rustls::ClientConnection::new(Arc::new(tls), ServerName::IpAddress(addr.ip().into()))?;
            Box::new(rustls::StreamOwned::new(connection, tcp))
        }
    };
    stream.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())?;
    let mut answer = Vec::new();
    // A TLS peer that closes without close_notify ends the read with an error; what it
    // sent before counts.
    if let Err(e) = stream.take(4096).read_to_end(&mut answer)
        && answer.is_empty()
    {
        return Err(anyhow::Error::new(e).context(format!("reading /healthz on {addr}")));
    }
    let status_line = String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_owned();
    ensure!(status_line.split(' ').nth(1) == Some("200"), "/healthz on {addr} answered {status_line:?}");
    Ok(())
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Trusts the one certificate the server was configured with, and checks that the
/// server holds its key (the handshake's signature).
#[derive(Debug)]
struct Pinned {
    leaf: CertificateDer<'static>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.leaf.as_ref() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General("not the certificate of LINTEL_TLS_CERT".into()))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &provider().signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &provider().signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        provider().signature_verification_algorithms.supported_schemes()
    }
}

/// Where this machine reaches a server listening on `listen`: an unspecified address
/// (0.0.0.0, ::) is reached on loopback.
fn local_addr(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspecified_listen_address_is_probed_on_loopback() {
        assert_eq!(local_addr("0.0.0.0:8080".parse().unwrap()).to_string(), "127.0.0.1:8080");
        assert_eq!(local_addr("[::]:8080".parse().unwrap()).to_string(), "[::1]:8080");
        assert_eq!(local_addr("10.0.0.4:80".parse().unwrap()).to_string(), "10.0.0.4:80");
    }
}
