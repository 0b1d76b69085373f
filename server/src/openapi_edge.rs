//! What every route shares, written into the OpenAPI document from the code that decides it
//! instead of repeated in each handler's annotation: the security requirement and the
//! 401/403 answers from [`crate::authz::TABLE`], and the refusals of the HTTP edge (400 for
//! a path or query that does not parse, 400/413/415/422 for a JSON body, 429 where sign-in
//! is throttled or exports are capped).

use crate::authz::{self, Rule};
use axum::http::Method;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, ResponseBuilder, Schema};

/// Adds the edge's answers and the security of each operation.
pub fn apply(openapi: &mut OpenApi) {
    for (path, item) in openapi.paths.paths.iter_mut() {
        for (method, op) in operations(item) {
            let Some(rule) = authz::rule_for(&method, path) else { continue };
            secure(op, rule);
            empty_means_absent(op);
            let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            if has_params {
                add(op, 400, "a path or query parameter does not parse or is out of range (named in `field`)");
            }
            if op.request_body.is_some() {
                add(op, 400, "the body is not well-formed");
                add(op, 413, "the body is larger than this route accepts");
                add(op, 415, "the body is not of the documented content type");
                add(op, 422, "a field of the body is missing, of the wrong type, or breaks a rule (named in `field`)");
            }
            if THROTTLED.contains(&(method.as_str(), path.as_str())) {
                add(op, 429, "too many attempts or requests; see Retry-After");
            }
        }
    }
}

/// An empty query parameter is the same as an absent one (what an HTML form sends for an
/// unchosen field), so a closed set of values also takes `""`.
fn empty_means_absent(op: &mut Operation) {
    for p in op.parameters.iter_mut().flatten() {
        if !matches!(p.parameter_in, ParameterIn::Query) {
            continue;
        }
        if let Some(RefOr::T(Schema::Object(o))) = p.schema.as_mut()
            && let Some(values) = o.enum_values.as_mut()
            && !values.contains(&serde_json::json!(""))
        {
            values.push(serde_json::json!(""));
        }
    }
}

/// Routes that may answer 429 besides the ones a handler documents.
const THROTTLED: &[(&str, &str)] = &[
    ("POST", "/v1/session"),
    ("POST", "/v1/login"),
    ("POST", "/v1/bootstrap"),
    ("GET", "/v1/users/export.csv"),
    ("GET", "/v1/audit/export.csv"),
];

fn operations(item: &mut PathItem) -> Vec<(Method, &mut Operation)> {
    let PathItem { get, put, post, delete, patch, .. } = item;
    [(Method::GET, get), (Method::PUT, put), (Method::POST, post), (Method::DELETE, delete), (Method::PATCH, patch)]
        .into_iter()
        .filter_map(|(m, op)| op.as_mut().map(|op| (m, op)))
        .collect()
}

/// The security requirement, the 401/403 answers and a line saying who may call.
fn secure(op: &mut Operation, rule: Rule) {
    let who = match rule {
        Rule::Public => {
            op.security = None;
            return;
        }
        Rule::SignedIn => {
            "Any signed-in login (session cookie or bearer token from /v1/login); not API tokens.".to_owned()
        }
        Rule::Site { rank, scope: Some(scope) } => {
            format!("A login acting on a site with rank {rank} or above, or an API token with the `{scope}` scope.")
        }
        Rule::Site { rank, scope: None } => {
            format!("A login acting on a site with rank {rank} or above; not API tokens.")
        }
    };
    op.security = Some(vec![
        SecurityRequirement::new::<_, [&str; 0], &str>("session", []),
        SecurityRequirement::new::<_, [&str; 0], &str>("bearer", []),
    ]);
    let description = op.description.get_or_insert_with(String::new);
    if !description.is_empty() {
        description.push_str("\n\n");
    }
    description.push_str("**Who may call:** ");
    description.push_str(&who);
    add(op, 401, "not signed in, or the session or token ended");
    add(op, 403, "refused by this route's rule (rank, scope, or a site not chosen yet)");
}

/// Documents `status` with the error body, unless the handler already did.
fn add(op: &mut Operation, status: u16, description: &str) {
    let key = status.to_string();
    if op.responses.responses.contains_key(&key) {
        return;
    }
    let body = Content::new(Some(RefOr::Ref(Ref::from_schema_name("ErrorBody"))));
    let response = ResponseBuilder::new().description(description).content("application/json", body).build();
    op.responses.responses.insert(key, RefOr::T(response));
}
