//! Which requests the middleware handles, like the `matcher` of the JS proxy.

/// Decides which request paths get the session work (cookie parsing, refresh). Static assets
/// never need it, and skipping them keeps a page load from refreshing once per image.
///
/// The default skips `/favicon.ico` and files with the extensions of images, styles, scripts
/// and fonts, as the `matcher` of the Supabase Next.js guide does.
///
/// ```
/// use supabase_ssr_core::proxy::PathFilter;
///
/// let filter = PathFilter::default().skip_prefix("/assets/");
/// assert!(filter.applies_to("/private"));
/// assert!(!filter.applies_to("/logo.svg"));
/// assert!(!filter.applies_to("/assets/app"));
/// assert!(PathFilter::all().applies_to("/logo.svg"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathFilter {
    prefixes: Vec<String>,
    extensions: Vec<String>,
}

const DEFAULT_EXTENSIONS: [&str; 13] = [
    "svg", "png", "jpg", "jpeg", "gif", "webp", "avif", "ico", "css", "js", "map", "woff", "woff2",
];

impl Default for PathFilter {
    fn default() -> Self {
        Self {
            prefixes: Vec::new(),
            extensions: DEFAULT_EXTENSIONS.iter().map(|e| (*e).to_owned()).collect(),
        }
    }
}

impl PathFilter {
    /// A filter that lets every request through.
    pub fn all() -> Self {
        Self {
            prefixes: Vec::new(),
            extensions: Vec::new(),
        }
    }

    /// Also skips paths starting with `prefix` (e.g. `/static/`).
    #[must_use]
    pub fn skip_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefixes.push(prefix.into());
        self
    }

    /// Also skips paths ending in `.extension`.
    #[must_use]
    pub fn skip_extension(mut self, extension: impl Into<String>) -> Self {
        self.extensions.push(extension.into().to_ascii_lowercase());
        self
    }

    /// Whether the middleware handles a request for `path`.
    pub fn applies_to(&self, path: &str) -> bool {
        if self.prefixes.iter().any(|p| path.starts_with(p.as_str())) {
            return false;
        }
        let file = path.rsplit('/').next().unwrap_or(path);
        match file.rsplit_once('.') {
            Some((_, extension)) => !self
                .extensions
                .iter()
                .any(|e| e.eq_ignore_ascii_case(extension)),
            None => true,
        }
    }
}
