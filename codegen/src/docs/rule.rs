//! The rules of `docs-check`: each kind of difference between an API
//! reference page and the spec, with the name it has on the wire (in the
//! report, and in the `difference` of a spec's `x-acknowledged` entries).

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

/// A kind of difference between a page and the spec.
///
/// [`Rule::as_str`] gives the name `docs-check` prints and an
/// `x-acknowledged` entry names it by; [`Rule::parse`] (or [`FromStr`])
/// reads it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Rule {
    /// `operation-missing`: the page documents an operation the spec does
    /// not have.
    OperationMissing,
    /// `parameter-missing-in-spec`: the page documents a parameter the
    /// spec does not declare.
    ParameterMissingInSpec,
    /// `parameter-missing-on-page`: the spec declares a parameter the page
    /// does not document.
    ParameterMissingOnPage,
    /// `parameter-required`: the page's "mandatory" differs from the
    /// spec's `required`.
    ParameterRequired,
    /// `parameter-type`: the page gives a parameter another type.
    ParameterType,
    /// `parameter-range`: the page gives a parameter another range or
    /// length.
    ParameterRange,
    /// `header-as-security-scheme`: a header the page lists as a parameter
    /// is sent by a security scheme.
    HeaderAsSecurityScheme,
    /// `response-missing`: the spec has no JSON response with the page's
    /// success status.
    ResponseMissing,
    /// `example-missing-in-spec`: the page has an example response, the
    /// spec none.
    ExampleMissingInSpec,
    /// `example-differs`: the page's example response differs from the
    /// spec's.
    ExampleDiffers,
    /// `field-missing-in-spec`: a response table documents a field the
    /// spec's schema does not have.
    FieldMissingInSpec,
    /// `field-missing-on-page`: the spec's schema has a field the page's
    /// tables do not document.
    FieldMissingOnPage,
    /// `field-type`: a response table gives a field another type.
    FieldType,
    /// `example-key`: the page's example spells a documented field
    /// another way.
    ExampleKey,
    /// `example-undocumented-field`: the page's example has a field its
    /// tables do not document.
    ExampleUndocumentedField,
    /// `example-type`: the page's example sends a value of another type
    /// than its table says.
    ExampleType,
}

impl Rule {
    /// Every rule, in the order `docs-check` looks for them.
    pub const ALL: [Rule; 16] = [
        Rule::OperationMissing,
        Rule::ParameterMissingInSpec,
        Rule::ParameterMissingOnPage,
        Rule::ParameterRequired,
        Rule::ParameterType,
        Rule::ParameterRange,
        Rule::HeaderAsSecurityScheme,
        Rule::ResponseMissing,
        Rule::ExampleMissingInSpec,
        Rule::ExampleDiffers,
        Rule::FieldMissingInSpec,
        Rule::FieldMissingOnPage,
        Rule::FieldType,
        Rule::ExampleKey,
        Rule::ExampleUndocumentedField,
        Rule::ExampleType,
    ];

    /// The rule's name on the wire, such as `field-type`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Rule::OperationMissing => "operation-missing",
            Rule::ParameterMissingInSpec => "parameter-missing-in-spec",
            Rule::ParameterMissingOnPage => "parameter-missing-on-page",
            Rule::ParameterRequired => "parameter-required",
            Rule::ParameterType => "parameter-type",
            Rule::ParameterRange => "parameter-range",
            Rule::HeaderAsSecurityScheme => "header-as-security-scheme",
            Rule::ResponseMissing => "response-missing",
            Rule::ExampleMissingInSpec => "example-missing-in-spec",
            Rule::ExampleDiffers => "example-differs",
            Rule::FieldMissingInSpec => "field-missing-in-spec",
            Rule::FieldMissingOnPage => "field-missing-on-page",
            Rule::FieldType => "field-type",
            Rule::ExampleKey => "example-key",
            Rule::ExampleUndocumentedField => "example-undocumented-field",
            Rule::ExampleType => "example-type",
        }
    }

    /// The rule named `name` (its wire name, exactly).
    pub fn parse(name: &str) -> Result<Self, UnknownRule> {
        Rule::ALL
            .into_iter()
            .find(|rule| rule.as_str() == name)
            .ok_or_else(|| UnknownRule {
                name: name.to_string(),
            })
    }

    /// Whether an `x-acknowledged` entry whose `difference` is `named`
    /// settles this rule: an entry without `difference` settles every
    /// rule; otherwise it must name this one (alone, or in a list). A name
    /// that is no rule settles nothing.
    pub fn is_named_by(self, named: Option<&Value>) -> bool {
        let names_self = |name: &str| Rule::parse(name) == Ok(self);
        match named {
            None => true,
            Some(Value::String(one)) => names_self(one),
            Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).any(names_self),
            Some(_) => false,
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Rule {
    type Err = UnknownRule;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Rule::parse(name)
    }
}

/// A rule compares equal to its wire name.
impl PartialEq<&str> for Rule {
    fn eq(&self, name: &&str) -> bool {
        self.as_str() == *name
    }
}

/// A name that is not one of the [`Rule`]s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown docs-check rule `{name}`; the rules are {}", known())]
pub struct UnknownRule {
    /// The name as it was given.
    pub name: String,
}

/// Every rule's name, comma-separated.
fn known() -> String {
    Rule::ALL.map(Rule::as_str).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_reads_back_from_its_name() {
        for rule in Rule::ALL {
            assert_eq!(Rule::parse(rule.as_str()), Ok(rule));
            assert_eq!(rule.to_string(), rule.as_str());
        }
    }

    #[test]
    fn an_unknown_rule_is_an_error_naming_it() {
        let error = "field-typo".parse::<Rule>().expect_err("unknown");
        assert_eq!(error.name, "field-typo");
        let message = error.to_string();
        assert!(
            message.starts_with("unknown docs-check rule `field-typo`; the rules are "),
            "{message}"
        );
        assert!(message.contains("example-type"), "{message}");
    }

    #[test]
    fn an_entry_settles_the_rules_it_names() {
        let one = Value::from("field-type");
        let many = serde_json::json!(["field-type", "example-type"]);
        let unknown = Value::from("field-typo");
        assert!(Rule::FieldType.is_named_by(None));
        assert!(Rule::FieldType.is_named_by(Some(&one)));
        assert!(!Rule::ExampleType.is_named_by(Some(&one)));
        assert!(Rule::ExampleType.is_named_by(Some(&many)));
        assert!(!Rule::ExampleKey.is_named_by(Some(&many)));
        assert!(!Rule::FieldType.is_named_by(Some(&unknown)));
        assert!(!Rule::FieldType.is_named_by(Some(&Value::from(3))));
    }
}
