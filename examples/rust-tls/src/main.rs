//! rust-tls connects to HOST:PORT over TLS with the system's OpenSSL,
//! trusting the CA in CA_FILE, and prints what was negotiated.
use openssl::ssl::{SslConnector, SslMethod};
use std::io::{Read, Write};
use std::net::TcpStream;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: rust-tls HOST:PORT CA_FILE");
        std::process::exit(2);
    }
    let mut builder = SslConnector::builder(SslMethod::tls_client()).expect("TLS context");
    builder.set_ca_file(&args[2]).expect("CA file");
    let connector = builder.build();
    let tcp = TcpStream::connect(&args[1]).expect("connect");
    let mut tls = connector.connect("localhost", tcp).expect("TLS handshake");
    tls.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n").expect("write");
    let mut response = String::new();
    let _ = tls.read_to_string(&mut response);
    println!(
        "handshake: {} {} with {} on {}",
        tls.ssl().version_str(),
        tls.ssl().current_cipher().map(|c| c.name()).unwrap_or("?"),
        openssl::version::version(),
        std::env::consts::ARCH
    );
    println!("body: {}", response.lines().last().unwrap_or(""));
}
