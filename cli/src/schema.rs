//! `--schema`: the shape records go out in. `hss` is the record as the
//! service sent it (the default); `ocsf` and `ecs` are SIEM events, mapped
//! as the spec says (`x-siem`) by `hss_client::siem`.

use clap::Arg;
use hss_client::env::Environment;
use hss_client::siem::{Context, MapError, Plan};
use hss_client::{HssClient, Operation, RecordKey, SiemSchema};
use serde_json::Value;

use crate::exit::Failure;

/// The shape records go out in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum EventSchema {
    /// The record as the service sent it.
    #[default]
    Hss,
    /// An OCSF event.
    Ocsf,
    /// An ECS document.
    Ecs,
}

impl EventSchema {
    /// The SIEM schema, for `ocsf` and `ecs`.
    pub fn siem(self) -> Option<SiemSchema> {
        match self {
            EventSchema::Hss => None,
            EventSchema::Ocsf => Some(SiemSchema::Ocsf),
            EventSchema::Ecs => Some(SiemSchema::Ecs),
        }
    }
}

/// The `--schema` flag.
pub fn arg() -> Arg {
    Arg::new("schema")
        .long("schema")
        .value_parser(clap::value_parser!(EventSchema))
        .default_value("hss")
        .help("What a line holds: the HSS record, or an OCSF or ECS event mapped as the spec says")
}

/// Turns records of one operation into events of one SIEM schema.
#[derive(Debug)]
pub struct Mapper {
    plan: Plan,
    context: Context,
}

impl Mapper {
    /// The mapper of `operation`'s records to `schema`, with the region and
    /// project of `client` and the account of `HUAWEICLOUD_SDK_DOMAIN_ID`;
    /// an error when the spec does not map them.
    pub fn new(
        client: &HssClient,
        operation: Operation,
        schema: SiemSchema,
    ) -> Result<Self, Failure> {
        let plan = Plan::new(operation, schema).map_err(|_| {
            Failure::usage(format!(
                "--schema {0}: the spec does not map {1} records to {0}; use --schema hss",
                schema.name(),
                operation.operation_id()
            ))
        })?;
        let mut context = Context::of_client(client);
        context.account = Environment::process().domain_id();
        Ok(Mapper { plan, context })
    }

    /// Appends the event of one record version, `id` its id, to `out` as
    /// compact JSON; an error, with nothing appended, when the record
    /// cannot be mapped.
    pub fn write(
        &mut self,
        record: &Value,
        id: RecordKey,
        out: &mut Vec<u8>,
    ) -> Result<(), MapError> {
        self.context.id = Some(id.to_string());
        self.plan.write(record, &self.context, out)
    }

    /// The event of one record version, `id` its id, as a JSON value.
    pub fn event(&mut self, record: &Value, id: RecordKey) -> Result<Value, MapError> {
        self.context.id = Some(id.to_string());
        self.plan.value(record, &self.context)
    }

    /// The schema's name.
    pub fn name(&self) -> &'static str {
        self.plan.schema().name()
    }
}
