//! Where to connect: the URL's host names resolved by the engine's own resolver (never libc),
//! handed to tokio-postgres as `hostaddr`, while the names stay for TLS (SNI, `verify-full`)
//! and for messages.

use std::net::IpAddr;
use std::time::Duration;

use tokio::time::Instant;
use tokio_postgres::Config;
use tokio_postgres::config::Host;

use crate::engine::error::EngineError;
use crate::engine::resolve::NameResolver;

/// Resolves the host names of `config` before `deadline` (`within` after the connect began)
/// and gives every host its `hostaddr`: the first address of each host, in order; the further
/// addresses of a name become more hosts (with their ports), tried after the first address of
/// every host. A URL that sets `hostaddr` itself, or names only IP addresses and Unix sockets,
/// is left as it is (tokio-postgres reads IP literals without a lookup).
pub(super) async fn resolve_hosts(
    config: &mut Config,
    target: &str,
    deadline: Instant,
    within: Duration,
) -> Result<(), EngineError> {
    let hosts = config.get_hosts().to_vec();
    let is_name = |host: &Host| matches!(host, Host::Tcp(h) if h.parse::<IpAddr>().is_err());
    if !config.get_hostaddrs().is_empty() || !hosts.iter().any(is_name) {
        return Ok(());
    }
    if hosts.iter().any(|host| matches!(host, Host::Unix(_))) {
        return Err(EngineError::InvalidUrl {
            message: format!(
                "{target}: host names cannot be listed together with Unix-socket directories; \
                 give the TCP hosts as IP addresses, or connect to one kind"
            ),
        });
    }
    let resolver = NameResolver::system();
    let mut resolved: Vec<(String, IpAddr, Vec<IpAddr>)> = Vec::with_capacity(hosts.len());
    for host in &hosts {
        let Host::Tcp(name) = host else { continue };
        let addresses = match name.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => tokio::time::timeout_at(deadline, resolver.addresses(name))
                .await
                .unwrap_or_else(|_| Err(resolver.no_answer(within)))
                .map_err(|reason| EngineError::Unresolved {
                    target: target.to_owned(),
                    host: name.clone(),
                    reason,
                })?,
        };
        if let Some((first, rest)) = addresses.split_first() {
            resolved.push((name.clone(), *first, rest.to_vec()));
        }
    }
    for (_, first, _) in &resolved {
        config.hostaddr(*first);
    }
    let ports = config.get_ports().to_vec();
    for (index, (name, _, rest)) in resolved.iter().enumerate() {
        for address in rest {
            config.host(name).hostaddr(*address);
            if let Some(port) = ports.get(index).filter(|_| ports.len() > 1) {
                config.port(*port);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn resolved(url: &str) -> Result<Config, EngineError> {
        let mut config: Config = url.parse().expect("a valid URL");
        let within = Duration::from_secs(5);
        resolve_hosts(&mut config, "target", Instant::now() + within, within)
            .await
            .map(|()| config)
    }

    #[tokio::test]
    async fn ip_literals_and_unix_sockets_need_no_lookup() {
        for url in [
            "postgres://u@127.0.0.1:5432/db",
            "postgres://u@[::1]:5432/db",
            "postgres://u@%2Frun%2Fpostgresql/db",
            "postgres://u@127.0.0.1,10.0.0.2/db",
        ] {
            let config = resolved(url).await.expect("nothing to resolve");
            assert!(config.get_hostaddrs().is_empty(), "{url}");
        }
    }

    #[tokio::test]
    async fn a_name_gets_its_address_and_keeps_its_name_for_tls() {
        // every machine's /etc/hosts has localhost
        let config = resolved("postgres://u@localhost:5433,127.0.0.2:5434/db?sslmode=disable")
            .await
            .expect("localhost resolves");
        let hosts = config.get_hosts();
        assert_eq!(
            hosts.first(),
            Some(&Host::Tcp("localhost".to_owned())),
            "the name is kept"
        );
        assert_eq!(config.get_hostaddrs().len(), hosts.len());
        assert_eq!(
            config.get_hostaddrs()[1],
            "127.0.0.2".parse::<IpAddr>().expect("an IP")
        );
        assert_eq!(config.get_ports().len(), hosts.len());
        assert!(config.get_hostaddrs()[0].is_loopback());
    }

    #[tokio::test]
    async fn a_given_hostaddr_is_kept_and_names_cannot_mix_with_sockets() {
        let config = resolved("postgres://u@db.example/db?hostaddr=10.0.0.9")
            .await
            .expect("no lookup");
        assert_eq!(
            config.get_hostaddrs(),
            ["10.0.0.9".parse::<IpAddr>().expect("an IP")]
        );
        let error = resolved("postgres://u@db.example,%2Ftmp/db")
            .await
            .expect_err("a name with a socket");
        assert!(error.to_string().contains("Unix-socket"), "{error}");
    }
}
