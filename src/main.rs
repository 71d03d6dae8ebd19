//! The `serverless-guide` command line: one subcommand per job, each a thin
//! face on the library (the MCP server is the other face).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_tracing(&args.global, matches!(args.command, cli::Command::Serve(_)));
    match cli::run(args) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // Input and usage problems: a clear message, exit 2, never a panic.
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
