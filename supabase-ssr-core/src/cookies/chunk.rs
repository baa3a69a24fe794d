//! Splitting long values over several cookies and putting them back together (spec §5).

use std::borrow::Cow;

/// The largest chunk, measured after percent-encoding: browsers cap a whole cookie at 4096 bytes
/// and the name and attributes need the rest.
pub const MAX_CHUNK_SIZE: usize = 3180;

/// One cookie of a possibly chunked value.
///
/// `Debug` shows the value's length, never the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Chunk {
    /// `key` for a value that fits in one cookie, else `key.0`, `key.1`, …
    pub name: String,
    /// The (unencoded) part of the value this cookie holds.
    pub value: String,
}

impl std::fmt::Debug for Chunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chunk")
            .field("name", &self.name)
            .field("value", &crate::redact::RedactedLen(self.value.len()))
            .finish()
    }
}

/// Splits `value` into cookies of at most `max_encoded` characters once percent-encoded like
/// `encodeURIComponent`, never cutting a character (spec §5.1).
///
/// This takes the longest run of whole characters that fits, which is what the JS
/// encode-slice-decode loop arrives at. Where the JS loop throws (a size too small for one
/// character, at most 12), this puts that character in a chunk of its own.
///
/// ```
/// use supabase_ssr_core::cookies::create_chunks;
///
/// let chunks = create_chunks("k", &"x".repeat(3181), 3180);
/// assert_eq!(chunks[0].name, "k.0");
/// assert_eq!(chunks[0].value.len(), 3180);
/// assert_eq!(chunks[1].value, "x");
/// ```
pub fn create_chunks(key: &str, value: &str, max_encoded: usize) -> Vec<Chunk> {
    let total = encoded_total(value);
    if total <= max_encoded {
        return vec![Chunk {
            name: key.to_owned(),
            value: value.to_owned(),
        }];
    }
    let mut chunks = Vec::with_capacity(total.div_ceil(max_encoded));
    let mut start = 0;
    let mut used = 0;
    for (index, character) in value.char_indices() {
        let len = encoded_len(character);
        if used + len > max_encoded && index > start {
            chunks.push(&value[start..index]);
            start = index;
            used = 0;
        }
        used += len;
    }
    chunks.push(&value[start..]);
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, part)| Chunk {
            name: format!("{key}.{i}"),
            value: part.to_owned(),
        })
        .collect()
}

/// Length of a character once percent-encoded by `encodeURIComponent`.
fn encoded_len(character: char) -> usize {
    match u8::try_from(character) {
        Ok(byte) if UNRESERVED[usize::from(byte)] => 1,
        _ => 3 * character.len_utf8(),
    }
}

/// Length of `value` once percent-encoded by `encodeURIComponent`: every byte of a non-ASCII
/// character becomes a `%XX` escape, so counting bytes gives the sum of [`encoded_len`] without
/// decoding characters. This runs for every cookie a response writes, over values of kilobytes.
fn encoded_total(value: &str) -> usize {
    value
        .bytes()
        .map(|byte| if UNRESERVED[usize::from(byte)] { 1 } else { 3 })
        .sum()
}

/// The bytes `encodeURIComponent` leaves alone, as a table: a chain of range checks per byte
/// costs several times more.
const UNRESERVED: [bool; 256] = {
    let characters = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()";
    let mut table = [false; 256];
    let mut i = 0;
    while i < characters.len() {
        table[characters[i] as usize] = true;
        i += 1;
    }
    table
};

/// Puts a chunked value back together (spec §5.2): a non-empty cookie named exactly `key` wins;
/// otherwise `key.0`, `key.1`, … are joined up to the first one that is missing or empty.
/// Returns `None` when there is nothing.
///
/// ```
/// use supabase_ssr_core::cookies::combine_chunks;
///
/// let jar = [("k.0", "a"), ("k.1", "b"), ("k.3", "d")];
/// let lookup = |name: &str| jar.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
/// assert_eq!(combine_chunks("k", lookup).as_deref(), Some("ab"));
/// ```
pub fn combine_chunks<'a>(
    key: &str,
    lookup: impl Fn(&str) -> Option<&'a str>,
) -> Option<Cow<'a, str>> {
    if let Some(whole) = lookup(key).filter(|v| !v.is_empty()) {
        return Some(Cow::Borrowed(whole));
    }
    let mut name = String::with_capacity(key.len() + 3);
    let mut combined: Option<Cow<'a, str>> = None;
    for i in 0usize.. {
        name.clear();
        name.push_str(key);
        name.push('.');
        name.push_str(&i.to_string());
        let Some(part) = lookup(&name).filter(|v| !v.is_empty()) else {
            break;
        };
        match &mut combined {
            None => combined = Some(Cow::Borrowed(part)),
            Some(text) => text.to_mut().push_str(part),
        }
    }
    combined
}

/// Whether cookie `name` holds (part of) item `key` (spec §5.3): `key` itself, or `key.N` with
/// `N` a decimal number without leading zeros.
///
/// ```
/// use supabase_ssr_core::cookies::is_chunk_like;
///
/// assert!(is_chunk_like("k.10", "k"));
/// assert!(!is_chunk_like("k.01", "k"));
/// assert!(!is_chunk_like("k-code-verifier", "k"));
/// ```
pub fn is_chunk_like(name: &str, key: &str) -> bool {
    if name == key {
        return true;
    }
    // The JS regex is greedy: the suffix is whatever follows the *last* dot.
    let Some((base, index)) = name.rsplit_once('.') else {
        return false;
    };
    base == key
        && !index.is_empty()
        && index.bytes().all(|b| b.is_ascii_digit())
        && (index == "0" || !index.starts_with('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_wider_than_the_chunk_size_gets_a_chunk_of_its_own() {
        let chunks = create_chunks("k", "a😀b", 6);
        let values: Vec<_> = chunks.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(values, ["a", "😀", "b"]);
    }

    #[test]
    fn the_byte_count_is_the_sum_over_characters() {
        let value = "aZ9-_.!~*'() %é😀\u{7f}\u{80}";
        let by_character: usize = value.chars().map(encoded_len).sum();
        assert_eq!(encoded_total(value), by_character);
        assert_eq!(by_character, 12 + 3 + 3 + 6 + 12 + 3 + 6);
    }

    #[test]
    fn chunks_recombine_to_the_value() {
        let value = "é".repeat(700) + &"x".repeat(5000);
        let chunks = create_chunks("k", &value, MAX_CHUNK_SIZE);
        let lookup = |name: &str| {
            chunks
                .iter()
                .find(|c| c.name == name)
                .map(|c| c.value.as_str())
        };
        assert_eq!(combine_chunks("k", lookup).as_deref(), Some(value.as_str()));
    }
}
