//! Image transformations (`/render/image/…`), as storage-js `TransformOptions`.

use serde::Serialize;
use url::form_urlencoded::Serializer;

/// How an image is transformed when read through [`Bucket::download`](super::Bucket::download),
/// [`Bucket::create_signed_url`](super::Bucket::create_signed_url) or
/// [`Bucket::public_url`](super::Bucket::public_url) (Storage's image transformation, a paid
/// feature of the project). Only the fields set are sent.
///
/// ```
/// use supabase_ssr_core::storage::{Resize, Transform};
///
/// let thumb = Transform::default().width(200).height(200).resize(Resize::Cover).quality(75);
/// # let _ = thumb;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[must_use]
#[non_exhaustive]
pub struct Transform {
    #[serde(skip_serializing_if = "Option::is_none")]
    width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    height: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resize: Option<Resize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quality: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<Format>,
}

/// How [`Transform`] fits the image into its width and height.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Resize {
    /// Fills the box, cropping what is over (Storage's default).
    Cover,
    /// Fits inside the box, keeping the aspect ratio.
    Contain,
    /// Stretches to the box.
    Fill,
}

/// The format a transformed image is served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Format {
    /// The image's own format (without it, Storage may serve WebP to browsers that accept it).
    Origin,
}

impl Resize {
    fn as_str(self) -> &'static str {
        match self {
            Self::Cover => "cover",
            Self::Contain => "contain",
            Self::Fill => "fill",
        }
    }
}

impl Transform {
    /// Width in pixels.
    pub fn width(mut self, width: u32) -> Self {
        self.width = Some(width);
        self
    }

    /// Height in pixels.
    pub fn height(mut self, height: u32) -> Self {
        self.height = Some(height);
        self
    }

    /// How the image fits into width and height.
    pub fn resize(mut self, resize: Resize) -> Self {
        self.resize = Some(resize);
        self
    }

    /// Quality from 20 to 100 (Storage's default is 80).
    pub fn quality(mut self, quality: u8) -> Self {
        self.quality = Some(quality);
        self
    }

    /// The served format.
    pub fn format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }

    /// Whether anything is set: storage-js reads through `render/image` only then
    /// (`Object.keys(transform).length > 0`).
    pub(super) fn is_set(&self) -> bool {
        self.width.is_some()
            || self.height.is_some()
            || self.resize.is_some()
            || self.quality.is_some()
            || self.format.is_some()
    }

    /// Appends the query parameters in storage-js's order (`applyTransformOptsToQuery`: width,
    /// height, resize, format, quality), skipping zeros as its truthiness test does.
    pub(super) fn append_to(&self, query: &mut Serializer<'_, String>) {
        if let Some(width) = self.width.filter(|w| *w != 0) {
            query.append_pair("width", &width.to_string());
        }
        if let Some(height) = self.height.filter(|h| *h != 0) {
            query.append_pair("height", &height.to_string());
        }
        if let Some(resize) = self.resize {
            query.append_pair("resize", resize.as_str());
        }
        if let Some(Format::Origin) = self.format {
            query.append_pair("format", "origin");
        }
        if let Some(quality) = self.quality.filter(|q| *q != 0) {
            query.append_pair("quality", &quality.to_string());
        }
    }
}

/// The query of a read (download, public URL) after any of its own parameters, in storage-js's
/// order: the transform's, `cacheNonce`, `versionId`.
pub(super) fn append_read_query(
    query: &mut Serializer<'_, String>,
    transform: Option<&Transform>,
    cache_nonce: Option<&str>,
    version_id: Option<&str>,
) {
    if let Some(transform) = transform {
        transform.append_to(query);
    }
    if let Some(nonce) = cache_nonce {
        query.append_pair("cacheNonce", nonce);
    }
    if let Some(version) = version_id {
        query.append_pair("versionId", version);
    }
}
