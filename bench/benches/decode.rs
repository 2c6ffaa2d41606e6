//! Decoding a 200-item page of each response type: the generated types
//! (lossless: `extra` maps, aliases, open enums, `LineNum`) against a
//! minimal hand-written serde struct with the same fields, the floor.
//!
//! `cargo bench -p hss-bench --bench decode`; `cargo xtask bench` runs it
//! and reports MB/s and the ratio. When `HSS_BENCH_OUT` names a directory,
//! the page sizes are written to `decode_sizes.json` in it.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hss_bench::floor;
use hss_mock::Dataset;
use serde_json::json;

/// Items per page: the default page size of streams of alarm events (the
/// largest the spec allows).
fn page_size() -> u64 {
    hss_client::Operation::ListClusterEvents
        .pagination()
        .map_or(1, |p| p.default_page_size.max(1) as u64)
}

/// The two pages, as the mock serves them.
fn pages() -> (Vec<u8>, Vec<u8>) {
    let page = page_size();
    let data = Dataset::new(1, 100_000, 8, hss_mock::DEFAULT_PROJECT_ID);
    let events: Vec<_> = (0..page).map(|i| data.event(i)).collect();
    let logs: Vec<_> = (0..page).map(|i| data.log(i)).collect();
    let events = serde_json::to_vec(&json!({
        "total_num": 100_000,
        "last_update_time": 1_767_225_600_000_i64,
        "data_list": events,
    }))
    .expect("page encodes");
    let logs = serde_json::to_vec(&json!({ "total_num": 100_000, "data_list": logs }))
        .expect("page encodes");
    (events, logs)
}

fn decode(c: &mut Criterion) {
    let (events, logs) = pages();
    if let Ok(dir) = std::env::var("HSS_BENCH_OUT") {
        let sizes = json!({
            "ListClusterEventsResponse": events.len(),
            "ListClusterEventLogsResponse": logs.len(),
        });
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(
            std::path::Path::new(&dir).join("decode_sizes.json"),
            sizes.to_string(),
        );
    }

    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Bytes(events.len() as u64));
    group.bench_function("ListClusterEventsResponse/generated", |b| {
        b.iter(|| {
            let page: hss_client::types::ListClusterEventsResponse =
                serde_json::from_slice(black_box(&events)).expect("decodes");
            assert_eq!(page.data_list.len() as u64, page_size());
            page
        })
    });
    group.bench_function("ListClusterEventsResponse/floor", |b| {
        b.iter(|| {
            let page: floor::Events = serde_json::from_slice(black_box(&events)).expect("decodes");
            assert_eq!(page.data_list.len() as u64, page_size());
            page
        })
    });
    group.throughput(Throughput::Bytes(logs.len() as u64));
    group.bench_function("ListClusterEventLogsResponse/generated", |b| {
        b.iter(|| {
            let page: hss_client::types::ListClusterEventLogsResponse =
                serde_json::from_slice(black_box(&logs)).expect("decodes");
            assert_eq!(page.data_list.len() as u64, page_size());
            page
        })
    });
    group.bench_function("ListClusterEventLogsResponse/floor", |b| {
        b.iter(|| {
            let page: floor::Logs = serde_json::from_slice(black_box(&logs)).expect("decodes");
            assert_eq!(page.data_list.len() as u64, page_size());
            page
        })
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
