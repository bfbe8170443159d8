//! HTTPS (`--tls`), which clients need to send credentials: kubectl's clientcmd applies a
//! kubeconfig's token only to an `https://` server. At start the server makes a CA and a
//! serving certificate for 127.0.0.1 and localhost (ECDSA P-256 signed with ring, the X.509
//! DER written here); the CA goes into the written kubeconfig as `certificate-authority-data`,
//! as a kubeadm cluster's kubeconfig carries it.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::ConnectInfo;
use base64::Engine;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// Why the certificates or the TLS configuration could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// ring refused to make or use a key.
    #[error("making a TLS key: {0}")]
    Key(String),
    /// rustls refused the certificate or key.
    #[error("configuring TLS: {0}")]
    Config(#[from] rustls::Error),
}

/// The server's TLS identity: the CA clients trust and the configuration serving with it.
pub struct Identity {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    /// What the acceptor serves.
    pub config: Arc<rustls::ServerConfig>,
}

/// Object identifiers (the content octets of their DER encoding).
mod oid {
    pub const ECDSA_WITH_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    pub const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    pub const PRIME256V1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    pub const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
    pub const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
    pub const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
    pub const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
    pub const EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
    pub const SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
}

/// A DER tag-length-value.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let length = content.len();
    if length < 0x80 {
        out.push(length as u8);
    } else {
        let bytes: Vec<u8> = length
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn object_id(id: &[u8]) -> Vec<u8> {
    tlv(0x06, id)
}

fn bit_string(bytes: &[u8]) -> Vec<u8> {
    tlv(0x03, &[&[0u8][..], bytes].concat())
}

/// `Name` with one common name.
fn name(common_name: &str) -> Vec<u8> {
    let attribute = sequence(&[
        &object_id(oid::COMMON_NAME),
        &tlv(0x0c, common_name.as_bytes()),
    ]);
    sequence(&[&tlv(0x31, &attribute)])
}

/// UTCTime before 2050, GeneralizedTime after, as RFC 5280 asks.
fn time(at: OffsetDateTime) -> Vec<u8> {
    let (h, m, s) = (at.hour(), at.minute(), at.second());
    let (month, day) = (u8::from(at.month()), at.day());
    if at.year() < 2050 {
        let text = format!(
            "{:02}{month:02}{day:02}{h:02}{m:02}{s:02}Z",
            at.year() % 100
        );
        tlv(0x17, text.as_bytes())
    } else {
        let text = format!("{:04}{month:02}{day:02}{h:02}{m:02}{s:02}Z", at.year());
        tlv(0x18, text.as_bytes())
    }
}

fn extension(id: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let critical: &[u8] = if critical { &[0x01, 0x01, 0xff] } else { &[] };
    sequence(&[&object_id(id), critical, &tlv(0x04, value)])
}

fn key_pair(rng: &SystemRandom) -> Result<(Vec<u8>, EcdsaKeyPair), TlsError> {
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, rng)
        .map_err(|e| TlsError::Key(e.to_string()))?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), rng)
        .map_err(|e| TlsError::Key(e.to_string()))?;
    Ok((pkcs8.as_ref().to_vec(), pair))
}

/// An X.509 v3 certificate of `subject`'s `key`, signed by `issuer` with `issuer_key`.
fn certificate(
    rng: &SystemRandom,
    subject: &str,
    key: &EcdsaKeyPair,
    issuer: &str,
    issuer_key: &EcdsaKeyPair,
    extensions: &[Vec<u8>],
) -> Result<Vec<u8>, TlsError> {
    let mut serial: [u8; 16] = rand::random();
    serial[0] = (serial[0] & 0x7f) | 0x01; // positive, minimal
    let algorithm = sequence(&[&object_id(oid::ECDSA_WITH_SHA256)]);
    let now = OffsetDateTime::now_utc();
    let validity = sequence(&[
        &time(now - time::Duration::hours(1)),
        &time(now + time::Duration::days(3650)),
    ]);
    let key_algorithm = sequence(&[&object_id(oid::EC_PUBLIC_KEY), &object_id(oid::PRIME256V1)]);
    let public_key = sequence(&[&key_algorithm, &bit_string(key.public_key().as_ref())]);
    let extensions = tlv(
        0xa3,
        &sequence(&extensions.iter().map(Vec::as_slice).collect::<Vec<_>>()),
    );
    let tbs = sequence(&[
        &[0xa0, 0x03, 0x02, 0x01, 0x02], // version 3
        &tlv(0x02, &serial),
        &algorithm,
        &name(issuer),
        &validity,
        &name(subject),
        &public_key,
        &extensions,
    ]);
    let signature = issuer_key
        .sign(rng, &tbs)
        .map_err(|e| TlsError::Key(e.to_string()))?;
    Ok(sequence(&[
        &tbs,
        &algorithm,
        &bit_string(signature.as_ref()),
    ]))
}

/// A new CA and a serving certificate for 127.0.0.1 and localhost signed by it.
pub fn identity() -> Result<Identity, TlsError> {
    let rng = SystemRandom::new();
    let (_, ca_key) = key_pair(&rng)?;
    let (server_pkcs8, server_key) = key_pair(&rng)?;
    const CA: &str = "kube-standin-ca";
    let ca = certificate(
        &rng,
        CA,
        &ca_key,
        CA,
        &ca_key,
        &[
            extension(
                oid::BASIC_CONSTRAINTS,
                true,
                &sequence(&[&[0x01, 0x01, 0xff]]),
            ),
            // digitalSignature, keyCertSign, cRLSign
            extension(oid::KEY_USAGE, true, &[0x03, 0x02, 0x01, 0x86]),
        ],
    )?;
    let alt_names = sequence(&[&tlv(0x82, b"localhost"), &tlv(0x87, &[127, 0, 0, 1])]);
    let server = certificate(
        &rng,
        "kube-standin",
        &server_key,
        CA,
        &ca_key,
        &[
            extension(oid::BASIC_CONSTRAINTS, true, &sequence(&[])),
            // digitalSignature
            extension(oid::KEY_USAGE, true, &[0x03, 0x02, 0x07, 0x80]),
            extension(
                oid::EXT_KEY_USAGE,
                false,
                &sequence(&[&object_id(oid::SERVER_AUTH)]),
            ),
            extension(oid::SUBJECT_ALT_NAME, false, &alt_names),
        ],
    )?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![
                CertificateDer::from(server),
                CertificateDer::from(ca.clone()),
            ],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_pkcs8)),
        )?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Identity {
        ca_pem: pem(&ca),
        config: Arc::new(config),
    })
}

fn pem(der: &[u8]) -> String {
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(64)
        .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

/// Serves `app` over TLS on `listener` until the listener fails.
pub async fn serve(listener: TcpListener, app: Router, identity: Arc<rustls::ServerConfig>) {
    let acceptor = TlsAcceptor::from(identity);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!(error = %e, "accepting a connection");
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let app = app
            .clone()
            .layer(axum::Extension(ConnectInfo::<SocketAddr>(peer)));
        tokio::spawn(async move {
            let stream = match acceptor.accept(stream).await {
                Ok(stream) => stream,
                Err(e) => {
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                    return;
                }
            };
            let served = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app))
                .with_upgrades()
                .await;
            if let Err(e) = served {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_use_the_long_form_from_128_bytes() {
        assert_eq!(tlv(0x04, &[1, 2]), vec![0x04, 2, 1, 2]);
        let long = tlv(0x04, &[0; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }

    #[test]
    fn the_identity_is_a_ca_pem_and_a_server_config() {
        let identity = identity().unwrap();
        assert!(identity.ca_pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert_eq!(identity.config.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }
}
