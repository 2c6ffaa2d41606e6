//! `-v`: logs to stderr through `tracing`. `-v` shows where the
//! credentials came from and each request (never a secret: the client's
//! logs name access keys and sources only); `-vv` everything at debug.

/// Starts logging at `verbosity` (0: none). A second call changes nothing.
pub fn init(verbosity: u8) {
    let filter = match verbosity {
        0 => return,
        1 => "hss_client=debug,hss_cli=info",
        _ => "debug",
    };
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .try_init();
}
