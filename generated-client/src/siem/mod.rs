//! Records as SIEM events: OCSF and ECS, as the spec maps them.
//!
//! The mapping is a fact of the spec (`x-siem` on each record schema, read
//! through [`Operation::siem`]); this module only applies it, the same way
//! for every operation. [`map_record`] turns one record, as JSON with the
//! spec's field names, into one event:
//!
//! - every rule of the mapping sets its target from the record, a
//!   constant or the [`Context`];
//! - OCSF events get `class_uid`, `class_name`, `category_uid`, `type_uid`
//!   (`class_uid` x 100 + `activity_id`), `metadata.version` and
//!   `metadata.profiles`; what the record holds that no rule copied goes
//!   under `unmapped`, so nothing the service sent is dropped;
//! - ECS events get `ecs.version`, and the whole record under one custom
//!   field (`hss.record`);
//! - a record that leaves a required target empty is not mapped: the
//!   error names the target.
//!
//! For many records, make a [`Plan`] once: its [`Event`]s borrow from the
//! record and are written by serde directly, with no event tree made in
//! between.
//!
//! ```
//! use hss_client::siem::{Context, map_record};
//! use hss_client::spec::siem::SiemSchema;
//! use hss_client::Operation;
//!
//! let context = Context::default().with_region("cn-north-4");
//! for &operation in Operation::ALL {
//!     if operation.siem(SiemSchema::Ocsf).is_none() {
//!         continue;
//!     }
//!     let record = serde_json::json!({});
//!     // An empty record has no time: it cannot be an OCSF event.
//!     assert!(map_record(operation, &record, SiemSchema::Ocsf, &context).is_err());
//! }
//! ```

mod context;
mod error;
mod fields;
mod plan;
mod source;
mod tree;
mod write;

use serde_json::Value;

pub use context::Context;
pub use error::MapError;
pub use plan::{Event, Plan};

use crate::spec::Operation;
use crate::spec::siem::SiemSchema;

/// Maps one record of `operation` (JSON, with the spec's field names) to
/// an event of `schema`.
pub fn map_record(
    operation: Operation,
    record: &Value,
    schema: SiemSchema,
    context: &Context,
) -> Result<Value, MapError> {
    Plan::new(operation, schema)?.value(record, context)
}

/// Like [`map_record`], taking the record.
pub fn into_event(
    operation: Operation,
    record: Value,
    schema: SiemSchema,
    context: &Context,
) -> Result<Value, MapError> {
    map_record(operation, &record, schema, context)
}
