//! bench/peers/tokio/src/bin/http_server.rs — the tokio peer of the HTTP server benchmark
//! (bench/peers/README.md, "HTTP server"): hyper 0.14's HTTP/1.1 server on a current_thread
//! runtime.
//!
//! Usage: http_server --port PORT
//!
//! Answers GET /json with {"message":"Hello, World!"} (application/json) on 127.0.0.1:PORT,
//! and 404 elsewhere; prints "ready" once listening. The body is a constant: Debian's crate
//! registry has no serde_json. SIGTERM ends the process (the default disposition).

use std::convert::Infallible;
use std::net::SocketAddr;

use hyper::service::{make_service_fn, service_fn};
use hyper::{Body, Request, Response, Server, StatusCode};

const HELLO: &str = r#"{"message":"Hello, World!"}"#;

async fn hello(request: Request<Body>) -> Result<Response<Body>, Infallible> {
    if request.uri().path() == "/json" {
        Ok(Response::builder()
            .header("Content-Type", "application/json")
            .body(Body::from(HELLO))
            .unwrap())
    } else {
        Ok(Response::builder().status(StatusCode::NOT_FOUND).body(Body::empty()).unwrap())
    }
}

fn usage() -> ! {
    eprintln!("usage: http_server --port PORT");
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 2 || args[0] != "--port" {
        usage();
    }
    let port: u16 = args[1].parse().unwrap_or_else(|_| usage());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async move {
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let make = make_service_fn(|_| async { Ok::<_, Infallible>(service_fn(hello)) });
        let server = Server::bind(&address).tcp_nodelay(true).serve(make);
        println!("ready");
        if let Err(e) = server.await {
            eprintln!("http_server: {e}");
            std::process::exit(1);
        }
    });
}
