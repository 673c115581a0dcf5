//! The Content ID API (`/youtube/partner/v1/…`) and its admin routes (`/admin/content-owners…`) over
//! HTTP through the in-process router, on both stores: admin owners and links, every bad-input rule
//! of the issue for assets, ownership, policies and match policies (each changing nothing), owner
//! isolation, parallel writes, and DynamoDB round trips.

mod ad_options;
mod admin_owners;
mod bad_input;
mod claims;
mod concurrency;
mod flows;
mod guide_client;
pub mod references;
mod references_live;
mod round_trips;

use crate::support::{Backend, Reply, admin};
use crate::youtube::{Yt, token_for};
use http::{Method, StatusCode};
use serde_json::{Value, json};

/// A content owner registered through the admin API with the test user's channel linked.
pub struct Partner {
    pub yt: Yt,
    pub owner: String,
}

/// Registers a content owner; returns its id.
pub async fn create_owner(yt: &Yt, name: &str, live: bool) -> String {
    let r = admin(
        &yt.router,
        Method::POST,
        "/admin/content-owners",
        Some(&json!({"displayName": name, "liveFingerprinting": live}).to_string()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

/// Links `channel` of `user` to `owner`.
pub async fn link(yt: &Yt, owner: &str, channel: &str, user: &str) -> Reply {
    admin(
        &yt.router,
        Method::PUT,
        &format!("/admin/content-owners/{owner}/channels/{channel}"),
        Some(&json!({ "userId": user }).to_string()),
    )
    .await
}

impl Partner {
    pub async fn new(backend: Backend) -> Partner {
        Self::with_yt(Yt::new(backend).await).await
    }

    pub async fn with_yt(yt: Yt) -> Partner {
        let owner = create_owner(&yt, "Rights Co", false).await;
        let r = link(&yt, &owner, &yt.channel, &yt.user).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        Partner { yt, owner }
    }

    /// `path` with `onBehalfOfContentOwner` of this owner appended.
    pub fn path(&self, path: &str) -> String {
        with_owner(path, &self.owner)
    }

    /// A call with the user's (scope-less) token, on behalf of this owner.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.yt.call(method, &self.path(path), body).await
    }

    /// A call with `token`, on behalf of this owner.
    pub async fn call_as(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.yt.call_as(token, method, &self.path(path), body).await
    }

    /// A token of this user with `scope`.
    pub fn token_with(&self, scope: &str) -> String {
        token_for(&self.yt.app, &self.yt.user, Some(scope))
    }

    /// Inserts a `web` asset; returns its id.
    pub async fn asset(&self, title: &str) -> String {
        let r = self
            .call(
                Method::POST,
                "/youtube/partner/v1/assets",
                Some(asset_body("web", title)),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body["id"].as_str().unwrap().to_owned()
    }

    /// Inserts a policy; returns its id.
    pub async fn policy(&self, name: &str) -> String {
        let r = self
            .call(
                Method::POST,
                "/youtube/partner/v1/policies",
                Some(policy_body(name, "monetize")),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body["id"].as_str().unwrap().to_owned()
    }

    /// The asset's ownership as read now.
    pub async fn ownership(&self, asset: &str) -> Value {
        let r = self
            .call(
                Method::GET,
                &format!("/youtube/partner/v1/assets/{asset}/ownership"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body
    }

    /// The asset's match policy as read now.
    pub async fn match_policy(&self, asset: &str) -> Value {
        let r = self
            .call(
                Method::GET,
                &format!("/youtube/partner/v1/assets/{asset}/matchPolicy"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body
    }

    /// The ids of the owner's policies.
    pub async fn policy_ids(&self) -> Vec<String> {
        let r = self.call(Method::GET, "/youtube/partner/v1/policies", None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// `path` with `onBehalfOfContentOwner=owner`.
pub fn with_owner(path: &str, owner: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}onBehalfOfContentOwner={owner}")
}

pub fn asset_body(kind: &str, title: &str) -> Value {
    json!({ "type": kind, "metadata": { "title": title, "customId": "live-1" } })
}

pub fn ownership_body(ratio: Value, territories: Value, kind: &str) -> Value {
    json!({ "general": [{ "owner": "Rights Co", "ratio": ratio, "territories": territories, "type": kind }] })
}

pub fn policy_body(name: &str, action: &str) -> Value {
    json!({
        "name": name,
        "description": "Monetize matches",
        "rules": [{
            "action": action,
            "conditions": {
                "contentMatchType": ["audiovisual"],
                "matchDuration": [{ "low": 10, "high": 3600 }],
                "requiredTerritories": { "type": "include", "territories": ["US", "KR"] }
            }
        }]
    })
}

/// The Google error reason of a reply.
pub fn reason(r: &Reply) -> &str {
    r.body["error"]["errors"][0]["reason"].as_str().unwrap_or("")
}
