//! The hooks progenitor's generated client calls when a generated
//! builder's own `send` is used.
//!
//! `hss-client`'s `.call()` and `.stream()` do not go through these hooks:
//! they build the request with the builder (`into_request`) and run it
//! through the request pipeline themselves, which returns a typed error. A
//! caller of the generated `send` gets the same pipeline through
//! [`ClientHooks::exec`] (validation in `pre`), with progenitor's error
//! type.

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::generated::Client;
use crate::runtime::answer::Answer;
use crate::runtime::pipeline::{attempts, decode_as};
use crate::runtime::state::ClientState;
use crate::spec::Operation;
use crate::validate::validate_url;

impl ClientHooks<ClientState> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        if let Some(operation) = Operation::from_method_name(info.operation_id) {
            validate_url(operation, request.url())
                .map_err(|error| progenitor_client::Error::Custom(error.to_string()))?;
        }
        // A key that cannot be had fails here, with its reason.
        self.inner()
            .config()
            .keys
            .current()
            .await
            .map(drop)
            .map_err(|error| progenitor_client::Error::Custom(error.to_string()))
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let operation = Operation::from_method_name(info.operation_id);
        // progenitor decodes the body itself; the pipeline only tells a
        // garbled one, to try again.
        let outcome = attempts(
            self.inner(),
            self.client(),
            request,
            operation,
            info.operation_id,
            &decode_as::<serde::de::IgnoredAny>,
        )
        .await;
        match outcome {
            Ok(outcome) => outcome.result.map(Answer::into_response),
            // The key was had in `pre`; it can only be lost between two
            // attempts. progenitor's transport error cannot carry the
            // reason, so the answer is a local 401 that names it.
            Err(error) => Ok(unsigned_answer(&error)),
        }
    }
}

/// The answer of an attempt that could not be signed: a local `401` whose
/// body names the reason, in the service's error shape.
fn unsigned_answer(error: &crate::Error) -> reqwest::Response {
    let body = serde_json::json!({
        "error_code": "HSS-CLIENT.CREDENTIALS",
        "error_msg": error.to_string(),
    })
    .to_string();
    let answer = http::Response::builder()
        .status(http::StatusCode::UNAUTHORIZED)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body.clone());
    match answer {
        Ok(answer) => reqwest::Response::from(answer),
        Err(_) => reqwest::Response::from(http::Response::new(body)),
    }
}
