//! `plivo-stream`: see `plivo-stream --help` and the man page plivo-stream(1).

use std::io::{stderr, stdout};
use std::process::ExitCode;

fn main() -> ExitCode {
    let status = plivo_stream::run(
        std::env::args_os(),
        &mut stdout().lock(),
        &mut stderr().lock(),
    );
    ExitCode::from(u8::try_from(status).unwrap_or(u8::MAX))
}
