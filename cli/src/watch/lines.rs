//! The line each delivered record version becomes: HSS's record in an
//! envelope (`--schema hss`), or an OCSF or ECS event.

use hss_client::watch::Delivery;

use crate::exit::Failure;
use crate::schema::{EventSchema, Mapper};

/// Turns every feed's deliveries into lines.
pub(super) struct Lines {
    /// A mapper for each feed, by index; empty for `--schema hss`.
    mappers: Vec<Mapper>,
}

impl Lines {
    /// The lines of `feeds` (their operations) in `schema`; an error when
    /// the spec does not map one of them to it.
    pub(super) fn new(
        client: &hss_client::HssClient,
        feeds: &[(String, hss_client::watch::Feed)],
        schema: EventSchema,
    ) -> Result<Self, Failure> {
        let Some(siem) = schema.siem() else {
            return Ok(Lines {
                mappers: Vec::new(),
            });
        };
        let mappers = feeds
            .iter()
            .map(|(_, feed)| Mapper::new(client, feed.operation(), siem))
            .collect::<Result<_, _>>()?;
        Ok(Lines { mappers })
    }

    /// The line of one delivery of feed `index`; `None`, said in a log
    /// line, when its schema cannot take the record.
    pub(super) fn line(&mut self, index: usize, delivery: &Delivery) -> Option<String> {
        let Some(mapper) = self.mappers.get_mut(index) else {
            return Some(envelope(delivery));
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
        match written.and_then(|()| String::from_utf8(line).map_err(|e| e.to_string())) {
            Ok(line) => Some(line),
            Err(reason) => {
                tracing::warn!(id = %delivery.id, "a record version was left out: {reason}");
                None
            }
        }
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
