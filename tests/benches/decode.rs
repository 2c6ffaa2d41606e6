//! Decoding a 200-item page of each response type: the generated types
//! (lossless: `extra` maps, aliases, open enums, `LineNum`) against a
//! minimal hand-written serde struct with the same fields, the floor.
//!
//! `cargo bench -p hss-tests --bench decode`; `cargo xtask bench` runs it
//! and reports MB/s and the ratio. When `HSS_BENCH_OUT` names a directory,
//! the page sizes are written to `decode_sizes.json` in it.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hss_tests::mock::Dataset;
use hss_tests::mock::floor;
use serde_json::json;

/// Items per page, the most ListClusterEvents allows.
const PAGE: u64 = 200;

/// The two pages, as the mock serves them.
fn pages() -> (Vec<u8>, Vec<u8>) {
    let data = Dataset::new(1, 100_000, 8, hss_tests::mock::DEFAULT_PROJECT_ID);
    let events: Vec<_> = (0..PAGE).map(|i| data.event(i)).collect();
    let logs: Vec<_> = (0..PAGE).map(|i| data.log(i)).collect();
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
            assert_eq!(page.data_list.len(), PAGE as usize);
            page
        })
    });
    group.bench_function("ListClusterEventsResponse/floor", |b| {
        b.iter(|| {
            let page: floor::Events = serde_json::from_slice(black_box(&events)).expect("decodes");
            assert_eq!(page.data_list.len(), PAGE as usize);
            page
        })
    });
    group.throughput(Throughput::Bytes(logs.len() as u64));
    group.bench_function("ListClusterEventLogsResponse/generated", |b| {
        b.iter(|| {
            let page: hss_client::types::ListClusterEventLogsResponse =
                serde_json::from_slice(black_box(&logs)).expect("decodes");
            assert_eq!(page.data_list.len(), PAGE as usize);
            page
        })
    });
    group.bench_function("ListClusterEventLogsResponse/floor", |b| {
        b.iter(|| {
            let page: floor::Logs = serde_json::from_slice(black_box(&logs)).expect("decodes");
            assert_eq!(page.data_list.len(), PAGE as usize);
            page
        })
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
