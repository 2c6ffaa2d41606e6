//! The MCP resources: what an assistant may read to know what it can ask.
//! The operations table (the README's section, which `cargo xtask
//! generate` writes from the spec) and the spec itself.

/// The spec, as built into the binary.
const SPEC: &str = include_str!("../../../spec/hss.yaml");
/// The README, whose operations section is served.
const README: &str = include_str!("../../../README.md");

/// One resource.
#[derive(Clone, Copy, Debug)]
pub struct Resource {
    /// Its URI.
    pub uri: &'static str,
    /// Its name.
    pub name: &'static str,
    /// What it holds.
    pub description: &'static str,
    /// Its media type.
    pub mime_type: &'static str,
}

/// Every resource.
pub const RESOURCES: [Resource; 2] = [
    Resource {
        uri: "hss://operations",
        name: "operations",
        description: "The operations this server's tools call: requests, paging, the calls the service allows, parameters with their bounds and defaults",
        mime_type: "text/markdown",
    },
    Resource {
        uri: "hss://spec",
        name: "spec",
        description: "The OpenAPI spec the tools are made from",
        mime_type: "application/yaml",
    },
];

/// The text of the resource at `uri`.
pub fn read(uri: &str) -> Option<String> {
    match uri {
        "hss://operations" => Some(operations()),
        "hss://spec" => Some(SPEC.to_string()),
        _ => None,
    }
}

/// The README's generated operations section, between its marker lines.
fn operations() -> String {
    let mut lines = README.lines();
    let mut out = String::new();
    if lines.any(|l| l.starts_with("<!-- BEGIN operations")) {
        for line in lines.take_while(|l| !l.starts_with("<!-- END operations")) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
