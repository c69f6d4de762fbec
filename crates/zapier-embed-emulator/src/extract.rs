//! Request extractors that answer malformed input with the error envelope naming the field,
//! instead of axum's plain-text rejections.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;

use crate::error::{ApiError, ApiResult};

/// A JSON body. An empty body is read as `{}` so that optional bodies (lease, pause) work and
/// required fields are reported by name. The top-level value must be an object (or `null`,
/// which only an `Option<T>` accepts): serde would otherwise read a struct from an array
/// field by field (`[7,2]` as `lease_seconds = 7, lease_limit = 2`).
#[derive(Debug, Clone)]
pub(crate) struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = bytes::Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::rejection(e.status(), e.body_text()))?;
        let body: &[u8] = match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            None => b"{}",
            Some(b'{' | b'n') => &bytes,
            Some(_) => {
                return Err(
                    match serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
                        Ok(_) => ApiError::validation("/", "body: must be a JSON object."),
                        Err(e) => {
                            ApiError::parse(format!("Malformed request: {}", clean(&e.to_string())))
                        }
                    },
                );
            }
        };
        parse_json(body).map(ApiJson)
    }
}

/// Strips serde_json's " at line X column Y" suffix.
fn clean(msg: &str) -> &str {
    msg.rfind(" at line ").map_or(msg, |i| &msg[..i])
}

/// Extracts the field name from serde's "missing field `x`" message.
fn missing_field(msg: &str) -> Option<&str> {
    let rest = msg.strip_prefix("missing field `")?;
    rest.split('`').next()
}

fn pointer_of(path: &serde_path_to_error::Path, extra: Option<&str>) -> String {
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => out.push_str(&format!("/{key}")),
            Segment::Enum { variant } => out.push_str(&format!("/{variant}")),
            Segment::Unknown => {}
        }
    }
    if let Some(f) = extra {
        out.push('/');
        out.push_str(f);
    }
    if out.is_empty() { "/".to_owned() } else { out }
}

/// Parses JSON, mapping errors to `parse_error` (syntax) or `validation_error` (shape).
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().clone();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::parse(format!("Malformed request: {}", clean(&inner.to_string())));
        }
        let msg = inner.to_string();
        let msg = clean(&msg);
        let pointer = pointer_of(&path, missing_field(msg));
        let field = pointer.trim_start_matches('/').replace('/', ".");
        let detail = if missing_field(msg).is_some() {
            format!("{field}: this field is required.")
        } else {
            format!("{field}: {msg}.")
        };
        ApiError::validation(&pointer, detail)
    })
}

/// Query parameters, with errors naming the parameter.
#[derive(Debug, Clone)]
pub(crate) struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        parse_query(query).map(ApiQuery)
    }
}

/// Parses a query string (also used for form bodies).
pub(crate) fn parse_query<T: DeserializeOwned>(query: &str) -> ApiResult<T> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.inner().to_string();
        match missing_field(&msg) {
            Some(name) => {
                ApiError::invalid_param(name, format!("{name}: this query parameter is required."))
            }
            None => ApiError::invalid_param(&path, format!("{path}: {msg}.")),
        }
    })
}

/// [`ApiJson`] for variant B, which reports validation errors as `422`.
#[derive(Debug, Clone)]
pub(crate) struct ApiJson422<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson422<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        ApiJson::<T>::from_request(req, state)
            .await
            .map(|ApiJson(v)| ApiJson422(v))
            .map_err(ApiError::unprocessable)
    }
}

/// [`ApiQuery`] for variant B, which reports validation errors as `422`.
#[derive(Debug, Clone)]
pub(crate) struct ApiQuery422<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery422<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        ApiQuery::<T>::from_request_parts(parts, state)
            .await
            .map(|ApiQuery(v)| ApiQuery422(v))
            .map_err(ApiError::unprocessable)
    }
}

/// `deserialize_with` for a nested struct field: the value must be a JSON object. serde's derived
/// `Deserialize` also reads a struct from an array, field by field, which the documents forbid.
pub(crate) fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: DeserializeOwned,
{
    use serde::Deserialize;
    use serde::de::Error;
    let map = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
    T::deserialize(serde_json::Value::Object(map))
        .map_err(|e| D::Error::custom(clean(&e.to_string())))
}

/// `deserialize_with` for an integer field that, as JSON Schema (and the Django REST framework
/// behind the real API) does, also accepts an integral number written as a float (`49.0`). A
/// fractional or out-of-range value is still refused.
pub(crate) fn whole<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    use serde::Deserialize;
    use serde::de::Error;
    let n = serde_json::Number::deserialize(deserializer)?;
    let out_of_range =
        || D::Error::custom(format!("invalid value: {n}, expected an integer in range"));
    if let Some(i) = n.as_i64() {
        return T::try_from(i).map_err(|_| out_of_range());
    }
    if let Some(u) = n.as_u64() {
        return T::try_from(u).map_err(|_| out_of_range());
    }
    match n.as_f64() {
        // Every integral float in [-2^63, 2^63) converts to i64 without loss.
        Some(f)
            if f.fract() == 0.0
                && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) =>
        {
            T::try_from(f as i64).map_err(|_| out_of_range())
        }
        _ => Err(D::Error::custom(format!(
            "invalid value: {n}, expected an integer"
        ))),
    }
}

/// [`whole`] for an optional field (absent or `null` is `None`).
pub(crate) fn optional_whole<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    use serde::Deserialize;
    #[derive(Deserialize)]
    struct Whole<T: TryFrom<i64> + TryFrom<u64>>(#[serde(deserialize_with = "whole")] T);
    Ok(Option::<Whole<T>>::deserialize(deserializer)?.map(|Whole(v)| v))
}

/// Largest `offset` a listing accepts (2^53 - 1, the largest integer every JSON client reads
/// exactly); the documents declare it as the parameter's `maximum`.
pub(crate) const MAX_OFFSET: u64 = 9_007_199_254_740_991;

/// An `offset` query parameter (default 0), refused above [`MAX_OFFSET`].
pub(crate) fn offset(value: Option<u64>) -> ApiResult<u64> {
    match value {
        Some(n) if n > MAX_OFFSET => Err(ApiError::invalid_param(
            "offset",
            format!("offset: must be at most {MAX_OFFSET}."),
        )),
        other => Ok(other.unwrap_or(0)),
    }
}
