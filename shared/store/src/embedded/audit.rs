//! Embedded [`AuditStore`].

use super::EmbeddedStore;
use crate::page_token::{nanos, paginate_desc};
use crate::{AuditStore, StoreError};
use async_trait::async_trait;
use onair_domain::audit::AuditEntry;
use onair_domain::{Page, PageRequest};
use time::Date;

#[async_trait]
impl AuditStore for EmbeddedStore {
    async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.lock().audit.push(entry.clone());
        Ok(())
    }

    async fn list(&self, day: Date, page: &PageRequest) -> Result<Page<AuditEntry>, StoreError> {
        let entries: Vec<AuditEntry> = self
            .lock()
            .audit
            .iter()
            .filter(|e| e.at.date() == day)
            .cloned()
            .collect();
        paginate_desc(entries, |e| (nanos(e.at), e.id.clone()), page)
    }
}
