//! Opaque page tokens: a cursor serialised as JSON and base64url-encoded, so callers cannot depend on
//! its shape and adapters can change it freely. Decoding failures become [`StoreError::InvalidPageToken`].

use crate::error::StoreError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Longest token accepted; anything longer was not issued by us.
const MAX_TOKEN: usize = 1024;

/// Encodes a cursor as an opaque token.
pub fn encode<T: Serialize>(cursor: &T) -> Result<String, StoreError> {
    serde_json::to_vec(cursor)
        .map(|bytes| URL_SAFE_NO_PAD.encode(bytes))
        .map_err(|e| StoreError::Unavailable(format!("encoding page token: {e}")))
}

/// Decodes a token issued by [`encode`].
pub fn decode<T: DeserializeOwned>(token: &str) -> Result<T, StoreError> {
    if token.len() > MAX_TOKEN {
        return Err(StoreError::InvalidPageToken);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| StoreError::InvalidPageToken)?;
    serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidPageToken)
}

/// Pages a list held in memory whose order is *descending* by `key` (a total order: keys must be
/// unique). The token is the key of the last item returned; the next page starts strictly after it.
pub fn paginate_desc<T, K>(
    mut items: Vec<T>,
    key: impl Fn(&T) -> K,
    page: &onair_domain::PageRequest,
) -> Result<onair_domain::Page<T>, StoreError>
where
    K: Ord + Serialize + DeserializeOwned,
{
    items.sort_by_key(|item| std::cmp::Reverse(key(item)));
    if let Some(token) = &page.token {
        let cursor: K = decode(token)?;
        items.retain(|item| key(item) < cursor);
    }
    let more = items.len() > page.limit;
    items.truncate(page.limit);
    let next = match items.last() {
        Some(last) if more => Some(encode(&key(last))?),
        _ => None,
    };
    Ok(onair_domain::Page { items, next })
}

/// Unix nanoseconds of a timestamp, the sortable form used in cursors and sort keys.
pub fn nanos(t: time::OffsetDateTime) -> i128 {
    t.unix_timestamp_nanos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use onair_domain::PageRequest;

    #[test]
    fn pages_walk_a_descending_list_without_gaps_or_repeats() {
        let items: Vec<u32> = (0..7).collect();
        let mut seen = Vec::new();
        let mut req = PageRequest::first(3);
        loop {
            let page = paginate_desc(items.clone(), |i| *i, &req).unwrap();
            seen.extend(page.items);
            match page.next {
                Some(t) => req.token = Some(t),
                None => break,
            }
        }
        assert_eq!(seen, vec![6, 5, 4, 3, 2, 1, 0]);
    }

    #[test]
    fn foreign_tokens_are_rejected() {
        let req = PageRequest {
            limit: 3,
            token: Some("not-a-token!".into()),
        };
        assert_eq!(
            paginate_desc(vec![1u32], |i| *i, &req).unwrap_err(),
            StoreError::InvalidPageToken
        );
        let req = PageRequest {
            limit: 3,
            token: Some(encode(&"text").unwrap()),
        };
        assert_eq!(
            paginate_desc(vec![1u32], |i| *i, &req).unwrap_err(),
            StoreError::InvalidPageToken
        );
    }
}
