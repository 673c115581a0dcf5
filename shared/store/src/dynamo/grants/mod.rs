//! DynamoDB [`GrantStore`]: codes, refresh tokens and families in the tokens table, their audit entries
//! and the user checks in the registrations table.
//!
//! The guards are conditional writes on one item each, so concurrent requests have exactly one winner
//! and the losers get the stored item back (`ALL_OLD`) to explain themselves:
//! - `redeem_code` is one `UpdateItem` whose condition is [`check_redemption`] written as an expression;
//!   only when it fails does the old item go through `check_redemption` to name the refusal (a replay
//!   is named however late it comes: a redeemed code's item is kept as long as its family).
//! - `rotate_refresh` first retires the presented token with one `UpdateItem` (the rotation guard),
//!   then writes the successor in a transaction conditioned on the family and the user. A revoked family
//!   or a disabled user therefore still burns the presented token, like the embedded store.
//! - `revoke_family` is one idempotent `UpdateItem` plus a `PutItem` of its audit entry, not a
//!   transaction: replays of one code revoke one family from many requests at once, and concurrent
//!   transactions on one item would cancel each other (and are not thread-safe on moto).
//!
//! Time conditions compare `expiresAtNanos` (unix nanoseconds) with the request's `now`, so expiry is
//! decided to the nanosecond in code, never by TTL.

use super::Context;
use super::attrs::{Item, epoch_seconds, s, timestamp, unix_nanos};
use super::audit::{append_entry, audit_put, duplicate_entry};
use super::errors::{WriteFailure, build_failed, cancelled, unavailable, write_failure};
pub(crate) mod item;

use super::attrs::attr;
use super::keys::PK;
use super::users::item::profile_key;
use crate::error::StoreError;
use crate::{GrantStore, RedeemError, RotateError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Put, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
    Update,
};
use item::{
    FAMILY_TTL, REDEEMED_CODE_KEPT, code_from, code_item, code_key, code_ttl, family_from, family_key,
    refresh_from, refresh_item, refresh_key,
};
use onair_domain::audit::AuditEntry;
use onair_domain::oauth::code::{CodeRecord, RedeemRefusal, Redemption, check_redemption};
use onair_domain::oauth::refresh::{Family, RefreshRecord};
use onair_domain::{ClientId, UserId};
use std::sync::Arc;
use time::OffsetDateTime;

/// Codes, refresh tokens and families in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoGrantStore {
    context: Arc<Context>,
    tokens_table: Arc<str>,
}

impl DynamoGrantStore {
    /// Undoes step one of a rotation whose second step failed (or whose first step's answer was lost):
    /// clears the retirement, but only if it is still ours (the successor hash matches) and the
    /// successor does not exist. The second condition matters when the successor transaction did
    /// succeed and only its answer was lost: reinstating the presented token then would leave it and its
    /// successor both live, and the client's retry would fail on the existing successor; left retired,
    /// the retry takes the grace path and gets that successor. One transaction (update + condition
    /// check). Best effort: if this fails too, the client's retry gets `invalid_grant` and the streamer
    /// logs in again — never a token that does not work.
    async fn reinstate(&self, old_hash: &str, successor_hash: &str) {
        let ctx = &self.context;
        let undo = Update::builder()
            .table_name(&*self.tokens_table)
            .set_key(Some(refresh_key(old_hash)))
            .update_expression("REMOVE #rotatedAt, #successorHash")
            .condition_expression("#successorHash = :successor")
            .expression_attribute_names("#rotatedAt", attr::ROTATED_AT)
            .expression_attribute_names("#successorHash", attr::SUCCESSOR_HASH)
            .expression_attribute_values(":successor", s(successor_hash))
            .build();
        let absent = ConditionCheck::builder()
            .table_name(&*self.tokens_table)
            .set_key(Some(refresh_key(successor_hash)))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build();
        let (Ok(undo), Ok(absent)) = (undo, absent) else {
            tracing::warn!("could not build the reinstatement of a refresh token after a failed rotation");
            return;
        };
        let request = ctx
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(undo).build())
            .transact_items(TransactWriteItem::builder().condition_check(absent).build());
        match ctx.send(request.send()).await {
            Ok(_) => {}
            Err(err) => match cancelled("TransactWriteItems", err) {
                // Not ours any more, never retired, or the successor exists: nothing to undo.
                Ok(_) => {}
                Err(failure) => {
                    tracing::warn!(error = %failure, "could not reinstate a refresh token after a failed rotation");
                }
            },
        }
    }

    pub(super) fn new(context: Arc<Context>, tokens_table: Arc<str>) -> Self {
        Self {
            context,
            tokens_table,
        }
    }

    /// One item of the tokens table, read consistently.
    async fn get(&self, key: Item) -> Result<Option<Item>, StoreError> {
        let ctx = &self.context;
        let request = ctx
            .client
            .get_item()
            .table_name(&*self.tokens_table)
            .set_key(Some(key))
            .consistent_read(true);
        let output = ctx
            .send(request.send())
            .await
            .map_err(|e| unavailable("GetItem", &e))?;
        Ok(output.item)
    }
}

/// A transaction item creating `item` in `table`, refused if the key is taken.
fn put_new(table: &str, item: Item) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(#pk)")
        .expression_attribute_names("#pk", PK)
        .build()
        .map_err(build_failed)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// A transaction item that holds only if `user` exists and is enabled (registrations table).
fn user_enabled(table: &str, user: &UserId) -> Result<TransactWriteItem, StoreError> {
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(profile_key(user)))
        .condition_expression("attribute_exists(#pk) AND #disabled = :false")
        .expression_attribute_names("#pk", PK)
        .expression_attribute_names("#disabled", attr::DISABLED)
        .expression_attribute_values(":false", AttributeValue::Bool(false))
        .build()
        .map_err(build_failed)?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// A transaction item that holds only if family `id` exists and is not revoked (tokens table).
fn family_live(table: &str, id: &str) -> Result<TransactWriteItem, StoreError> {
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(family_key(id)))
        .condition_expression("attribute_exists(#pk) AND attribute_not_exists(#revokedAt)")
        .expression_attribute_names("#pk", PK)
        .expression_attribute_names("#revokedAt", attr::REVOKED_AT)
        .build()
        .map_err(build_failed)?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// The refusal for a redemption whose condition failed, decided by the domain rule on the stored code
/// (`None`: there is no such code).
fn refusal(old: Option<CodeRecord>, redemption: &Redemption, now: OffsetDateTime) -> RedeemError {
    let Some(old) = old else {
        return RedeemError::Refused(RedeemRefusal::Invalid, None);
    };
    match check_redemption(&old, redemption, now) {
        Err(RedeemRefusal::Replayed) => RedeemError::Refused(RedeemRefusal::Replayed, Some(Box::new(old))),
        Err(refusal) => RedeemError::Refused(refusal, None),
        // The condition failed, yet the code as returned passes: it changed between the two (a
        // concurrent write no flow makes). Refusing is the safe answer.
        Ok(()) => RedeemError::Refused(RedeemRefusal::Invalid, None),
    }
}

#[async_trait]
impl GrantStore for DynamoGrantStore {
    /// One `TransactWriteItems`: the code (new) and its audit entry.
    async fn put_code(&self, code: &CodeRecord, audit: &AuditEntry) -> Result<(), StoreError> {
        let ctx = &self.context;
        let request = ctx
            .client
            .transact_write_items()
            .transact_items(put_new(&self.tokens_table, code_item(code)?)?)
            .transact_items(audit_put(&ctx.table, audit)?);
        let Err(err) = ctx.send(request.send()).await else {
            return Ok(());
        };
        let cancelled = cancelled("TransactWriteItems", err)?;
        Err(if cancelled.condition_failed(0) {
            StoreError::Conflict("code already exists".into())
        } else if cancelled.condition_failed(1) {
            duplicate_entry()
        } else {
            cancelled.otherwise()
        })
    }

    /// One `UpdateItem` whose condition is the whole redemption rule; it also extends the item's TTL
    /// to [`REDEEMED_CODE_KEPT`], so a replay, however late, finds the code and revokes its family. A
    /// redemption the rule refuses whatever the code holds (its redirect URI is no longer registered)
    /// is one consistent `GetItem` instead, to name the refusal — a replay still reports `Replayed`.
    async fn redeem_code(
        &self,
        hash: &str,
        redemption: &Redemption,
        now: OffsetDateTime,
    ) -> Result<CodeRecord, RedeemError> {
        let ctx = &self.context;
        if !redemption.redirect_uri_registered {
            let old = self.get(code_key(hash)).await?;
            return Err(refusal(old.as_ref().map(code_from).transpose()?, redemption, now));
        }
        // The same rule as `check_redemption`: unexpired at `now`, issued to this client, not redeemed,
        // same redirect URI, and the verifier's challenge equal to the stored one (both absent counts).
        let challenge = match &redemption.challenge_of_verifier {
            Some(_) => "#codeChallenge = :challenge",
            None => "attribute_not_exists(#codeChallenge)",
        };
        let condition = format!(
            "attribute_exists(#pk) AND attribute_not_exists(#redeemedAt) AND #expiresAtNanos > :nowNanos \
             AND #clientId = :client AND #redirectUri = :redirect AND {challenge}"
        );
        let mut request = ctx
            .client
            .update_item()
            .table_name(&*self.tokens_table)
            .set_key(Some(code_key(hash)))
            .update_expression("SET #redeemedAt = :now, #ttl = :ttl")
            .condition_expression(condition)
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#redeemedAt", attr::REDEEMED_AT)
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_values(":ttl", epoch_seconds(now + REDEEMED_CODE_KEPT))
            .expression_attribute_names("#expiresAtNanos", attr::EXPIRES_AT_NANOS)
            .expression_attribute_names("#clientId", attr::CLIENT_ID)
            .expression_attribute_names("#redirectUri", attr::REDIRECT_URI)
            .expression_attribute_names("#codeChallenge", attr::CODE_CHALLENGE)
            .expression_attribute_values(":now", timestamp(now)?)
            .expression_attribute_values(":nowNanos", unix_nanos(now))
            .expression_attribute_values(":client", s(redemption.client_id.as_str()))
            .expression_attribute_values(":redirect", s(&redemption.redirect_uri))
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if let Some(challenge) = &redemption.challenge_of_verifier {
            request = request.expression_attribute_values(":challenge", s(challenge));
        }
        match ctx.send(request.send()).await {
            Ok(output) => {
                let before = output.attributes.ok_or_else(|| {
                    StoreError::Unavailable("dynamodb UpdateItem: no old item returned".into())
                })?;
                Ok(code_from(&before)?)
            }
            Err(err) => Err(match write_failure("UpdateItem", err) {
                WriteFailure::ConditionFailed(old) => {
                    refusal(old.as_ref().map(code_from).transpose()?, redemption, now)
                }
                WriteFailure::Other(err) => err.into(),
            }),
        }
    }

    /// Two requests, on the failure path of a code exchange only: a consistent `GetItem` of the code (to
    /// learn its family), then one `TransactWriteItems` that removes `redeemedAt` (and restores the
    /// unredeemed code's TTL) on condition that it still equals `redeemed_at`, with a condition check
    /// that the family item does not exist.
    async fn unredeem_code(&self, hash: &str, redeemed_at: OffsetDateTime) -> Result<(), StoreError> {
        let ctx = &self.context;
        let item = self.get(code_key(hash)).await?.ok_or(StoreError::NotFound)?;
        let code = code_from(&item)?;
        if code.redeemed_at != Some(redeemed_at) {
            return Err(StoreError::Conflict("code not redeemed at that time".into()));
        }
        let unredeemed = CodeRecord {
            redeemed_at: None,
            ..code
        };
        let undo = Update::builder()
            .table_name(&*self.tokens_table)
            .set_key(Some(code_key(hash)))
            .update_expression("SET #ttl = :ttl REMOVE #redeemedAt")
            .condition_expression("#redeemedAt = :at")
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_names("#redeemedAt", attr::REDEEMED_AT)
            .expression_attribute_values(":ttl", epoch_seconds(code_ttl(&unredeemed)))
            .expression_attribute_values(":at", timestamp(redeemed_at)?)
            .build()
            .map_err(build_failed)?;
        let absent = ConditionCheck::builder()
            .table_name(&*self.tokens_table)
            .set_key(Some(family_key(&unredeemed.family_id)))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .map_err(build_failed)?;
        let request = ctx
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(undo).build())
            .transact_items(TransactWriteItem::builder().condition_check(absent).build());
        let Err(err) = ctx.send(request.send()).await else {
            return Ok(());
        };
        let cancelled = cancelled("TransactWriteItems", err)?;
        Err(cancelled.conflict_of(&["code not redeemed at that time", "the code's family exists"]))
    }

    /// One `TransactWriteItems`: the family (merged with a revocation that raced ahead), the first
    /// token (new), the audit entry, and the check that the user exists and is enabled.
    async fn start_family(
        &self,
        family: &Family,
        token: &RefreshRecord,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let ctx = &self.context;
        // No condition: a family revoked by a replay that landed first keeps its `revokedAt` (SET
        // leaves other attributes alone), and everything else is this login's, as in the embedded store.
        let family_update = Update::builder()
            .table_name(&*self.tokens_table)
            .set_key(Some(family_key(&family.id)))
            .update_expression(
                "SET #id = :id, #clientId = :client, #userId = :user, #createdAt = :created, #ttl = :ttl",
            )
            .expression_attribute_names("#id", attr::ID)
            .expression_attribute_names("#clientId", attr::CLIENT_ID)
            .expression_attribute_names("#userId", attr::USER_ID)
            .expression_attribute_names("#createdAt", attr::CREATED_AT)
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_values(":id", s(&family.id))
            .expression_attribute_values(":client", s(family.client_id.as_str()))
            .expression_attribute_values(":user", s(family.user_id.as_str()))
            .expression_attribute_values(":created", timestamp(family.created_at)?)
            .expression_attribute_values(":ttl", epoch_seconds(family.created_at + FAMILY_TTL))
            .build()
            .map_err(build_failed)?;
        let request = ctx
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(family_update).build())
            .transact_items(put_new(&self.tokens_table, refresh_item(token)?)?)
            .transact_items(audit_put(&ctx.table, audit)?)
            .transact_items(user_enabled(&ctx.table, &family.user_id)?);
        let Err(err) = ctx.send(request.send()).await else {
            return Ok(());
        };
        let cancelled = cancelled("TransactWriteItems", err)?;
        Err(if cancelled.condition_failed(3) {
            StoreError::Conflict("user is missing or disabled".into())
        } else if cancelled.condition_failed(1) {
            StoreError::Conflict("refresh token already exists".into())
        } else if cancelled.condition_failed(2) {
            duplicate_entry()
        } else {
            cancelled.otherwise()
        })
    }

    /// Two requests: the retiring `UpdateItem` (the rotation guard), then one `TransactWriteItems` with
    /// the successor (new), the audit entry and the family and user checks.
    async fn rotate_refresh(
        &self,
        old_hash: &str,
        client: &ClientId,
        successor_hash: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> Result<RefreshRecord, RotateError> {
        let ctx = &self.context;
        let retire = ctx
            .client
            .update_item()
            .table_name(&*self.tokens_table)
            .set_key(Some(refresh_key(old_hash)))
            .update_expression("SET #rotatedAt = :now, #successorHash = :successor")
            .condition_expression(
                "attribute_exists(#pk) AND attribute_not_exists(#rotatedAt) \
                 AND #expiresAtNanos > :nowNanos AND #clientId = :client",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#rotatedAt", attr::ROTATED_AT)
            .expression_attribute_names("#successorHash", attr::SUCCESSOR_HASH)
            .expression_attribute_names("#expiresAtNanos", attr::EXPIRES_AT_NANOS)
            .expression_attribute_names("#clientId", attr::CLIENT_ID)
            .expression_attribute_values(":now", timestamp(now)?)
            .expression_attribute_values(":successor", s(successor_hash))
            .expression_attribute_values(":nowNanos", unix_nanos(now))
            .expression_attribute_values(":client", s(client.as_str()))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        let retired = match ctx.send(retire.send()).await {
            Ok(output) => {
                let item = output.attributes.ok_or_else(|| {
                    StoreError::Unavailable("dynamodb UpdateItem: no attributes returned".into())
                })?;
                refresh_from(&item)?
            }
            Err(err) => {
                return Err(match write_failure("UpdateItem", err) {
                    WriteFailure::ConditionFailed(None) => RotateError::Unknown,
                    WriteFailure::ConditionFailed(Some(old)) => {
                        RotateError::NotActive(Box::new(refresh_from(&old)?))
                    }
                    WriteFailure::Other(err) => {
                        // The retirement may have been written and only its answer lost; undo it if so,
                        // or the retry would find the token retired in favour of a successor that was
                        // never written.
                        self.reinstate(old_hash, successor_hash).await;
                        err.into()
                    }
                });
            }
        };
        let successor = RefreshRecord {
            hash: successor_hash.to_owned(),
            issued_at: now,
            expires_at,
            rotated: None,
            ..retired
        };
        let mut audit = audit.clone();
        audit.user_id.get_or_insert_with(|| successor.user_id.clone());
        let request = ctx
            .client
            .transact_write_items()
            .transact_items(put_new(&self.tokens_table, refresh_item(&successor)?)?)
            .transact_items(audit_put(&ctx.table, &audit)?)
            .transact_items(family_live(&self.tokens_table, &successor.family_id)?)
            .transact_items(user_enabled(&ctx.table, &successor.user_id)?);
        let Err(err) = ctx.send(request.send()).await else {
            return Ok(successor);
        };
        let cancelled = match cancelled("TransactWriteItems", err) {
            Ok(cancelled) => cancelled,
            Err(failure) => {
                // The successor was not stored (DynamoDB failed or timed out). Put the old token back in
                // service, so the client's retry rotates it normally instead of getting a grace reply
                // that names a successor which does not exist.
                self.reinstate(old_hash, successor_hash).await;
                return Err(failure.into());
            }
        };
        Err(if cancelled.condition_failed(2) {
            RotateError::GrantInvalid("token family revoked")
        } else if cancelled.condition_failed(3) {
            RotateError::GrantInvalid("user is missing or disabled")
        } else if cancelled.condition_failed(0) {
            StoreError::Conflict("refresh token already exists".into()).into()
        } else if cancelled.condition_failed(1) {
            duplicate_entry().into()
        } else {
            cancelled.otherwise().into()
        })
    }

    async fn get_refresh(&self, hash: &str) -> Result<RefreshRecord, StoreError> {
        self.get(refresh_key(hash))
            .await?
            .as_ref()
            .map(refresh_from)
            .unwrap_or(Err(StoreError::NotFound))
    }

    async fn get_family(&self, id: &str) -> Result<Family, StoreError> {
        self.get(family_key(id))
            .await?
            .as_ref()
            .map(family_from)
            .unwrap_or(Err(StoreError::NotFound))
    }

    /// One consistent `BatchGetItem` for both items.
    async fn get_refresh_and_family(
        &self,
        hash: &str,
        family: &str,
    ) -> Result<(RefreshRecord, Family), StoreError> {
        let wanted = vec![refresh_key(hash), family_key(family)];
        let found = super::batch::batch_get(&self.context, &self.tokens_table, wanted, None).await?;
        let find = |key: Item| {
            found
                .iter()
                .find(|item| item.get(PK) == key.get(PK))
                .ok_or(StoreError::NotFound)
        };
        let token = refresh_from(find(refresh_key(hash))?)?;
        let family = family_from(find(family_key(family))?)?;
        Ok((token, family))
    }

    /// An unconditional `UpdateItem` (every attribute `if_not_exists`, so the first revocation's time
    /// stays and a missing family is created revoked), then a `PutItem` of the audit entry.
    async fn revoke_family(
        &self,
        id: &str,
        client: &ClientId,
        user: &UserId,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let ctx = &self.context;
        let request = ctx
            .client
            .update_item()
            .table_name(&*self.tokens_table)
            .set_key(Some(family_key(id)))
            .update_expression(
                "SET #revokedAt = if_not_exists(#revokedAt, :now), #id = if_not_exists(#id, :id), \
                 #clientId = if_not_exists(#clientId, :client), #userId = if_not_exists(#userId, :user), \
                 #createdAt = if_not_exists(#createdAt, :now), #ttl = if_not_exists(#ttl, :ttl)",
            )
            .expression_attribute_names("#revokedAt", attr::REVOKED_AT)
            .expression_attribute_names("#id", attr::ID)
            .expression_attribute_names("#clientId", attr::CLIENT_ID)
            .expression_attribute_names("#userId", attr::USER_ID)
            .expression_attribute_names("#createdAt", attr::CREATED_AT)
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_values(":now", timestamp(now)?)
            .expression_attribute_values(":id", s(id))
            .expression_attribute_values(":client", s(client.as_str()))
            .expression_attribute_values(":user", s(user.as_str()))
            .expression_attribute_values(":ttl", epoch_seconds(now + FAMILY_TTL));
        ctx.send(request.send())
            .await
            .map_err(|e| unavailable("UpdateItem", &e))?;
        // A retried revocation finds its own entry already stored: that is success, not a conflict.
        append_entry(ctx, audit).await?;
        Ok(())
    }
}
