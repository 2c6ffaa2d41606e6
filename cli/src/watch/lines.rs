//! The line each delivered record version becomes: HSS's record in an
//! envelope (`--schema hss`), or an OCSF or ECS event; and where the
//! versions that cannot be one go ([`Rejects`]).

use hss_client::watch::{Delivery, Rejected};

use super::rejects::Rejects;
use crate::exit::Failure;
use crate::metrics::Metrics;
use crate::schema::{EventSchema, Mapper};

/// Turns every feed's deliveries into lines, and sets aside what cannot
/// be one.
pub(super) struct Lines {
    /// A mapper for each feed, by index; empty for `--schema hss`.
    mappers: Vec<Mapper>,
    /// Where the left-out versions go.
    rejects: Rejects,
}

impl Lines {
    /// The lines of `feeds` (their operations) in `schema`; an error when
    /// the spec does not map one of them to it.
    /// `rejects` is where the versions that cannot be a line go.
    pub(super) fn new(
        client: &hss_client::HssClient,
        feeds: &[(String, hss_client::watch::Feed)],
        schema: EventSchema,
        rejects: Option<&std::path::Path>,
    ) -> Result<Self, Failure> {
        let mappers = match schema.siem() {
            None => Vec::new(),
            Some(siem) => feeds
                .iter()
                .map(|(_, feed)| Mapper::new(client, feed.operation(), siem))
                .collect::<Result<_, _>>()?,
        };
        Ok(Lines {
            mappers,
            rejects: Rejects::open(rejects)?,
        })
    }

    /// The line of one delivery of feed `index`; why not, when its schema
    /// cannot take the record (for [`Lines::set_aside`]).
    pub(super) fn line(&mut self, index: usize, delivery: &Delivery) -> Result<String, String> {
        let Some(mapper) = self.mappers.get_mut(index) else {
            return Ok(envelope(delivery));
        };
        let mut line = Vec::with_capacity(delivery.json.len() * 2);
        let written = serde_json::from_str(&delivery.json)
            .map_err(|e| e.to_string())
            .and_then(|record| {
                mapper
                    .write(&record, delivery.id, &mut line)
                    .map_err(|e| e.to_string())
            });
        line.push(b'\n');
        written.and_then(|()| String::from_utf8(line).map_err(|e| e.to_string()))
    }

    /// Sets aside a page's records that break their schema and the
    /// versions its SIEM schema cannot take: to the rejects file, a
    /// warning and the left-out metric each; never counted as delivered.
    pub(super) fn set_aside(
        &mut self,
        metrics: &Metrics,
        rejected: &[Rejected],
        unmapped: &[(&Delivery, String)],
    ) -> Result<(), Failure> {
        self.rejects.set_aside(metrics, rejected, unmapped)
    }

    /// Record versions left out by this process so far.
    pub(super) fn left_out(&self) -> u64 {
        self.rejects.count()
    }
}

/// One NDJSON line: the operation, the version's id and the record.
fn envelope(delivery: &Delivery) -> String {
    format!(
        "{{\"operation\":{},\"id\":\"{}\",\"record\":{}}}\n",
        serde_json::Value::from(delivery.operation.operation_id()),
        delivery.id,
        delivery.json
    )
}
