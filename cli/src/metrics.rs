//! `hss watch --metrics ADDR`: Prometheus text at `http://ADDR/metrics`,
//! through the `prometheus-client` crate, served by axum.
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `hss_watch_records_delivered` | counter | `operation`: record versions written as lines |
//! | `hss_watch_records_left_out` | counter | `operation`, `reason` ([`LeftOut`]): record versions not written, set aside (`--rejects`) |
//! | `hss_watch_requests` | counter | `operation`, `status` (`error` for a transport failure) |
//! | `hss_watch_lag_seconds` | gauge | `operation`: in the last cycle, the longest a record that arrived or changed since the cycle before took from its time to its line |
//! | `hss_watch_budget_wait_seconds` | counter | `operation`: time requests waited for the budget |

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, PoisonError};

use hss_client::{HssClient, Operation};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::exit::Failure;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabel {
    operation: String,
}

/// Why a record version was left out rather than written.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
#[non_exhaustive]
pub enum LeftOut {
    /// The record breaks its schema (`reason="schema"`).
    Schema,
    /// Its SIEM schema cannot take it (`reason="unmapped"`).
    Unmapped,
}

impl LeftOut {
    fn label(self) -> &'static str {
        match self {
            LeftOut::Schema => "schema",
            LeftOut::Unmapped => "unmapped",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LeftOutLabels {
    operation: String,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    operation: String,
    status: String,
}

struct Inner {
    registry: Registry,
    delivered: Family<OperationLabel, Counter>,
    left_out: Family<LeftOutLabels, Counter>,
    requests: Family<RequestLabels, Counter>,
    lag: Family<OperationLabel, Gauge<f64, AtomicU64>>,
    budget_wait: Family<OperationLabel, Counter<f64, AtomicU64>>,
    /// What the counters copied from the client stood at last.
    seen_requests: Mutex<BTreeMap<(String, String), u64>>,
    seen_waits: Mutex<BTreeMap<String, f64>>,
}

/// The metrics of one watch.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
    client: HssClient,
}

fn label(operation: Operation) -> OperationLabel {
    OperationLabel {
        operation: operation.operation_id().to_string(),
    }
}

impl Metrics {
    /// The metrics of a watch through `client`.
    pub fn new(client: HssClient) -> Self {
        let mut registry = Registry::default();
        let delivered = Family::<OperationLabel, Counter>::default();
        let left_out = Family::<LeftOutLabels, Counter>::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let lag = Family::<OperationLabel, Gauge<f64, AtomicU64>>::default();
        let budget_wait = Family::<OperationLabel, Counter<f64, AtomicU64>>::default();
        registry.register(
            "hss_watch_records_delivered",
            "Record versions written",
            delivered.clone(),
        );
        registry.register(
            "hss_watch_records_left_out",
            "Record versions not written as lines but set aside, by why",
            left_out.clone(),
        );
        registry.register(
            "hss_watch_requests",
            "Answers to the watch's requests, by status",
            requests.clone(),
        );
        registry.register(
            "hss_watch_lag_seconds",
            "The oldest record of the last cycle: from its time to its line",
            lag.clone(),
        );
        registry.register(
            "hss_watch_budget_wait_seconds",
            "Time requests waited for the request budget",
            budget_wait.clone(),
        );
        Metrics {
            inner: Arc::new(Inner {
                registry,
                delivered,
                left_out,
                requests,
                lag,
                budget_wait,
                seen_requests: Mutex::new(BTreeMap::new()),
                seen_waits: Mutex::new(BTreeMap::new()),
            }),
            client,
        }
    }

    /// Shows the series of `operation`, at zero, before its first cycle
    /// ends, so a scrape sees every watched operation from the start.
    pub fn watching(&self, operation: Operation) {
        let label = label(operation);
        let _ = self.inner.delivered.get_or_create(&label);
        for reason in [LeftOut::Schema, LeftOut::Unmapped] {
            let _ = self.inner.left_out.get_or_create(&LeftOutLabels {
                operation: label.operation.clone(),
                reason: reason.label().to_string(),
            });
        }
        let _ = self.inner.lag.get_or_create(&label);
        let _ = self.inner.budget_wait.get_or_create(&label);
    }

    /// `count` more records of `operation` were written.
    pub fn delivered(&self, operation: Operation, count: u64) {
        self.inner
            .delivered
            .get_or_create(&label(operation))
            .inc_by(count);
    }

    /// `count` more records of `operation` were left out, for `reason`.
    pub fn left_out(&self, operation: Operation, reason: LeftOut, count: u64) {
        self.inner
            .left_out
            .get_or_create(&LeftOutLabels {
                operation: operation.operation_id().to_string(),
                reason: reason.label().to_string(),
            })
            .inc_by(count);
    }

    /// A cycle of `operation` ended, with this lag.
    pub fn cycle(&self, operation: Operation, lag: Option<f64>) {
        self.inner
            .lag
            .get_or_create(&label(operation))
            .set(lag.unwrap_or(0.0));
    }

    /// Copies the client's counts into the metrics.
    fn refresh(&self) {
        let mut seen = self
            .inner
            .seen_requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for (operation, status, count) in self.client.answers() {
            let key = (operation.operation_id().to_string(), status);
            let before = seen.insert(key.clone(), count).unwrap_or(0);
            self.inner
                .requests
                .get_or_create(&RequestLabels {
                    operation: key.0,
                    status: key.1,
                })
                .inc_by(count.saturating_sub(before));
        }
        let mut waits = self
            .inner
            .seen_waits
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for &operation in Operation::ALL {
            let now = self.client.budget_waited(operation).as_secs_f64();
            let name = operation.operation_id().to_string();
            let before = waits.insert(name, now).unwrap_or(0.0);
            if now > before {
                self.inner
                    .budget_wait
                    .get_or_create(&label(operation))
                    .inc_by(now - before);
            }
        }
    }

    /// The metrics as Prometheus text.
    pub fn text(&self) -> String {
        self.refresh();
        let mut out = String::new();
        if encode(&mut out, &self.inner.registry).is_err() {
            out.clear();
        }
        out
    }

    /// Serves `GET /metrics` on `addr` in a task of its own.
    pub async fn serve(&self, addr: SocketAddr) -> Result<(), Failure> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Failure::usage(format!("--metrics {addr}: cannot listen: {e}")))?;
        let metrics = self.clone();
        let app = axum::Router::new().route(
            "/metrics",
            axum::routing::get(move || {
                let metrics = metrics.clone();
                async move {
                    (
                        [(
                            axum::http::header::CONTENT_TYPE,
                            "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        )],
                        metrics.text(),
                    )
                }
            }),
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(())
    }
}
