//! Arbitrary text as a stored session: `Session::from_json` keeps the text verbatim and its
//! accessors never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supabase_ssr_core::Session;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(session) = Session::from_json(text) {
        assert_eq!(session.to_json(), text, "to_json returns the stored text");
        assert_eq!(session.as_json(), text);
        let _ = session.access_token();
        let _ = session.refresh_token();
        let _ = session.expires_at();
        let _ = session.token_type();
        let _ = session.fields();
        if let Some(user) = session.user() {
            let _ = user.id();
            let _ = user.email();
            let _ = user.phone();
            let _ = user.role();
            let _ = user.app_metadata();
            let _ = user.user_metadata();
            let _ = user.is_anonymous();
            let _ = user.fields();
        }
        // Re-parsing what it wrote gives the same session.
        let again = Session::from_json(&session.to_json()).expect("round trip");
        assert_eq!(again.access_token(), session.access_token());
        assert_eq!(again.refresh_token(), session.refresh_token());
        assert_eq!(again.expires_at(), session.expires_at());
    }
});
