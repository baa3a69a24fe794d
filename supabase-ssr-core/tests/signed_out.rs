//! In-process sign-out: after `Auth::sign_out` through a handle, the same handle refuses the
//! signed-out sessions' tokens (cached claims or not, cookie or `Authorization` header) until
//! they expire, with the Auth server's own answer for a deleted session (`session_not_found`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use supabase_ssr_core::auth::{AuthError, SignOut, SignOutListener, SignOutScope};
use supabase_ssr_core::{Session, Supabase};
use supabase_ssr_testing::conformance::jar_holding;
use supabase_ssr_testing::{Endpoint, Fault, LocalAuth, LocalAuthOptions, SeedUser};

mod forged;

const EMAIL: &str = "leaving@example.com";
const OTHER: &str = "staying@example.com";
/// The `session_id` forged tokens claim.
const OTHER_SESSION: &str = "00000000-0000-0000-0000-000000000000";

async fn server() -> LocalAuth {
    LocalAuth::start(
        LocalAuthOptions::default()
            .user(SeedUser::new(EMAIL, "password123"))
            .user(SeedUser::new(OTHER, "password123")),
    )
    .await
    .unwrap()
}

fn supabase(auth: &LocalAuth) -> Supabase {
    Supabase::builder(auth.url(), auth.publishable_key())
        .build()
        .unwrap()
}

/// The `Cookie` header of a fresh session of `email` (one hour).
fn cookie(auth: &LocalAuth, supabase: &Supabase, email: &str) -> (String, Session) {
    let session = Session::from_value(auth.mint_session(email, 3600).unwrap().body).unwrap();
    (jar_holding(supabase, &session).header(), session)
}

async fn claims_of(supabase: &Supabase, cookie: &str) -> Result<Option<String>, AuthError> {
    let client = supabase.client([cookie]);
    let claims = client.auth().get_claims().await?;
    Ok(claims.map(|c| c.session_id().unwrap().to_owned()))
}

async fn sign_out(supabase: &Supabase, cookie: &str, scope: SignOutScope) {
    let client = supabase.client([cookie]);
    client.auth().sign_out_with_scope(scope).await.unwrap();
}

#[tokio::test]
async fn a_copied_cookie_is_refused_after_a_local_sign_out() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let (copied, session) = cookie(&auth, &supabase, EMAIL);
    let (other_device, _) = cookie(&auth, &supabase, EMAIL);
    // Verified and cached before the sign-out: the cached path must refuse too.
    assert!(claims_of(&supabase, &copied).await.unwrap().is_some());
    sign_out(&supabase, &copied, SignOutScope::Local).await;

    let client = supabase.client([copied.as_str()]);
    let error = client.auth().get_claims().await.unwrap_err();
    assert_eq!(error, AuthError::SessionMissing);
    assert_eq!(error.code(), Some("session_not_found"));
    assert!(!error.is_transient());
    // The session is over: its cookies are deleted.
    let deleted = client.response_cookies().into_set_cookies();
    assert!(
        !deleted.is_empty() && deleted.iter().all(|c| c.contains("Max-Age=0")),
        "{deleted:?}"
    );
    // A bearer token of the session, too, without any server call.
    let users = auth.count(Endpoint::UserGet);
    let error = supabase
        .client([""])
        .auth()
        .claims_for_token(session.access_token())
        .await
        .unwrap_err();
    assert_eq!(error, AuthError::SessionMissing);
    assert_eq!(auth.count(Endpoint::UserGet), users);
    // The user's other session is untouched, and so are other users.
    assert!(claims_of(&supabase, &other_device).await.unwrap().is_some());
    let (someone, _) = cookie(&auth, &supabase, OTHER);
    assert!(claims_of(&supabase, &someone).await.unwrap().is_some());
}

#[tokio::test]
async fn global_refuses_every_earlier_session_and_not_a_later_one() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let (first, _) = cookie(&auth, &supabase, EMAIL);
    let (second, _) = cookie(&auth, &supabase, EMAIL);
    assert!(claims_of(&supabase, &second).await.unwrap().is_some());
    // Tokens issued in the very second of the sign-out are spared (`iat` has whole seconds):
    // the earlier ones must be a second older.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (kept, _) = cookie(&auth, &supabase, OTHER);
    sign_out(&supabase, &first, SignOutScope::Global).await;
    for cookie in [&first, &second] {
        assert_eq!(
            claims_of(&supabase, cookie).await.unwrap_err(),
            AuthError::SessionMissing
        );
    }
    assert!(claims_of(&supabase, &kept).await.unwrap().is_some());
    let (later, _) = cookie(&auth, &supabase, EMAIL);
    assert!(claims_of(&supabase, &later).await.unwrap().is_some());
}

#[tokio::test]
async fn others_keeps_the_session_that_signed_out() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let (current, _) = cookie(&auth, &supabase, EMAIL);
    let (elsewhere, _) = cookie(&auth, &supabase, EMAIL);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    sign_out(&supabase, &current, SignOutScope::Others).await;
    assert!(claims_of(&supabase, &current).await.unwrap().is_some());
    assert_eq!(
        claims_of(&supabase, &elsewhere).await.unwrap_err(),
        AuthError::SessionMissing
    );
}

#[tokio::test]
async fn a_sign_out_the_server_could_not_take_is_still_recorded_here() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let (copied, _) = cookie(&auth, &supabase, EMAIL);
    auth.set_fault(Endpoint::Logout, Fault::status(503));
    let error = supabase
        .client([copied.as_str()])
        .auth()
        .sign_out_with_scope(SignOutScope::Local)
        .await
        .unwrap_err();
    assert!(error.is_transient());
    assert_eq!(
        claims_of(&supabase, &copied).await.unwrap_err(),
        AuthError::SessionMissing
    );
}

#[tokio::test]
async fn a_forged_cookie_signs_nobody_out_of_the_process() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let (victim, session) = cookie(&auth, &supabase, EMAIL);
    let forged = forged::session_with_claim(&session, "session_id", OTHER_SESSION);
    let forged_cookie = jar_holding(&supabase, &forged).header();
    let _ = supabase
        .client([forged_cookie.as_str()])
        .auth()
        .sign_out_with_scope(SignOutScope::Global)
        .await;
    assert!(supabase.signed_out_sessions().is_empty());
    assert!(claims_of(&supabase, &victim).await.unwrap().is_some());
}

#[derive(Default)]
struct Recorder(Mutex<Vec<SignOut>>);

impl SignOutListener for Recorder {
    fn signed_out(&self, sign_out: &SignOut) {
        self.0.lock().unwrap().push(sign_out.clone());
    }
}

#[tokio::test]
async fn the_listener_hears_each_sign_out_and_another_handle_can_record_it() {
    let auth = server().await;
    let recorder = Arc::new(Recorder::default());
    let supabase = Supabase::builder(auth.url(), auth.publishable_key())
        .on_sign_out(recorder.clone())
        .build()
        .unwrap();
    let replica = self::supabase(&auth);
    let (copied, session) = cookie(&auth, &supabase, EMAIL);
    sign_out(&supabase, &copied, SignOutScope::Local).await;
    let heard = recorder.0.lock().unwrap().clone();
    assert_eq!(heard.len(), 1);
    assert_eq!(heard[0].scope, SignOutScope::Local);
    assert_eq!(heard[0].user_id, session.user().unwrap().id());
    // Another process's handle (here: another handle) refuses it once told.
    assert!(claims_of(&replica, &copied).await.unwrap().is_some());
    replica.signed_out_sessions().record(&heard[0]);
    assert_eq!(
        claims_of(&replica, &copied).await.unwrap_err(),
        AuthError::SessionMissing
    );
}

#[tokio::test]
async fn an_admin_sign_out_is_refused_by_the_handle_it_records_in() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let (signed_in, session) = cookie(&auth, &supabase, EMAIL);
    assert!(claims_of(&supabase, &signed_in).await.unwrap().is_some());
    let admin = supabase_ssr_core::SupabaseAdmin::builder(auth.url(), auth.secret_key())
        .record_sign_outs_in(&supabase)
        .build()
        .unwrap();
    // A token the server refuses is not recorded.
    let refused = admin
        .auth()
        .sign_out(
            &forged::with_claim(session.access_token(), "session_id", OTHER_SESSION),
            SignOutScope::Global,
        )
        .await;
    assert!(refused.is_err());
    assert!(supabase.signed_out_sessions().is_empty());
    admin
        .auth()
        .sign_out(session.access_token(), SignOutScope::Local)
        .await
        .unwrap();
    assert_eq!(
        claims_of(&supabase, &signed_in).await.unwrap_err(),
        AuthError::SessionMissing
    );
    // Without the option, an admin handle records nothing.
    let (other, other_session) = cookie(&auth, &supabase, OTHER);
    supabase_ssr_core::SupabaseAdmin::new(&auth.url(), auth.secret_key())
        .unwrap()
        .auth()
        .sign_out(other_session.access_token(), SignOutScope::Local)
        .await
        .unwrap();
    assert!(claims_of(&supabase, &other).await.unwrap().is_some());
}
