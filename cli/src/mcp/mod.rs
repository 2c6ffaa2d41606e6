//! `hss mcp`: the Model Context Protocol, for AI assistants, over stdio (the
//! default) or Streamable HTTP (`--listen`).
//!
//! Every operation of the spec is a tool ([`tools`]), made from the
//! generated operations table; every call goes through the same
//! [`HssClient`] as every `hss` command, so its budget (the documented
//! calls a minute, shared by all calls), validation (nothing is sent for
//! input outside the spec), credentials (the default chain) and retries
//! hold for an assistant too. A call returns at most `max_records`
//! records and a cursor ([`call`]); one that waits for the budget sends
//! progress notifications when asked to, and a cancelled call stops and
//! frees its place. The operations table and the spec are resources.

pub mod call;
pub mod command;
mod http;
pub mod resources;
pub mod tools;

use std::sync::Arc;
use std::time::Duration;

use hss_client::HssClient;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListResourcesResult, ListToolsResult, PaginatedRequestParams, ProgressNotificationParam,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
    ResourceContents, ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, ServiceExt};

use crate::exit::{Failure, Status};
use crate::schema::EventSchema;
use call::CallError;

/// How `hss mcp` serves.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Mcp {
    /// Serve Streamable HTTP on this address; stdio when `None`.
    pub listen: Option<std::net::SocketAddr>,
    /// The bearer token HTTP requests must carry, when one is required.
    pub token: Option<String>,
    /// Origins allowed besides the local ones.
    pub allow_origins: Vec<String>,
    /// What a returned record is: the HSS record, or a SIEM event.
    pub schema: EventSchema,
}

/// The server: the client every call goes through, and the tools.
#[derive(Clone)]
pub struct Server {
    client: HssClient,
    schema: EventSchema,
    tools: Arc<Vec<Tool>>,
}

impl Server {
    /// The server of `client`'s operations.
    pub fn new(client: HssClient, schema: EventSchema) -> Self {
        let tools = tools::tools(schema)
            .into_iter()
            .map(|spec| {
                Tool::new(spec.name, spec.description, spec.input_schema)
                    .with_raw_output_schema(Arc::new(spec.output_schema))
                    .with_annotations(ToolAnnotations::new().read_only(true).open_world(true))
            })
            .collect();
        Server {
            client,
            schema,
            tools: Arc::new(tools),
        }
    }

    /// One tool call, with progress while it waits, until it is done or
    /// cancelled.
    async fn run_call(
        &self,
        operation: hss_client::Operation,
        arguments: serde_json::Map<String, serde_json::Value>,
        context: &RequestContext<RoleServer>,
    ) -> CallToolResult {
        let plan = match call::plan(operation, &arguments) {
            Ok(plan) => plan,
            Err(error) => return error_result(error),
        };
        let records = std::sync::atomic::AtomicU64::new(0);
        let on_page = |n: u64| records.store(n, std::sync::atomic::Ordering::Relaxed);
        let work = call::run(&self.client, plan, self.schema, &on_page);
        tokio::pin!(work);
        let mut ticks = tokio::time::interval(Duration::from_secs(1));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        let mut waited = Waited::new();
        loop {
            tokio::select! {
                result = &mut work => return match result {
                    Ok(value) => {
                        let summary = call::summary(operation, &value);
                        let mut out = CallToolResult::structured(value);
                        out.content = vec![ContentBlock::text(summary)];
                        out
                    }
                    Err(error) => error_result(error),
                },
                // The call is dropped: a request waiting for the budget
                // gives up its place.
                () = context.ct.cancelled() => {
                    return CallToolResult::error(vec![ContentBlock::text("cancelled")]);
                }
                _ = ticks.tick() => {
                    let done = records.load(std::sync::atomic::Ordering::Relaxed);
                    self.progress(operation, context, waited.next(), done).await;
                }
            }
        }
    }

    /// A progress notification, when the caller asked for them: its
    /// value the seconds the call has taken (`seconds`, which rises with
    /// every one, as the protocol requires), its message what it waits
    /// for or the records read so far.
    async fn progress(
        &self,
        operation: hss_client::Operation,
        context: &RequestContext<RoleServer>,
        seconds: f64,
        records: u64,
    ) {
        let Some(token) = context.meta.get_progress_token() else {
            return;
        };
        let message = match call::budget_wait(&self.client, operation) {
            Some((allowed, left)) => format!(
                "waiting for the request budget: {allowed}, {} s left",
                left.as_secs()
            ),
            None => format!("{records} records read"),
        };
        let param = ProgressNotificationParam::new(token, seconds).with_message(message);
        let _ = context.peer.notify_progress(param).await;
    }
}

/// The progress value of a call: the whole seconds since it began, and
/// always more than the one before, however the ticks come.
struct Waited {
    began: tokio::time::Instant,
    last: f64,
}

impl Waited {
    fn new() -> Self {
        Waited {
            began: tokio::time::Instant::now(),
            last: 0.0,
        }
    }

    /// The value of the next notification.
    fn next(&mut self) -> f64 {
        let seconds = self.began.elapsed().as_secs() as f64;
        self.last = seconds.max(self.last + 1.0);
        self.last
    }
}

fn error_result(error: CallError) -> CallToolResult {
    let text = match error {
        CallError::Input(text) => format!("invalid input, nothing was sent: {text}"),
        CallError::Service(text) => text,
    };
    CallToolResult::error(vec![ContentBlock::text(text)])
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("hss", env!("CARGO_PKG_VERSION")))
        .with_instructions(
            "Huawei Cloud Host Security Service (HSS) container-security events. Each tool lists one kind of record; read hss://operations for what each takes. The service allows few calls a minute: ask for what you need, and go on with the cursor.",
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(self.tools.as_ref().clone()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let Some(operation) = tools::operation_named(&request.name) else {
            return Err(McpError::invalid_params(
                format!("no tool named {}", request.name),
                None,
            ));
        };
        let arguments = request.arguments.unwrap_or_default();
        Ok(self.run_call(operation, arguments, &context).await.into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let list = resources::RESOURCES
            .iter()
            .map(|r| {
                Resource::new(r.uri, r.name)
                    .with_description(r.description)
                    .with_mime_type(r.mime_type)
            })
            .collect();
        Ok(ListResourcesResult::with_all_items(list))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let found = resources::RESOURCES.iter().find(|r| r.uri == request.uri);
        match (found, resources::read(&request.uri)) {
            (Some(r), Some(text)) => Ok(ReadResourceResult::new(vec![
                ResourceContents::text(text, r.uri).with_mime_type(r.mime_type),
            ])
            .into()),
            _ => Err(McpError::resource_not_found(
                format!("no resource {}", request.uri),
                None,
            )),
        }
    }
}

/// Serves `mcp` with `client` until the transport closes (stdio) or the
/// process is stopped (HTTP).
pub async fn run(client: &HssClient, mcp: &Mcp) -> Result<Status, Failure> {
    let server = Server::new(client.clone(), mcp.schema);
    match mcp.listen {
        None => {
            let running = server
                .serve(rmcp::transport::stdio())
                .await
                .map_err(|e| Failure::local(format!("cannot serve MCP on stdio: {e}")))?;
            running
                .waiting()
                .await
                .map_err(|e| Failure::local(format!("the MCP session failed: {e}")))?;
            Ok(Status::Done)
        }
        Some(addr) => http::serve(server, addr, mcp).await,
    }
}

#[cfg(test)]
mod tests {
    use super::Waited;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn the_progress_value_rises_with_every_notification() {
        let mut waited = Waited::new();
        let mut values = Vec::new();
        // Ticks a second apart, then two at once (a late tick), then a
        // long wait.
        for pause in [1, 1, 0, 1, 5] {
            tokio::time::sleep(Duration::from_secs(pause)).await;
            values.push(waited.next());
        }
        assert_eq!(values, [1.0, 2.0, 3.0, 4.0, 8.0]);
    }
}
