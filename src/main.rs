//! The `serverless-guide` command line: one subcommand per job, each a thin
//! face on the library (the MCP server is the other face).

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let serving = matches!(args.command, cli::Command::Serve(_));
    if !serving {
        restore_default_sigpipe();
    }
    cli::init_tracing(&args.global, serving);
    match cli::run(args) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // Input and usage problems: a clear message, exit 2, never a panic.
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// `serverless-guide search ... | head` must end quietly when the reader goes
/// away, as other Unix tools do, rather than panic in `println!`. Servers keep
/// Rust's default (SIGPIPE ignored) so a vanished client never kills them.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called once at startup, before any thread is spawned.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
