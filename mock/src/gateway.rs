//! `--gateway-limits`: the throttling Huawei Cloud's API gateway applies,
//! with the limits the spec documents for each operation
//! (`x-rate-limit`, [`hss_client::spec::RateLimit`]).
//!
//! Each operation has its own windows: one per user (an access key, or an
//! IAM token), one per client address, and one for everyone, each a
//! sliding window of the spec's length divided by the time scale
//! (`--time-scale 60` runs a minute's window in a second). A request that
//! would exceed one of them is answered 429 with the gateway's body
//! (`error_code` `APIG.0308`, an `error_msg` naming the policy, the limit
//! and its window, and the `request_id`) and an `X-Request-Id`, and no
//! `Retry-After`. A refused request does not count against the windows.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use hss_client::Operation;

use crate::error::{self, ApiError};

/// Which window refused a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Calls by one user.
    User,
    /// Calls from one address.
    Ip,
    /// Calls by everyone.
    Api,
}

impl Policy {
    fn name(self) -> &'static str {
        match self {
            Policy::User => "user",
            Policy::Ip => "ip",
            Policy::Api => "api",
        }
    }
}

/// Who is calling, as the gateway tells callers apart.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Caller {
    User(String),
    Ip(String),
    Everyone,
}

/// The windows of every operation.
#[derive(Debug)]
pub struct Gateway {
    scale: f64,
    windows: Mutex<HashMap<(Operation, Caller), VecDeque<Instant>>>,
}

impl Gateway {
    /// The gateway with the spec's limits, their windows divided by
    /// `scale` (which must be finite and above 0).
    pub fn new(scale: f64) -> Self {
        Gateway {
            scale,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// The window of `operation`'s limit, scaled; `None` when the spec
    /// states no limit.
    pub fn window(&self, operation: Operation) -> Option<Duration> {
        let limit = operation.rate_limit()?;
        Duration::try_from_secs_f64(limit.window().as_secs_f64() / self.scale).ok()
    }

    /// Admits a request of `operation` from `ip` with `headers` at `now`,
    /// or refuses it with the policy that was full.
    pub fn admit(
        &self,
        operation: Operation,
        headers: &HeaderMap,
        ip: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), (Policy, u64, Duration)> {
        let (Some(limit), Some(window)) = (operation.rate_limit(), self.window(operation)) else {
            return Ok(());
        };
        let mut checks: Vec<(Caller, Policy, u64)> = Vec::new();
        if let (Some(calls), Some(user)) = (limit.per_user, user_of(headers)) {
            checks.push((Caller::User(user), Policy::User, calls));
        }
        if let Some(calls) = limit.per_ip {
            let ip = ip.map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
            checks.push((Caller::Ip(ip), Policy::Ip, calls));
        }
        if let Some(calls) = limit.overall {
            checks.push((Caller::Everyone, Policy::Api, calls));
        }
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        for (caller, policy, calls) in &checks {
            let log = windows.entry((operation, caller.clone())).or_default();
            while log.front().is_some_and(|at| *at + window <= now) {
                log.pop_front();
            }
            if log.len() as u64 >= *calls {
                return Err((*policy, *calls, window));
            }
        }
        for (caller, _, _) in checks {
            windows
                .entry((operation, caller))
                .or_default()
                .push_back(now);
        }
        Ok(())
    }
}

/// The user a request claims to be: the access key of its signature, or
/// its IAM token.
fn user_of(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok())
        && let Some(access) = value
            .split([' ', ','])
            .find_map(|part| part.trim().strip_prefix("Access="))
    {
        return Some(format!("ak:{access}"));
    }
    headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .map(|token| format!("token:{token}"))
}

/// The gateway's answer to a refused request.
pub fn refusal(policy: Policy, calls: u64, window: Duration, request_id: &str) -> ApiError {
    let mut error = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        error::GATEWAY_THROTTLED,
        format!(
            "The throttling threshold has been reached: policy {} over ratelimit,limit:{calls},time:{}",
            policy.name(),
            window_text(window)
        ),
    );
    error.request_id = Some(request_id.to_string());
    error
}

/// A window as the gateway writes it: `1 minute`, `6 second`,
/// `500 millisecond`.
fn window_text(window: Duration) -> String {
    let millis = window.as_millis();
    if millis.is_multiple_of(60_000) && millis > 0 {
        format!("{} minute", millis / 60_000)
    } else if millis.is_multiple_of(1000) && millis > 0 {
        format!("{} second", millis / 1000)
    } else {
        format!("{} millisecond", millis.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(ak: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            format!("SDK-HMAC-SHA256 Access={ak}, SignedHeaders=host, Signature=00")
                .parse()
                .unwrap(),
        );
        headers
    }

    #[test]
    fn each_user_and_address_gets_the_documented_calls_per_window() {
        let operation = Operation::ALL[0];
        let Some(limit) = operation.rate_limit() else {
            return;
        };
        let gateway = Gateway::new(60.0);
        let window = gateway.window(operation).unwrap();
        let start = Instant::now();
        let calls = limit.calls();
        let ip: Option<IpAddr> = Some([10, 0, 0, 1].into());
        for n in 0..calls {
            assert!(
                gateway.admit(operation, &signed("A"), ip, start).is_ok(),
                "call {n}"
            );
        }
        let refused = gateway.admit(operation, &signed("A"), ip, start);
        assert!(refused.is_err());
        // Another user from another address is not refused by these.
        let other: Option<IpAddr> = Some([10, 0, 0, 2].into());
        assert!(gateway.admit(operation, &signed("B"), other, start).is_ok());
        // A window later the first user may call again.
        assert!(
            gateway
                .admit(operation, &signed("A"), ip, start + window)
                .is_ok()
        );
    }

    #[test]
    fn the_refusal_names_the_policy_limit_and_window_as_the_gateway_does() {
        let error = refusal(Policy::User, 5, Duration::from_secs(60), "r-1");
        assert_eq!(error.code, "APIG.0308");
        assert_eq!(
            error.message,
            "The throttling threshold has been reached: policy user over ratelimit,limit:5,time:1 minute"
        );
        assert_eq!(error.retry_after, None);
        assert_eq!(window_text(Duration::from_secs(1)), "1 second");
        assert_eq!(window_text(Duration::from_millis(250)), "250 millisecond");
    }
}
