//! The MFA pages: enrollment (QR code and secret), the code challenge, and the security page
//! listing the user's factors (maud escapes every interpolated value).

use maud::html;
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::pages::layout;
use crate::routes;

/// The `qr_code` the Auth server sent as an `<img src>` this page can hold whatever it
/// contains: only an SVG image (an `<img>` runs no script in an SVG and loads nothing), always
/// re-encoded so that the value has no `"`, `<` or `#` (the Auth server sends the markup raw after
/// `data:image/svg+xml;utf-8,`, where a `#` colour would end the URL early). `None` for
/// anything else (`javascript:`, another media type, no data).
pub(crate) fn qr_image_src(qr_code: &str) -> Option<String> {
    let qr_code = qr_code.trim();
    let svg = if qr_code.starts_with('<') {
        // The bare markup, as auth-js documents it ("prepend data:image/svg+xml;utf-8,").
        qr_code.to_owned()
    } else {
        let (header, data) = qr_code.split_once(',')?;
        let header = header.to_ascii_lowercase();
        let media = header.strip_prefix("data:")?.split(';').next()?;
        if media != "image/svg+xml" {
            return None;
        }
        if header.split(';').any(|part| part == "base64") {
            let base64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
            let valid = !data.is_empty() && data.bytes().all(base64);
            return valid.then(|| format!("data:image/svg+xml;base64,{data}"));
        }
        percent_decode_str(data).decode_utf8().ok()?.into_owned()
    };
    if !svg.contains("<svg") {
        return None;
    }
    let encoded = utf8_percent_encode(&svg, NON_ALPHANUMERIC);
    Some(format!("data:image/svg+xml;charset=utf-8,{encoded}"))
}

/// The enrollment page of a factor the Auth server just created.
#[derive(Debug)]
pub(crate) struct EnrollPage<'a> {
    pub factor_id: &'a str,
    /// The QR code as a safe `<img src>` ([`qr_image_src`]), if the server sent a usable one.
    pub qr_src: Option<&'a str>,
    /// The TOTP secret (base32), for apps that cannot scan.
    pub secret: &'a str,
    /// The `otpauth://` URI the QR code encodes.
    pub uri: &'a str,
    pub error: Option<&'a str>,
}

/// `GET /mfa`: scan the QR code (or type the secret), then post the first code.
pub(crate) fn enroll(page: &EnrollPage<'_>) -> String {
    layout(
        "Two-factor authentication",
        &html! {
            h1 { "Set up two-factor authentication" }
            @if let Some(error) = page.error { p.error id="error" { (error) } }
            p { "Scan this QR code with an authenticator app, then enter the code it shows." }
            @if let Some(src) = page.qr_src { img id="qr" src=(src) alt="QR code of the authenticator URI" width="200" height="200"; }
            p { "Cannot scan it? Enter this secret instead: " code id="secret" { (page.secret) } }
            // Only an `otpauth:` URI becomes a link: a `javascript:` one would run on click.
            @if page.uri.starts_with("otpauth://") {
                p { a id="otpauth" href=(page.uri) { "Open in an authenticator app on this device" } }
            }
            form method="post" action=(routes::MFA) id="mfa-enroll-form" {
                input type="hidden" name="factor_id" value=(page.factor_id);
                input type="text" name="code" inputmode="numeric" autocomplete="one-time-code" placeholder="123456" required;
                button type="submit" id="mfa-verify" { "Verify and turn on" }
            }
            p { a href=(routes::SECURITY) { "Back to security" } }
        },
    )
}

/// `GET /mfa` when the Auth server refused to enroll (e.g. too many factors).
pub(crate) fn enroll_failed(error: &str) -> String {
    layout(
        "Two-factor authentication",
        &html! {
            h1 { "Set up two-factor authentication" }
            p.error id="error" { (error) }
            p { a href=(routes::SECURITY) { "Back to security" } }
        },
    )
}

/// One of the user's factors, as the pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FactorRow {
    pub id: String,
    /// `totp` or `phone`.
    pub kind: String,
    /// The friendly name, else the type.
    pub label: String,
    /// `verified` or `unverified`.
    pub status: String,
}

/// The code form of `GET /mfa/challenge`.
#[derive(Debug)]
pub(crate) struct ChallengePage<'a> {
    /// The verified TOTP factors (at least one).
    pub factors: &'a [FactorRow],
    /// Where to go once verified: a checked path, sent back in a hidden field.
    pub next: &'a str,
    pub error: Option<&'a str>,
}

/// `GET /mfa/challenge`: the code of a verified factor steps the session up to `aal2`.
pub(crate) fn challenge(page: &ChallengePage<'_>) -> String {
    layout(
        "Two-factor authentication",
        &html! {
            h1 { "Two-factor authentication" }
            @if let Some(error) = page.error { p.error id="error" { (error) } }
            p { "Enter the code your authenticator app shows." }
            form method="post" action=(routes::MFA_CHALLENGE) id="mfa-challenge-form" {
                input type="hidden" name="next" value=(page.next);
                @if let [factor] = page.factors {
                    input type="hidden" name="factor_id" value=(factor.id);
                } @else {
                    select name="factor_id" {
                        @for factor in page.factors { option value=(factor.id) { (factor.label) } }
                    }
                }
                input type="text" name="code" inputmode="numeric" autocomplete="one-time-code" placeholder="123456" required autofocus;
                button type="submit" id="mfa-submit" { "Verify" }
            }
        },
    )
}

/// What `GET /private/security` shows.
#[derive(Debug)]
pub(crate) struct SecurityPage<'a> {
    pub email: &'a str,
    /// The session's `aal` claim.
    pub aal: &'a str,
    /// Every factor of the user, verified or not.
    pub factors: &'a [FactorRow],
    pub error: Option<&'a str>,
}

/// `GET /private/security`: the assurance level, the factors, a remove button for each.
pub(crate) fn security(page: &SecurityPage<'_>) -> String {
    layout(
        "Security",
        &html! {
            h1 { "Security" }
            @if let Some(error) = page.error { p.error id="error" { (error) } }
            p id="security-email" { "Signed in as " strong { (page.email) } }
            p id="aal" { "Assurance level: " strong { (page.aal) } }
            h2 { "Second factors" }
            @if page.factors.is_empty() {
                p id="no-factors" { "No second factor yet." }
            } @else {
                ul id="factors" {
                    @for factor in page.factors {
                        li.factor data-factor-id=(factor.id) data-status=(factor.status) {
                            (factor.label) " (" (factor.kind) ", " (factor.status) ") "
                            form method="post" action=(routes::MFA_UNENROLL) style="display:inline" {
                                input type="hidden" name="factor_id" value=(factor.id);
                                button type="submit" class="unenroll" { "Remove" }
                            }
                        }
                    }
                }
            }
            p { a id="enroll" href=(routes::MFA) { "Set up an authenticator app" } }
            form method="post" action="/logout" { button type="submit" id="logout" { "Sign out" } }
        },
    )
}
