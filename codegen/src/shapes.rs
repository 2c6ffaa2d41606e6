//! The shape of a value in the spec, as codegen models it: what the
//! operations table, the README and the SIEM mappings read a schema as.

/// The shape of a value.
#[derive(Debug, Clone, PartialEq)]
pub enum SchemaModel {
    /// An integer.
    Integer {
        /// 32 or 64.
        bits: u8,
        /// Inclusive minimum.
        minimum: Option<i64>,
        /// Inclusive maximum.
        maximum: Option<i64>,
        /// Default.
        default: Option<i64>,
        /// Example.
        example: Option<i64>,
    },
    /// A string.
    String {
        /// Shortest length.
        min_length: Option<u64>,
        /// Longest length.
        max_length: Option<u64>,
        /// Pattern.
        pattern: Option<String>,
        /// Listed values.
        values: Vec<String>,
        /// Whether only the listed values are allowed.
        closed: bool,
        /// Format.
        format: Option<String>,
        /// Default.
        default: Option<String>,
        /// Example.
        example: Option<String>,
    },
    /// A number.
    Number,
    /// A boolean.
    Boolean {
        /// Default.
        default: Option<bool>,
    },
    /// An array.
    Array(Box<SchemaModel>),
    /// An object.
    Object(Vec<FieldModel>),
    /// One of several shapes.
    OneOf(Vec<SchemaModel>),
    /// Anything.
    Any,
}

/// One field of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldModel {
    /// The key.
    pub name: String,
    /// `x-aliases`.
    pub aliases: Vec<String>,
    /// Whether it is required.
    pub required: bool,
    /// Its shape.
    pub schema: SchemaModel,
}
