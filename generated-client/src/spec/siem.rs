//! The types a record's SIEM mapping (`x-siem`) is written in: for each
//! operation whose records the spec maps, [`Operation::siem`] gives a
//! [`Mapping`] per schema. `crate::siem` applies them.
//!
//! [`Operation::siem`]: super::Operation::siem

/// A SIEM schema records can be mapped to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SiemSchema {
    /// The Open Cybersecurity Schema Framework.
    Ocsf,
    /// The Elastic Common Schema.
    Ecs,
}

impl SiemSchema {
    /// Every schema.
    pub const ALL: &'static [SiemSchema] = &[SiemSchema::Ocsf, SiemSchema::Ecs];

    /// Its name on the command line and in the spec: `ocsf`, `ecs`.
    pub const fn name(self) -> &'static str {
        match self {
            SiemSchema::Ocsf => "ocsf",
            SiemSchema::Ecs => "ecs",
        }
    }
}

/// An OCSF class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OcsfClass {
    /// `class_uid`.
    pub uid: i64,
    /// The class's name, such as `Detection Finding`.
    pub name: &'static str,
    /// `category_uid`.
    pub category: i64,
}

/// How one operation's records become events of one schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mapping {
    /// The schema.
    pub schema: SiemSchema,
    /// The schema's version (`metadata.version`, `ecs.version`).
    pub version: &'static str,
    /// The OCSF class.
    pub class: Option<OcsfClass>,
    /// The OCSF profiles the events use.
    pub profiles: &'static [&'static str],
    /// Where what no rule copies from the record goes (OCSF `unmapped`).
    pub unmapped: Option<&'static str>,
    /// Where the whole record goes (ECS).
    pub original: Option<&'static str>,
    /// Targets without which a record cannot be mapped.
    pub required: &'static [&'static str],
    /// Object paths (`*` for each item of a list), and the keys one of
    /// which an object there must hold to be kept.
    pub needs_one_of: &'static [(&'static str, &'static [&'static str])],
    /// Every target with its value.
    pub rules: &'static [Rule],
}

/// One target and its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rule {
    /// The target's dotted path; a number is a position in a list.
    pub target: &'static str,
    /// Its value.
    pub value: Source,
}

/// Where a target's value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// A record field, by dotted path.
    Field(&'static str, Convert),
    /// A constant.
    Const(Const),
    /// A fact the record does not hold.
    Context(ContextValue),
    /// The first of these that has a value.
    First(&'static [Source]),
    /// A field's listed value mapped to a constant.
    Map {
        /// The field's dotted path.
        field: &'static str,
        /// Each listed value and its constant.
        cases: &'static [(&'static str, Const)],
        /// For any other value.
        default: Option<Const>,
    },
    /// The constant of the first case whose condition holds.
    Cases {
        /// Each condition and its constant.
        cases: &'static [(Condition, Const)],
        /// When none holds.
        default: Option<Const>,
    },
}

/// How a copied field's value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Convert {
    /// As it is.
    AsIs,
    /// Milliseconds since the epoch, as an RFC 3339 date.
    Date,
    /// In a list of one.
    List,
    /// As text.
    Text,
}

/// A constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Const {
    /// Text.
    Str(&'static str),
    /// A whole number.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A list of texts.
    Strs(&'static [&'static str]),
}

/// A fact the record does not hold, given when it is mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContextValue {
    /// The region.
    Region,
    /// The project id.
    Project,
    /// The account (domain) id.
    Account,
    /// The id of the record's version, the same as `hss watch`'s.
    Id,
}

/// A condition on a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Condition {
    /// The field holds one of these values.
    In(&'static str, &'static [&'static str]),
    /// Both fields are present, and differ.
    Differs(&'static str, &'static str),
}
