//! The OpenAPI 3.1 document of onair's HTTP surface, generated from the code.
//!
//! - **Which operations:** one per HTTP function of the [registry](crate::registry), at its method and path,
//!   with the function's binary name as `operationId`; an entry [`operations`] does not describe is left
//!   out, and a test fails on it.
//! - **Schemas:** derived (`ToSchema`) from the admin views and request bodies the handlers really use;
//!   bodies the handlers build with `json!`, and every error shape, from the types in [`schemas`].
//!   Every object schema is closed (`additionalProperties: false`), so schemathesis, which checks every
//!   reply against the document, notices a field added in code and not here.
//! - **Where:** the local server serves it at [`PATH`]; `infra/openapi.json` is the committed copy,
//!   written by `onair-local --openapi` and held equal to this by a drift test. It is not a deployed
//!   route: API Gateway's own export describes the deployed API, and the contract is the same code.
//!
//! The operations are written as JSON rather than with utoipa's builders: OpenAPI 3.1 needs things
//! utoipa 5's builders cannot say (required response headers, `type: null`), and JSON reads like the
//! document it produces.

mod operations;
pub mod schemas;

use crate::admin::{channels, clients, content_owners, lives, users};
use crate::registry::http_functions;
use serde_json::{Map, Value, json};
use utoipa::openapi::ComponentsBuilder;

/// Where the local server serves the document.
pub const PATH: &str = "/openapi.json";

/// The document as JSON.
pub fn document() -> Result<Value, serde_json::Error> {
    let mut paths = Map::new();
    for (function, http) in http_functions() {
        let Some(mut operation) = operations::operation(function.name) else {
            continue;
        };
        if let Some(op) = operation.as_object_mut() {
            op.insert("operationId".into(), function.name.into());
        }
        let item = paths.entry(http.path.to_owned()).or_insert_with(|| json!({}));
        if let Some(item) = item.as_object_mut() {
            item.insert(http.method.to_ascii_lowercase(), operation);
        }
    }
    let mut schemas = serde_json::to_value(derived_schemas().schemas)?;
    close_objects(&mut schemas);
    Ok(json!({
        "openapi": "3.1.0",
        "info": {
            "title": "onair",
            "version": env!("CARGO_PKG_VERSION"),
            "description": operations::DESCRIPTION,
            "license": { "name": "Apache-2.0", "identifier": "Apache-2.0" },
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": operations::responses(),
            "securitySchemes": operations::security_schemes(),
        },
    }))
}

/// The document as the committed file holds it: pretty JSON with a final newline.
pub fn to_pretty_json() -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(&document()?)?;
    text.push('\n');
    Ok(text)
}

/// Every schema derived from a type.
fn derived_schemas() -> utoipa::openapi::Components {
    use crate::admin::views::{BroadcastView, ChannelView, ClientView, LiveView, UserView};
    use schemas::*;
    ComponentsBuilder::new()
        .schema_from::<ClientKind>()
        .schema_from::<ClientView<'static>>()
        .schema_from::<UserView<'static>>()
        .schema_from::<ChannelView<'static>>()
        .schema_from::<LiveView<'static>>()
        .schema_from::<BroadcastView<'static>>()
        .schema_from::<clients::CreateClient>()
        .schema_from::<clients::UpdateClient>()
        .schema_from::<clients::RotateSecret>()
        .schema_from::<users::CreateUser>()
        .schema_from::<users::UpdateUser>()
        .schema_from::<channels::CreateChannel>()
        .schema_from::<channels::UpdateChannel>()
        .schema_from::<content_owners::ContentOwnerView>()
        .schema_from::<content_owners::LinkView>()
        .schema_from::<content_owners::CreateContentOwner>()
        .schema_from::<content_owners::UpdateContentOwner>()
        .schema_from::<content_owners::LinkChannel>()
        .schema_from::<lives::LiveStatistics>()
        .schema_from::<LiveStatisticsRecorded>()
        .schema_from::<crate::admin::videos::VideoProcessingReport>()
        .schema_from::<VideoProcessingReported>()
        .schema_from::<AdminErrorCode>()
        .schema_from::<FieldViolation>()
        .schema_from::<AdminErrorBody>()
        .schema_from::<CreatedClient>()
        .schema_from::<RotatedSecret>()
        .schema_from::<ClientPage>()
        .schema_from::<ChannelPage>()
        .schema_from::<AuditEntry>()
        .schema_from::<AuditPage>()
        .schema_from::<OAuthErrorCode>()
        .schema_from::<OAuthErrorBody>()
        .schema_from::<TokenType>()
        .schema_from::<TokenResponse>()
        .schema_from::<IntrospectionResponse>()
        .schema_from::<ServerMetadata>()
        .schema_from::<GrantType>()
        .schema_from::<TokenRequest>()
        .schema_from::<TokenReference>()
        .schema_from::<LoginForm>()
        .schema_from::<PrismErrorBody>()
        .schema_from::<PrismUser>()
        .schema_from::<PrismUserData>()
        .schema_from::<PrismChannel>()
        .schema_from::<PrismChannelListData>()
        .schema_from::<PrismChannelData>()
        .schema_from::<PrismUserReply>()
        .schema_from::<PrismChannelListReply>()
        .schema_from::<PrismChannelReply>()
        .schema_from::<PrismLiveStat>()
        .schema_from::<PrismLive>()
        .schema_from::<PrismLiveData>()
        .schema_from::<PrismLiveListData>()
        .schema_from::<PrismLiveReply>()
        .schema_from::<PrismLiveListReply>()
        .schema_from::<PrismChatMessage>()
        .schema_from::<PrismChatListData>()
        .schema_from::<PrismChatListReply>()
        .schema_from::<PrismEmptyReply>()
        .schema_from::<NginxRtmpCall>()
        .schema_from::<NginxRtmpCallback>()
        .build()
}

/// Sets `additionalProperties: false` on every object schema with properties that does not say
/// otherwise: onair's request bodies refuse unknown fields, and its replies carry exactly the fields
/// described.
fn close_objects(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(close_objects);
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_http_function_has_an_operation() {
        let doc = document().unwrap();
        for (f, http) in http_functions() {
            let op = &doc["paths"][http.path][http.method.to_ascii_lowercase()];
            assert_eq!(
                op["operationId"], f.name,
                "{} {} ({})",
                http.method, http.path, f.name
            );
        }
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document().unwrap();
        let text = doc.to_string();
        for (prefix, section) in [
            ("#/components/schemas/", "schemas"),
            ("#/components/responses/", "responses"),
        ] {
            for piece in text.split(prefix).skip(1) {
                let name = piece.split('"').next().unwrap();
                assert!(
                    doc["components"][section].get(name).is_some(),
                    "dangling reference {prefix}{name}"
                );
            }
        }
    }
}
