//! A tiny authoritative DNS server for the tests: on UDP port 53 of a loopback address it
//! answers `A` queries for one name with one address, the name's other types with no record,
//! and every other name with NXDOMAIN; it counts the queries it saw.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// A running server; stopped when dropped.
pub struct DnsServer {
    address: Ipv4Addr,
    queries: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl DnsServer {
    /// Serves `name` → `answer` on `address:53` (binding port 53 needs root).
    pub fn start(address: Ipv4Addr, name: &str, answer: Ipv4Addr) -> Self {
        let socket = UdpSocket::bind(SocketAddr::from((address, 53))).unwrap_or_else(|e| {
            panic!("binding the test DNS server to {address}:53 (needs root): {e}")
        });
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("a read timeout");
        let queries = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let thread = {
            let (queries, stop) = (Arc::clone(&queries), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut buffer = [0u8; 1500];
                while !stop.load(Ordering::Relaxed) {
                    let Ok((len, peer)) = socket.recv_from(&mut buffer) else {
                        continue;
                    };
                    if let Some(reply) = reply(&buffer[..len], &name, answer) {
                        queries.fetch_add(1, Ordering::Relaxed);
                        let _ = socket.send_to(&reply, peer);
                    }
                }
            })
        };
        Self {
            address,
            queries,
            stop,
            thread: Some(thread),
        }
    }

    /// Its address (for `nameserver` in a resolv.conf).
    pub fn address(&self) -> Ipv4Addr {
        self.address
    }

    /// How many queries it answered.
    pub fn queries(&self) -> usize {
        self.queries.load(Ordering::Relaxed)
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The answer to one query message, or `None` for what is not a query.
fn reply(query: &[u8], name: &str, answer: Ipv4Addr) -> Option<Vec<u8>> {
    let header = query.get(..12)?;
    if header[2] & 0x80 != 0 {
        return None; // a response, not a query
    }
    let mut labels = Vec::new();
    let mut at = 12;
    loop {
        let len = usize::from(*query.get(at)?);
        at += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(query.get(at..at + len)?).to_ascii_lowercase());
        at += len;
    }
    let question = query.get(12..at + 4)?;
    let qtype = u16::from_be_bytes([query[at], query[at + 1]]);
    let known = labels.join(".") == name;
    const A: u16 = 1;
    let mut out = Vec::with_capacity(question.len() + 28);
    out.extend_from_slice(&header[..2]); // the query's id
    out.push(0x84 | (header[2] & 0x01)); // a response, authoritative, recursion desired as asked
    out.push(if known { 0x80 } else { 0x83 }); // recursion available; NOERROR or NXDOMAIN
    let answers: u16 = u16::from(known && qtype == A);
    for count in [1, answers, 0, 0] {
        out.extend_from_slice(&u16::to_be_bytes(count));
    }
    out.extend_from_slice(question);
    if answers == 1 {
        out.extend_from_slice(&[0xc0, 0x0c]); // the name: a pointer to the question's
        out.extend_from_slice(&[0, 1, 0, 1]); // A, IN
        out.extend_from_slice(&60u32.to_be_bytes()); // TTL
        out.extend_from_slice(&4u16.to_be_bytes());
        out.extend_from_slice(&answer.octets());
    }
    Some(out)
}
