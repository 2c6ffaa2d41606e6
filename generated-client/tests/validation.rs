//! Client configuration checks. That out-of-range input never reaches the
//! server is checked for every bound of the spec by `hss-tests`'
//! spec_bounds test.

use crate::common;

use hss_client::prelude::*;

#[test]
fn builder_rejects_bad_project_ids_and_missing_settings() {
    let long = "p".repeat(257);
    let error = common::builder("http://127.0.0.1:1")
        .project_id(long)
        .build()
        .unwrap_err();
    assert!(
        error.to_string().contains("the project id must be"),
        "{error}"
    );
    let error = HssClient::builder()
        .project_id("p")
        .credentials(Credentials::ak_sk("a", "s").unwrap())
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("region"), "{error}");
}

#[test]
fn from_env_names_missing_variables() {
    let error = HssClient::from_lookup(|name| match name {
        "HUAWEICLOUD_SDK_AK" => Some("ak".into()),
        "HUAWEICLOUD_SDK_SK" => Some("sk".into()),
        "HUAWEICLOUD_SDK_PROJECT_ID" => Some("p1".into()),
        _ => None,
    })
    .unwrap_err();
    assert!(
        error.to_string().contains("HUAWEICLOUD_SDK_REGION"),
        "{error}"
    );
    let client = HssClient::from_lookup(|name| match name {
        "CLOUD_SDK_AK" => Some("ak".into()),
        "CLOUD_SDK_SK" => Some("sk".into()),
        "HUAWEICLOUD_SDK_PROJECT_ID" => Some("p1".into()),
        "HUAWEICLOUD_SDK_REGION" => Some("eu-west-101".into()),
        _ => None,
    })
    .unwrap();
    assert_eq!(
        client.endpoint().base_url(),
        "https://hss.eu-west-101.myhuaweicloud.eu"
    );
    assert_eq!(client.project_id(), "p1");
    let error = HssClient::from_lookup(|name| match name {
        "HUAWEICLOUD_SDK_AK" | "HUAWEICLOUD_SDK_SK" => Some("x".into()),
        "HUAWEICLOUD_SDK_PROJECT_ID" => Some(String::new()),
        _ => None,
    })
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("HUAWEICLOUD_SDK_PROJECT_ID is set but empty"),
        "{error}"
    );
}
