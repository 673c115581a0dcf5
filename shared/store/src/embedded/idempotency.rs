//! Embedded [`IdempotencyStore`]: records in the store's map, each operation under the one lock, so a
//! claim is as atomic as DynamoDB's conditional put. Expired and abandoned records stay in the map
//! until a claim replaces them, as on DynamoDB until TTL deletes them; the rules ignore them the same way.

use super::EmbeddedStore;
use crate::StoreError;
use crate::idempotency_ports::{
    Claim, ClaimOutcome, IdempotencyRecord, IdempotencyScope, IdempotencyStore, StoredResponse,
};
use async_trait::async_trait;
use time::OffsetDateTime;

#[async_trait]
impl IdempotencyStore for EmbeddedStore {
    async fn claim(&self, claim: &Claim) -> Result<ClaimOutcome, StoreError> {
        let mut state = self.lock();
        if let Some(record) = state.idempotency.get(&claim.scope)
            && record.is_live(claim.now)
        {
            return Ok(record.clone().answer(&claim.fingerprint));
        }
        state
            .idempotency
            .insert(claim.scope.clone(), IdempotencyRecord::of_claim(claim));
        Ok(ClaimOutcome::Fresh)
    }

    async fn complete(
        &self,
        scope: &IdempotencyScope,
        claimed_at: OffsetDateTime,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        match state.idempotency.get_mut(scope) {
            Some(record) if record.is_pending_claim(claimed_at) => {
                record.response = Some(response.clone());
                Ok(())
            }
            _ => Err(StoreError::Conflict(
                "the idempotency claim is no longer held".into(),
            )),
        }
    }

    async fn release(&self, scope: &IdempotencyScope, claimed_at: OffsetDateTime) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state
            .idempotency
            .get(scope)
            .is_some_and(|record| record.is_pending_claim(claimed_at))
        {
            state.idempotency.remove(scope);
        }
        Ok(())
    }
}
