//! The underlying error an error of this crate keeps as its `source()`, and the one function
//! that turns such an error and its causes into a message ([`with_causes`]).

use std::borrow::Cow;
use std::error::Error;
use std::fmt;
use std::sync::Arc;

/// The error underneath one of this crate's errors (an HTTP client error, a JSON decoding
/// error, invalid cookie options), kept so that `std::error::Error::source` reaches it.
///
/// Cheap to clone (an `Arc`), so the errors that hold one stay `Clone`. Two sources are equal
/// when their messages are, so those errors stay `PartialEq`. HTTP client errors are kept
/// without their URL, which may carry a token in its query.
///
/// `Display` is the underlying error's message followed by its causes' (`error sending request:
/// client error (Connect): tcp connect error: Connection refused (os error 111)`): the HTTP
/// client's own top-level message rarely says why. `source()` is the underlying error's
/// source, so the chain stays walkable; `Debug` is the underlying error's.
#[derive(Clone)]
pub struct ErrorSource(Arc<dyn Error + Send + Sync + 'static>);

impl ErrorSource {
    /// Wraps `error`.
    pub fn new(error: impl Error + Send + Sync + 'static) -> Self {
        Self(Arc::new(error))
    }

    /// Wraps an error that is already boxed (an application's, e.g. an access token
    /// provider's).
    pub(crate) fn boxed(error: Box<dyn Error + Send + Sync + 'static>) -> Self {
        Self(Arc::from(error))
    }

    /// Wraps an HTTP client error, without its URL.
    pub(crate) fn http(error: reqwest::Error) -> Self {
        Self::new(error.without_url())
    }

    /// The underlying error.
    #[must_use]
    pub fn get(&self) -> &(dyn Error + Send + Sync + 'static) {
        &*self.0
    }
}

impl fmt::Debug for ErrorSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for ErrorSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&with_causes(&*self.0))
    }
}

/// `error`'s message followed by its causes', `: `-separated: what every error of this crate
/// that wraps a transport failure shows (Auth, Data API, Storage, Functions, admin).
///
/// A cause whose message is empty or already part of the text (errors that print their
/// source themselves) is skipped. The query and fragment of any URL in the text are dropped:
/// HTTP client errors reach here without their URL (`reqwest::Error::without_url`), and this
/// keeps a URL some deeper cause names from carrying a token into a log.
pub(crate) fn with_causes(error: &(dyn Error + 'static)) -> String {
    let mut message = without_url_queries(&error.to_string()).into_owned();
    let mut cause = error.source();
    while let Some(error) = cause {
        let text = error.to_string();
        let text = without_url_queries(text.trim());
        if !text.is_empty() && !message.contains(&*text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = error.source();
    }
    message
}

/// `text` with the query and fragment cut off every URL in it (a URL: a run of non-blank,
/// non-quote characters containing `://`).
fn without_url_queries(text: &str) -> Cow<'_, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let ends_url = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let start = rest[..at].rfind(ends_url).map_or(0, |i| i + 1);
        let end = rest[at..].find(ends_url).map_or(rest.len(), |i| at + i);
        let url = &rest[start..end];
        out.push_str(&rest[..start]);
        out.push_str(url.find(['?', '#']).map_or(url, |cut| &url[..cut]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

impl Error for ErrorSource {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source()
    }
}

impl PartialEq for ErrorSource {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.to_string() == other.0.to_string()
    }
}

impl Eq for ErrorSource {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_error_and_its_message() {
        let json = serde_json::from_str::<u8>("x").unwrap_err();
        let message = json.to_string();
        let source = ErrorSource::new(json);
        assert_eq!(source.to_string(), message);
        assert!(source.get().is::<serde_json::Error>());
        assert_eq!(source.clone(), source);
    }

    /// An error with a cause, as the HTTP client's are.
    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl Error for Layer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            self.1.as_deref().map(|e| e as &(dyn Error + 'static))
        }
    }

    fn chain(messages: &[&'static str]) -> Layer {
        let mut layer = None;
        for message in messages.iter().rev() {
            layer = Some(Layer(message, layer.map(Box::new)));
        }
        layer.unwrap()
    }

    #[test]
    fn the_message_names_every_cause_once() {
        let error = chain(&[
            "error sending request",
            "client error (Connect)",
            "tcp connect error",
            "Connection refused (os error 111)",
            "Connection refused (os error 111)",
            "",
        ]);
        let expected = "error sending request: client error (Connect): tcp connect error: \
                        Connection refused (os error 111)";
        assert_eq!(with_causes(&error), expected);
        let source = ErrorSource::new(error);
        assert_eq!(source.to_string(), expected);
        assert_eq!(
            source.source().unwrap().to_string(),
            "client error (Connect)"
        );
    }

    #[test]
    fn urls_lose_their_query_and_fragment() {
        let error = chain(&[
            "error following redirect",
            "to 'ftp://host/x?token=secret' (https://p.example/a#access_token=secret2) \
             and <http://h?k=secret3>",
        ]);
        let message = with_causes(&error);
        assert!(!message.contains("secret"), "{message}");
        assert_eq!(
            message,
            "error following redirect: to 'ftp://host/x' (https://p.example/a and <http://h>"
        );
        assert_eq!(without_url_queries("no url here?"), "no url here?");
    }
}
