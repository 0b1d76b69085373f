//! What the service provider offers (RFC 7644 §4, schemas of RFC 7643 §5–7): identity
//! providers and checkers read these before anything else.

use super::resource::{ENTERPRISE_USER, USER};
use super::users::MAX_COUNT;
use super::{BASE, answer};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

fn list(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST],
        "totalResults": resources.len(),
        "itemsPerPage": resources.len(),
        "startIndex": 1,
        "Resources": resources,
    })
}

pub async fn service_provider_config() -> Response {
    answer(
        StatusCode::OK,
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": { "supported": true },
            "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
            "filter": { "supported": true, "maxResults": MAX_COUNT },
            "changePassword": { "supported": false },
            "sort": { "supported": true },
            "etag": { "supported": true },
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "A Lintel API token with the scim scope, in the Authorization header",
                "primary": true,
            }],
            "meta": { "resourceType": "ServiceProviderConfig", "location": format!("{BASE}/ServiceProviderConfig") },
        }),
    )
}

pub async fn resource_types() -> Response {
    answer(
        StatusCode::OK,
        &list(vec![json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A person of the site",
            "schema": USER,
            "schemaExtensions": [{ "schema": ENTERPRISE_USER, "required": false }],
            "meta": { "resourceType": "ResourceType", "location": format!("{BASE}/ResourceTypes/User") },
        })]),
    )
}

fn attribute(name: &str, kind: &str, extra: Value) -> Value {
    let mut a = json!({
        "name": name,
        "type": kind,
        "multiValued": false,
        "required": false,
        "caseExact": false,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
    });
    if let (Some(a), Value::Object(extra)) = (a.as_object_mut(), extra) {
        a.extend(extra);
    }
    a
}

fn sub_attributes(names: &[&str]) -> Value {
    Value::Array(names.iter().map(|n| attribute(n, "string", json!({}))).collect())
}

pub async fn schemas() -> Response {
    let multi = |name: &str| {
        attribute(
            name,
            "complex",
            json!({
                "multiValued": true,
                "subAttributes": [
                    attribute("value", "string", json!({})),
                    attribute("type", "string", json!({ "canonicalValues": ["work"] })),
                    attribute("primary", "boolean", json!({})),
                ],
            }),
        )
    };
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": USER,
        "name": "User",
        "description": "A person of the site",
        "attributes": [
            attribute("userName", "string", json!({ "required": true, "uniqueness": "server" })),
            attribute("name", "complex", json!({ "subAttributes": sub_attributes(&["formatted", "familyName", "givenName"]) })),
            attribute("displayName", "string", json!({})),
            attribute("title", "string", json!({})),
            attribute("active", "boolean", json!({})),
            multi("emails"),
            multi("phoneNumbers"),
        ],
        "meta": { "resourceType": "Schema", "location": format!("{BASE}/Schemas/{USER}") },
    });
    let enterprise = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": ENTERPRISE_USER,
        "name": "EnterpriseUser",
        "description": "Enterprise User: the department is kept; the other attributes are accepted and ignored",
        "attributes": [
            attribute("department", "string", json!({})),
            attribute("employeeNumber", "string", json!({})),
        ],
        "meta": { "resourceType": "Schema", "location": format!("{BASE}/Schemas/{ENTERPRISE_USER}") },
    });
    answer(StatusCode::OK, &list(vec![user, enterprise]))
}
