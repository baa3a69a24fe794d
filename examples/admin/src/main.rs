//! A small admin CLI on [`SupabaseAdmin`]: list, create, invite and delete users.
//!
//! ```sh
//! cargo run -p example-admin -- list
//! cargo run -p example-admin -- create ada@example.com 'a long passphrase' list delete ada@example.com
//! ```
//!
//! Commands run in order: `list`, `create EMAIL PASSWORD` (a confirmed user), `invite EMAIL`
//! (the Auth server emails the invitation), `delete EMAIL_OR_ID`.
//!
//! With `SUPABASE_URL` and `SUPABASE_SECRET_KEY` set it works on that project. Without
//! `SUPABASE_URL` it starts a throwaway local Auth server in-process, with the demo user
//! `demo@example.com`, gone when the command ends (for one that stays, run `local-auth` from
//! `supabase-ssr-testing` and point `SUPABASE_URL` and `SUPABASE_SECRET_KEY` at it).
//!
//! The secret key bypasses Row Level Security: this is server-side tooling, never something a
//! browser or a per-request handler gets.

use std::process::ExitCode;

use supabase_ssr_core::admin::{AdminUserAttributes, InviteOptions, ListUsers};
use supabase_ssr_core::auth::AuthError;
use supabase_ssr_core::{SupabaseAdmin, User};
use supabase_ssr_testing::{LocalAuth, LocalAuthOptions, SeedUser};

const DEMO_EMAIL: &str = "demo@example.com";
const DEMO_PASSWORD: &str = "password123";

const USAGE: &str = "usage: example-admin COMMAND...\n\
    commands (run in order):\n  \
    list\n  \
    create EMAIL PASSWORD\n  \
    invite EMAIL\n  \
    delete EMAIL_OR_ID\n\
    env: SUPABASE_URL and SUPABASE_SECRET_KEY (or SUPABASE_SERVICE_ROLE_KEY); without \
    SUPABASE_URL a throwaway local Auth server is used";

/// One command of the command line.
#[derive(Debug, PartialEq)]
enum Command {
    List,
    Create { email: String, password: String },
    Invite { email: String },
    Delete { user: String },
}

fn parse(args: &[String]) -> Result<Vec<Command>, String> {
    let mut words = args.iter().cloned();
    let mut commands = Vec::new();
    while let Some(word) = words.next() {
        let mut take = |what: &str| {
            words
                .next()
                .ok_or_else(|| format!("`{word}` needs {what}\n{USAGE}"))
        };
        commands.push(match word.as_str() {
            "list" => Command::List,
            "create" => Command::Create {
                email: take("an email")?,
                password: take("a password")?,
            },
            "invite" => Command::Invite {
                email: take("an email")?,
            },
            "delete" => Command::Delete {
                user: take("an email or a user id")?,
            },
            other => return Err(format!("unknown command `{other}`\n{USAGE}")),
        });
    }
    if commands.is_empty() {
        return Err(USAGE.to_owned());
    }
    Ok(commands)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let commands = match parse(&args) {
        Ok(commands) => commands,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(&commands).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(commands: &[Command]) -> Result<(), Box<dyn std::error::Error>> {
    // Kept alive until the commands are done: dropping it stops the server.
    let mut local = None;
    let admin = if std::env::var_os("SUPABASE_URL").is_some() {
        SupabaseAdmin::from_env()?
    } else {
        let server = LocalAuth::start(
            LocalAuthOptions::default().user(SeedUser::new(DEMO_EMAIL, DEMO_PASSWORD)),
        )
        .await?;
        eprintln!(
            "SUPABASE_URL is not set: using a throwaway local Auth server at {} (demo user {DEMO_EMAIL})",
            server.url()
        );
        let admin = SupabaseAdmin::new(&server.url(), server.secret_key())?;
        local = Some(server);
        admin
    };
    for command in commands {
        match command {
            Command::List => list(&admin).await?,
            Command::Create { email, password } => {
                let attributes = AdminUserAttributes::default()
                    .with_email(email)
                    .with_password(password)
                    .with_email_confirm(true);
                let user = admin.auth().create_user(&attributes).await?;
                println!("created {} {}", user.id(), user.email().unwrap_or_default());
            }
            Command::Invite { email } => {
                let user = admin
                    .auth()
                    .invite_user_by_email(email, &InviteOptions::default())
                    .await?;
                println!("invited {} {}", user.id(), user.email().unwrap_or_default());
            }
            Command::Delete { user } => {
                let id = user_id(&admin, user).await?;
                admin.auth().delete_user(&id, false).await?;
                println!("deleted {id}");
            }
        }
    }
    drop(local);
    Ok(())
}

/// Prints every user, `<id> <email>`, then how many there are.
async fn list(admin: &SupabaseAdmin) -> Result<(), AuthError> {
    let users = all_users(admin).await?;
    for user in &users {
        let email = user.email().or(user.phone()).unwrap_or("-");
        println!("{} {email}", user.id());
    }
    println!("users: {}", users.len());
    Ok(())
}

/// Every user, read a page at a time (`next_page` until there is none).
async fn all_users(admin: &SupabaseAdmin) -> Result<Vec<User>, AuthError> {
    let mut users = Vec::new();
    let mut page = 1;
    loop {
        let params = ListUsers::default().with_page(page).with_per_page(50);
        let listed = admin.auth().list_users(&params).await?;
        users.extend(listed.users);
        match listed.next_page {
            Some(next) if next > page => page = next,
            _ => return Ok(users),
        }
    }
}

/// The id of the user `email_or_id` names: itself when it is not an email, else the id of
/// the user with that email.
async fn user_id(admin: &SupabaseAdmin, email_or_id: &str) -> Result<String, String> {
    if !email_or_id.contains('@') {
        return Ok(email_or_id.to_owned());
    }
    let users = all_users(admin).await.map_err(|e| e.to_string())?;
    users
        .iter()
        .find(|u| {
            u.email()
                .is_some_and(|e| e.eq_ignore_ascii_case(email_or_id))
        })
        .map(|u| u.id().to_owned())
        .ok_or_else(|| format!("no user with the email {email_or_id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn commands_are_read_in_order() {
        assert_eq!(
            parse(&args("create a@example.com pw list delete a@example.com")).unwrap(),
            vec![
                Command::Create {
                    email: "a@example.com".into(),
                    password: "pw".into()
                },
                Command::List,
                Command::Delete {
                    user: "a@example.com".into()
                },
            ]
        );
        assert!(parse(&args("")).unwrap_err().starts_with("usage"));
        assert!(
            parse(&args("create a@example.com"))
                .unwrap_err()
                .contains("a password")
        );
        assert!(
            parse(&args("drop"))
                .unwrap_err()
                .contains("unknown command `drop`")
        );
    }
}
