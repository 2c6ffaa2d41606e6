//! `STATE.requests`: the requests a watch made, written down as they are
//! sent and answered, so that a restarted process counts what the one
//! before sent and stays inside the budget.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use hss_client::{HssClient, Observation, Operation, RequestEvent};

use crate::exit::Failure;

/// `STATE.requests`: a line `OperationId sent REQUEST MS` for every request
/// as it takes its place in the budget, before it is sent, and a line
/// `OperationId answered REQUEST MS` when it is answered.
pub(crate) struct RequestLog {
    path: PathBuf,
    file: std::sync::Mutex<File>,
}

pub(crate) fn ms_of(at: SystemTime) -> i64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl RequestLog {
    /// Reads the log beside `state` into the client's budget, then keeps
    /// only what still counts.
    pub(crate) fn open(state: &Path, client: &HssClient) -> Result<std::sync::Arc<Self>, Failure> {
        let mut path = state.as_os_str().to_owned();
        path.push(".requests");
        let path = PathBuf::from(path);
        let shown = path.display().to_string();
        let fail =
            |e: io::Error| Failure::local(format!("cannot use the request log {shown}: {e}"));
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(fail(e)),
        };
        // Per operation and request: answered once an answer was written,
        // else only sent.
        let mut requests: BTreeMap<(&str, u64), Observation> = BTreeMap::new();
        for line in text.lines() {
            // A line cut short by a crash is left out, as is a foreign one.
            let Some(observation) = RequestLog::parse(line) else {
                continue;
            };
            let (name, observation) = observation;
            let known = requests
                .entry((name, observation.request))
                .or_insert(observation);
            if observation.event == RequestEvent::Answered {
                *known = observation;
            }
        }
        for &operation in Operation::ALL {
            let made: Vec<Observation> = requests
                .values()
                .filter(|o| o.operation == operation)
                .copied()
                .collect();
            client.remember_requests(operation, &made);
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(fail)?;
        let log = std::sync::Arc::new(RequestLog {
            path,
            file: std::sync::Mutex::new(file),
        });
        log.compact(client).map_err(fail)?;
        let writer = log.clone();
        client.observe_requests(std::sync::Arc::new(move |observation| {
            writer.append(&observation);
        }));
        Ok(log)
    }

    /// One line of the log: `OPERATION sent|answered REQUEST MILLISECONDS`.
    fn line(observation: &Observation) -> String {
        format!(
            "{} {} {} {}\n",
            observation.operation.operation_id(),
            observation.event.name(),
            observation.request,
            ms_of(observation.at)
        )
    }

    fn parse(line: &str) -> Option<(&str, Observation)> {
        let mut words = line.split(' ');
        let name = words.next()?;
        let operation = Operation::from_operation_id(name)?;
        let event = RequestEvent::from_name(words.next()?)?;
        let request = words.next()?.parse::<u64>().ok()?;
        let ms = words.next()?.parse::<u64>().ok()?;
        if words.next().is_some() {
            return None;
        }
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
        Some((name, Observation::new(operation, request, event, at)))
    }

    fn append(&self, observation: &Observation) {
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A process killed after this write still left it in the file.
        let _ = file.write_all(RequestLog::line(observation).as_bytes());
    }

    /// Rewrites the log with only the requests that still count: into a
    /// file beside it, then renamed over it, so a crash leaves one whole.
    pub(crate) fn compact(&self, client: &HssClient) -> io::Result<()> {
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut text = String::new();
        for &operation in Operation::ALL {
            for observation in client.recent_requests(operation) {
                text.push_str(&RequestLog::line(&observation));
            }
        }
        let mut next = self.path.as_os_str().to_owned();
        next.push(".next");
        let next = PathBuf::from(next);
        {
            let mut fresh = File::create(&next)?;
            fresh.write_all(text.as_bytes())?;
            fresh.sync_all()?;
        }
        std::fs::rename(&next, &self.path)?;
        *file = std::fs::OpenOptions::new().append(true).open(&self.path)?;
        Ok(())
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}
