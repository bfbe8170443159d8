//! Host names to addresses without libc: `/etc/hosts`, then DNS as `/etc/resolv.conf` says.
//!
//! The runner is a static executable copied into images of every kind (alpine, distroless,
//! busybox), so it never calls `getaddrinfo`: a static glibc would `dlopen` whatever NSS
//! modules the image's `nsswitch.conf` names (mdns, resolve, ldap: built for another glibc,
//! if there at all). hickory-resolver (pure Rust, tokio, no DNSSEC/DoT/DoH) reads the same
//! two files libc would, in libc's default order (`hosts: files dns`): a name found in the
//! hosts file is never asked of DNS. As with glibc, a `resolv.conf` that is missing or names
//! no `nameserver` means the server on this machine (`127.0.0.1`). IP literals never reach
//! here.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::str::FromStr;

use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::op::Query;
use hickory_resolver::proto::rr::{Name, RecordType};
use hickory_resolver::system_conf::parse_resolv_conf;
use hickory_resolver::{Hosts, TokioResolver};

/// The hosts file read before DNS.
pub const HOSTS_FILE: &str = "/etc/hosts";
/// The DNS configuration (nameservers, search domains, `ndots`, timeouts).
pub const RESOLV_CONF: &str = "/etc/resolv.conf";

/// A resolver configured from a hosts file and a `resolv.conf`.
pub struct NameResolver {
    hosts: Hosts,
    /// DNS only: the hosts table is asked first, here.
    resolver: TokioResolver,
    /// The nameservers asked, for messages (`10.96.0.10, 10.96.0.11`).
    nameservers: String,
}

impl NameResolver {
    /// The system's: [`HOSTS_FILE`] and [`RESOLV_CONF`], read now.
    pub fn system() -> Self {
        Self::from_files(Path::new(HOSTS_FILE), Path::new(RESOLV_CONF))
    }

    /// From these files; an unreadable hosts file counts as empty, an unreadable or
    /// nameserver-less `resolv.conf` as `nameserver 127.0.0.1` (glibc's defaults).
    pub fn from_files(hosts: &Path, resolv_conf: &Path) -> Self {
        let (config, options) = std::fs::read(resolv_conf)
            .ok()
            .and_then(|text| parse_resolv_conf(text).ok())
            .unwrap_or_else(|| {
                let local = NameServerConfig::udp_and_tcp(IpAddr::V4(Ipv4Addr::LOCALHOST));
                (
                    ResolverConfig::from_name_servers(vec![local]),
                    ResolverOpts::default(),
                )
            });
        let mut table = Hosts::default();
        if let Ok(file) = std::fs::File::open(hosts) {
            // a line it cannot parse is skipped, as libc does
            let _ = table.read_hosts_conf(file);
        }
        Self::with(config, options, table)
    }

    /// From a parsed configuration and hosts table.
    fn with(config: ResolverConfig, mut options: ResolverOpts, hosts: Hosts) -> Self {
        let nameservers = config
            .name_servers()
            .iter()
            .map(|server| server.ip.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        // DNS only: `addresses` asks the hosts table first, itself
        options.use_hosts_file = ResolveHosts::Never;
        let resolver = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
            .with_options(options)
            .build()
            .expect("only DNS-over-TLS settings make `build` fail, and this build has none");
        Self {
            hosts,
            resolver,
            nameservers,
        }
    }

    /// The addresses the hosts table has for `host` (IPv4 first), if any.
    fn in_hosts_file(&self, host: &str) -> Option<Vec<IpAddr>> {
        let name = Name::from_str(host).ok()?;
        let found: Vec<IpAddr> = [RecordType::A, RecordType::AAAA]
            .into_iter()
            .filter_map(|kind| {
                self.hosts
                    .lookup_static_host(&Query::query(name.clone(), kind))
            })
            .flat_map(|lookup| {
                let answers = lookup.answers().to_vec();
                answers
                    .into_iter()
                    .filter_map(|record| record.data.ip_addr())
            })
            .collect();
        (!found.is_empty()).then_some(found)
    }

    /// The addresses of `host` (IPv4 first, as libc orders them by default), or why there
    /// are none.
    pub async fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, String> {
        if let Some(found) = self.in_hosts_file(host) {
            return Ok(found);
        }
        match self.resolver.lookup_ip(host).await {
            Ok(found) => {
                let addresses: Vec<IpAddr> = found.iter().collect();
                if addresses.is_empty() {
                    Err(self.not_found())
                } else {
                    Ok(addresses)
                }
            }
            Err(e) if e.is_no_records_found() => Err(self.not_found()),
            Err(e) => Err(format!(
                "not in {HOSTS_FILE}, and asking DNS ({}) failed: {e}",
                self.nameservers
            )),
        }
    }

    /// Why a lookup still had no answer when its time ran out.
    pub fn no_answer(&self, within: std::time::Duration) -> String {
        format!(
            "not in {HOSTS_FILE}, and DNS ({}) gave no answer within {within:?}",
            self.nameservers
        )
    }

    fn not_found(&self) -> String {
        format!(
            "no address in {HOSTS_FILE} or DNS ({}); check the host name",
            self.nameservers
        )
    }
}

#[cfg(test)]
mod tests {
    use std::net::UdpSocket;
    use std::time::Duration;

    use hickory_resolver::config::ConnectionConfig;

    use super::*;

    fn files(hosts: &str, resolv_conf: &str) -> (tempfile::TempDir, NameResolver) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(dir.path().join("hosts"), hosts).expect("hosts");
        std::fs::write(dir.path().join("resolv.conf"), resolv_conf).expect("resolv.conf");
        let resolver =
            NameResolver::from_files(&dir.path().join("hosts"), &dir.path().join("resolv.conf"));
        (dir, resolver)
    }

    #[tokio::test]
    async fn the_hosts_file_answers_before_dns() {
        let (_dir, resolver) = files(
            "# comment\n127.0.0.1 localhost\n10.1.2.3 db.internal db\n::1 db6.internal\n",
            // never asked: a name in the hosts file does not reach DNS
            "nameserver 127.0.0.53\n",
        );
        assert_eq!(
            resolver.addresses("db.internal").await,
            Ok(vec!["10.1.2.3".parse().expect("an address")])
        );
        assert_eq!(
            resolver.addresses("db6.internal").await,
            Ok(vec!["::1".parse().expect("an address")])
        );
        assert_eq!(resolver.nameservers, "127.0.0.53");
    }

    #[tokio::test]
    async fn without_resolv_conf_dns_is_the_local_server_as_in_glibc() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let resolver = NameResolver::from_files(&dir.path().join("none"), &dir.path().join("none"));
        assert_eq!(resolver.nameservers, "127.0.0.1");
    }

    /// A nameserver on a loopback port that answers every query with NXDOMAIN.
    fn nxdomain_server() -> (UdpSocket, u16) {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("a UDP socket");
        let port = socket.local_addr().expect("its address").port();
        let server = socket.try_clone().expect("a second handle");
        std::thread::spawn(move || {
            let mut buffer = [0u8; 512];
            while let Ok((len, peer)) = server.recv_from(&mut buffer) {
                let mut reply = buffer[..len].to_vec();
                if reply.len() < 12 {
                    continue;
                }
                reply[2] |= 0x80; // a response
                reply[3] = 0x80 | 3; // recursion available, NXDOMAIN
                reply[10] = 0; // no additional records (the query's EDNS record is dropped)
                reply[11] = 0;
                let question_end = reply[12..]
                    .iter()
                    .position(|&b| b == 0)
                    .map_or(reply.len(), |end| 12 + end + 5);
                reply.truncate(question_end);
                let _ = server.send_to(&reply, peer);
            }
        });
        (socket, port)
    }

    fn config_for(port: u16) -> ResolverConfig {
        let mut udp = ConnectionConfig::udp();
        udp.port = port;
        let mut server = NameServerConfig::udp(IpAddr::V4(Ipv4Addr::LOCALHOST));
        server.connections = vec![udp];
        ResolverConfig::from_name_servers(vec![server])
    }

    #[tokio::test]
    async fn a_name_dns_does_not_know_says_so_naming_the_nameservers() {
        let (_server, port) = nxdomain_server();
        let resolver =
            NameResolver::with(config_for(port), ResolverOpts::default(), Hosts::default());
        let error = resolver
            .addresses("nowhere.invalid")
            .await
            .expect_err("NXDOMAIN");
        assert_eq!(
            error,
            "no address in /etc/hosts or DNS (127.0.0.1); check the host name"
        );
    }

    #[tokio::test]
    async fn a_silent_nameserver_is_a_failure_not_a_hang() {
        // bound and never read: queries go unanswered
        let silent = UdpSocket::bind("127.0.0.1:0").expect("a UDP socket");
        let port = silent.local_addr().expect("its address").port();
        let mut options = ResolverOpts::default();
        options.timeout = Duration::from_millis(200);
        options.attempts = 1;
        let resolver = NameResolver::with(config_for(port), options, Hosts::default());
        let error = tokio::time::timeout(Duration::from_secs(10), resolver.addresses("db.test"))
            .await
            .expect("the resolver's own timeout ends the lookup")
            .expect_err("no answer");
        assert!(
            error.starts_with("not in /etc/hosts, and asking DNS (127.0.0.1) failed:"),
            "{error}"
        );
        assert!(
            resolver
                .no_answer(Duration::from_secs(10))
                .contains("within 10s")
        );
    }
}
