//! `hss`: see the `hss_cli` library.

fn main() -> std::process::ExitCode {
    hss_cli::app::main()
}
