//! The underlying error an error of this crate keeps as its `source()`.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

/// The error underneath one of this crate's errors (an HTTP client error, a JSON decoding
/// error, invalid cookie options), kept so that `std::error::Error::source` reaches it.
///
/// Cheap to clone (an `Arc`), so the errors that hold one stay `Clone`. Two sources are equal
/// when their messages are, so those errors stay `PartialEq`. HTTP client errors are kept
/// without their URL, which may carry a token in its query; `Display` and `Debug` are the
/// underlying error's.
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
        fmt::Display::fmt(&self.0, f)
    }
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
}
