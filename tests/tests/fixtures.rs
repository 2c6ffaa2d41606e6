//! Edge cases the documentation does not show: unknown fields and values,
//! nulls, missing keys, empty pages, both spellings of renamed keys, and
//! both forms of `line_num`.

use hss_client::line_num::Form;
use hss_client::types::{
    ClusterEventAction, ClusterEventLogType, ClusterEventResponseInfo, ClusterType, HandleStatus,
    ListClusterEventLogsResponse, ListClusterEventsResponse,
};
use hss_tests::{canonical, decode_as, fixtures, load_spec};
use serde_json::json;

#[test]
fn every_fixture_decodes_snapshots_and_round_trips() {
    let spec = load_spec().expect("spec loads");
    let all = fixtures();
    assert!(all.len() >= 10, "fixtures missing: found {}", all.len());
    for (schema, case, value) in all {
        let decoded = decode_as(&schema, &value)
            .unwrap_or_else(|e| panic!("{schema}/{case}: does not decode: {e}"));
        insta::assert_snapshot!(format!("{schema}__{case}"), decoded.debug);
        assert_eq!(
            decoded.reencoded,
            canonical(&spec, &schema, &value),
            "{schema}/{case}: re-encoding lost or changed a value"
        );
    }
}

fn fixture(schema: &str, case: &str) -> serde_json::Value {
    fixtures()
        .into_iter()
        .find(|(s, c, _)| s == schema && c == case)
        .map(|(_, _, v)| v)
        .unwrap_or_else(|| panic!("fixture {schema}/{case} is missing"))
}

#[test]
fn snake_case_and_camel_case_decode_into_the_same_fields() {
    let snake: ClusterEventResponseInfo = serde_json::from_value(json!({
        "project_id": "p", "enterprise_project_id": "e", "update_time": 5,
        "resource_info": { "enforcement_action": "warn" }
    }))
    .expect("snake_case decodes");
    let camel: ClusterEventResponseInfo = serde_json::from_value(json!({
        "projectId": "p", "enterpriseProjectId": "e", "updateTime": 5,
        "resource_info": { "enforcementAction": "warn" }
    }))
    .expect("camelCase decodes");
    assert_eq!(snake, camel);
    assert_eq!(snake.project_id.as_deref(), Some("p"));
    // Encoding always writes the canonical (field table) name.
    let encoded = serde_json::to_value(&camel).expect("encodes");
    assert_eq!(encoded["project_id"], "p");
    assert_eq!(encoded["update_time"], 5);
    assert_eq!(encoded["resource_info"]["enforcement_action"], "warn");
    assert!(encoded.get("projectId").is_none());
}

#[test]
fn unknown_enum_values_and_fields_are_kept() {
    let page: ListClusterEventsResponse = serde_json::from_value(fixture(
        "ListClusterEventsResponse",
        "unknown-fields-and-values",
    ))
    .expect("decodes");
    assert_eq!(page.extra["page_token"], "t-9");
    let event = &page.data_list[0];
    assert_eq!(
        event.action,
        Some(ClusterEventAction::Unknown("block".into()))
    );
    assert_eq!(
        event.handle_status,
        Some(HandleStatus::Unknown("ignored".into()))
    );
    assert_eq!(event.event_type, Some(4242));
    assert_eq!(event.extra["severity"], "critical");
    let resource = event.resource_info.as_ref().expect("resource_info");
    assert_eq!(resource.enforcement_action.as_deref(), Some("deny"));
    assert_eq!(resource.extra["uid"], "u-1");

    let logs: ListClusterEventLogsResponse = serde_json::from_value(fixture(
        "ListClusterEventLogsResponse",
        "unknown-fields-and-values",
    ))
    .expect("decodes");
    let log = &logs.data_list[0];
    assert_eq!(log.cluster_type, Some(ClusterType::Unknown("gke".into())));
    assert_eq!(
        log.event_type,
        Some(ClusterEventLogType::Unknown("Critical".into()))
    );
    assert_eq!(log.extra["labels"]["team"], "soc");
    assert_eq!(logs.extra["next_marker"], "m-2");
}

#[test]
fn known_enum_values_are_typed() {
    let event: ClusterEventResponseInfo =
        serde_json::from_value(json!({ "action": "warn", "handle_status": "handled" }))
            .expect("decodes");
    assert_eq!(event.action, Some(ClusterEventAction::Warn));
    assert_eq!(event.handle_status, Some(HandleStatus::Handled));
    assert!(ClusterType::from("self_built_idc").is_known());
    assert_eq!(
        ClusterType::from("self_built_idc"),
        ClusterType::SelfBuiltIdc
    );
    assert_eq!(ClusterType::SelfBuiltIdc.to_string(), "self_built_idc");
}

#[test]
fn line_num_accepts_strings_and_integers_and_keeps_every_digit() {
    let logs: ListClusterEventLogsResponse = serde_json::from_value(fixture(
        "ListClusterEventLogsResponse",
        "line-num-integer-beyond-2-pow-53",
    ))
    .expect("decodes");
    let first = logs.data_list[0].line_num.as_ref().expect("line_num");
    assert_eq!(first.as_str(), "9007199254740993");
    assert_eq!(first.as_u64(), Some(9_007_199_254_740_993));
    assert_eq!(first.form(), Form::Integer);
    let max = logs.data_list[1].line_num.as_ref().expect("line_num");
    assert_eq!(max.as_u64(), Some(u64::MAX));

    let text: ListClusterEventLogsResponse =
        serde_json::from_value(fixture("ListClusterEventLogsResponse", "line-num-string"))
            .expect("decodes");
    let line = text.data_list[0].line_num.as_ref().expect("line_num");
    assert_eq!(line.as_str(), "00987");
    assert_eq!(line.form(), Form::String);
    assert_eq!(
        serde_json::to_value(line).expect("encodes"),
        json!("00987"),
        "a string line_num stays a string, leading zeros included"
    );

    // Integers past 64 bits lose digits in any f64-based parser; they are
    // refused with a message instead of being silently changed.
    let err = serde_json::from_str::<ListClusterEventLogsResponse>(
        r#"{"data_list":[{"line_num":123456789012345678901234567890}]}"#,
    )
    .expect_err("a >64-bit integer is refused");
    assert!(err.to_string().contains("line_num"), "{err}");
}

#[test]
fn pages_without_items_decode_as_empty() {
    for schema in ["ListClusterEventsResponse", "ListClusterEventLogsResponse"] {
        for case in ["empty-page", "no-data-list"] {
            let decoded = decode_as(schema, &fixture(schema, case))
                .unwrap_or_else(|e| panic!("{schema}/{case}: {e}"));
            assert_eq!(decoded.reencoded["total_num"], 0, "{schema}/{case}");
        }
    }
    let page: ListClusterEventsResponse =
        serde_json::from_value(fixture("ListClusterEventsResponse", "no-data-list"))
            .expect("decodes");
    assert!(page.data_list.is_empty());
}

#[test]
fn nulls_and_missing_keys_decode_as_absent() {
    let page: ListClusterEventsResponse =
        serde_json::from_value(fixture("ListClusterEventsResponse", "nulls")).expect("decodes");
    assert_eq!(page.total_num, None);
    assert_eq!(page.data_list[0].project_id, None);
    assert_eq!(page.data_list[1].resource_info, None);
    let page: ListClusterEventLogsResponse =
        serde_json::from_value(fixture("ListClusterEventLogsResponse", "missing-keys"))
            .expect("decodes");
    assert_eq!(page.data_list.len(), 1);
    assert_eq!(page.data_list[0].line_num, None);
}

#[test]
fn both_spellings_at_once_decode_and_lose_nothing() {
    let page: ListClusterEventsResponse =
        serde_json::from_value(fixture("ListClusterEventsResponse", "both-spellings"))
            .expect("a payload with both spellings decodes");
    let first = &page.data_list[0];
    // The field table's spelling wins; the other stays in `extra`.
    assert_eq!(first.project_id.as_deref(), Some("p-snake"));
    assert_eq!(first.extra["projectId"], "p-camel");
    assert_eq!(first.update_time, Some(1));
    assert_eq!(first.extra["updateTime"], 1);
    assert_eq!(first.enterprise_project_id.as_deref(), Some("0"));
    assert!(first.extra.get("enterpriseProjectId").is_none());
    let resource = first.resource_info.as_ref().expect("resource_info");
    assert_eq!(resource.enforcement_action.as_deref(), Some("warn"));
    assert_eq!(resource.extra["enforcementAction"], "deny");
    // A null canonical spelling gives way to the other one.
    assert_eq!(page.data_list[1].project_id.as_deref(), Some("p-camel"));
}
