//! A small video-probing service in the spirit of a serverless function:
//! POST the first bytes of a media file to /probe, or a JSON job to /jobs,
//! and get JSON back. `rust-app --self-test` prints what the C code says.

mod probe;

use serde::{Deserialize, Serialize};
use std::io::Read;
use tiny_http::{Header, Method, Response, Server};

#[derive(Serialize)]
struct Probe<'a> {
    container: &'a str,
    bytes: usize,
    c_arch: &'a str,
}

#[derive(Deserialize)]
struct Job {
    url: String,
    #[serde(default)]
    formats: Vec<String>,
}

#[derive(Serialize)]
struct JobAnswer {
    url: String,
    extension: Option<String>,
    accepted: bool,
}

// The first 12 bytes of an MP4 file, for --self-test.
const MP4_HEAD: &[u8] = b"\x00\x00\x00\x18ftypisom";

fn job(body: &str) -> Result<JobAnswer, serde_json::Error> {
    let job: Job = serde_json::from_str(body)?;
    let path = job.url.split(['?', '#']).next().unwrap_or_default();
    let extension = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let accepted = match &extension {
        Some(e) => job.formats.is_empty() || job.formats.iter().any(|f| f == e),
        None => false,
    };
    Ok(JobAnswer { url: job.url, extension, accepted })
}

fn json<T: Serialize>(status: u16, v: &T) -> Response<std::io::Cursor<Vec<u8>>> {
    let body = serde_json::to_vec(v).expect("serializable");
    Response::from_data(body)
        .with_status_code(status)
        .with_header(Header::from_bytes("Content-Type", "application/json").expect("header"))
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--self-test") {
        println!("probe: {} (C code compiled for {})", probe::container(MP4_HEAD), probe::c_arch());
        return;
    }
    // ADDR, or Function Compute's custom runtime port, or 8080.
    let addr = std::env::var("ADDR").unwrap_or_else(|_| {
        let port = std::env::var("FC_SERVER_PORT").unwrap_or_else(|_| "8080".into());
        format!("0.0.0.0:{port}")
    });
    let server = Server::http(&addr).expect("listen");
    eprintln!("rust-app listening on {addr}");
    for mut req in server.incoming_requests() {
        let mut body = Vec::new();
        let _ = req.as_reader().take(1 << 20).read_to_end(&mut body);
        let resp = match (req.method(), req.url()) {
            (Method::Get, "/healthz") => Response::from_string("ok").boxed(),
            (Method::Post, "/probe") => json(200, &Probe {
                container: probe::container(&body),
                bytes: body.len(),
                c_arch: probe::c_arch(),
            })
            .boxed(),
            (Method::Post, "/jobs") => match job(&String::from_utf8_lossy(&body)) {
                Ok(a) => json(200, &a).boxed(),
                Err(e) => json(400, &serde_json::json!({ "error": e.to_string() })).boxed(),
            },
            _ => Response::from_string("not found").with_status_code(404).boxed(),
        };
        let _ = req.respond(resp);
    }
}
