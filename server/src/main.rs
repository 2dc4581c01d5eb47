//! plivo-server: a Plivo-compatible local HTTP server (test peer and demo target of libplivo).

mod admin;
mod api;
mod cli;
mod faults;
mod raw;
mod request;
mod response;
mod serve;
mod start_params;
mod state;
mod streams;
mod timefmt;
mod uuid1;

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};

use crate::cli::Cli;
use crate::state::State;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(usize::from(cli.workers))
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("plivo-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(run(cli));
    runtime.shutdown_timeout(Duration::from_secs(1));
    code
}

/// Writes `contents` to `path` through a temporary file and a rename.
fn write_atomically(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, path)
}

async fn run(cli: Cli) -> ExitCode {
    let addr = match cli.listen_addr() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("plivo-server: {msg}");
            return ExitCode::from(2);
        }
    };
    let mut state = State::new(
        cli.auth_id(),
        cli.auth_token(),
        cli.verbose,
        cli.request_log_limit,
    );
    state.latency = std::time::Duration::from_millis(cli.latency_ms.into());
    let state = Arc::new(state);
    for seed in &cli.seed {
        state.seed(&seed.call, &seed.streams);
    }
    let listener = match TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("plivo-server: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let local = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("plivo-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &cli.port_file {
        if let Err(e) = write_atomically(path, &format!("{}\n", local.port())) {
            eprintln!("plivo-server: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    // Both handlers are installed before the URL is printed, so a signal sent by anyone
    // who has read the URL ends the server cleanly.
    let (mut sigterm, mut sigint) = match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(term), Ok(int)) => (term, int),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("plivo-server: cannot handle signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "http://{local}/v1/");
        let _ = out.flush();
    }
    eprintln!(
        "plivo-server: listening on {local} (auth id {})",
        state.auth_id
    );

    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _peer)) => {
                    let conn = state.next_connection();
                    tokio::spawn(serve::serve_connection(state.clone(), tcp, conn));
                }
                Err(e) => {
                    // E.g. out of file descriptors: back off instead of spinning.
                    eprintln!("plivo-server: accept: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            _ = sigint.recv() => break,
            _ = sigterm.recv() => break,
        }
    }
    eprintln!("plivo-server: shutting down");
    ExitCode::SUCCESS
}
