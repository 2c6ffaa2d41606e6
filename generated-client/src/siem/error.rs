//! Why a record could not be mapped.

use crate::spec::siem::SiemSchema;

/// Why a record could not be mapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MapError {
    /// The spec does not map this operation's records to this schema.
    #[error("the spec does not map {operation} records to {}", schema.name())]
    NotMapped {
        /// The operation.
        operation: &'static str,
        /// The schema.
        schema: SiemSchema,
    },
    /// The record is not a JSON object.
    #[error("a {operation} record must be a JSON object to be mapped")]
    NotAnObject {
        /// The operation.
        operation: &'static str,
    },
    /// A target the schema requires got no value from the record.
    #[error("the {} event needs {target}, and the {operation} record gives it no value", schema.name())]
    Required {
        /// The operation.
        operation: &'static str,
        /// The schema.
        schema: SiemSchema,
        /// The target left empty.
        target: &'static str,
    },
    /// The event could not be made into a JSON value.
    #[error("the {} event of a {operation} record cannot be made into JSON: {message}", schema.name())]
    Encode {
        /// The operation.
        operation: &'static str,
        /// The schema.
        schema: SiemSchema,
        /// What the encoder said.
        message: String,
    },
}
