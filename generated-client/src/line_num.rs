//! [`LineNum`]: the row number of a CCE cluster event, which the service
//! sends either as a string or as an integer.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Row number of a CCE cluster event, also used as a paging cursor.
///
/// The API reference types it as a string while its example sends an
/// integer; both decode into this one type. The digits are kept exactly,
/// whatever their count (an integer beyond 2^53 keeps every digit up to the
/// 64-bit range, a string keeps all of them), and the value encodes back in
/// the form it arrived in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LineNum {
    text: String,
    form: Form,
}

/// How a [`LineNum`] appears on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Form {
    /// A JSON string.
    String,
    /// A JSON integer.
    Integer,
}

impl LineNum {
    /// The value as text, exactly as sent (the digits of an integer).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The value as an unsigned integer, when it is one that fits in 64 bits.
    pub fn as_u64(&self) -> Option<u64> {
        self.text.parse().ok()
    }

    /// Whether the value came as a string or as an integer.
    pub fn form(&self) -> Form {
        self.form
    }
}

impl schemars::JsonSchema for LineNum {
    fn schema_name() -> String {
        "LineNum".to_string()
    }

    /// A string or an integer.
    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            subschemas: Some(Box::new(schemars::schema::SubschemaValidation {
                one_of: Some(vec![
                    <String as schemars::JsonSchema>::json_schema(generator),
                    <u64 as schemars::JsonSchema>::json_schema(generator),
                ]),
                ..Default::default()
            })),
            ..Default::default()
        }
        .into()
    }
}

impl From<u64> for LineNum {
    fn from(value: u64) -> Self {
        Self {
            text: value.to_string(),
            form: Form::Integer,
        }
    }
}

impl From<String> for LineNum {
    fn from(text: String) -> Self {
        Self {
            text,
            form: Form::String,
        }
    }
}

impl From<&str> for LineNum {
    fn from(text: &str) -> Self {
        Self::from(text.to_string())
    }
}

impl FromStr for LineNum {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(text))
    }
}

impl fmt::Display for LineNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for LineNum {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.form {
            Form::String => serializer.serialize_str(&self.text),
            Form::Integer => match (self.text.parse::<u64>(), self.text.parse::<i64>()) {
                (Ok(n), _) => serializer.serialize_u64(n),
                (_, Ok(n)) => serializer.serialize_i64(n),
                _ => serializer.serialize_str(&self.text),
            },
        }
    }
}

impl<'de> Deserialize<'de> for LineNum {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LineNumVisitor)
    }
}

struct LineNumVisitor;

impl Visitor<'_> for LineNumVisitor {
    type Value = LineNum;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a line number as a string or an integer")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<LineNum, E> {
        Ok(LineNum::from(value))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<LineNum, E> {
        Ok(LineNum::from(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<LineNum, E> {
        Ok(LineNum::from(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<LineNum, E> {
        Ok(LineNum {
            text: value.to_string(),
            form: Form::Integer,
        })
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<LineNum, E> {
        // JSON integers outside the 64-bit range arrive here with their low
        // digits already rounded away; refuse them rather than keep a
        // different number.
        Err(E::custom(format!(
            "line_num {value} is not an integer that fits in 64 bits; send it as a string to keep every digit"
        )))
    }
}
