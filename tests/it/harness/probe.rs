//! Each daemon's own protocol, spoken just enough to prove it answers:
//! Redis `PING`, an HTTP/1.0 GET, the MySQL-protocol greeting that Sphinx
//! sends on connect, memcached `version`, and PostgreSQL's own clients.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;

const IO_TIMEOUT: Duration = Duration::from_secs(10);

fn connect(port: u16) -> TcpStream {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let stream = TcpStream::connect_timeout(&address, IO_TIMEOUT)
        .unwrap_or_else(|error| panic!("connecting to 127.0.0.1:{port}: {error}"));
    stream.set_read_timeout(Some(IO_TIMEOUT)).expect("timeout");
    stream.set_write_timeout(Some(IO_TIMEOUT)).expect("timeout");
    stream
}

/// True when a TCP connection to 127.0.0.1:`port` succeeds.
pub fn accepts(port: u16) -> bool {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&address, Duration::from_secs(2)).is_ok()
}

/// Sends `request` and reads until the first line is complete.
fn first_line(port: u16, request: &[u8]) -> String {
    let mut stream = connect(port);
    stream.write_all(request).expect("sending a request");
    let mut reply = Vec::new();
    let mut byte = [0u8; 1];
    while !reply.ends_with(b"\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => reply.push(byte[0]),
            Ok(_) => break,
            Err(error) => panic!("reading from 127.0.0.1:{port}: {error}"),
        }
    }
    String::from_utf8_lossy(&reply).trim_end().to_string()
}

/// Redis' answer to `PING` ("+PONG").
pub fn redis_ping(port: u16) -> String {
    first_line(port, b"PING\r\n")
}

/// memcached's answer to `version` ("VERSION 1.6.18").
pub fn memcached_version(port: u16) -> String {
    first_line(port, b"version\r\n")
}

/// An HTTP/1.0 GET: the status code and the body.
pub fn http_get(port: u16, path: &str) -> (u16, String) {
    let mut stream = connect(port);
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("sending a GET");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .unwrap_or_else(|error| panic!("reading the response of {port}: {error}"));
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    (status, body.to_string())
}

/// The server version of the MySQL-protocol greeting (HandshakeV10) that a
/// server sends first on connect: 3-byte length, sequence id, protocol 10,
/// then the NUL-terminated version.
pub fn mysql_greeting(port: u16) -> String {
    let mut stream = connect(port);
    let mut header = [0u8; 4];
    stream
        .read_exact(&mut header)
        .expect("reading the greeting header");
    let length = u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize;
    let mut payload = vec![0u8; length];
    stream
        .read_exact(&mut payload)
        .expect("reading the greeting");
    assert_eq!(payload[0], 10, "protocol version of the greeting");
    let end = payload[1..]
        .iter()
        .position(|&byte| byte == 0)
        .expect("a NUL-terminated server version");
    String::from_utf8_lossy(&payload[1..1 + end]).into_owned()
}

/// Runs a PostgreSQL client program against 127.0.0.1:`port`: its exit
/// status and standard output.
pub fn pg_client(program: &str, port: u16, extra: &[&str]) -> (bool, String) {
    let output = Command::new(program)
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
        .args(extra)
        .output()
        .unwrap_or_else(|error| panic!("running {program}: {error}"));
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).trim().to_string(),
    )
}
