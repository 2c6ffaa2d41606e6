//! A list that moves while it is paged (`--arrivals-per-sec`,
//! `--removals-per-sec`, `--changes-per-sec`): what a real alarm list
//! does.
//!
//! Each paginated operation's records form a list, in order. New records
//! arrive at a steady rate, at the head (newest first, the default) or at
//! the tail (oldest first); records leave at a rate, from anywhere in the
//! list; and records change at a rate: their version field (the spec's
//! `x-record-version`) takes the time of the change, and their first field
//! with at least two listed values takes the next one (an alarm being
//! handled). An operation without a version field does not change. A new
//! record's time-window field (`x-time-window`) and version field are its
//! arrival time.
//!
//! Newest first means by version, where records have one: the list starts
//! sorted by its version field (newest first, or oldest first for arrivals
//! at the tail), and a record that changes moves to the head (or the tail),
//! as in a list sorted by update time. Without a version field, the list
//! is in the order of the records' indices (the newest first, or last).
//!
//! Everything is deterministic per seed: the `k`-th arrival, removal and
//! change happen at `k / rate` seconds after the start, in time order,
//! and the record removed or changed is picked by a hash of the seed and
//! `k`. The truth ([`LiveList::truth`]) gives the records present at any
//! instant since the start, as they were then.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use hss_client::Operation;
use hss_client::spec::Schema;
use serde_json::{Map, Value};

use crate::data::mix;
use crate::source::Records;

/// Where new records arrive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Arrive {
    /// At the head: the list is newest first.
    #[default]
    Head,
    /// At the tail: the list is oldest first.
    Tail,
}

/// How the list moves.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LiveConfig {
    /// New records a second.
    pub arrivals_per_sec: f64,
    /// Where they arrive.
    pub arrive_at: Arrive,
    /// Records that leave a second.
    pub removals_per_sec: f64,
    /// Records that change a second.
    pub changes_per_sec: f64,
}

impl LiveConfig {
    /// Whether the list moves at all.
    pub fn is_live(&self) -> bool {
        self.arrivals_per_sec > 0.0 || self.removals_per_sec > 0.0 || self.changes_per_sec > 0.0
    }

    /// Checks the rates.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("arrivals_per_sec", self.arrivals_per_sec),
            ("removals_per_sec", self.removals_per_sec),
            ("changes_per_sec", self.changes_per_sec),
        ] {
            if !rate.is_finite() || !(0.0..=100_000.0).contains(&rate) {
                return Err(format!("{name} must be from 0 to 100000, got {rate}"));
            }
        }
        Ok(())
    }
}

/// What happened to the list, and when.
#[derive(Clone, Debug, PartialEq)]
enum Event {
    Arrived {
        index: u64,
        at: Duration,
    },
    Removed {
        index: u64,
        at: Duration,
    },
    Changed {
        index: u64,
        at: Duration,
        fields: Vec<(String, Value)>,
    },
}

impl Event {
    fn at(&self) -> Duration {
        match self {
            Event::Arrived { at, .. } | Event::Removed { at, .. } | Event::Changed { at, .. } => {
                *at
            }
        }
    }
}

#[derive(Debug)]
struct State {
    /// Record indices in list order.
    order: VecDeque<u64>,
    /// Field values that differ from the base records'.
    overrides: HashMap<u64, Vec<(String, Value)>>,
    arrivals: u64,
    removals: u64,
    changes: u64,
    /// Every event, in time order.
    events: Vec<Event>,
}

/// One operation's moving list.
#[derive(Debug)]
pub struct LiveList {
    operation: Operation,
    config: LiveConfig,
    seed: u64,
    initial: u64,
    started: SystemTime,
    /// The list at the start, in order.
    initial_order: Vec<u64>,
    state: Mutex<State>,
}

/// Milliseconds since the epoch of `at`.
fn epoch_ms(at: SystemTime) -> i64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl LiveList {
    /// The list of `operation`'s `initial` records, moving by `config`
    /// from `started`.
    pub fn new(
        operation: Operation,
        records: &dyn Records,
        config: LiveConfig,
        seed: u64,
        started: SystemTime,
    ) -> Self {
        let initial = records.len();
        let mut initial_order: Vec<u64> = (0..initial).collect();
        if let Some(version) = operation.pagination().and_then(|p| p.record_version) {
            let value = |index: u64| {
                records
                    .field(index, version)
                    .and_then(|text| text.parse::<i64>().ok())
                    .unwrap_or(i64::MIN)
            };
            let mut keyed: Vec<(i64, u64)> = initial_order.iter().map(|&i| (value(i), i)).collect();
            keyed.sort_unstable();
            initial_order = keyed.into_iter().map(|(_, i)| i).collect();
        }
        if config.arrive_at == Arrive::Head {
            initial_order.reverse();
        }
        LiveList {
            operation,
            config,
            seed,
            initial,
            started,
            state: Mutex::new(State {
                order: initial_order.iter().copied().collect(),
                overrides: HashMap::new(),
                arrivals: 0,
                removals: 0,
                changes: 0,
                events: Vec::new(),
            }),
            initial_order,
        }
    }

    /// Puts record `index` where a record that just changed goes: the head
    /// of a newest-first list, the tail of an oldest-first one.
    fn to_front(&self, order: &mut VecDeque<u64>, index: u64) {
        if let Some(position) = order.iter().position(|i| *i == index) {
            order.remove(position);
        }
        match self.config.arrive_at {
            Arrive::Head => order.push_front(index),
            Arrive::Tail => order.push_back(index),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The time of the `k`-th event (from 0) at `rate` a second.
    fn due(k: u64, rate: f64) -> Option<Duration> {
        (rate > 0.0).then(|| Duration::from_secs_f64((k + 1) as f64 / rate))
    }

    /// Applies every event due by `now`, in time order.
    fn advance(&self, state: &mut State, records: &dyn Records, now: SystemTime) {
        let elapsed = now.duration_since(self.started).unwrap_or_default();
        loop {
            let next = [
                (0, Self::due(state.arrivals, self.config.arrivals_per_sec)),
                (1, Self::due(state.removals, self.config.removals_per_sec)),
                (2, Self::due(state.changes, self.config.changes_per_sec)),
            ]
            .into_iter()
            .filter_map(|(kind, due)| due.map(|d| (kind, d)))
            .filter(|(_, due)| *due <= elapsed)
            .min_by_key(|(_, due)| *due);
            let Some((kind, at)) = next else { break };
            match kind {
                0 => self.arrive(state, at),
                1 => self.remove(state, at),
                _ => self.change(state, records, at),
            }
        }
    }

    fn arrive(&self, state: &mut State, at: Duration) {
        let index = self.initial + state.arrivals;
        state.arrivals += 1;
        let ms = Value::from(epoch_ms(self.started + at));
        let mut fields = Vec::new();
        for name in [self.window_field(), self.version_field()]
            .into_iter()
            .flatten()
        {
            fields.push((name.to_string(), ms.clone()));
        }
        if !fields.is_empty() {
            state.overrides.insert(index, fields);
        }
        match self.config.arrive_at {
            Arrive::Head => state.order.push_front(index),
            Arrive::Tail => state.order.push_back(index),
        }
        state.events.push(Event::Arrived { index, at });
    }

    fn remove(&self, state: &mut State, at: Duration) {
        let k = state.removals;
        state.removals += 1;
        if state.order.is_empty() {
            return;
        }
        let position = (mix(self.seed ^ mix(k ^ 0x5E_11)) % state.order.len() as u64) as usize;
        if let Some(index) = state.order.remove(position) {
            state.events.push(Event::Removed { index, at });
        }
    }

    fn change(&self, state: &mut State, records: &dyn Records, at: Duration) {
        let k = state.changes;
        state.changes += 1;
        let Some(version) = self.version_field() else {
            return;
        };
        if state.order.is_empty() {
            return;
        }
        let position = (mix(self.seed ^ mix(k ^ 0xC4_A9)) % state.order.len() as u64) as usize;
        let Some(&index) = state.order.get(position) else {
            return;
        };
        let mut fields = vec![(
            version.to_string(),
            Value::from(epoch_ms(self.started + at)),
        )];
        if let Some((name, values)) = self.cycling_field() {
            let current = self
                .field_value(state, records, index, name)
                .and_then(|v| v.as_str().map(str::to_string));
            let next = match current.and_then(|c| values.iter().position(|v| *v == c)) {
                Some(i) => values[(i + 1) % values.len()],
                None => values[0],
            };
            fields.push((name.to_string(), Value::from(next)));
        }
        let entry = state.overrides.entry(index).or_default();
        for (name, value) in &fields {
            entry.retain(|(n, _)| n != name);
            entry.push((name.clone(), value.clone()));
        }
        self.to_front(&mut state.order, index);
        state.events.push(Event::Changed { index, at, fields });
    }

    fn window_field(&self) -> Option<&'static str> {
        self.operation.time_window().and_then(|w| w.field)
    }

    fn version_field(&self) -> Option<&'static str> {
        self.operation.pagination().and_then(|p| p.record_version)
    }

    /// The first record field with at least two listed values.
    fn cycling_field(&self) -> Option<(&'static str, &'static [&'static str])> {
        self.operation
            .item_schema()?
            .fields()
            .iter()
            .find_map(|field| match field.schema {
                Schema::String(string) if string.values.len() >= 2 => {
                    Some((field.name, string.values))
                }
                _ => None,
            })
    }

    /// A field of record `index`, as the list has it now.
    fn field_value(
        &self,
        state: &State,
        records: &dyn Records,
        index: u64,
        name: &str,
    ) -> Option<Value> {
        if let Some(value) = state
            .overrides
            .get(&index)
            .and_then(|fields| fields.iter().find(|(n, _)| n == name))
        {
            return Some(value.1.clone());
        }
        records.field(index, name).map(|text| {
            text.parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::String(text.into_owned()))
        })
    }

    /// Record `index` as JSON, with `overrides`.
    fn record(
        records: &dyn Records,
        index: u64,
        overrides: Option<&Vec<(String, Value)>>,
    ) -> Value {
        let mut out = Vec::new();
        records.write(index, &mut out);
        let mut value: Value = serde_json::from_slice(&out).unwrap_or(Value::Null);
        if let (Some(object), Some(fields)) = (value.as_object_mut(), overrides) {
            for (name, field) in fields {
                object.insert(name.clone(), field.clone());
            }
        }
        value
    }

    /// The page a request selects: the total of the matching records and
    /// the page's records, as JSON text, in list order.
    pub fn page(
        &self,
        records: &dyn Records,
        window: Option<(i64, i64)>,
        filters: &[(&str, &str)],
        offset: u64,
        limit: u64,
        now: SystemTime,
    ) -> (u64, Vec<Vec<u8>>) {
        let mut state = self.lock();
        self.advance(&mut state, records, now);
        let window_field = self.window_field();
        let mut total = 0u64;
        let mut page = Vec::new();
        for &index in &state.order {
            if let (Some((start, end)), Some(field)) = (window, window_field) {
                let time = self
                    .field_value(&state, records, index, field)
                    .and_then(|v| v.as_i64());
                if !time.is_some_and(|t| t >= start && t <= end) {
                    continue;
                }
            }
            let matches = filters.iter().all(|(name, wanted)| {
                self.field_value(&state, records, index, name)
                    .is_some_and(|v| match v {
                        Value::String(s) => s == *wanted,
                        other => other.to_string().as_str() == *wanted,
                    })
            });
            if !matches {
                continue;
            }
            if total >= offset && (page.len() as u64) < limit {
                let value = Self::record(records, index, state.overrides.get(&index));
                page.push(serde_json::to_vec(&value).unwrap_or_default());
            }
            total += 1;
        }
        (total, page)
    }

    /// The records present at `at` (`now` when `None`), in list order, as
    /// they were then; and the time they are for, in ms since the epoch.
    pub fn truth(
        &self,
        records: &dyn Records,
        at: Option<SystemTime>,
        now: SystemTime,
    ) -> (i64, Vec<Value>) {
        let at = at.unwrap_or(now).min(now).max(self.started);
        let mut state = self.lock();
        self.advance(&mut state, records, now);
        let elapsed = at.duration_since(self.started).unwrap_or_default();
        // Replay the events up to `at` on the starting list.
        let mut order: VecDeque<u64> = self.initial_order.iter().copied().collect();
        let mut overrides: HashMap<u64, Vec<(String, Value)>> = HashMap::new();
        for event in state.events.iter().take_while(|e| e.at() <= elapsed) {
            match event {
                Event::Arrived { index, at } => {
                    let ms = Value::from(epoch_ms(self.started + *at));
                    let fields: Vec<(String, Value)> = [self.window_field(), self.version_field()]
                        .into_iter()
                        .flatten()
                        .map(|name| (name.to_string(), ms.clone()))
                        .collect();
                    if !fields.is_empty() {
                        overrides.insert(*index, fields);
                    }
                    match self.config.arrive_at {
                        Arrive::Head => order.push_front(*index),
                        Arrive::Tail => order.push_back(*index),
                    }
                }
                Event::Removed { index, .. } => {
                    if let Some(position) = order.iter().position(|i| i == index) {
                        order.remove(position);
                    }
                }
                Event::Changed { index, fields, .. } => {
                    let entry = overrides.entry(*index).or_default();
                    for (name, value) in fields {
                        entry.retain(|(n, _)| n != name);
                        entry.push((name.clone(), value.clone()));
                    }
                    self.to_front(&mut order, *index);
                }
            }
        }
        drop(state);
        let values = order
            .iter()
            .map(|index| Self::record(records, *index, overrides.get(index)))
            .collect();
        (epoch_ms(at), values)
    }

    /// The arrival time of every record that arrived by `now`, by its
    /// position in the arrivals, in ms since the epoch.
    pub fn arrivals(&self, records: &dyn Records, now: SystemTime) -> Vec<(Value, i64)> {
        let mut state = self.lock();
        self.advance(&mut state, records, now);
        state
            .events
            .iter()
            .filter_map(|event| match event {
                Event::Arrived { index, at } => Some((
                    Self::record(records, *index, state.overrides.get(index)),
                    epoch_ms(self.started + *at),
                )),
                _ => None,
            })
            .collect()
    }
}

/// Body of the truth endpoint.
pub fn truth_body(operation: Operation, at: i64, records: Vec<Value>) -> Value {
    let mut map = Map::new();
    map.insert("operation".into(), Value::from(operation.operation_id()));
    map.insert("at".into(), Value::from(at));
    map.insert("total".into(), Value::from(records.len()));
    map.insert("records".into(), Value::Array(records));
    Value::Object(map)
}
