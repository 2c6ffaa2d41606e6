//! Logs to stderr through `tracing`. Warnings and errors always reach it
//! (a record left out, keys that cannot be fetched again), so that
//! nothing goes wrong without a word, `-v` or not; `-v` adds where the
//! credentials came from and each request (never a secret: the client's
//! logs name access keys and sources only); `-vv` everything at debug.
//!
//! The request pipeline's own warnings (a request failed, is retried, or
//! met the service's quota) are about single requests, which are `-v`'s:
//! without it, a request that fails for good is the one error line the
//! command ends with, and one retried is no failure.

/// The filter of `verbosity` (0: warnings and errors, but single
/// requests' only at `-v`).
fn filter(verbosity: u8) -> &'static str {
    match verbosity {
        0 => "warn,hss_client::runtime::pipeline=error",
        1 => "warn,hss_client=debug,hss_cli=info",
        _ => "debug",
    }
}

/// Starts logging at `verbosity`. A second call changes nothing.
pub fn init(verbosity: u8) {
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter(verbosity)))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::filter;

    #[test]
    fn warnings_pass_at_every_verbosity() {
        for verbosity in 0..=3 {
            let filter = tracing_subscriber::EnvFilter::new(filter(verbosity));
            let most = filter.max_level_hint().expect("a level");
            assert!(
                most >= tracing::level_filters::LevelFilter::WARN,
                "-v x{verbosity}: {most}"
            );
        }
    }
}
