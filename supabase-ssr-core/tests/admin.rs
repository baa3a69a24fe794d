//! `SupabaseAdmin` against the local Auth server: every admin method, with what it changes seen
//! through the per-request client (a created user signs in, a banned one cannot, a deleted one
//! is gone, a generated link signs in, an admin sign-out ends the sessions), the pagination of
//! `list_users`, and the keys each side refuses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Map, Value, json};
use supabase_ssr_core::admin::{AdminUserAttributes, GenerateLink, InviteOptions, ListUsers};
use supabase_ssr_core::auth::{AuthError, OtpType, PasswordCredentials, SignOutScope, VerifyOtp};
use supabase_ssr_core::{ConfigError, Supabase, SupabaseAdmin};
use supabase_ssr_testing::{LocalAuth, LocalAuthOptions, SeedUser};

const EMAIL: &str = "seeded@example.com";
const PASSWORD: &str = "password123";
const UNKNOWN_ID: &str = "5b0c2f1e-3d4a-4b6c-8e9f-0a1b2c3d4e5f";

async fn server() -> LocalAuth {
    LocalAuth::start(LocalAuthOptions::default().user(SeedUser::new(EMAIL, PASSWORD)))
        .await
        .unwrap()
}

fn admin(auth: &LocalAuth) -> SupabaseAdmin {
    SupabaseAdmin::new(&auth.url(), auth.secret_key()).unwrap()
}

fn supabase(auth: &LocalAuth) -> Supabase {
    Supabase::builder(auth.url(), auth.publishable_key())
        .build()
        .unwrap()
}

fn map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

async fn sign_in(auth: &LocalAuth, email: &str, password: &str) -> Result<(), AuthError> {
    let credentials = PasswordCredentials::email(email, password);
    supabase(auth)
        .client([])
        .auth()
        .sign_in_with_password(&credentials)
        .await
        .map(drop)
}

fn user_id(auth: &LocalAuth, email: &str) -> String {
    auth.user(email).unwrap()["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn users_are_created_read_updated_banned_and_deleted() {
    let auth = server().await;
    let admin = admin(&auth);
    let created = admin
        .auth()
        .create_user(
            &AdminUserAttributes::default()
                .with_email("new@example.com")
                .with_password("a long passphrase")
                .with_email_confirm(true)
                .with_user_metadata(map(json!({ "name": "Ada" })))
                .with_app_metadata(map(json!({ "plan": "pro" }))),
        )
        .await
        .unwrap();
    assert_eq!(created.email(), Some("new@example.com"));
    assert_eq!(created.user_metadata().unwrap()["name"], "Ada");
    assert_eq!(created.app_metadata().unwrap()["plan"], "pro");
    // Unknown fields of the server's user are kept.
    assert!(created.fields().contains_key("created_at"), "{created:?}");
    sign_in(&auth, "new@example.com", "a long passphrase")
        .await
        .unwrap();

    let read = admin.auth().get_user_by_id(created.id()).await.unwrap();
    assert_eq!(read.id(), created.id());
    assert_eq!(read.email(), Some("new@example.com"));

    let updated = admin
        .auth()
        .update_user_by_id(
            created.id(),
            &AdminUserAttributes::default()
                .with_user_metadata(map(json!({ "name": "Grace" })))
                .with_ban_duration("24h"),
        )
        .await
        .unwrap();
    assert_eq!(updated.user_metadata().unwrap()["name"], "Grace");
    let banned = sign_in(&auth, "new@example.com", "a long passphrase")
        .await
        .unwrap_err();
    assert_eq!(banned.code(), Some("user_banned"), "{banned:?}");
    let unban = AdminUserAttributes::default().with_ban_duration("none");
    admin
        .auth()
        .update_user_by_id(created.id(), &unban)
        .await
        .unwrap();
    sign_in(&auth, "new@example.com", "a long passphrase")
        .await
        .unwrap();

    admin.auth().delete_user(created.id(), false).await.unwrap();
    let gone = admin.auth().get_user_by_id(created.id()).await.unwrap_err();
    assert_eq!(gone.status(), Some(404), "{gone:?}");
    assert_eq!(gone.code(), Some("user_not_found"), "{gone:?}");
    assert!(
        sign_in(&auth, "new@example.com", "a long passphrase")
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_soft_deleted_user_can_no_longer_sign_in() {
    let auth = server().await;
    let id = user_id(&auth, EMAIL);
    admin(&auth).auth().delete_user(&id, true).await.unwrap();
    assert!(sign_in(&auth, EMAIL, PASSWORD).await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn list_users_pages_through_every_user() {
    let auth = server().await;
    let admin = admin(&auth);
    for n in 0..4 {
        let attributes = AdminUserAttributes::default()
            .with_email(format!("user{n}@example.com"))
            .with_password(PASSWORD);
        admin.auth().create_user(&attributes).await.unwrap();
    }
    let all = admin
        .auth()
        .list_users(&ListUsers::default())
        .await
        .unwrap();
    assert_eq!(all.users.len(), 5);
    assert_eq!(all.total, 5);
    assert_eq!(all.aud, "authenticated");
    assert_eq!(all.next_page, None);

    let mut seen = Vec::new();
    let mut page = 1;
    loop {
        let params = ListUsers::default().with_page(page).with_per_page(2);
        let listed = admin.auth().list_users(&params).await.unwrap();
        assert_eq!((listed.total, listed.last_page), (5, 3), "page {page}");
        assert!(listed.users.len() <= 2);
        seen.extend(listed.users.iter().map(|u| u.id().to_owned()));
        match listed.next_page {
            Some(next) => {
                assert_eq!(next, page + 1);
                page = next;
            }
            None => break,
        }
    }
    assert_eq!(page, 3);
    let mut expected: Vec<String> = all.users.iter().map(|u| u.id().to_owned()).collect();
    expected.sort();
    seen.sort();
    assert_eq!(seen, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invitation_is_sent_and_its_user_created() {
    let auth = server().await;
    let options = InviteOptions::default()
        .with_data(map(json!({ "team": "blue" })))
        .with_redirect_to("http://localhost:3000/welcome");
    let user = admin(&auth)
        .auth()
        .invite_user_by_email("invited@example.com", &options)
        .await
        .unwrap();
    assert_eq!(user.email(), Some("invited@example.com"));
    assert_eq!(user.user_metadata().unwrap()["team"], "blue");
    let message = auth.last_message_to("invited@example.com").unwrap();
    assert_eq!(message.kind, "invite", "{message:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_generated_magic_link_signs_the_user_in() {
    let auth = server().await;
    let link = admin(&auth)
        .auth()
        .generate_link(
            &GenerateLink::magiclink(EMAIL).redirect_to("http://localhost:3000/auth/confirm"),
        )
        .await
        .unwrap();
    assert_eq!(link.user.email(), Some(EMAIL));
    assert!(!link.user.fields().contains_key("action_link"));
    assert_eq!(link.properties.verification_type, "magiclink");
    assert!(
        link.properties.action_link.contains("/verify"),
        "{}",
        link.properties.action_link
    );
    assert!(!link.properties.email_otp.is_empty());
    // Each of them signs the user in: `Debug` (and so a log line) shows none.
    let printed = format!("{link:?}");
    for secret in [
        &link.properties.action_link,
        &link.properties.hashed_token,
        &link.properties.email_otp,
    ] {
        assert!(!printed.contains(secret.as_str()), "{printed}");
    }
    // The hashed token verifies through the per-request client, as on a confirmation page.
    let client = supabase(&auth).client([]);
    let verified = client
        .auth()
        .verify_otp(&VerifyOtp::TokenHash {
            token_hash: link.properties.hashed_token.clone(),
            otp_type: OtpType::Magiclink,
        })
        .await
        .unwrap();
    assert!(verified.session.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn every_kind_of_link_is_generated() {
    let auth = server().await;
    let admin = admin(&auth);
    let links = [
        (
            GenerateLink::signup("signup@example.com", PASSWORD),
            "signup",
        ),
        (GenerateLink::invite("invite@example.com"), "invite"),
        (GenerateLink::magiclink(EMAIL), "magiclink"),
        (GenerateLink::recovery(EMAIL), "recovery"),
        (
            GenerateLink::email_change_current(EMAIL, "next@example.com"),
            "email_change_current",
        ),
        (
            GenerateLink::email_change_new(EMAIL, "next@example.com"),
            "email_change_new",
        ),
    ];
    for (link, kind) in links {
        let generated = admin.auth().generate_link(&link).await;
        let generated = generated.unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(generated.properties.verification_type, kind);
        assert!(!generated.properties.hashed_token.is_empty(), "{kind}");
        assert!(!generated.user.id().is_empty(), "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_sign_out_ends_the_users_sessions() {
    let auth = server().await;
    let first = auth.mint_session(EMAIL, 3600).unwrap();
    auth.mint_session(EMAIL, 3600).unwrap();
    assert_eq!(auth.sessions(EMAIL).len(), 2);
    admin(&auth)
        .auth()
        .sign_out(&first.access_token, SignOutScope::Local)
        .await
        .unwrap();
    assert_eq!(auth.sessions(EMAIL).len(), 1);
    let other = auth.mint_session(EMAIL, 3600).unwrap();
    admin(&auth)
        .auth()
        .sign_out(&other.access_token, SignOutScope::Global)
        .await
        .unwrap();
    assert!(auth.sessions(EMAIL).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn factors_are_listed_and_deleted() {
    let auth = server().await;
    let admin = admin(&auth);
    let id = user_id(&auth, EMAIL);
    assert!(
        admin
            .auth()
            .mfa()
            .list_factors(&id)
            .await
            .unwrap()
            .is_empty()
    );
    let (factor_id, _secret) = auth.add_verified_totp_factor(EMAIL).unwrap();
    let factors = admin.auth().mfa().list_factors(&id).await.unwrap();
    assert_eq!(factors.len(), 1);
    assert_eq!(factors[0].id, factor_id);
    assert!(factors[0].is_verified());
    admin
        .auth()
        .mfa()
        .delete_factor(&id, &factor_id)
        .await
        .unwrap();
    assert!(
        admin
            .auth()
            .mfa()
            .list_factors(&id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn server_refusals_are_typed_and_bad_ids_never_leave() {
    let auth = server().await;
    let admin = admin(&auth);
    let missing = admin.auth().get_user_by_id(UNKNOWN_ID).await.unwrap_err();
    assert!(
        matches!(&missing, AuthError::Api { status: 404, code: Some(code), .. } if code == "user_not_found"),
        "{missing:?}"
    );
    let duplicate = AdminUserAttributes::default()
        .with_email(EMAIL)
        .with_password(PASSWORD);
    let refused = admin.auth().create_user(&duplicate).await.unwrap_err();
    assert_eq!(refused.code(), Some("email_exists"), "{refused:?}");

    // Against a port nothing listens on: an error other than `InvalidArgument` would be the
    // failed connection of a request that was sent.
    let nowhere = SupabaseAdmin::new("http://127.0.0.1:9", auth.secret_key()).unwrap();
    for bad in ["../../settings", "", "not-a-uuid"] {
        let error = nowhere.auth().get_user_by_id(bad).await.unwrap_err();
        assert!(matches!(error, AuthError::InvalidArgument(_)), "{error:?}");
        let error = nowhere.auth().delete_user(bad, false).await.unwrap_err();
        assert!(matches!(error, AuthError::InvalidArgument(_)), "{error:?}");
        let attributes = AdminUserAttributes::default();
        let error = nowhere.auth().update_user_by_id(bad, &attributes).await;
        assert!(matches!(error, Err(AuthError::InvalidArgument(_))));
        let error = nowhere.auth().mfa().list_factors(bad).await;
        assert!(matches!(error, Err(AuthError::InvalidArgument(_))));
        let error = nowhere.auth().mfa().delete_factor(UNKNOWN_ID, bad).await;
        assert!(matches!(error, Err(AuthError::InvalidArgument(_))));
    }
    let unreachable = nowhere.auth().get_user_by_id(UNKNOWN_ID).await.unwrap_err();
    assert!(unreachable.is_transient(), "{unreachable:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn each_handle_refuses_the_other_ones_key() {
    let auth = server().await;
    let refused = SupabaseAdmin::new(&auth.url(), auth.publishable_key()).unwrap_err();
    assert!(
        matches!(refused, ConfigError::NotASecretKey { .. }),
        "{refused:?}"
    );
    let refused = Supabase::builder(auth.url(), auth.secret_key())
        .build()
        .unwrap_err();
    assert_eq!(refused, ConfigError::SecretKeyAsPublishableKey);
    // A publishable key cannot do admin work on the server either.
    let status = reqwest::Client::new()
        .get(format!("{}/auth/v1/admin/users", auth.url()))
        .header("apikey", auth.publishable_key())
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_client_error(), "{status}");
}
