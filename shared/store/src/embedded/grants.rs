//! Embedded [`GrantStore`]: the same single-use and rotation guards as DynamoDB's conditional writes,
//! each operation done under the store's one lock.

use super::{EmbeddedStore, State};
use crate::{GrantStore, RedeemError, RotateError, StoreError};
use async_trait::async_trait;
use onair_domain::audit::AuditEntry;
use onair_domain::oauth::code::{CodeRecord, RedeemRefusal, Redemption, check_redemption};
use onair_domain::oauth::refresh::{Family, RefreshRecord, Rotation};
use onair_domain::{ClientId, UserId};
use time::OffsetDateTime;

fn user_enabled(state: &State, user: &UserId) -> bool {
    state.users.get(user).is_some_and(|u| !u.disabled)
}

#[async_trait]
impl GrantStore for EmbeddedStore {
    async fn put_code(&self, code: &CodeRecord, audit: &AuditEntry) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.codes.contains_key(&code.hash) {
            return Err(StoreError::Conflict("code already exists".into()));
        }
        state.codes.insert(code.hash.clone(), code.clone());
        state.audit.push(audit.clone());
        Ok(())
    }

    async fn redeem_code(
        &self,
        hash: &str,
        redemption: &Redemption,
        now: OffsetDateTime,
    ) -> Result<CodeRecord, RedeemError> {
        let mut state = self.lock();
        let code = state
            .codes
            .get_mut(hash)
            .ok_or(RedeemError::Refused(RedeemRefusal::Invalid, None))?;
        match check_redemption(code, redemption, now) {
            Ok(()) => {
                let before = code.clone();
                code.redeemed_at = Some(now);
                Ok(before)
            }
            Err(RedeemRefusal::Replayed) => Err(RedeemError::Refused(
                RedeemRefusal::Replayed,
                Some(Box::new(code.clone())),
            )),
            Err(refusal) => Err(RedeemError::Refused(refusal, None)),
        }
    }

    async fn unredeem_code(&self, hash: &str, redeemed_at: OffsetDateTime) -> Result<(), StoreError> {
        let mut state = self.lock();
        let family = match state.codes.get(hash) {
            None => return Err(StoreError::NotFound),
            Some(code) if code.redeemed_at != Some(redeemed_at) => {
                return Err(StoreError::Conflict("code not redeemed at that time".into()));
            }
            Some(code) => code.family_id.clone(),
        };
        if state.families.contains_key(&family) {
            return Err(StoreError::Conflict("the code's family exists".into()));
        }
        if let Some(code) = state.codes.get_mut(hash) {
            code.redeemed_at = None;
        }
        Ok(())
    }

    async fn start_family(
        &self,
        family: &Family,
        token: &RefreshRecord,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        if !user_enabled(&state, &family.user_id) {
            return Err(StoreError::Conflict("user is missing or disabled".into()));
        }
        // A revocation that raced ahead of this redemption stays in force.
        let revoked_at = state.families.get(&family.id).and_then(|f| f.revoked_at);
        state.families.insert(
            family.id.clone(),
            Family {
                revoked_at,
                ..family.clone()
            },
        );
        state.refresh.insert(token.hash.clone(), token.clone());
        state.audit.push(audit.clone());
        Ok(())
    }

    async fn rotate_refresh(
        &self,
        old_hash: &str,
        client: &ClientId,
        successor_hash: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> Result<RefreshRecord, RotateError> {
        let mut state = self.lock();
        let old = state.refresh.get(old_hash).cloned().ok_or(RotateError::Unknown)?;
        if old.rotated.is_some() || now >= old.expires_at || &old.client_id != client {
            return Err(RotateError::NotActive(Box::new(old)));
        }
        // The old token is retired first, like the DynamoDB adapter's first write: a revoked family
        // or disabled user still burns it.
        let rotation = Rotation {
            at: now,
            successor_hash: successor_hash.to_owned(),
        };
        if let Some(stored) = state.refresh.get_mut(old_hash) {
            stored.rotated = Some(rotation);
        }
        if state
            .families
            .get(&old.family_id)
            .is_none_or(|f| f.revoked_at.is_some())
        {
            return Err(RotateError::GrantInvalid("token family revoked"));
        }
        if !user_enabled(&state, &old.user_id) {
            return Err(RotateError::GrantInvalid("user is missing or disabled"));
        }
        let successor = RefreshRecord {
            hash: successor_hash.to_owned(),
            issued_at: now,
            expires_at,
            rotated: None,
            ..old
        };
        state.refresh.insert(successor.hash.clone(), successor.clone());
        let mut audit = audit.clone();
        audit.user_id.get_or_insert_with(|| successor.user_id.clone());
        state.audit.push(audit);
        Ok(successor)
    }

    async fn get_refresh(&self, hash: &str) -> Result<RefreshRecord, StoreError> {
        self.lock().refresh.get(hash).cloned().ok_or(StoreError::NotFound)
    }

    async fn get_family(&self, id: &str) -> Result<Family, StoreError> {
        self.lock().families.get(id).cloned().ok_or(StoreError::NotFound)
    }

    async fn get_refresh_and_family(
        &self,
        hash: &str,
        family: &str,
    ) -> Result<(RefreshRecord, Family), StoreError> {
        let state = self.lock();
        let token = state.refresh.get(hash).cloned().ok_or(StoreError::NotFound)?;
        let family = state.families.get(family).cloned().ok_or(StoreError::NotFound)?;
        Ok((token, family))
    }

    async fn revoke_family(
        &self,
        id: &str,
        client: &ClientId,
        user: &UserId,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        let family = state.families.entry(id.to_owned()).or_insert_with(|| Family {
            id: id.to_owned(),
            client_id: client.clone(),
            user_id: user.clone(),
            created_at: now,
            revoked_at: None,
        });
        if family.revoked_at.is_none() {
            family.revoked_at = Some(now);
        }
        state.audit.push(audit.clone());
        Ok(())
    }
}
