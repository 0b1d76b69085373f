//! What the service provider offers (RFC 7644 §4, schemas of RFC 7643 §5–7): identity
//! providers and checkers read these before anything else.

use super::list::MAX_COUNT;
use super::resource::{ENTERPRISE_USER, GROUP, USER};
use super::user_input::KEPT;
use super::{BASE, answer};
use crate::error::{ApiError, ApiResult};
use crate::web::extract::Path;
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

/// The resource types served, by id.
fn resource_type_docs() -> Vec<Value> {
    let meta = |id: &str| json!({ "resourceType": "ResourceType", "location": format!("{BASE}/ResourceTypes/{id}") });
    vec![
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A person of the site",
            "schema": USER,
            "schemaExtensions": [{ "schema": ENTERPRISE_USER, "required": false }],
            "meta": meta("User"),
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "An access group of the site: its members are the people in it",
            "schema": GROUP,
            "meta": meta("Group"),
        }),
    ]
}

/// `POST /.search` across resource types: not offered (RFC 7644 §3.4.3 lets a provider
/// answer 501); each type has its own `/.search`.
pub async fn search_everything() -> ApiError {
    ApiError::new(StatusCode::NOT_IMPLEMENTED, "search Users or Groups by their own /.search")
}

pub async fn resource_types() -> Response {
    answer(StatusCode::OK, &list(resource_type_docs()))
}

/// `GET /ResourceTypes/{id}` and `GET /Schemas/{id}`: one of a list, by its `id`.
fn one_of(docs: Vec<Value>, id: &str, what: &str) -> ApiResult<Response> {
    docs.into_iter()
        .find(|d| d["id"] == id)
        .map(|d| answer(StatusCode::OK, &d))
        .ok_or_else(|| ApiError::not_found(format!("{what} {id:?}: not served here")))
}

pub async fn resource_type(Path(id): Path<String>) -> ApiResult<Response> {
    one_of(resource_type_docs(), &id, "resource type")
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

fn schema(id: &str, name: &str, description: &str, attributes: Vec<Value>) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": id,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": { "resourceType": "Schema", "location": format!("{BASE}/Schemas/{id}") },
    })
}

/// The schemas served, as this server holds them (RFC 7643 §7): only the attributes it
/// keeps. `displayName` and `active` are required: every person has a name (the server
/// fills it from `name` or `userName` when none is sent) and a state, so neither can be
/// removed. A person holds one email and one phone, hence no `primary`.
fn schema_docs() -> Vec<Value> {
    let multi = |name: &str| {
        attribute(
            name,
            "complex",
            json!({
                "multiValued": true,
                "subAttributes": [
                    attribute("value", "string", json!({})),
                    attribute("type", "string", json!({ "canonicalValues": ["work"] })),
                ],
            }),
        )
    };
    let user = schema(
        USER,
        "User",
        "A person of the site",
        vec![
            attribute("userName", "string", json!({ "required": true, "uniqueness": "server" })),
            attribute(
                "name",
                "complex",
                json!({ "subAttributes": sub_attributes(&["formatted", "familyName", "givenName"]) }),
            ),
            attribute("displayName", "string", json!({ "required": true })),
            attribute("title", "string", json!({})),
            attribute("active", "boolean", json!({ "required": true })),
            multi("emails"),
            multi("phoneNumbers"),
        ],
    );
    let mut enterprise_attributes = vec![attribute("department", "string", json!({}))];
    for name in KEPT {
        enterprise_attributes.push(if name == "manager" {
            attribute(name, "complex", json!({ "subAttributes": sub_attributes(&["value", "displayName"]) }))
        } else {
            attribute(name, "string", json!({}))
        });
    }
    let enterprise = schema(
        ENTERPRISE_USER,
        "EnterpriseUser",
        "Enterprise User: the department is the person's; the other attributes are kept as sent",
        enterprise_attributes,
    );
    let member = |name: &str, kind: &str, extra: Value| {
        let mut a = attribute(name, kind, extra);
        a["mutability"] = json!("immutable");
        a
    };
    let group = schema(
        GROUP,
        "Group",
        "An access group of the site (its ID is the one the devices know)",
        vec![
            attribute("displayName", "string", json!({ "required": true, "uniqueness": "server" })),
            attribute(
                "members",
                "complex",
                json!({
                    "multiValued": true,
                    "subAttributes": [
                        member("value", "string", json!({})),
                        member("$ref", "reference", json!({ "referenceTypes": ["User"] })),
                        member("type", "string", json!({ "canonicalValues": ["User"] })),
                    ],
                }),
            ),
        ],
    );
    vec![user, enterprise, group]
}

pub async fn schemas() -> Response {
    answer(StatusCode::OK, &list(schema_docs()))
}

pub async fn one_schema(Path(id): Path<String>) -> ApiResult<Response> {
    one_of(schema_docs(), &id, "schema")
}
