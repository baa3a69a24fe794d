//! The HTML pages (maud escapes every interpolated value).

use maud::{DOCTYPE, Markup, html};

use crate::forms::query_component;
use crate::routes;

pub(crate) fn layout(title: &str, body: &Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) " · supabase-ssr-rs" }
                style { "body{font-family:system-ui;max-width:40rem;margin:2rem auto;padding:0 1rem}
                         form{margin:1rem 0}input{display:block;margin:.3rem 0}.error{color:#b00}
                         .notice{color:#060}" }
            }
            body {
                nav { a href="/" { "Home" } " · " a href="/private" { "Private" } " · " a href="/login" { "Sign in" } }
                (body)
            }
        }
    }
    .into_string()
}

/// The home page, greeting the user when signed in.
pub(crate) fn home(email: Option<&str>) -> String {
    layout(
        "Home",
        &html! {
            h1 { "supabase-ssr-rs example" }
            @match email {
                Some(email) => p id="greeting" { "Signed in as " strong { (email) } "." }
                None => p id="greeting" { "You are not signed in. " a href="/login" { "Sign in" } }
            }
        },
    )
}

/// What the sign-in page shows besides its forms.
#[derive(Debug, Default)]
pub(crate) struct LoginPage<'a> {
    pub error: Option<&'a str>,
    pub notice: Option<&'a str>,
    /// Offline mode: the link from the local outbox, standing in for the email.
    pub outbox_link: Option<&'a str>,
    /// Offline mode: the demo account to sign in with.
    pub demo: Option<(&'a str, &'a str)>,
    /// Where to go once signed in: a checked path, sent back in a hidden field.
    pub next: &'a str,
    /// A sign-up waiting for its confirmation: the address to send the email to again.
    pub resend: Option<&'a str>,
}

/// The sign-in page: password, sign-up, magic link and OAuth.
pub(crate) fn login(page: &LoginPage<'_>) -> String {
    layout(
        "Sign in",
        &html! {
            h1 { "Sign in" }
            @if let Some(error) = page.error { p.error id="error" { (error) } }
            @if let Some(notice) = page.notice { p.notice id="notice" { (notice) } }
            @if let Some(link) = page.outbox_link {
                p id="outbox" { "Offline mode: the email would contain " a id="outbox-link" href=(link) { "this link" } "." }
            }
            @if let Some(email) = page.resend {
                form method="post" action=(routes::SIGNUP_RESEND) id="resend-form" {
                    input type="hidden" name="email" value=(email);
                    input type="hidden" name="next" value=(page.next);
                    button type="submit" id="resend" { "Resend confirmation email" }
                }
            }
            @if let Some((email, password)) = page.demo {
                p id="demo" { "Offline mode: sign in as " code { (email) } " / " code { (password) } }
            }
            form method="post" action="/login" id="login-form" {
                input type="hidden" name="next" value=(page.next);
                input type="email" name="email" placeholder="Email" required;
                input type="password" name="password" placeholder="Password" required;
                button type="submit" id="login" { "Sign in" }
                button type="submit" formaction="/signup" id="signup" { "Sign up" }
            }
            form method="post" action="/magic-link" id="magic-form" {
                input type="hidden" name="next" value=(page.next);
                input type="email" name="email" placeholder="Email" required;
                button type="submit" id="magic-link" { "Email me a magic link" }
            }
            p { a id="oauth" href=(oauth_href(page.next)) { "Sign in with GitHub" } }
        },
    )
}

/// The OAuth link, carrying `next` to the callback.
fn oauth_href(next: &str) -> String {
    format!("/auth/oauth?provider=github&next={}", query_component(next))
}

/// What the data call of the private page found.
#[derive(Debug)]
pub(crate) enum Todos {
    /// Offline: the local server has no Data API.
    Offline,
    /// The user's rows of `todos`, as Row Level Security lets them see.
    Rows(Vec<serde_json::Value>),
    /// The Data API refused or failed (e.g. the project has no `todos` table).
    Error(String),
}

/// The signed-in user's page.
pub(crate) fn private(email: &str, user_id: &str, todos: &Todos) -> String {
    layout(
        "Private",
        &html! {
            h1 { "Private" }
            p id="email" { "Signed in as " strong { (email) } }
            p { "User id: " code { (user_id) } }
            h2 { "Your todos" }
            p { "Read as you, under Row Level Security, with "
                code { "client.from(\"todos\").select(\"*\")" } "." }
            @match todos {
                Todos::Offline => p id="todos" { "Offline mode has no Data API: run with "
                    code { "SUPABASE_URL" } " and " code { "SUPABASE_PUBLISHABLE_KEY" }
                    " of a real project that has a " code { "todos" } " table." }
                Todos::Rows(rows) => ul id="todos" {
                    @for row in rows { li { (row.get("title").and_then(|t| t.as_str()).unwrap_or("(untitled)")) } }
                    @if rows.is_empty() { li { "No rows visible to you." } }
                }
                Todos::Error(error) => p id="todos" { "The Data API answered: " (error) }
            }
            p { a id="account" href=(routes::ACCOUNT) { "Account: sign-in methods and password" } }
            p { a id="security" href="/private/security" { "Security: two-factor authentication" } }
            form method="post" action="/logout" { button type="submit" id="logout" { "Sign out" } }
        },
    )
}
