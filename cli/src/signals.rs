//! The signals that stop a long-running command: SIGINT and SIGTERM.

/// Resolves when the process is asked to stop (SIGINT or SIGTERM; Ctrl-C
/// where there are no Unix signals). If a handler cannot be installed, it
/// never resolves, and the process stops as it would without one.
pub async fn stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut interrupt), Ok(mut terminate)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
