//! The names the command line gives the spec's things: an operation's
//! command name (its kebab-case operationId), a parameter's flag, and the
//! operation a command name stands for.

use hss_client::Operation;

/// The command-line name of an operation: its kebab-case operationId.
pub fn command_name(operation: Operation) -> String {
    operation.method_name().replace('_', "-")
}

/// The flag of a parameter, as the generated commands name it.
pub fn flag(rust_name: &str) -> String {
    rust_name.replace('_', "-")
}

/// The operation a command name stands for.
pub fn operation_named(name: &str) -> Option<Operation> {
    Operation::ALL
        .iter()
        .copied()
        .find(|op| command_name(*op) == name)
}
