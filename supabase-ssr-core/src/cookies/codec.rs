//! Cookie value encodings (spec §4): `base64-` + unpadded base64url of the UTF-8 text, or the
//! raw text.

use std::borrow::Cow;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Prefix marking a base64url-encoded cookie value. Only chunk `.0` carries it.
pub const BASE64_PREFIX: &str = "base64-";

/// Decoding is as lenient as the JS decoder: padding is optional and leftover bits are dropped.
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// How cookie values are written. Reading always accepts both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum CookieEncoding {
    /// `base64-` followed by unpadded base64url: the `@supabase/ssr` default. Values need no
    /// percent-encoding, so they are the smallest on the wire.
    #[default]
    Base64Url,
    /// The JSON text itself, percent-encoded in the header.
    Raw,
}

/// Why a `base64-` cookie value could not be decoded. The messages are the JS decoder's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A character outside the base64url alphabet (whitespace and `=` are skipped).
    #[error("Invalid Base64-URL character \"{character}\" at position {position}")]
    InvalidCharacter {
        /// The character.
        character: char,
        /// Its index in the encoded text (after the prefix), in characters.
        position: usize,
    },
    /// The decoded bytes are not UTF-8.
    #[error("Invalid UTF-8 sequence")]
    InvalidUtf8,
}

/// Encodes an item value for a cookie.
///
/// ```
/// use supabase_ssr_core::cookies::{CookieEncoding, encode_value};
///
/// assert_eq!(encode_value("{\"a\":1}", CookieEncoding::Base64Url), "base64-eyJhIjoxfQ");
/// assert_eq!(encode_value("{\"a\":1}", CookieEncoding::Raw), "{\"a\":1}");
/// ```
pub fn encode_value(value: &str, encoding: CookieEncoding) -> String {
    match encoding {
        CookieEncoding::Base64Url => {
            let mut out = String::with_capacity(BASE64_PREFIX.len() + value.len().div_ceil(3) * 4);
            out.push_str(BASE64_PREFIX);
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(value, &mut out);
            out
        }
        CookieEncoding::Raw => value.to_owned(),
    }
}

/// Decodes a combined cookie value: `base64-` values are decoded whatever the configured
/// encoding, others are returned as they are. The boolean tells whether the value was
/// base64-encoded (the JS library warns about bad JSON only in that case).
pub fn decode_value(value: &str) -> Result<(Cow<'_, str>, bool), DecodeError> {
    match value.strip_prefix(BASE64_PREFIX) {
        Some(encoded) => decode_base64url(encoded).map(|text| (Cow::Owned(text), true)),
        None => Ok((Cow::Borrowed(value), false)),
    }
}

/// Decodes base64url text like the `@supabase/ssr` decoder (spec §4.2): spaces, tabs, line
/// breaks and `=` are skipped, leftover bits are dropped, and an incomplete UTF-8 sequence at the
/// very end is dropped. Invalid UTF-8 elsewhere is an error (the JS decoder accepts some
/// overlong forms; we do not, and such a value reads as absent).
pub fn decode_base64url(encoded: &str) -> Result<String, DecodeError> {
    // What the JS library writes is canonical unpadded base64url of UTF-8: decode it with the
    // strict engine and keep the buffer; anything else takes the lenient path below.
    if let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(encoded)
        && let Ok(text) = String::from_utf8(bytes)
    {
        return Ok(text);
    }
    let mut symbols = Vec::with_capacity(encoded.len());
    for (position, character) in encoded.chars().enumerate() {
        match character {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' => symbols.push(character as u8),
            ' ' | '\t' | '\n' | '\r' | '=' => {}
            _ => {
                // The JS decoder reports whichever error it meets first, so bytes decoded
                // before the bad character may already have failed as UTF-8.
                return Err(match utf8_prefix(&decode_symbols(&symbols)) {
                    Err(e) => e,
                    Ok(_) => DecodeError::InvalidCharacter {
                        character,
                        position,
                    },
                });
            }
        }
    }
    let bytes = decode_symbols(&symbols);
    utf8_prefix(&bytes).map(str::to_owned)
}

fn decode_symbols(symbols: &[u8]) -> Vec<u8> {
    // A single symbol left over holds fewer than 8 bits: the JS decoder drops it.
    let usable = if symbols.len() % 4 == 1 {
        &symbols[..symbols.len() - 1]
    } else {
        symbols
    };
    // Only alphabet symbols reach here and the length is a valid one, so this cannot fail.
    LENIENT_URL_SAFE.decode(usable).unwrap_or_default()
}

/// The bytes as text, without an incomplete sequence at the end.
fn utf8_prefix(bytes: &[u8]) -> Result<&str, DecodeError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) if e.error_len().is_none() => {
            Ok(std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default())
        }
        Err(_) => Err(DecodeError::InvalidUtf8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_values_pass_through_even_when_configured_for_base64() {
        assert_eq!(decode_value("{}").unwrap(), (Cow::Borrowed("{}"), false));
    }

    #[test]
    fn base64_values_are_decoded_whatever_the_configuration() {
        let (text, was_base64) = decode_value("base64-eyJhIjoxfQ").unwrap();
        assert_eq!(text, "{\"a\":1}");
        assert!(was_base64);
    }

    #[test]
    fn invalid_characters_report_their_position() {
        assert_eq!(
            decode_base64url("YQ."),
            Err(DecodeError::InvalidCharacter {
                character: '.',
                position: 2
            })
        );
    }
}
