//! Progress on stderr: records done out of the total, the rate and the
//! time left. Drawn only when stderr is a terminal and `--quiet` is not
//! given.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The progress of one export.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar on stderr, hidden when `quiet` or when stderr is not a
    /// terminal.
    pub fn new(quiet: bool) -> Self {
        let shown = !quiet && std::io::stderr().is_terminal();
        let target = if shown {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        let style = ProgressStyle::with_template(
            "{bar:30} {human_pos}/{human_len} records  {rate}  ETA {eta}",
        )
        .map(|style| {
            style.with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{}", rate(state.per_sec()));
                },
            )
        })
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Progress { bar }
    }

    /// Sets the total once it is known, and the records already done.
    pub fn start(&self, total: Option<i64>, done: u64) {
        if let Some(total) = total.and_then(|t| u64::try_from(t).ok()) {
            self.bar.set_length(total);
        }
        self.bar.set_position(done);
        self.bar.reset_eta();
    }

    /// The total grew or shrank (the list moved).
    pub fn total(&self, total: Option<i64>) {
        if let Some(total) = total.and_then(|t| u64::try_from(t).ok()) {
            self.bar.set_length(total.max(self.bar.position()));
        }
    }

    /// `n` more records are done.
    pub fn advance(&self, n: u64) {
        self.bar.inc(n);
    }

    /// Runs `f` (which prints to stderr) with the bar out of the way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Leaves the bar as it is.
    pub fn finish(&self) {
        self.bar.abandon();
    }
}

/// Records a second, rounded: `836/s`, `2.5/s` below ten.
pub fn rate(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        "0/s".to_string()
    } else if per_sec < 10.0 {
        format!("{per_sec:.1}/s")
    } else {
        format!("{}/s", per_sec.round())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_rounded() {
        assert_eq!(rate(836.4522), "836/s");
        assert_eq!(rate(2.54), "2.5/s");
        assert_eq!(rate(0.0), "0/s");
        assert_eq!(rate(f64::NAN), "0/s");
    }
}
