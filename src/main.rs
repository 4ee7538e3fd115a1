//! The `secrets` command: parses arguments, calls the library, maps errors to exit codes.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
