//! The signals a long-running command answers: SIGINT and SIGTERM stop
//! it; SIGHUP, which logrotate's `postrotate` sends by convention, asks it
//! to reopen its output, and never ends it.
//!
//! The handlers are installed when [`Signals::install`] is called, before
//! anything else a command does, so that a signal that comes early is not
//! met by the default action (which for SIGHUP ends the process).

#[cfg(unix)]
use tokio::signal::unix::{Signal, SignalKind, signal};

/// The stop and hang-up signals of this process.
#[derive(Debug)]
pub struct Signals {
    /// Resolves on SIGINT or SIGTERM.
    pub stop: Stop,
    /// Resolves on each SIGHUP.
    pub hangup: Hangup,
}

impl Signals {
    /// Installs the handlers. A handler that cannot be installed never
    /// fires, and the process then meets that signal as it would without
    /// one.
    pub fn install() -> Self {
        #[cfg(unix)]
        {
            Signals {
                stop: Stop {
                    interrupt: signal(SignalKind::interrupt()).ok(),
                    terminate: signal(SignalKind::terminate()).ok(),
                },
                hangup: Hangup {
                    hangup: signal(SignalKind::hangup()).ok(),
                },
            }
        }
        #[cfg(not(unix))]
        {
            Signals {
                stop: Stop {},
                hangup: Hangup {},
            }
        }
    }
}

/// SIGINT and SIGTERM (Ctrl-C where there are no Unix signals).
#[derive(Debug)]
pub struct Stop {
    #[cfg(unix)]
    interrupt: Option<Signal>,
    #[cfg(unix)]
    terminate: Option<Signal>,
}

impl Stop {
    /// Resolves when the process is asked to stop.
    pub async fn recv(&mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                Some(()) = next(&mut self.interrupt) => {}
                Some(()) = next(&mut self.terminate) => {}
                else => std::future::pending::<()>().await,
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// SIGHUP.
#[derive(Debug)]
pub struct Hangup {
    #[cfg(unix)]
    hangup: Option<Signal>,
}

impl Hangup {
    /// Resolves on the next SIGHUP; never where there is none.
    pub async fn recv(&mut self) {
        #[cfg(unix)]
        {
            if next(&mut self.hangup).await.is_some() {
                return;
            }
        }
        std::future::pending::<()>().await;
    }
}

/// The next delivery of `signal`; `None` when it has no handler.
#[cfg(unix)]
async fn next(signal: &mut Option<Signal>) -> Option<()> {
    match signal {
        Some(signal) => signal.recv().await,
        None => None,
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hangup_is_received_and_the_process_lives_on() {
        let mut signals = Signals::install();
        // Sent to this process with kill, as logrotate's postrotate sends
        // it.
        let status = std::process::Command::new("kill")
            .args(["-HUP", &std::process::id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        tokio::time::timeout(std::time::Duration::from_secs(30), signals.hangup.recv())
            .await
            .unwrap();
    }
}
