//! The spec's documented response examples decode into the generated types,
//! snapshot as typed values, and round-trip without losing a value.

use hss_tests::{canonical, decode_as, load_spec, response_examples};

fn snapshot_name(label: &str) -> String {
    label.replace(['/', ' '], "__")
}

#[test]
fn every_response_example_decodes_into_its_generated_type() {
    let spec = load_spec().expect("spec loads");
    let examples = response_examples(&spec);
    assert!(
        examples.len() >= 2,
        "the spec should carry both documented examples, found {}",
        examples.len()
    );
    for example in &examples {
        let decoded = decode_as(&example.schema, &example.value).unwrap_or_else(|e| {
            panic!(
                "{}: does not decode as {}: {e}",
                example.label, example.schema
            )
        });
        insta::assert_snapshot!(snapshot_name(&example.label), decoded.debug);
    }
}

#[test]
fn every_response_example_round_trips_losslessly() {
    let spec = load_spec().expect("spec loads");
    for example in response_examples(&spec) {
        let decoded = decode_as(&example.schema, &example.value).expect("decodes");
        let expected = canonical(&spec, &example.schema, &example.value);
        assert_eq!(
            decoded.reencoded, expected,
            "{}: re-encoding lost or changed a value",
            example.label
        );
    }
}

#[test]
fn documented_camel_case_keys_land_in_the_documented_fields() {
    // The official SDKs return nothing for these four fields of the
    // documented example; the generated types must not.
    let spec = load_spec().expect("spec loads");
    let example = response_examples(&spec)
        .into_iter()
        .find(|e| e.schema == "ListClusterEventsResponse")
        .expect("the ListClusterEvents example is in the spec");
    let page: hss_client::types::ListClusterEventsResponse =
        serde_json::from_value(example.value).expect("decodes");
    assert_eq!(page.data_list.len(), 2);
    let first = &page.data_list[0];
    assert_eq!(
        first.project_id.as_deref(),
        Some("84b5266c14ae489fa6549827f032dc62")
    );
    assert_eq!(first.enterprise_project_id.as_deref(), Some("0"));
    assert_eq!(first.update_time, Some(1_695_094_500_324));
    let resource = first.resource_info.as_ref().expect("resource_info");
    assert_eq!(resource.enforcement_action.as_deref(), Some("warn"));
    assert!(
        first.extra.is_empty(),
        "no key should fall into extra: {:?}",
        first.extra
    );
}

#[test]
fn documented_integer_line_num_is_kept_as_an_integer() {
    let spec = load_spec().expect("spec loads");
    let example = response_examples(&spec)
        .into_iter()
        .find(|e| e.schema == "ListClusterEventLogsResponse")
        .expect("the ListClusterEventLogs example is in the spec");
    let page: hss_client::types::ListClusterEventLogsResponse =
        serde_json::from_value(example.value).expect("decodes");
    let line = page.data_list[0].line_num.as_ref().expect("line_num");
    assert_eq!(line.as_u64(), Some(12345));
    assert_eq!(line.form(), hss_client::line_num::Form::Integer);
}
