//! Recording `tracing` spans, so tests can assert which spans a request made, with which
//! fields, nested in which.
//!
//! [`Recorder::install`] makes a subscriber (tracing-subscriber's registry with a layer that
//! keeps every span's name, fields and parent) the default of the current thread while its
//! guard lives. Run the code under test on that thread (a current-thread runtime): spans made
//! on other threads go to their own default subscriber.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex, PoisonError};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// One recorded span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedSpan {
    /// Its position in the recording (registry ids are reused; these are not).
    pub index: usize,
    /// Its name, e.g. `supabase_ssr.request`.
    pub name: &'static str,
    /// Its target (the module that made it).
    pub target: String,
    /// Its level.
    pub level: tracing::Level,
    /// The index of its parent span, if any.
    pub parent: Option<usize>,
    /// Its fields with a value, rendered as text (strings as they are, others with `Debug`).
    pub fields: BTreeMap<String, String>,
}

impl RecordedSpan {
    /// The value of a field, if it was recorded.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// The recording of the spans made while its subscriber is installed.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    spans: Arc<Mutex<Vec<RecordedSpan>>>,
}

/// Where a span's recording is, kept in the registry's extensions of the span.
struct Index(usize);

impl Recorder {
    /// Installs a recording subscriber (every level) as the current thread's default; it stays
    /// installed while the guard lives.
    #[must_use = "the subscriber is removed when the guard is dropped"]
    pub fn install() -> (Self, DefaultGuard) {
        let recorder = Self::default();
        let subscriber = tracing_subscriber::registry().with(RecordingLayer(recorder.clone()));
        let guard = tracing::subscriber::set_default(subscriber);
        (recorder, guard)
    }

    /// Every span recorded so far, in the order they were made.
    pub fn spans(&self) -> Vec<RecordedSpan> {
        self.lock().clone()
    }

    /// The spans with this name.
    pub fn named(&self, name: &str) -> Vec<RecordedSpan> {
        self.lock()
            .iter()
            .filter(|span| span.name == name)
            .cloned()
            .collect()
    }

    /// Whether `span` is `ancestor` or nested (at any depth) in it.
    pub fn is_within(&self, span: &RecordedSpan, ancestor: &RecordedSpan) -> bool {
        let spans = self.lock();
        let mut current = Some(span.index);
        while let Some(index) = current {
            if index == ancestor.index {
                return true;
            }
            current = spans.get(index).and_then(|s| s.parent);
        }
        false
    }

    /// The spans nested (at any depth) in `ancestor`, with this name.
    pub fn named_within(&self, name: &str, ancestor: &RecordedSpan) -> Vec<RecordedSpan> {
        self.named(name)
            .into_iter()
            .filter(|span| span.index != ancestor.index && self.is_within(span, ancestor))
            .collect()
    }

    /// Panics when a field value of any recorded span contains `secret` (named `what` in the
    /// message; the secret itself is not printed).
    ///
    /// # Panics
    ///
    /// When a field holds the secret, or the secret is empty.
    pub fn assert_no_field_contains(&self, secret: &str, what: &str) {
        assert!(!secret.is_empty(), "an empty {what} matches everything");
        for span in self.lock().iter() {
            for (name, value) in &span.fields {
                assert!(
                    !value.contains(secret),
                    "the field `{name}` of span `{}` holds {what}",
                    span.name
                );
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RecordedSpan>> {
        self.spans.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The layer behind [`Recorder`].
struct RecordingLayer(Recorder);

impl<S> Layer<S> for RecordingLayer
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let parent = span
            .parent()
            .and_then(|parent| parent.extensions().get::<Index>().map(|i| i.0));
        let mut fields = FieldText::default();
        attrs.record(&mut fields);
        let metadata = attrs.metadata();
        let mut spans = self.0.lock();
        let index = spans.len();
        spans.push(RecordedSpan {
            index,
            name: metadata.name(),
            target: metadata.target().to_owned(),
            level: *metadata.level(),
            parent,
            fields: fields.0,
        });
        drop(spans);
        span.extensions_mut().insert(Index(index));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let Some(index) = span.extensions().get::<Index>().map(|i| i.0) else {
            return;
        };
        let mut fields = FieldText::default();
        values.record(&mut fields);
        if let Some(recorded) = self.0.lock().get_mut(index) {
            recorded.fields.extend(fields.0);
        }
    }
}

/// Field values as text.
#[derive(Default)]
struct FieldText(BTreeMap<String, String>);

impl Visit for FieldText {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}
