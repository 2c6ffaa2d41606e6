//! Lookups on the generated [`Operation`] table: by name, by parameter,
//! and what the facts imply (its smallest query, its records' schema).

use super::operations::Operation;
use super::{PROJECT_ID, Parameter, ParameterLocation, Schema};

impl Operation {
    /// The parameter with the wire name `name`.
    pub fn parameter(self, name: &str) -> Option<&'static Parameter> {
        self.parameters().iter().find(|p| p.name == name)
    }

    /// The operation with this operationId.
    pub fn from_operation_id(operation_id: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|op| op.operation_id() == operation_id)
    }

    /// The operation whose client method has this name (the id progenitor
    /// hands to the hooks).
    pub fn from_method_name(method_name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|op| op.method_name() == method_name)
    }

    /// The smallest query the operation accepts: every required query
    /// parameter with its [`Parameter::example_value`], in the spec's
    /// order. `None` when a required parameter has no value the spec
    /// allows that can be found this way.
    pub fn example_query(self) -> Option<Vec<(&'static str, String)>> {
        self.parameters()
            .iter()
            .filter(|p| p.location == ParameterLocation::Query && p.required)
            .map(|p| Some((p.name, p.example_value()?)))
            .collect()
    }

    /// The schema of one record, for an operation that pages.
    pub fn item_schema(self) -> Option<&'static Schema> {
        let items = self.pagination()?.items;
        match self.response()?.field(items)?.schema {
            Schema::Array(item) => Some(item),
            _ => None,
        }
    }
}

impl std::fmt::Display for Operation {
    /// The operationId.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.operation_id())
    }
}

/// The parameter the client fills in from its configured project id: the
/// `project_id` path parameter of the operations that have one.
pub fn project_id_parameter() -> Option<&'static Parameter> {
    Operation::ALL.iter().find_map(|op| {
        op.parameters()
            .iter()
            .find(|p| p.location == ParameterLocation::Path && p.name == PROJECT_ID)
    })
}
