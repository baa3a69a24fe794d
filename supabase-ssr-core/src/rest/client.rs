//! [`RestClient`]: the Data API of one schema (postgrest-js's `PostgrestClient`), made by
//! [`SupabaseClient::rest`] for the client's default schema and [`SupabaseClient::schema`]
//! for another.

use http::Method;
use serde::Serialize;

use super::builder::{FilterBuilder, QueryBuilder};
use super::error::RestError;
use crate::client::SupabaseClient;

/// The Data API of one schema, as the request's user: tables and views with
/// [`from`](Self::from), functions with [`rpc`](Self::rpc), the schema's description with
/// [`get_open_api_spec`](Self::get_open_api_spec).
///
/// ```
/// use supabase_ssr_core::Supabase;
///
/// let supabase = Supabase::builder("https://abcdefghijklmnop.supabase.co", "sb_publishable_x")
///     .db_schema("api")
///     .build()?;
/// let client = supabase.client([]);
/// let default = client.from("todos").select("*").to_request()?;
/// assert_eq!(default.header("Accept-Profile"), Some("api"));
/// let billing = client.schema("billing").from("invoices").select("*").to_request()?;
/// assert_eq!(billing.header("Accept-Profile"), Some("billing"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RestClient {
    client: SupabaseClient,
    schema: String,
}

impl RestClient {
    pub(crate) fn new(client: SupabaseClient, schema: String) -> Self {
        Self { client, schema }
    }

    /// The same client on another schema (it must be exposed by the Data API).
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = schema.into();
        self
    }

    /// The schema requests go to (`Accept-Profile` / `Content-Profile`).
    pub fn schema_name(&self) -> &str {
        &self.schema
    }

    /// A query on a table or view of this schema.
    pub fn from(&self, relation: &str) -> QueryBuilder {
        QueryBuilder::new(self.client.clone(), relation, self.schema.clone())
    }

    /// A call of a Postgres function of this schema (`POST /rest/v1/rpc/<function>`);
    /// [`FilterBuilder::get`] makes it a `GET` for read-only functions.
    pub fn rpc(&self, function: &str, args: impl Serialize) -> FilterBuilder {
        FilterBuilder::rpc(self.client.clone(), self.schema.clone(), function, args)
    }

    /// The request of [`get_open_api_spec`](Self::get_open_api_spec), to inspect it
    /// ([`FilterBuilder::to_request`]) or send it with other options
    /// ([`FilterBuilder::retry`], [`FilterBuilder::set_header`]): `GET /rest/v1/` with
    /// `Accept: application/openapi+json`.
    pub fn open_api_spec(&self) -> FilterBuilder {
        FilterBuilder::open_api(self.client.clone(), self.schema.clone())
    }

    /// The `OpenAPI` description `PostgREST` publishes of this schema: the tables, views and
    /// functions the user's role may use (postgrest-js `getOpenApiSpec`). Retried like any
    /// read. Any non-2xx answer is [`RestError::Api`] (a 404 too: the 404 rewrites of table
    /// reads do not apply), and a success whose body is not JSON is [`RestError::Decode`].
    pub async fn get_open_api_spec(&self) -> Result<serde_json::Value, RestError> {
        self.open_api_spec().send_open_api().await
    }
}

impl FilterBuilder {
    pub(crate) fn open_api(client: SupabaseClient, schema: String) -> Self {
        // The root of the Data API: `${url}/` in postgrest-js.
        let mut builder = QueryBuilder::new(client, "", schema).request_unchecked(Method::GET);
        builder.accept = Some("application/openapi+json".to_owned());
        builder
    }
}
