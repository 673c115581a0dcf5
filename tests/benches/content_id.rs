//! Benchmark of the Content ID API (`/youtube/partner/v1/…`) and the lifecycle calls it ties into
//! (`videos.list`, a cuepoint on a claimed broadcast), over real HTTP on the local server: latency per
//! endpoint and DynamoDB round trips per call.
//!
//! Writes that name one resource are given one resource per worker (an asset, a claimed video), so
//! the figures are the write path's, not optimistic-concurrency conflicts'. `claims.insert` and
//! `references.insert` each need a fresh broadcast (and a claim): those are made outside the timing.
//! The owner is approved for live fingerprinting, so `references.insert` takes the live path (a ready
//! broadcast, its `recordFromStart` locked in the same transaction) — the path with the most writes.

use super::{Ctx, run, trips};
use onair_domain::UserId;
use onair_domain::lifecycle::wire::{LifeCycleStatus, StreamStatus};
use onair_platform::local::LocalServer;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

const PARTNER: &str = "/youtube/partner/v1";

/// What the operations share: the context, the token and the acting owner.
#[derive(Clone)]
struct Partner {
    ctx: Ctx,
    access: String,
    owner: String,
    stream: String,
}

impl Partner {
    /// A partner call on behalf of the owner; must answer 200. Returns the body.
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, body) = self.send(method, path.to_owned(), body).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    /// A partner call on behalf of the owner: its status and body.
    async fn send(&self, method: Method, path: String, body: Option<Value>) -> (u16, Value) {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = format!(
            "{}{PARTNER}{path}{sep}onBehalfOfContentOwner={}",
            self.ctx.demo.base_url, self.owner
        );
        let mut request = self.ctx.http.request(method, url).bearer_auth(&self.access);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = request.send().await.unwrap();
        let status = reply.status().as_u16();
        (status, reply.json().await.unwrap())
    }

    async fn id(&self, method: Method, path: &str, body: Value) -> String {
        self.call(method, path, Some(body)).await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn asset(&self) -> String {
        self.id(
            Method::POST,
            "/assets",
            json!({"type": "web", "metadata": {"title": "Live event", "customId": "bench"}}),
        )
        .await
    }

    /// A fresh ready broadcast, claimed under `asset`; returns (broadcast, claim).
    async fn claimed(&self, asset: &str, policy: &str) -> (String, String) {
        let video = self.ctx.ready_broadcast(&self.access, &self.stream).await;
        let claim = self.claim(asset, policy, &video).await;
        (video, claim)
    }

    async fn claim(&self, asset: &str, policy: &str, video: &str) -> String {
        self.id(
            Method::POST,
            "/claims",
            json!({"assetId": asset, "videoId": video, "policy": {"id": policy},
                   "contentType": "audiovisual"}),
        )
        .await
    }

    async fn ad_options(&self, video: &str, positions: &[&str]) {
        self.call(
            Method::PUT,
            &format!("/videoAdvertisingOptions/{video}"),
            Some(json!({"adFormats": ["standard_instream"], "breakPosition": positions})),
        )
        .await;
    }
}

/// Registers an owner approved for live fingerprinting and links the demo's first channel.
async fn owner(ctx: &Ctx) -> String {
    let admin = |method: Method, path: String, body: Value| {
        ctx.http
            .request(method, format!("{}{path}", ctx.demo.base_url))
            .bearer_auth(&ctx.demo.admin_token)
            .json(&body)
            .send()
    };
    let reply = admin(
        Method::POST,
        "/admin/content-owners".into(),
        json!({"displayName": "Bench Rights", "liveFingerprinting": true}),
    )
    .await
    .unwrap();
    assert_eq!(reply.status(), 201);
    let owner = reply.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let channel = &ctx.demo.channel_ids[0];
    let reply = admin(
        Method::PUT,
        format!("/admin/content-owners/{owner}/channels/{channel}"),
        json!({"userId": ctx.demo.user_id}),
    )
    .await
    .unwrap();
    assert_eq!(reply.status(), 200);
    owner
}

/// Times `op` (one GET of `path`) on every worker, then counts its round trips.
async fn get(server: &LocalServer, p: &Partner, label: &'static str, path: String, workers: usize, n: usize) {
    let (q, path2) = (p.clone(), path.clone());
    let stats = run(label, workers, n * 4, move |_| {
        let (q, path) = (q.clone(), path2.clone());
        async move {
            let t = Instant::now();
            q.call(Method::GET, &path, None).await;
            t.elapsed()
        }
    })
    .await;
    let t = trips(server, || {
        let (q, path) = (p.clone(), path.clone());
        async move {
            q.call(Method::GET, &path, None).await;
        }
    })
    .await;
    stats.print(t);
}

/// The Content ID endpoints, `videos.list` and a cuepoint on a claimed broadcast.
pub async fn bench(server: &LocalServer, ctx: &Ctx, access: &str, workers: usize, n: usize) {
    let stream = ctx
        .youtube(
            Method::POST,
            "liveStreams?part=snippet,cdn",
            access,
            Some(json!({
                "snippet": {"title": "bench content id"},
                "cdn": {"ingestionType": "rtmp", "resolution": "1080p", "frameRate": "30fps"},
            })),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = Partner {
        ctx: ctx.clone(),
        access: access.to_owned(),
        owner: owner(ctx).await,
        stream,
    };
    let asset = p.asset().await;
    p.call(
        Method::PUT,
        &format!("/assets/{asset}/ownership"),
        Some(
            json!({"general": [{"owner": "Bench Rights", "ratio": 100, "type": "include",
                                 "territories": ["US", "KR"]}]}),
        ),
    )
    .await;
    let policy = p
        .id(
            Method::POST,
            "/policies",
            json!({"name": "Monetize", "rules": [{"action": "monetize",
                   "conditions": {"contentMatchType": ["audiovisual"]}}]}),
        )
        .await;
    p.call(
        Method::PUT,
        &format!("/assets/{asset}/matchPolicy"),
        Some(json!({"policyId": policy})),
    )
    .await;
    let (video, claim) = p.claimed(&asset, &policy).await;
    p.ad_options(&video, &["preroll", "midroll"]).await;
    let reference = p
        .id(Method::POST, &format!("/references?claimId={claim}"), json!({}))
        .await;

    get(server, &p, "assets.get", format!("/assets/{asset}"), workers, n).await;
    let path = format!("/assets/{asset}/ownership");
    get(server, &p, "ownership.get", path, workers, n).await;
    get(server, &p, "policies.list", "/policies".into(), workers, n).await;
    let path = format!("/assets/{asset}/matchPolicy");
    get(server, &p, "assetMatchPolicy.get", path, workers, n).await;
    get(server, &p, "claims.get", format!("/claims/{claim}"), workers, n).await;
    let path = format!("/videoAdvertisingOptions/{video}");
    get(server, &p, "videoAdvertisingOptions.get", path, workers, n).await;
    let path = format!("/references/{reference}");
    get(server, &p, "references.get", path, workers, n).await;

    // videos.list on the YouTube surface.
    let path = format!("videos?part=id,snippet,status,processingDetails,liveStreamingDetails&id={video}");
    let (c, a, q) = (ctx.clone(), access.to_owned(), path.clone());
    let stats = run("videos.list by id", workers, n * 4, move |_| {
        let (c, a, q) = (c.clone(), a.clone(), q.clone());
        async move {
            let t = Instant::now();
            c.youtube(Method::GET, &q, &a, None).await;
            t.elapsed()
        }
    })
    .await;
    let t = trips(server, || {
        let (c, a, q) = (ctx.clone(), access.to_owned(), path.clone());
        async move {
            c.youtube(Method::GET, &q, &a, None).await;
        }
    })
    .await;
    stats.print(t);

    // Writes: one asset / claimed video per worker, so no two writes race on one version.
    let mut assets = Vec::new();
    let mut videos = Vec::new();
    for _ in 0..workers.max(1) {
        assets.push(p.asset().await);
        videos.push(p.claimed(&asset, &policy).await.0);
    }
    let (assets, videos) = (Arc::new(assets), Arc::new(videos));
    let q = p.clone();
    let stats = run("assets.insert", workers, n, move |_| {
        let q = q.clone();
        async move {
            let t = Instant::now();
            q.asset().await;
            t.elapsed()
        }
    })
    .await;
    let t = trips(server, || {
        let q = p.clone();
        async move {
            q.asset().await;
        }
    })
    .await;
    stats.print(t);

    let ownership = |q: Partner, asset: String| async move {
        q.call(
            Method::PUT,
            &format!("/assets/{asset}/ownership"),
            Some(
                json!({"general": [{"owner": "Bench Rights", "ratio": 100, "type": "include",
                                     "territories": ["US"]}]}),
            ),
        )
        .await;
    };
    let (q, a) = (p.clone(), assets.clone());
    let stats = run("ownership.update", workers, n, move |w| {
        let (q, asset) = (q.clone(), a[w].clone());
        async move {
            let t = Instant::now();
            ownership(q, asset).await;
            t.elapsed()
        }
    })
    .await;
    let t = trips(server, || ownership(p.clone(), assets[0].clone())).await;
    stats.print(t);

    let (q, v) = (p.clone(), videos.clone());
    let stats = run("videoAdvertisingOptions.update", workers, n, move |w| {
        let (q, video) = (q.clone(), v[w].clone());
        async move {
            let t = Instant::now();
            q.ad_options(&video, &["preroll", "midroll"]).await;
            t.elapsed()
        }
    })
    .await;
    let t = trips(server, || {
        let (q, video) = (p.clone(), videos[0].clone());
        async move { q.ad_options(&video, &["midroll"]).await }
    })
    .await;
    stats.print(t);

    // claims.insert: a fresh ready broadcast per call, made outside the timing.
    let (q, a, pol) = (p.clone(), asset.clone(), policy.clone());
    let stats = run("claims.insert", workers, n, move |_| {
        let (q, a, pol) = (q.clone(), a.clone(), pol.clone());
        async move {
            let video = q.ctx.ready_broadcast(&q.access, &q.stream).await;
            let t = Instant::now();
            q.claim(&a, &pol, &video).await;
            t.elapsed()
        }
    })
    .await;
    let mut fresh = Vec::new();
    for _ in 0..5 {
        fresh.push(ctx.ready_broadcast(access, &p.stream).await);
    }
    let t = trips(server, || {
        let (q, a, pol, video) = (p.clone(), asset.clone(), policy.clone(), fresh.pop().unwrap());
        async move {
            q.claim(&a, &pol, &video).await;
        }
    })
    .await;
    stats.print(t);

    // references.insert on the live path: a fresh claimed ready broadcast per call. moto applies a
    // retried TransactWriteItems again instead of honouring its ClientRequestToken, so an SDK retry
    // after a slow attempt (moto copies the table per transaction) can answer 409 alreadyExists for
    // a reference that was made; those are counted, not failed. Anything else must be 200.
    let retried = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (q, a, pol, r) = (p.clone(), asset.clone(), policy.clone(), retried.clone());
    let stats = run("references.insert (live path)", workers, n, move |_| {
        let (q, a, pol, r) = (q.clone(), a.clone(), pol.clone(), r.clone());
        async move {
            let (_, claim) = q.claimed(&a, &pol).await;
            let path = format!("/references?claimId={claim}");
            let t = Instant::now();
            let (status, body) = q.send(Method::POST, path, Some(json!({}))).await;
            let elapsed = t.elapsed();
            match status {
                200 => {}
                409 if body["error"]["errors"][0]["reason"] == "alreadyExists" => {
                    r.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                _ => panic!("references.insert: {status} {body}"),
            }
            elapsed
        }
    })
    .await;
    let mut claims = Vec::new();
    for _ in 0..5 {
        claims.push(p.claimed(&asset, &policy).await.1);
    }
    let t = trips(server, || {
        let (q, claim) = (p.clone(), claims.pop().unwrap());
        async move {
            q.send(
                Method::POST,
                format!("/references?claimId={claim}"),
                Some(json!({})),
            )
            .await;
        }
    })
    .await;
    stats.print(t);
    let retried = retried.load(std::sync::atomic::Ordering::Relaxed);
    if retried > 0 {
        println!("({retried} references.insert answered 409 after an SDK retry of a landed transaction)");
    }

    // A cuepoint on a claimed live broadcast with midroll enabled: the broadcast put on air and its
    // stream made active through the store (ingest is the hook's job, measured elsewhere).
    let user = UserId::parse(&ctx.demo.user_id).unwrap();
    let state = &server.wiring.state;
    let current = state.streams.get(&user, &p.stream).await.unwrap();
    let mut active = current.clone();
    active.stream.status.stream_status = StreamStatus::Active;
    active.version += 1;
    state.streams.update(&active, current.version).await.unwrap();
    let current = state.broadcasts.get(&user, &video).await.unwrap();
    let mut live = current.clone();
    live.broadcast.status.life_cycle_status = LifeCycleStatus::Live;
    live.version += 1;
    state.broadcasts.update(&live, current.version).await.unwrap();
    let path = format!("liveBroadcasts/cuepoint?id={video}");
    let cue = json!({"cueType": "cueTypeAd", "durationSecs": 30});
    let (c, a, q, body) = (ctx.clone(), access.to_owned(), path.clone(), cue.clone());
    let stats = run("cuepoint (claimed, midroll)", workers, n, move |_| {
        let (c, a, q, body) = (c.clone(), a.clone(), q.clone(), body.clone());
        async move {
            let t = Instant::now();
            c.youtube(Method::POST, &q, &a, Some(body)).await;
            t.elapsed()
        }
    })
    .await;
    let t = trips(server, || {
        let (c, a, q, body) = (ctx.clone(), access.to_owned(), path.clone(), cue.clone());
        async move {
            c.youtube(Method::POST, &q, &a, Some(body)).await;
        }
    })
    .await;
    stats.print(t);
}
