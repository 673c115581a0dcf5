//! DynamoDB [`VideoStore`]: a video's processing report is one item in its broadcast's partition,
//! `pk = BROADCAST#{id}`, `sk = VIDEO` (no index keys, so broadcast lists never see it), carrying the
//! owner and the report as JSON (`doc`). A broadcast and its report are then two keys of one
//! `BatchGetItem`: `videos.list` of 50 ids is one request of 100 keys (the `BatchGetItem` limit).
//! A report is written in one `TransactWriteItems`: a condition check that the broadcast exists and
//! is the owner's, and a put conditioned on no report existing, so racing reports have one winner.

use super::item::{Kind, broadcast_from, owner_of};
use super::{condition_check, lost};
use crate::dynamo::Context;
use crate::dynamo::attrs::{Item, Reader, attr, s};
use crate::dynamo::batch::batch_get;
use crate::dynamo::errors::{build_failed, cancelled};
use crate::dynamo::keys::{PK, SK, key};
use crate::error::StoreError;
use crate::lifecycle_ports::distinct_ids;
use crate::{StoredBroadcast, StoredVideo, VideoStore};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem};
use onair_domain::UserId;
use onair_domain::lifecycle::video::VideoProcessing;
use std::collections::HashMap;
use std::sync::Arc;

/// `sk` of a video's processing report.
pub const VIDEO_SK: &str = "VIDEO";

/// Primary key of the processing report of video (= broadcast) `id`.
pub fn video_key(id: &str) -> Item {
    key(Kind::Broadcast.pk(id), VIDEO_SK)
}

fn video_item(owner: &UserId, processing: &VideoProcessing) -> Result<Item, StoreError> {
    let mut item = video_key(&processing.video_id);
    item.insert(attr::ID.to_owned(), s(processing.video_id.as_str()));
    item.insert(attr::OWNER.to_owned(), s(owner.as_str()));
    let doc = serde_json::to_string(processing)
        .map_err(|e| StoreError::Unavailable(format!("encoding record: {e}")))?;
    item.insert(attr::DOC.to_owned(), s(doc));
    Ok(item)
}

fn video_from(item: &Item) -> Result<VideoProcessing, StoreError> {
    let r = Reader::new(item);
    serde_json::from_str(r.s(attr::DOC)?).map_err(|_| r.corrupt(attr::DOC))
}

/// Broadcast videos in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoVideoStore {
    context: Arc<Context>,
}

impl DynamoVideoStore {
    pub(in crate::dynamo) fn new(context: Arc<Context>) -> Self {
        Self { context }
    }
}

#[async_trait]
impl VideoStore for DynamoVideoStore {
    async fn get(&self, owner: &UserId, id: &str) -> Result<StoredVideo, StoreError> {
        self.get_many(owner, &[id.to_owned()])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    async fn get_many(&self, owner: &UserId, ids: &[String]) -> Result<Vec<StoredVideo>, StoreError> {
        let ids = distinct_ids(ids)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ctx = &self.context;
        let keys = ids
            .iter()
            .flat_map(|id| [Kind::Broadcast.key(id), video_key(id)])
            .collect();
        let mut broadcasts: HashMap<String, StoredBroadcast> = HashMap::new();
        let mut reports: HashMap<String, VideoProcessing> = HashMap::new();
        for item in batch_get(ctx, &ctx.table, keys, None).await? {
            if owner_of(&item) != Some(owner.as_str()) {
                continue;
            }
            let r = Reader::new(&item);
            let id = r.s(attr::ID)?.to_owned();
            if r.s(SK)? == VIDEO_SK {
                reports.insert(id, video_from(&item)?);
            } else {
                broadcasts.insert(id, broadcast_from(&item)?);
            }
        }
        Ok(ids
            .iter()
            .filter_map(|id| {
                broadcasts.remove(id).map(|broadcast| StoredVideo {
                    broadcast,
                    processing: reports.remove(id),
                })
            })
            .collect())
    }

    async fn record(&self, owner: &UserId, processing: &VideoProcessing) -> Result<(), StoreError> {
        let ctx = &self.context;
        let id = processing.video_id.as_str();
        let check = condition_check(
            ctx,
            Kind::Broadcast.key(id),
            "attribute_exists(#pk) AND #owner = :owner",
            &[("#pk", PK), ("#owner", attr::OWNER)],
            vec![(":owner", s(owner.as_str()))],
        )?;
        let put = Put::builder()
            .table_name(&ctx.table)
            .set_item(Some(video_item(owner, processing)?))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(build_failed)?;
        let request = ctx
            .client
            .transact_write_items()
            .transact_items(check)
            .transact_items(TransactWriteItem::builder().put(put).build());
        match ctx.send(request.send()).await {
            Ok(_) => Ok(()),
            Err(err) => {
                let cancelled = cancelled("TransactWriteItems", err)?;
                if cancelled.condition_failed(0) {
                    return Err(StoreError::NotFound);
                }
                if cancelled.condition_failed(1) {
                    return Err(StoreError::Conflict(
                        "the video already has a processing report".into(),
                    ));
                }
                Err(lost(&cancelled, 2, owner))
            }
        }
    }
}
