//! The spec's facts as Rust data: the bottom layer of the crate.
//!
//! [`Operation`] and its table are generated ([`operations`]); the types
//! they are written in are here, the lookups on [`Operation`] in
//! `lookup`, and [`check`] holds what the facts imply for a value or a
//! request (its bounds, lengths, pattern, listed values and time window).
//! Nothing here imports from the layers above.
//!
//! `cargo xtask generate` fills these in from `spec/hss.yaml`: every
//! operation with its method, path template and parameters (location,
//! required flag, type, bounds, lengths, listed values, default), how it
//! pages, the time window its parameters span, and the shape of its
//! response. The client's validator, its stream defaults and `hss-mock`
//! read them from there, so a spec change reaches all of them with
//! `cargo xtask generate` alone.

#[allow(clippy::all, clippy::pedantic)]
#[rustfmt::skip]
pub mod operations;
pub mod check;
mod lookup;
pub mod siem;

pub use lookup::project_id_parameter;
pub use operations::Operation;

/// Where a parameter travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParameterLocation {
    /// A segment of the URL path (`{name}` in the path template).
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
}

/// One parameter of one operation.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Parameter {
    /// The name on the wire, as the spec gives it.
    pub name: &'static str,
    /// The name of the request builder's method that sets it.
    pub rust_name: &'static str,
    /// Where it travels.
    pub location: ParameterLocation,
    /// Whether every request must carry it.
    pub required: bool,
    /// The spec's description.
    pub description: &'static str,
    /// Its type, bounds, listed values and default.
    pub schema: &'static Schema,
    /// A value that stands for "every value" rather than for itself
    /// (`x-wildcard`): filtering on it selects every record.
    pub wildcard: Option<&'static str>,
}

impl Parameter {
    /// A value, as it travels, that the spec allows for this parameter:
    /// its default, else its example, else its first listed value, else
    /// one built from its bounds and lengths. Each candidate is checked as
    /// the client checks a request; `None` when none passes (a pattern
    /// that none of them matches, say).
    pub fn example_value(&self) -> Option<String> {
        let mut candidates: Vec<String> = Vec::new();
        match self.schema {
            Schema::Integer(integer) => {
                candidates.extend(integer.default.map(|d| d.to_string()));
                candidates.extend(integer.example.map(|e| e.to_string()));
                candidates.push(0i64.clamp(integer.lowest(), integer.highest()).to_string());
            }
            Schema::String(string) => {
                candidates.extend(string.default.map(str::to_string));
                candidates.extend(string.example.map(str::to_string));
                candidates.extend(string.values.first().map(|v| v.to_string()));
                let length = string.min_length.unwrap_or(1).max(1);
                candidates.push("x".repeat(usize::try_from(length).unwrap_or(1)));
            }
            Schema::Boolean { default } => {
                candidates.push(default.unwrap_or(true).to_string());
            }
            Schema::Number => candidates.push("1".to_string()),
            _ => candidates.push("1".to_string()),
        }
        candidates
            .into_iter()
            .find(|value| check::check_value(self, value).is_ok())
    }
}

/// The shape of a value: a parameter's, a response's or one of its fields'.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Schema {
    /// An integer.
    Integer(IntegerSchema),
    /// A string.
    String(StringSchema),
    /// A number that may have a fraction.
    Number,
    /// `true` or `false`.
    Boolean {
        /// The value the service assumes when none is sent.
        default: Option<bool>,
    },
    /// A list of values of one shape.
    Array(&'static Schema),
    /// An object with named fields (other fields may come too).
    Object(&'static [Field]),
    /// One of several shapes (a value the service sends in more than one
    /// form).
    OneOf(&'static [Schema]),
    /// Any JSON value.
    Any,
}

/// An integer's format and bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IntegerSchema {
    /// Bits of the wire format: 32 (`int32`) or 64 (`int64`, or no format).
    pub bits: u8,
    /// Smallest allowed value, inclusive.
    pub minimum: Option<i64>,
    /// Largest allowed value, inclusive.
    pub maximum: Option<i64>,
    /// The value the service assumes when none is sent.
    pub default: Option<i64>,
    /// An example value.
    pub example: Option<i64>,
}

impl IntegerSchema {
    /// The smallest value allowed: the spec's minimum, else the format's.
    pub fn lowest(&self) -> i64 {
        self.minimum.unwrap_or(self.format_min())
    }

    /// The largest value allowed: the spec's maximum, else the format's.
    pub fn highest(&self) -> i64 {
        self.maximum.unwrap_or(self.format_max())
    }

    /// The smallest value of the wire format.
    pub fn format_min(&self) -> i64 {
        if self.bits == 32 {
            i64::from(i32::MIN)
        } else {
            i64::MIN
        }
    }

    /// The largest value of the wire format.
    pub fn format_max(&self) -> i64 {
        if self.bits == 32 {
            i64::from(i32::MAX)
        } else {
            i64::MAX
        }
    }
}

/// A string's lengths, pattern and listed values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StringSchema {
    /// Shortest allowed length, in characters.
    pub min_length: Option<u64>,
    /// Longest allowed length, in characters.
    pub max_length: Option<u64>,
    /// A regular expression the value must match.
    pub pattern: Option<&'static str>,
    /// The listed values (`enum`, or `x-extensible-enum`).
    pub values: &'static [&'static str],
    /// Whether only the listed values are allowed (`enum`); an
    /// `x-extensible-enum` lists values but allows others.
    pub closed: bool,
    /// The `format`, such as `date-time`.
    pub format: Option<&'static str>,
    /// The value the service assumes when none is sent.
    pub default: Option<&'static str>,
    /// An example value.
    pub example: Option<&'static str>,
}

/// One named field of an object.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Field {
    /// The key on the wire.
    pub name: &'static str,
    /// Other spellings of the key the service is known to send
    /// (`x-aliases`).
    pub aliases: &'static [&'static str],
    /// Whether every object carries it.
    pub required: bool,
    /// Its shape.
    pub schema: &'static Schema,
}

impl Schema {
    /// The fields of an object schema (none for any other shape).
    pub fn fields(&self) -> &'static [Field] {
        match self {
            Schema::Object(fields) => fields,
            _ => &[],
        }
    }

    /// The field named `name` of an object schema.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.name == name)
    }
}

/// How a paginated operation pages: by `offset` and `limit` query
/// parameters, with the total count and the page's records in the
/// response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pagination {
    /// The query parameter of the first record's position.
    pub offset: &'static str,
    /// The query parameter of the page size.
    pub limit: &'static str,
    /// The response field that counts every matching record.
    pub total: &'static str,
    /// The response field that holds the page's records.
    pub items: &'static str,
    /// The smallest page size the operation accepts.
    pub min_limit: i64,
    /// The largest page size the operation accepts, when the spec gives one.
    pub max_limit: Option<i64>,
    /// The largest offset the operation accepts (the spec's maximum, else
    /// the largest value of the parameter's format).
    pub max_offset: i64,
    /// The page size streams use unless told otherwise: the largest the spec
    /// allows, else the `limit` parameter's default.
    pub default_page_size: i64,
    /// The record fields that together identify a record
    /// (`x-record-key`); empty when a record is identified by its whole
    /// content.
    pub record_key: &'static [&'static str],
    /// The record field that changes whenever the record does
    /// (`x-record-version`).
    pub record_version: Option<&'static str>,
}

/// How often the service lets an operation be called (`x-rate-limit`):
/// calls per window by one user, from one source address, and by
/// everyone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// The window, in seconds.
    pub window_seconds: u64,
    /// Calls per window by one user (one access key or token).
    pub per_user: Option<u64>,
    /// Calls per window from one source address.
    pub per_ip: Option<u64>,
    /// Calls per window by everyone together.
    pub overall: Option<u64>,
    /// Where the limit is documented.
    pub source: &'static str,
}

impl RateLimit {
    /// The window.
    pub fn window(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.window_seconds)
    }

    /// The calls per window one client may make: the smallest of the
    /// limits (one client is one user from one address).
    pub fn calls(&self) -> u64 {
        [self.per_user, self.per_ip, self.overall]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(u64::MAX)
    }
}

/// A time window that two parameters span (`x-time-window`): the
/// operation returns the records whose `field` lies from `start` to `end`,
/// both included, and `start` must not be after `end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimeWindow {
    /// The parameter of the window's start.
    pub start: &'static str,
    /// The parameter of the window's end.
    pub end: &'static str,
    /// The record field the window bounds, when the spec names it.
    pub field: Option<&'static str>,
}

/// The name of the path parameter that carries the project id.
pub const PROJECT_ID: &str = "project_id";
