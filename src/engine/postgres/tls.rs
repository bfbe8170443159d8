//! TLS to PostgreSQL (rustls, ring), with libpq's `sslmode` and `sslrootcert` meanings.
//!
//! tokio-postgres itself only knows `sslmode=disable|prefer|require` and no `sslrootcert`, so
//! both are taken off the URL here: `disable` plain; `prefer` (the default) TLS when the server
//! offers it; `require` TLS without checking the certificate (as libpq does — unless
//! `sslrootcert` is given, which makes it `verify-ca`); `verify-ca` the chain must lead to a
//! trusted root; `verify-full` also the host name. Trusted roots: the `sslrootcert` file, or
//! the Mozilla roots (`webpki-roots`: Neon, RDS, Supabase, Cloud SQL use public CAs).

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::engine::error::EngineError;

/// How much of the server's certificate to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it, certificate not checked.
    Prefer,
    /// TLS, certificate not checked.
    Require,
    /// TLS, chain checked against the trusted roots.
    VerifyCa,
    /// TLS, chain and host name checked.
    VerifyFull,
}

/// The TLS settings of a URL, and the URL without them.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    /// The URL as tokio-postgres takes it.
    pub url: String,
    /// The mode.
    pub mode: TlsMode,
    /// `sslrootcert`: a PEM file of trusted roots.
    pub root_cert: Option<PathBuf>,
}

impl TlsSettings {
    /// Takes `sslmode` and `sslrootcert` off a `postgres://` URL (other forms pass through).
    pub fn from_url(url: &str, redacted: &str) -> Result<Self, EngineError> {
        let invalid = |message: String| EngineError::InvalidUrl {
            message: format!("{redacted}: {message}"),
        };
        let (base, query) = match url.split_once('?') {
            Some((base, query)) if url.contains("://") => (base, query),
            _ => {
                return Ok(Self {
                    url: url.to_owned(),
                    mode: TlsMode::Prefer,
                    root_cert: None,
                });
            }
        };
        let mut mode = TlsMode::Prefer;
        let mut root_cert = None;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "sslmode" => {
                    mode = match value {
                        "disable" => TlsMode::Disable,
                        "allow" | "prefer" => TlsMode::Prefer,
                        "require" => TlsMode::Require,
                        "verify-ca" => TlsMode::VerifyCa,
                        "verify-full" => TlsMode::VerifyFull,
                        other => {
                            return Err(invalid(format!(
                                "sslmode={other} is not one of disable, allow, prefer, require, verify-ca, verify-full"
                            )));
                        }
                    }
                }
                "sslrootcert" => root_cert = Some(PathBuf::from(percent_decode(value))),
                _ => kept.push(pair),
            }
        }
        if mode == TlsMode::Require && root_cert.is_some() {
            mode = TlsMode::VerifyCa;
        }
        let url = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        Ok(Self {
            url,
            mode,
            root_cert,
        })
    }

    /// The tokio-postgres mode.
    pub fn ssl_mode(&self) -> SslMode {
        match self.mode {
            TlsMode::Disable => SslMode::Disable,
            TlsMode::Prefer => SslMode::Prefer,
            _ => SslMode::Require,
        }
    }

    /// The connector (also used for cancel requests).
    pub fn connector(&self) -> Result<MakeRustlsConnect, EngineError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error(e.to_string()))?;
        let verifier: Arc<dyn ServerCertVerifier> = match self.mode {
            TlsMode::Disable | TlsMode::Prefer | TlsMode::Require => {
                Arc::new(AnyCertificate(provider))
            }
            TlsMode::VerifyCa | TlsMode::VerifyFull => {
                let roots = Arc::new(self.roots()?);
                let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider)
                    .build()
                    .map_err(|e| tls_error(e.to_string()))?;
                if self.mode == TlsMode::VerifyCa {
                    Arc::new(AnyName(webpki))
                } else {
                    webpki
                }
            }
        };
        let config = builder
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(MakeRustlsConnect::new(config))
    }

    fn roots(&self) -> Result<RootCertStore, EngineError> {
        let mut roots = RootCertStore::empty();
        match &self.root_cert {
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            Some(path) => {
                let certs = CertificateDer::pem_file_iter(path)
                    .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| tls_error(format!("sslrootcert {}: {e}", path.display())))?;
                let (added, _) = roots.add_parsable_certificates(certs);
                if added == 0 {
                    return Err(tls_error(format!(
                        "sslrootcert {}: no certificate in it",
                        path.display()
                    )));
                }
            }
        }
        Ok(roots)
    }
}

fn tls_error(message: String) -> EngineError {
    EngineError::InvalidSetting {
        setting: "TLS (sslmode/sslrootcert)",
        message,
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `require`/`prefer`: encrypt, accept any certificate (signatures are still checked).
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted root; the host name is not checked.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_libpq_parameters_off_the_url() {
        let tls = TlsSettings::from_url(
            "postgres://u:p@db/app?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=x",
            "redacted",
        )
        .expect("valid");
        assert_eq!(tls.url, "postgres://u:p@db/app?application_name=x");
        assert_eq!(tls.mode, TlsMode::VerifyFull);
        assert_eq!(tls.root_cert, Some(PathBuf::from("/etc/ca.pem")));
        let plain = TlsSettings::from_url("postgres://db/app", "r").expect("valid");
        assert_eq!(
            (plain.url.as_str(), plain.mode),
            ("postgres://db/app", TlsMode::Prefer)
        );
        let pinned =
            TlsSettings::from_url("postgres://db/app?sslmode=require&sslrootcert=ca.pem", "r")
                .expect("valid");
        assert_eq!(
            pinned.mode,
            TlsMode::VerifyCa,
            "libpq: require with a root file verifies the CA"
        );
        let error = TlsSettings::from_url("postgres://db/app?sslmode=always", "postgres://db/app")
            .expect_err("invalid");
        assert!(error.to_string().contains("sslmode=always"), "{error}");
    }
}
