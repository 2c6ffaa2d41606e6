//! Lists the cluster protection events of a project, all pages, with
//! credentials from the environment:
//!
//! ```sh
//! export HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=...   # or CLOUD_SDK_AK / CLOUD_SDK_SK
//! export HUAWEICLOUD_SDK_PROJECT_ID=... HUAWEICLOUD_SDK_REGION=cn-north-4
//! cargo run -p hss-client --example list_events [cluster_id]
//! ```
//!
//! Set `RUST_LOG=hss_client=info` to see one log line per request.

use futures::TryStreamExt;
use hss_client::prelude::*;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();

    let client = HssClient::from_env()?;
    let mut request = client.list_cluster_events();
    if let Some(cluster_id) = std::env::args().nth(1) {
        request = request.cluster_id(cluster_id);
    }
    let mut events = request.stream_with(PageOptions::default().with_prefetch(2));
    let mut count = 0usize;
    while let Some(event) = events.try_next().await? {
        count += 1;
        let content = event.event_content_parsed().ok().flatten();
        println!(
            "{}  {}  {}  {}",
            event.event_id.as_deref().unwrap_or("-"),
            event.cluster_id.as_deref().unwrap_or("-"),
            event
                .update_time_at()
                .map(httpdate::fmt_http_date)
                .unwrap_or_else(|| "-".into()),
            content.and_then(|c| c.message).unwrap_or_default(),
        );
    }
    eprintln!("{count} events");
    Ok(())
}
