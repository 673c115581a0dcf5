//! Pagination: a bounded page size and an opaque continuation token that the store adapters encode.

/// Default and largest page sizes.
pub const DEFAULT_PAGE: usize = 50;
/// Largest page a caller may ask for.
pub const MAX_PAGE: usize = 100;

/// A request for one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// How many items at most (1..=100).
    pub limit: usize,
    /// The token from the previous page, if any.
    pub token: Option<String>,
}

impl PageRequest {
    /// The first page of `limit` items (clamped to 1..=100).
    pub fn first(limit: usize) -> Self {
        Self {
            limit: limit.clamp(1, MAX_PAGE),
            token: None,
        }
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::first(DEFAULT_PAGE)
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items, in the list's stable order.
    pub items: Vec<T>,
    /// Token for the next page; `None` on the last page.
    pub next: Option<String>,
}
