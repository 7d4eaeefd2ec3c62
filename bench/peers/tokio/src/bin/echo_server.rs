//! bench/peers/tokio/src/bin/echo_server.rs — the tokio server of the TCP echo benchmark
//! (bench/peers/README.md, "TCP echo").
//!
//! Usage: echo_server [--port] PORT
//!
//! A current_thread runtime; listens on 127.0.0.1:PORT, prints "ready" once listening, and
//! spawns one task per connection that reads into a 64 KiB buffer and writes back what it
//! read (TCP_NODELAY on, as corio, asyncio and Go set it). SIGTERM ends the process (the
//! default disposition).

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn echo(mut stream: TcpStream) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if stream.write_all(&buffer[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

fn usage() -> ! {
    eprintln!("usage: echo_server [--port] PORT");
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port_text = match args.as_slice() {
        [port] => port,
        [flag, port] if flag == "--port" => port,
        _ => usage(),
    };
    let port: u16 = port_text.parse().unwrap_or_else(|_| usage());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("build the tokio runtime");
    let outcome: std::io::Result<()> = runtime.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        println!("ready");
        loop {
            let (stream, _) = listener.accept().await?;
            stream.set_nodelay(true)?;
            tokio::spawn(echo(stream));
        }
    });
    if let Err(e) = outcome {
        eprintln!("echo_server: {e}");
        std::process::exit(1);
    }
}
