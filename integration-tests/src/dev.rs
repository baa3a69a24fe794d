//! The local Auth server for developing an app: one call starts it, with a demo user, and gives
//! the configured [`SupabaseBuilder`].
//!
//! **For development only, never production**: the server keeps its users and sessions in
//! memory (gone at every restart), stores passwords as given, uses public, well-known keys
//! ([`DEFAULT_PUBLISHABLE_KEY`](crate::server::DEFAULT_PUBLISHABLE_KEY),
//! [`DEFAULT_SECRET_KEY`](crate::server::DEFAULT_SECRET_KEY)) and "sends" emails to an
//! in-memory outbox ([`LocalAuth::outbox`]). Point production at a Supabase project through
//! the environment ([`builder_from_env_or_local`] does both).
//!
//! [`start`] is synchronous, so it works from any `main`: a plain one, `#[tokio::main]` (either
//! flavour), `#[actix_web::main]`, Rocket's `#[launch]`. The server runs on a thread of its own
//! with its own tokio runtime, on a free port of `127.0.0.1`, seeded with the demo user
//! [`DEMO_EMAIL`] / [`DEMO_PASSWORD`]; it logs (`tracing`, `info`) its URL and the demo
//! credentials.
//!
//! **Keep the [`DevAuth`] handle alive as long as the app serves**: dropping it stops the server
//! (and waits for its thread). Bind it to a named variable in `main`, e.g.
//! `let (builder, _local_auth) = …`; `let _ = dev::start()?` drops it at once, and every call to
//! Auth then fails to connect.
//!
//! ```
//! use supabase_ssr_testing::dev;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // SUPABASE_URL set: that project (production); otherwise the local server.
//! let (builder, _local_auth) = dev::builder_from_env_or_local()?;
//! let supabase = builder.login_path("/login").build()?;
//! // … serve the app with `supabase` while `_local_auth` lives …
//! # drop(supabase);
//! # Ok(())
//! # }
//! ```
//!
//! Each adapter re-exports this module behind its feature `dev` (off by default), e.g.
//! `supabase_ssr_axum::dev`, so an app needs no direct dependency on this crate; the feature
//! brings the server (axum, hyper, rustls) into the app's build, but no command-line parser and
//! no `tracing` subscriber.

use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;

use supabase_ssr_core::config::ENV_URL;
use supabase_ssr_core::{ConfigError, Supabase, SupabaseBuilder};
use tokio::sync::oneshot;

use crate::server::{LocalAuth, LocalAuthError, LocalAuthOptions, SeedUser};

/// The demo user's email, created at [`start`]. A public demo value.
pub const DEMO_EMAIL: &str = "demo@example.com";

/// The demo user's password. A public demo value, logged at start.
pub const DEMO_PASSWORD: &str = "password123";

/// Why the local Auth server for development could not start, or the environment's
/// configuration is invalid.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DevError {
    /// The server failed to start (e.g. binding the port).
    #[error("could not start the local Auth server: {0}")]
    Start(#[source] LocalAuthError),
    /// The server's thread or its tokio runtime could not be created.
    #[error("could not create the local Auth server's thread: {0}")]
    Thread(#[source] std::io::Error),
    /// The server's thread ended before reporting whether the server started (it panicked).
    #[error("the local Auth server's thread ended before the server started")]
    ThreadEnded,
    /// `SUPABASE_URL` is set but the configuration from the environment is invalid (see
    /// [`Supabase::builder_from_env`]).
    #[error("invalid Supabase configuration in the environment: {0}")]
    Config(#[source] ConfigError),
}

impl From<LocalAuthError> for DevError {
    fn from(error: LocalAuthError) -> Self {
        Self::Start(error)
    }
}

impl From<ConfigError> for DevError {
    fn from(error: ConfigError) -> Self {
        Self::Config(error)
    }
}

/// A running local Auth server for development. **Dropping it stops the server** and joins its
/// thread: keep it alive for as long as the app serves (see the [module docs](self)).
#[must_use = "dropping the DevAuth handle stops the local Auth server at once"]
#[derive(Debug)]
pub struct DevAuth {
    /// Shared with the server's thread, which stops the server once this one is gone.
    server: Option<Arc<LocalAuth>>,
    url: String,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl DevAuth {
    /// A [`SupabaseBuilder`] for this server: its URL and publishable key are set; add options
    /// (`login_path`, …) and `build()`.
    ///
    /// ```
    /// let local_auth = supabase_ssr_testing::dev::start()?;
    /// let supabase = local_auth.builder().login_path("/login").build()?;
    /// # drop(supabase);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(&self) -> SupabaseBuilder {
        Supabase::builder(self.url(), self.publishable_key())
    }

    /// The project URL (`http://127.0.0.1:<port>`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The publishable key clients send as `apikey`.
    pub fn publishable_key(&self) -> &str {
        self.server().publishable_key()
    }

    /// The secret (service-role) key, for `SupabaseAdmin` (server-side code only). Like every
    /// key of this server it is a public, well-known value: never use it for a real project.
    pub fn secret_key(&self) -> &str {
        self.server().secret_key()
    }

    /// The server itself, to add users ([`LocalAuth::add_user`]), read the emails it "sent"
    /// ([`LocalAuth::outbox`]), and so on.
    ///
    /// ```
    /// use supabase_ssr_testing::server::SeedUser;
    ///
    /// let local_auth = supabase_ssr_testing::dev::start()?;
    /// local_auth.server().add_user(&SeedUser::new("ada@example.com", "correct horse"))?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn server(&self) -> &LocalAuth {
        // Only `Drop` takes it.
        self.server
            .as_deref()
            .unwrap_or_else(|| unreachable!("the server is taken only on drop"))
    }
}

impl Drop for DevAuth {
    fn drop(&mut self) {
        // Our reference first, so the thread holds the last one and can stop the server
        // gracefully; then the signal, then the wait (the port is closed once it returns).
        drop(self.server.take());
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        tracing::debug!(url = %self.url, "local Auth server for development stopped");
    }
}

/// Starts the local Auth server for development on its own thread and tokio runtime, on a free
/// port of `127.0.0.1`, with the demo user [`DEMO_EMAIL`] / [`DEMO_PASSWORD`], and logs its URL
/// and the demo credentials. Synchronous: call it from any `main`, inside a tokio runtime or
/// not. **Dropping the returned handle stops the server.**
///
/// ```
/// use supabase_ssr_testing::dev;
///
/// let local_auth = dev::start()?;
/// assert!(local_auth.url().starts_with("http://127.0.0.1:"));
/// let supabase = local_auth.builder().build()?;
/// # drop(supabase);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A port is picked afresh at each start: nothing is worth keeping across restarts (users,
/// sessions and signing keys live in memory), and the app gets the URL from the handle.
pub fn start() -> Result<DevAuth, DevError> {
    let options = LocalAuthOptions::default().user(SeedUser::new(DEMO_EMAIL, DEMO_PASSWORD));
    let (started_tx, started_rx) = mpsc::sync_channel(1);
    let (stop, stop_rx) = oneshot::channel();
    let thread = std::thread::Builder::new()
        .name("supabase-local-auth".to_owned())
        .spawn(move || serve(options, &started_tx, stop_rx))
        .map_err(DevError::Thread)?;
    // `recv` fails only if the thread ended without sending: it panicked.
    let Ok(started) = started_rx.recv() else {
        let _ = thread.join();
        return Err(DevError::ThreadEnded);
    };
    let server = match started {
        Ok(server) => server,
        Err(error) => {
            let _ = thread.join();
            return Err(error);
        }
    };
    let url = server.url();
    tracing::info!(
        url = %url,
        email = DEMO_EMAIL,
        password = DEMO_PASSWORD,
        "local Supabase Auth server for development (not for production): sign in as the demo user"
    );
    Ok(DevAuth {
        server: Some(server),
        url,
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// The server thread: a runtime of its own (so the caller's runtime, if any, is not touched),
/// the server, then a wait for [`DevAuth`]'s drop.
fn serve(
    options: LocalAuthOptions,
    started: &mpsc::SyncSender<Result<Arc<LocalAuth>, DevError>>,
    stop: oneshot::Receiver<()>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_name("supabase-local-auth")
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            let _ = started.send(Err(DevError::Thread(error)));
            return;
        }
    };
    runtime.block_on(async move {
        let server = match LocalAuth::start(options).await {
            Ok(server) => Arc::new(server),
            Err(error) => {
                let _ = started.send(Err(error.into()));
                return;
            }
        };
        if started.send(Ok(Arc::clone(&server))).is_err() {
            return;
        }
        // A dropped sender (the handle is gone) stops the server as the signal does.
        let _ = stop.await;
        match Arc::try_unwrap(server) {
            Ok(server) => server.stop().await,
            // Not reachable (the handle dropped its reference first); dropping stops it too.
            Err(server) => drop(server),
        }
    });
}

/// The builder for production or for development: with `SUPABASE_URL` set (and not empty),
/// [`Supabase::builder_from_env`] and no server; otherwise [`start`] (logging that the local
/// development server is used) and its handle, which **stops the server when dropped**.
///
/// ```no_run
/// use supabase_ssr_testing::dev;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let (builder, _local_auth) = dev::builder_from_env_or_local()?; // not `let _ =`
/// let supabase = builder.login_path("/login").build()?;
/// # drop(supabase);
/// # Ok(())
/// # }
/// ```
pub fn builder_from_env_or_local() -> Result<(SupabaseBuilder, Option<DevAuth>), DevError> {
    if std::env::var_os(ENV_URL).is_some_and(|url| !url.is_empty()) {
        return Ok((Supabase::builder_from_env()?, None));
    }
    tracing::info!("SUPABASE_URL is not set: using a local Auth server for development");
    let local = start()?;
    Ok((local.builder(), Some(local)))
}
