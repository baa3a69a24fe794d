//! Runs the `example-admin` binary: offline (its own throwaway Auth server) and against a
//! project given by `SUPABASE_URL` / `SUPABASE_SECRET_KEY` (a local Auth server started here).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use supabase_ssr_testing::{LocalAuth, LocalAuthOptions};

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_example-admin"));
    command
        .args(args)
        .env_remove("SUPABASE_URL")
        .env_remove("SUPABASE_SECRET_KEY")
        .env_remove("SUPABASE_SERVICE_ROLE_KEY")
        .env_remove("SUPABASE_CA_CERT");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn offline_it_creates_invites_lists_and_deletes_users() {
    let output = run(
        &[
            "create",
            "ada@example.com",
            "a long passphrase",
            "invite",
            "grace@example.com",
            "list",
            "delete",
            "ada@example.com",
            "list",
        ],
        &[],
    );
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("throwaway local Auth server"), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("created ") && lines[0].ends_with(" ada@example.com"));
    let id = lines[0].split(' ').nth(1).unwrap();
    assert!(
        lines.contains(&format!("{id} ada@example.com").as_str()),
        "{stdout}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("invited ") && l.ends_with(" grace@example.com")),
        "{stdout}"
    );
    assert!(lines.contains(&"users: 3"), "{stdout}");
    assert!(
        lines.contains(&format!("deleted {id}").as_str()),
        "{stdout}"
    );
    assert_eq!(lines.last(), Some(&"users: 2"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_project_it_uses_the_secret_key_and_refuses_a_publishable_one() {
    let auth = LocalAuth::start(LocalAuthOptions::default()).await.unwrap();
    let (url, secret, publishable) = (
        auth.url(),
        auth.secret_key().to_owned(),
        auth.publishable_key().to_owned(),
    );
    let output = tokio::task::spawn_blocking({
        let (url, secret) = (url.clone(), secret.clone());
        move || {
            run(
                &["create", "grace@example.com", "a long passphrase"],
                &[("SUPABASE_URL", &url), ("SUPABASE_SECRET_KEY", &secret)],
            )
        }
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(auth.user("grace@example.com").is_some());
    assert!(!text(&output.stderr).contains("throwaway"));

    let output = tokio::task::spawn_blocking({
        let publishable = publishable.clone();
        move || {
            run(
                &["list"],
                &[
                    ("SUPABASE_URL", &url),
                    ("SUPABASE_SECRET_KEY", &publishable),
                ],
            )
        }
    })
    .await
    .unwrap();
    let stderr = text(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("SupabaseAdmin needs a secret key"),
        "{stderr}"
    );
    assert!(!stderr.contains(&publishable), "{stderr}");
    assert!(!text(&output.stdout).contains(&secret));
}
