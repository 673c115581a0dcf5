//! One operation per HTTP function of the registry, the shared responses (every error shape of every surface) and
//! the security schemes.

use crate::error::RETRY_AFTER_SECONDS;
use onair_domain::page::MAX_PAGE;
use serde_json::{Value, json};

/// `info.description`.
pub const DESCRIPTION: &str = "\
onair: an OAuth 2.0 authorization server for PRISM Live Studio, PRISM's Service API and an admin API.

Surfaces and their error shapes:
- `/admin/…`: JSON errors `{\"error\", \"message\", \"details\"}` (`AdminErrorBody`). On AWS the admin routes \
sit behind API Gateway's IAM authorizer (SigV4); the local server asks for its admin bearer token instead.
- `/oauth/token`, `/oauth/revoke`, `/oauth/introspect`, `/prism/v1/service/oauth2/token`, \
`/.well-known/…`: RFC 6749 §5.2 errors `{\"error\", \"error_description\"}` (`OAuthErrorBody`).
- `/prism/v1/service/…`: PRISM's envelope (`PrismErrorBody`).
- `/oauth/authorize`, `/oauth/federated/callback`: HTML pages for people, and redirects to the client.
- `/youtube/v3/…`: the YouTube Live Streaming API (liveBroadcasts, liveStreams, liveChatMessages, liveChatBans, liveChatModerators) as Google's `youtube.v3.json` discovery document describes it, with Google's error envelope `{\"error\": {\"code\", \"message\", \"errors\": [{\"domain\", \"reason\", \"message\"}]}}`.
- `/youtube/partner/v1/…`: the Content ID API (assets, ownership, policies, asset match policies), same envelope; every call names `onBehalfOfContentOwner`, an owner linking a channel of the caller (`/admin/content-owners`).

Every surface answers HEAD and OPTIONS with 405 and an empty `Allow` (nothing is advertised), an \
unknown path with its own 404 and a known path with another method with its own 405 (the \
`*MethodNotAllowed` and `*NoRoute` responses below). A 503 always carries `Retry-After`. Bodies are \
limited to 64 KiB. Every response carries `x-request-id`.";

fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn response(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

fn json_body(name: &str) -> Value {
    json!({ "application/json": { "schema": schema(name) } })
}

fn html() -> Value {
    json!({ "text/html": { "schema": { "type": "string" } } })
}

fn no_store() -> Value {
    json!({
        "required": true,
        "description": "Replies are never cached (RFC 6749 §5.1, per-user data).",
        "schema": { "type": "string", "enum": ["no-store"] },
    })
}

fn retry_after() -> Value {
    json!({
        "required": true,
        "description": "Seconds to wait before retrying.",
        "schema": { "type": "integer", "minimum": 1, "examples": [RETRY_AFTER_SECONDS] },
    })
}

fn www_authenticate(realm: &str) -> Value {
    json!({
        "required": true,
        "schema": { "type": "string", "enum": [realm] },
    })
}

fn path_param(name: &str, what: &str) -> Value {
    json!({
        "name": name, "in": "path", "required": true,
        "description": format!("The {what}'s id (an id never issued is 404)."),
        "schema": { "type": "string" },
    })
}

fn page_params() -> Value {
    json!([
        {
            "name": "limit", "in": "query",
            "description": "Items per page (default 50).",
            "schema": { "type": "integer", "minimum": 1, "maximum": MAX_PAGE },
        },
        {
            "name": "pageToken", "in": "query",
            "description": "The previous page's `nextPageToken` (opaque).",
            "schema": { "type": "string" },
        },
    ])
}

fn query(name: &str, description: &str) -> Value {
    json!({ "name": name, "in": "query", "description": description, "schema": { "type": "string" } })
}

/// An admin operation: admin security, the admin errors every admin route can give, plus `extra`.
fn admin(summary: &str, params: Value, body: Option<&str>, ok: (&str, Value), extra: &[&str]) -> Value {
    let mut responses = json!({
        "401": response("AdminUnauthorized"),
        "503": response("AdminUnavailable"),
    });
    responses[ok.0] = ok.1;
    for status in extra {
        let name = match *status {
            "400" => "AdminBadRequest",
            "404" => "AdminNotFound",
            "409" => "AdminConflict",
            "413" => "AdminTooLarge",
            _ => "AdminUnsupportedMediaType",
        };
        responses[*status] = response(name);
    }
    let mut op = json!({
        "tags": ["admin"],
        "summary": summary,
        "security": [{ "adminToken": [] }],
        "parameters": params,
        "responses": responses,
    });
    if let Some(body) = body {
        let mut content = json_body(body);
        if let Some(example) = example(body) {
            content["application/json"]["example"] = example;
        }
        op["requestBody"] = json!({ "required": true, "content": content });
        for (status, name) in [
            ("400", "AdminBadRequest"),
            ("413", "AdminTooLarge"),
            ("415", "AdminUnsupportedMediaType"),
        ] {
            op["responses"][status] = response(name);
        }
    }
    op
}

/// A valid body, so the fuzzer's example phase reaches the success path.
fn example(body: &str) -> Option<Value> {
    Some(match body {
        "CreateClient" => json!({
            "name": "Example client",
            "redirectUris": ["https://app.example.com/callback", "http://127.0.0.1/callback"],
        }),
        "UpdateClient" => json!({ "name": "Renamed client" }),
        "CreateUser" => json!({
            "login": "example-streamer",
            "password": "correct horse battery",
            "userName": "Example Streamer",
            "profileThumbnail": "https://cdn.example.com/avatar.png",
        }),
        "LiveStatistics" => json!({
            "at": "2026-11-01T09:30:00+00:00",
            "viewCount": 1200,
            "viewerCount": 85,
            "likeCount": 40,
        }),
        "VideoProcessingReport" => json!({ "status": "processed", "at": "2026-11-01T10:30:00+00:00" }),
        "UpdateUser" => json!({ "userName": "Renamed Streamer", "disabled": false }),
        "CreateChannel" => json!({
            "channelName": "Example Live",
            "channelLink": "https://example.com/live",
            "channelDescription": "An example channel",
            "channelTags": "example;live",
            "channelFollowerCount": 7,
        }),
        "UpdateChannel" => json!({ "channelEnabled": false, "channelTags": null }),
        "CreateContentOwner" => json!({ "displayName": "Example Rights", "liveFingerprinting": false }),
        "UpdateContentOwner" => json!({ "liveFingerprinting": true }),
        _ => return None,
    })
}

fn ok_json(description: &str, body: &str) -> Value {
    json!({ "description": description, "content": json_body(body) })
}

fn created(description: &str, body: &str) -> Value {
    ok_json(description, body)
}

fn no_content() -> Value {
    json!({ "description": "Deleted." })
}

/// An OAuth JSON endpoint's reply with `Cache-Control: no-store`.
fn oauth_ok(description: &str, body: Option<&str>) -> Value {
    let mut ok = json!({
        "description": description,
        "headers": { "Cache-Control": no_store() },
    });
    if let Some(body) = body {
        ok["content"] = json_body(body);
    }
    ok
}

/// Client authentication of the standard endpoints: HTTP Basic, or `client_id`/`client_secret` in the
/// form (which OpenAPI cannot express as a scheme, hence the empty alternative).
fn client_auth() -> Value {
    json!([{ "clientSecretBasic": [] }, {}])
}

fn oauth_form(summary: &str, body: &str, ok: Value) -> Value {
    json!({
        "tags": ["oauth"],
        "summary": summary,
        "security": client_auth(),
        "requestBody": {
            "required": true,
            "content": {
                "application/x-www-form-urlencoded": { "schema": schema(body) },
            },
        },
        "responses": {
            "200": ok,
            "400": response("OAuthBadRequest"),
            "401": response("OAuthInvalidClient"),
            "413": response("OAuthTooLarge"),
            "503": response("OAuthUnavailable"),
        },
    })
}

fn prism(summary: &str, params: Value, reply: &str, not_found: bool) -> Value {
    let mut op = json!({
        "tags": ["prism"],
        "summary": summary,
        "security": [{ "prismAccessToken": [] }, { "bearerAccessToken": [] }],
        "parameters": params,
        "responses": {
            "200": {
                "description": "PRISM's success envelope.",
                "headers": { "Cache-Control": no_store() },
                "content": json_body(reply),
            },
            "400": response("PrismBadRequest"),
            "401": response("PrismUnauthorized"),
            "503": response("PrismUnavailable"),
        },
    });
    if not_found {
        op["responses"]["404"] = response("PrismNotFound");
    }
    op
}

/// A PRISM chat operation: its body, if any, and the chat refusals (403 not allowed, banned or chat
/// ended; 429 too many messages).
fn chat(mut op: Value, body: Option<Value>) -> Value {
    if let Some(schema) = body {
        op["requestBody"] = json!({
            "required": false,
            "content": { "application/json": { "schema": schema } },
        });
    }
    op["responses"]["403"] = response("PrismForbidden");
    op["responses"]["429"] = response("PrismRateLimited");
    op
}

fn authorize_params() -> Value {
    json!([
        query("response_type", "`code`."),
        query("client_id", "A registered client."),
        query(
            "redirect_uri",
            "Exactly one of the client's registered redirect URIs."
        ),
        query("state", "Echoed back to the client."),
        query("code_challenge", "PKCE (RFC 7636), required for public clients."),
        query("code_challenge_method", "`S256`."),
        query("scope", "Requested scope."),
    ])
}

/// Google's error envelope (open: `errors[]` entries may carry `location` and `locationType`).
fn google_error(description: &str) -> Value {
    json!({
        "description": description,
        "headers": { "Cache-Control": no_store() },
        "content": { "application/json": { "schema": {
            "type": "object",
            "required": ["error"],
            "properties": { "error": {
                "type": "object",
                "required": ["code", "message", "errors"],
                "properties": {
                    "code": { "type": "integer" },
                    "message": { "type": "string" },
                    "errors": { "type": "array", "items": {
                        "type": "object",
                        "required": ["domain", "reason", "message"],
                        "properties": {
                            "domain": { "type": "string" },
                            "reason": { "type": "string" },
                            "message": { "type": "string" },
                        },
                    } },
                },
            } },
        } } },
    })
}

/// A YouTube query parameter.
fn yt_query(name: &str, required: bool, description: &str) -> Value {
    json!({
        "name": name, "in": "query", "required": required,
        "description": description, "schema": { "type": "string" },
    })
}

/// A YouTube-compatible operation; `ok` is the success status (`200` with a resource, `204` without).
fn youtube(summary: &str, params: Value, ok: u16, body: bool) -> Value {
    let success = if ok == 204 {
        json!({ "description": "Deleted; no body.", "headers": { "Cache-Control": no_store() } })
    } else {
        json!({
            "description": "The resource (or list response), with `kind` and `etag`.",
            "headers": { "Cache-Control": no_store() },
            "content": { "application/json": { "schema": { "type": "object" } } },
        })
    };
    let mut op = json!({
        "tags": ["youtube"],
        "summary": summary,
        "security": [{ "bearerAccessToken": [] }],
        "parameters": params,
        "responses": {
            ok.to_string(): success,
            "400": google_error("A bad parameter, part or body (`reason` as YouTube's, e.g. `invalidTitle`)."),
            "401": google_error("`required` (no token) or `authError`."),
            "403": google_error("`insufficientPermissions` (scope) or a lifecycle refusal (e.g. `invalidTransition`)."),
            "404": google_error("`liveBroadcastNotFound` / `liveStreamNotFound` (another user's id too)."),
            "409": google_error("`conflict`: concurrent writes kept winning; retry."),
            "413": google_error("`uploadTooLarge`: the body exceeds 64 KiB."),
            "500": google_error("`internalError` or `errorExecutingTransition`."),
            "503": google_error("`backendError`."),
        },
    });
    if body {
        op["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": { "type": "object" } } },
        });
    }
    op
}

/// A Content ID operation (`/youtube/partner/v1/…`): `onBehalfOfContentOwner` and the path ids.
fn partner(summary: &str, path: &[&str], body: bool) -> Value {
    let mut params = vec![yt_query(
        "onBehalfOfContentOwner",
        true,
        "The content owner acted for: it must link a channel of the caller (else `403 forbidden`).",
    )];
    for name in path {
        params.push(json!({
            "name": name, "in": "path", "required": true,
            "description": "Id of the owner's resource (another owner's id is `404 notFound`).",
            "schema": { "type": "string" },
        }));
    }
    let mut op = youtube(summary, Value::Array(params), 200, body);
    op["responses"]["403"] = google_error(
        "`forbidden` (unknown or not-entitled `onBehalfOfContentOwner`) or `insufficientPermissions` (no `youtubepartner` scope).",
    );
    op["responses"]["404"] = google_error("`notFound`: no such asset or policy of the owner.");
    op
}

/// `op` (a YouTube write) with the `Idempotency-Key` header and its refusals.
fn idempotent(mut op: Value) -> Value {
    let header = json!({
        "name": "Idempotency-Key", "in": "header", "required": false,
        "description": "1–255 visible ASCII characters. A retry with the same key and the same request \
    (method, path, query parameters, body) within 24 hours answers with the first success (marked \
    `Idempotent-Replayed: true`) and changes nothing; keys are per caller and per method.",
        "schema": { "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$" },
    });
    if let Some(params) = op["parameters"].as_array_mut() {
        params.push(header);
    }
    let responses = &mut op["responses"];
    responses["200"]["headers"]["Idempotent-Replayed"] = json!({
        "required": false,
        "description": "`true` on an answer replayed for a retry with the same `Idempotency-Key`.",
        "schema": { "type": "string", "enum": ["true"] },
    });
    responses["400"] = google_error(
        "A bad parameter, part or body (`reason` as YouTube's, e.g. `invalidTitle`), or \
`invalidIdempotencyKey`.",
    );
    let mut in_progress = google_error(
        "`idempotencyKeyInProgress`: a request with this key is still running (with `Retry-After`); or \
`conflict`: concurrent writes kept winning; retry.",
    );
    in_progress["headers"]["Retry-After"] = retry_after();
    responses["409"] = in_progress;
    responses["422"] = google_error("`idempotencyKeyReused`: the key was used with another request.");
    op
}

/// The operation of an HTTP function, by binary name.
pub fn operation(name: &str) -> Option<Value> {
    let client = || json!([path_param("clientId", "client")]);
    let user = || json!([path_param("userId", "user")]);
    let channel = || json!([path_param("userId", "user"), path_param("channelId", "channel")]);
    let content_owner = || json!([path_param("contentOwnerId", "content owner")]);
    let content_owner_channel = || {
        json!([
            path_param("contentOwnerId", "content owner"),
            path_param("channelId", "channel")
        ])
    };
    let op = match name {
        "admin-clients-create" => admin(
            "Register an OAuth client; the reply carries its secret once.",
            json!([]),
            Some("CreateClient"),
            (
                "201",
                created(
                    "The client, with `clientSecret` when confidential.",
                    "CreatedClient",
                ),
            ),
            &["409"],
        ),
        "admin-clients-list" => admin(
            "List clients, newest first.",
            page_params(),
            None,
            ("200", ok_json("A page of clients.", "ClientPage")),
            &["400"],
        ),
        "admin-clients-get" => admin(
            "Read a client.",
            client(),
            None,
            ("200", ok_json("The client.", "Client")),
            &["404"],
        ),
        "admin-clients-update" => admin(
            "Rename a client or replace its redirect URIs (optimistic: `expectedVersion`).",
            client(),
            Some("UpdateClient"),
            ("200", ok_json("The updated client.", "Client")),
            &["404", "409"],
        ),
        "admin-clients-delete" => admin(
            "Delete a client and its secret.",
            client(),
            None,
            ("204", no_content()),
            &["404"],
        ),
        "admin-clients-rotate-secret" => {
            let mut op = admin(
                "Issue a new client secret; the previous one works until `previousSecretValidUntil`.",
                client(),
                None,
                ("200", ok_json("The new secret, shown once.", "RotatedSecret")),
                &["400", "404", "409", "413", "415"],
            );
            // The body may be left out entirely (no content type, no bytes).
            op["requestBody"] = json!({ "required": false, "content": json_body("RotateSecret") });
            op
        }
        "admin-users-create" => admin(
            "Create a streamer account.",
            json!([]),
            Some("CreateUser"),
            ("201", created("The user.", "User")),
            &["409"],
        ),
        "admin-users-get" => admin(
            "Read a user.",
            user(),
            None,
            ("200", ok_json("The user.", "User")),
            &["404"],
        ),
        "admin-users-update" => admin(
            "Change a user's profile or password, or disable/enable them (optimistic: `expectedVersion`).",
            user(),
            Some("UpdateUser"),
            ("200", ok_json("The updated user.", "User")),
            &["404", "409"],
        ),
        "admin-users-delete" => admin(
            "Delete a user and every channel they own.",
            user(),
            None,
            ("204", no_content()),
            &["404"],
        ),
        "admin-channels-create" => admin(
            "Create a channel for a user.",
            user(),
            Some("CreateChannel"),
            ("201", created("The channel.", "Channel")),
            &["404", "409"],
        ),
        "admin-channels-list" => {
            let mut params = user();
            if let (Some(list), Some(page)) = (params.as_array_mut(), page_params().as_array()) {
                list.extend(page.iter().cloned());
            }
            admin(
                "List a user's channels, modified desc then created desc.",
                params,
                None,
                ("200", ok_json("A page of channels.", "ChannelPage")),
                &["400", "404"],
            )
        }
        "admin-channels-get" => admin(
            "Read a channel.",
            channel(),
            None,
            ("200", ok_json("The channel.", "Channel")),
            &["404"],
        ),
        "admin-lives-statistics" => admin(
            "Record an audience snapshot of a PRISM live's current broadcast: only a newer `at` is stored \
             (`applied: false` otherwise); viewCount and likeCount never decrease.",
            json!([path_param("liveId", "live")]),
            Some("LiveStatistics"),
            (
                "200",
                ok_json("The snapshot stored now.", "LiveStatisticsRecorded"),
            ),
            &["404"],
        ),
        "admin-videos-processing" => admin(
            "The media plane reports a complete broadcast's recording processed or failed: the video's \
uploadStatus moves from `uploaded` to `processed` or `failed`. A report is final: the same report again \
answers `applied: false`, a different one is 409; so is a broadcast that is not complete.",
            json!([path_param("userId", "user"), path_param("videoId", "video")]),
            Some("VideoProcessingReport"),
            (
                "200",
                ok_json("The video's status after the report.", "VideoProcessingReported"),
            ),
            &["400", "404", "409"],
        ),
        "admin-channels-update" => admin(
            "Change any channel field, including enable/disable (optimistic: `expectedVersion`).",
            channel(),
            Some("UpdateChannel"),
            ("200", ok_json("The updated channel.", "Channel")),
            &["404", "409"],
        ),
        "admin-content-owners-create" => admin(
            "Register a Content ID owner (optionally approved for live fingerprinting).",
            json!([]),
            Some("CreateContentOwner"),
            ("201", created("The content owner.", "ContentOwnerView")),
            &[],
        ),
        "admin-content-owners-get" => admin(
            "Read a content owner with its linked channels.",
            content_owner(),
            None,
            ("200", ok_json("The content owner.", "ContentOwnerView")),
            &["404"],
        ),
        "admin-content-owners-update" => admin(
            "Rename a content owner or change its live-fingerprinting approval (optimistic: `expectedVersion`).",
            content_owner(),
            Some("UpdateContentOwner"),
            ("200", ok_json("The updated content owner.", "ContentOwnerView")),
            &["404", "409"],
        ),
        "admin-content-owners-link" => admin(
            "Link a channel (owned by `userId`) to a content owner: the channel's user may then act for the owner.",
            content_owner_channel(),
            Some("LinkChannel"),
            ("200", ok_json("The content owner.", "ContentOwnerView")),
            &["404", "409"],
        ),
        "admin-content-owners-unlink" => admin(
            "Unlink a channel from a content owner.",
            content_owner_channel(),
            None,
            ("204", no_content()),
            &["404", "409"],
        ),
        "partner-assets-insert" => partner(
            "assets.insert: create an asset (`type`, `metadata.title`).",
            &[],
            true,
        ),
        "partner-assets-get" => partner("assets.get.", &["assetId"], false),
        "partner-ownership-get" => partner(
            "ownership.get: the asset's `general` ownership.",
            &["assetId"],
            false,
        ),
        "partner-ownership-update" => partner(
            "ownership.update: replace the asset's ownership.",
            &["assetId"],
            true,
        ),
        "partner-ownership-patch" => partner(
            "ownership.patch: replace the lists present in the body.",
            &["assetId"],
            true,
        ),
        "partner-match-policy-get" => partner("assetMatchPolicy.get.", &["assetId"], false),
        "partner-match-policy-update" => partner(
            "assetMatchPolicy.update: `policyId` of the owner's policy, or `rules`.",
            &["assetId"],
            true,
        ),
        "partner-match-policy-patch" => partner(
            "assetMatchPolicy.patch: the field present replaces the other.",
            &["assetId"],
            true,
        ),
        "partner-policies-list" => {
            let mut op = partner("policies.list: the owner's policies.", &[], false);
            if let Some(params) = op["parameters"].as_array_mut() {
                params.push(yt_query("id", false, "Comma-separated policy ids (at most 50)."));
                params.push(yt_query(
                    "sort",
                    false,
                    "`timeUpdatedAsc` (default) or `timeUpdatedDesc`.",
                ));
            }
            op
        }
        "partner-policies-insert" => partner("policies.insert: `name`, `description`, `rules[]`.", &[], true),
        "partner-claims-insert" => partner(
            "claims.insert: `assetId`, `videoId` (the caller's broadcast on a linked channel), `policy` \
(`id` or `rules`), `contentType`; one active claim per video (`409 alreadyClaimed`).",
            &[],
            true,
        ),
        "partner-claims-get" => partner("claims.get.", &["claimId"], false),
        "partner-ad-options-get" => partner(
            "videoAdvertisingOptions.get: only for a video the owner claims.",
            &["videoId"],
            false,
        ),
        "partner-ad-options-update" => partner(
            "videoAdvertisingOptions.update: `adFormats`, `breakPosition` (`midroll` lets a claimed \
broadcast take cuepoints), `adBreaks`, `autoGeneratedBreaks`, `tp*`.",
            &["videoId"],
            true,
        ),
        "partner-ad-options-patch" => partner(
            "videoAdvertisingOptions.patch: the fields present replace the stored ones.",
            &["videoId"],
            true,
        ),
        "partner-references-insert" => {
            let mut op = partner(
                "references.insert from the owner's claim: the claimed broadcast needs \
`recordFromStart=true` (`403 recordFromStartRequired`) and a processed recording (`status: active`), or an \
owner approved for live fingerprinting and a broadcast still `created`/`ready` (`status: activating`; \
`recordFromStart` is then locked on); else `403 fingerprintingNotAllowed`. One reference per claim \
(`409 alreadyExists`).",
                &[],
                true,
            );
            if let Some(params) = op["parameters"].as_array_mut() {
                params.push(yt_query(
                    "claimId",
                    true,
                    "The owner's claim the reference is built from.",
                ));
            }
            op
        }
        "partner-references-get" => partner("references.get.", &["referenceId"], false),
        "admin-broadcasts-end" => admin(
            "End any broadcast as the platform (a plain YouTube one included): on air, it completes; never \
aired, it ends as R10 ends a live. The ingest hook drops a non-reusable stream's encoder at its next update. \
Ending an ended broadcast returns it unchanged.",
            json!([
                path_param("userId", "user"),
                path_param("broadcastId", "broadcast")
            ]),
            None,
            ("200", ok_json("The broadcast, ended.", "AdminBroadcast")),
            &["404", "409"],
        ),
        "admin-lives-end" => admin(
            "End a PRISM live as the platform: its broadcast completes, PRISM sees `END` at its next poll and \
the ingest hook drops the encoder at its next update. Ending an ended live returns it unchanged.",
            json!([path_param("userId", "user"), path_param("liveId", "live")]),
            None,
            ("200", ok_json("The live, ended.", "AdminLive")),
            &["404", "409"],
        ),
        "admin-audit-list" => {
            let mut params = json!([{
                "name": "day", "in": "query",
                "description": "The UTC day (default today).",
                "schema": { "type": "string", "format": "date" },
            }]);
            if let (Some(list), Some(page)) = (params.as_array_mut(), page_params().as_array()) {
                list.extend(page.iter().cloned());
            }
            admin(
                "One UTC day's audit trail, newest first.",
                params,
                None,
                ("200", ok_json("A page of audit records.", "AuditPage")),
                &["400"],
            )
        }
        "oauth-authorize" => json!({
            "tags": ["pages"],
            "summary": "The authorization endpoint: shows the login page (or starts federated login).",
            "parameters": authorize_params(),
            "responses": {
                "200": {
                    "description": "The login page, with a fresh CSRF cookie.",
                    "content": html(),
                },
                "303": response("PageRedirect"),
                "400": response("PageDenied"),
                "503": response("PageUnavailable"),
            },
        }),
        "oauth-login" => json!({
            "tags": ["pages"],
            "summary": "The login form: on success redirects to the client with a code.",
            "requestBody": {
                "required": true,
                "content": { "application/x-www-form-urlencoded": { "schema": schema("LoginForm") } },
            },
            "responses": {
                "303": response("PageRedirect"),
                "400": response("PageDenied"),
                "401": { "description": "Wrong login or password: the form again.", "content": html() },
                "403": { "description": "Missing or wrong CSRF token: the form again.", "content": html() },
                "429": {
                    "description": "Too many failed logins for this account or address: the form again, \
                                    the same whether or not the account exists.",
                    "content": html(),
                },
                "413": response("PageTooLarge"),
                "503": response("PageUnavailable"),
            },
        }),
        "oauth-federated-callback" => json!({
            "tags": ["pages"],
            "summary": "Where the platform's identity provider sends the streamer back (federated login).",
            "parameters": [
                query("code", "The provider's authorization code."),
                query("state", "The state onair sent."),
                query("iss", "RFC 9207 issuer."),
                query("error", "The provider's error."),
            ],
            "responses": {
                "303": response("PageRedirect"),
                "400": response("PageDenied"),
                "503": response("PageUnavailable"),
            },
        }),
        "oauth-token" => oauth_form(
            "Token endpoint (RFC 6749 §3.2): authorization_code and refresh_token grants.",
            "TokenRequest",
            oauth_ok("Tokens.", Some("TokenResponse")),
        ),
        "oauth-revoke" => oauth_form(
            "Revocation (RFC 7009): revokes the token's whole family; unknown tokens too answer 200.",
            "TokenReference",
            oauth_ok("Revoked (or nothing to revoke).", None),
        ),
        "oauth-introspect" => oauth_form(
            "Introspection (RFC 7662) of the caller's own tokens.",
            "TokenReference",
            oauth_ok("The token's state.", Some("IntrospectionResponse")),
        ),
        "oauth-metadata" => json!({
            "tags": ["oauth"],
            "summary": "Authorization server metadata (RFC 8414).",
            "responses": {
                "200": ok_json("The metadata.", "ServerMetadata"),
            },
        }),
        "prism-token" => json!({
            "tags": ["oauth", "prism"],
            "summary": "PRISM's token endpoint: the standard grants with query parameters and the client's \
                        credentials in `x-prism-client-id` / `x-prism-client-secret`.",
            "security": [{ "prismClientId": [], "prismClientSecret": [] }],
            "parameters": [
                {
                    "name": "grant_type", "in": "query", "required": true,
                    "schema": schema("GrantType"),
                },
                query("code", "With `authorization_code`."),
                query("redirect_uri", "With `authorization_code`."),
                query("code_verifier", "PKCE verifier, when the request had a challenge."),
                query("refresh_token", "With `refresh_token`."),
            ],
            "responses": {
                "200": oauth_ok("Tokens.", Some("TokenResponse")),
                "400": response("OAuthBadRequest"),
                "401": response("OAuthInvalidClient"),
                "503": response("OAuthUnavailable"),
            },
        }),
        "prism-user" => prism(
            "The streamer the access token belongs to (PRISM R3).",
            json!([]),
            "PrismUserReply",
            false,
        ),
        "prism-channel-list" => prism(
            "The streamer's channels (PRISM R4).",
            json!([]),
            "PrismChannelListReply",
            false,
        ),
        "prism-channel-get" => prism(
            "One of the streamer's channels (PRISM R5); someone else's is 404 too.",
            json!([path_param("channelId", "channel")]),
            "PrismChannelReply",
            true,
        ),
        "prism-live-list" => prism(
            "The lives of one of the streamer's channels (PRISM R6), modified desc then created desc.",
            json!([
                path_param("channelId", "channel"),
                query("status", "`ALL` (default), `RESERVED`, `ON_AIR` or `END`."),
            ]),
            "PrismLiveListReply",
            true,
        ),
        "prism-live-create" => {
            let mut op = prism(
                "A new live on one of the streamer's channels (PRISM R8): a broadcast bound to its own stream.",
                json!([path_param("channelId", "channel")]),
                "PrismLiveReply",
                true,
            );
            op["requestBody"] = json!({
                "required": true,
                "content": { "application/json": { "schema": {
                    "type": "object",
                    "required": ["title", "reservedAt"],
                    "properties": {
                        "title": { "type": "string", "minLength": 1 },
                        "reservedAt": { "type": "string", "format": "date-time" },
                        "description": { "type": ["string", "null"] },
                        "scope": { "enum": ["PUBLIC", "LIMITED", "PRIVATE", null] },
                    },
                } } },
            });
            op
        }
        "prism-live-get" => prism(
            "One of the streamer's lives with its status (PRISM R7); someone else's is 404 too.",
            json!([path_param("liveId", "live")]),
            "PrismLiveReply",
            true,
        ),
        "prism-live-start" => prism(
            "Starts a live (PRISM R9): ends another on-air live of the channel; after END, a new broadcast.",
            json!([path_param("liveId", "live")]),
            "PrismLiveReply",
            true,
        ),
        "prism-live-stop" => prism(
            "Ends a live (PRISM R10); an ended live is returned unchanged.",
            json!([path_param("liveId", "live")]),
            "PrismLiveReply",
            true,
        ),
        "prism-chat-list" => chat(
            prism(
                "A page of the live's chat (PRISM O1): without a token the newest `maxResults`, with \
                 one only newer messages, oldest first.",
                json!([path_param("liveId", "live")]),
                "PrismChatListReply",
                true,
            ),
            Some(json!({
                "type": "object",
                "properties": {
                    "maxResults": {
                        "type": ["integer", "null"], "minimum": 0,
                        "description": "0, missing or ≥ 100 means 100.",
                    },
                    "pageToken": { "type": ["string", "null"] },
                },
            })),
        ),
        "prism-chat-send" => chat(
            prism(
                "Posts a message to the live's chat as the streamer (PRISM O2).",
                json!([path_param("liveId", "live")]),
                "PrismEmptyReply",
                true,
            ),
            Some(json!({
                "type": "object",
                "required": ["message"],
                "properties": { "message": { "type": "string", "minLength": 1, "maxLength": 200 } },
            })),
        ),
        "prism-chat-delete" => chat(
            prism(
                "Deletes a chat message (PRISM O3); `chatId` is the message's `messageId`.",
                json!([path_param("liveId", "live"), path_param("chatId", "chat message")]),
                "PrismEmptyReply",
                true,
            ),
            None,
        ),
        "prism-chat-ban" => chat(
            prism(
                "Bans a user from the live's chat until unbanned (PRISM O4).",
                json!([path_param("liveId", "live"), path_param("userId", "user")]),
                "PrismEmptyReply",
                true,
            ),
            None,
        ),
        "prism-chat-timed-ban" => chat(
            prism(
                "Bans a user from the live's chat for `banTime` seconds (PRISM O5).",
                json!([path_param("liveId", "live"), path_param("userId", "user")]),
                "PrismEmptyReply",
                true,
            ),
            Some(json!({
                "type": "object",
                "required": ["banTime"],
                "properties": { "banTime": { "type": "integer", "minimum": 1, "maximum": 2_592_000 } },
            })),
        ),
        "prism-chat-unban" => chat(
            prism(
                "Lifts a user's ban (PRISM O6).",
                json!([path_param("liveId", "live"), path_param("userId", "user")]),
                "PrismEmptyReply",
                true,
            ),
            None,
        ),
        "prism-chat-mod" => chat(
            prism(
                "Makes a user a chat moderator of the live (PRISM O7).",
                json!([path_param("liveId", "live"), path_param("userId", "user")]),
                "PrismEmptyReply",
                true,
            ),
            None,
        ),
        "prism-chat-unmod" => chat(
            prism(
                "Revokes a user's chat moderation of the live (PRISM O8).",
                json!([path_param("liveId", "live"), path_param("userId", "user")]),
                "PrismEmptyReply",
                true,
            ),
            None,
        ),
        "youtube-broadcasts-list" => youtube(
            "liveBroadcasts.list: by `id`, `mine` or `broadcastStatus`.",
            json!([
                yt_query("part", true, "Parts to return."),
                yt_query("id", false, "Comma-separated broadcast ids (at most 50)."),
                yt_query("mine", false, "`true`: the caller's broadcasts."),
                yt_query(
                    "broadcastStatus",
                    false,
                    "`active`, `all`, `completed` or `upcoming`."
                ),
                yt_query("broadcastType", false, "`all`, `event` or `persistent`."),
                yt_query("maxResults", false, "0–50, default 5."),
                yt_query("pageToken", false, "`nextPageToken` of an earlier page."),
            ]),
            200,
            false,
        ),
        "youtube-broadcasts-insert" => idempotent(youtube(
            "liveBroadcasts.insert.",
            json!([yt_query("part", true, "Parts written and returned.")]),
            200,
            true,
        )),
        "youtube-broadcasts-update" => youtube(
            "liveBroadcasts.update (replace by part).",
            json!([yt_query("part", true, "Parts written and returned.")]),
            200,
            true,
        ),
        "youtube-broadcasts-delete" => youtube(
            "liveBroadcasts.delete.",
            json!([yt_query("id", true, "The broadcast.")]),
            204,
            false,
        ),
        "youtube-broadcasts-bind" => youtube(
            "liveBroadcasts.bind; without `streamId` it unbinds.",
            json!([
                yt_query("id", true, "The broadcast."),
                yt_query("part", true, "Parts to return."),
                yt_query("streamId", false, "The stream to bind."),
            ]),
            200,
            false,
        ),
        "youtube-broadcasts-transition" => idempotent(youtube(
            "liveBroadcasts.transition to `testing`, `live` or `complete`.",
            json!([
                yt_query("id", true, "The broadcast."),
                yt_query("part", true, "Parts to return."),
                yt_query("broadcastStatus", true, "`testing`, `live` or `complete`."),
            ]),
            200,
            false,
        )),
        "youtube-broadcasts-cuepoint" => youtube(
            "liveBroadcasts.insertCuepoint: an ad break in a live broadcast.",
            json!([
                yt_query("id", true, "The broadcast."),
                yt_query("part", false, "Accepted for compatibility."),
            ]),
            200,
            true,
        ),
        "youtube-streams-list" => youtube(
            "liveStreams.list: by `id` or `mine`.",
            json!([
                yt_query("part", true, "Parts to return."),
                yt_query("id", false, "Comma-separated stream ids (at most 50)."),
                yt_query("mine", false, "`true`: the caller's reusable streams."),
                yt_query("maxResults", false, "0–50, default 5."),
                yt_query("pageToken", false, "`nextPageToken` of an earlier page."),
            ]),
            200,
            false,
        ),
        "youtube-streams-insert" => idempotent(youtube(
            "liveStreams.insert: a stream with a fresh key.",
            json!([yt_query("part", true, "Parts written and returned.")]),
            200,
            true,
        )),
        "youtube-streams-update" => youtube(
            "liveStreams.update: only `snippet` changes.",
            json!([yt_query("part", true, "Parts written and returned.")]),
            200,
            true,
        ),
        "youtube-streams-delete" => youtube(
            "liveStreams.delete.",
            json!([yt_query("id", true, "The stream.")]),
            204,
            false,
        ),
        "youtube-videos-list" => youtube(
            "videos.list: the videos of the caller's broadcasts by `id` (upload and processing status; \
unknown and other users' ids are left out).",
            json!([
                yt_query(
                    "part",
                    true,
                    "id, snippet, status, processingDetails, liveStreamingDetails."
                ),
                yt_query(
                    "id",
                    true,
                    "Comma-separated video (= broadcast) ids (at most 50)."
                ),
                yt_query("maxResults", false, "0-50; checked, unused with `id`."),
                yt_query("pageToken", false, "An `id` list has one page: empty only."),
                yt_query("hl", false, "Accepted; onair has no localizations."),
            ]),
            200,
            false,
        ),
        "youtube-chat-messages-list" => youtube(
            "liveChatMessages.list: a chat's messages, oldest first; a page token gives only newer ones.",
            json!([
                yt_query(
                    "liveChatId",
                    true,
                    "The chat (a broadcast's `snippet.liveChatId`)."
                ),
                yt_query("part", true, "`id`, `snippet`, `authorDetails`."),
                yt_query(
                    "maxResults",
                    false,
                    "Up to 2000, default 500; a page holds at most 100."
                ),
                yt_query("pageToken", false, "`nextPageToken` of an earlier poll."),
                yt_query("hl", false, "Accepted for compatibility."),
                yt_query("profileImageSize", false, "Accepted for compatibility."),
            ]),
            200,
            false,
        ),
        "youtube-chat-messages-insert" => youtube(
            "liveChatMessages.insert: a `textMessageEvent` by the caller.",
            json!([yt_query("part", true, "Parts written and returned (`snippet`).")]),
            200,
            true,
        ),
        "youtube-chat-messages-delete" => youtube(
            "liveChatMessages.delete: the author's own message, or any by the owner or a moderator.",
            json!([yt_query("id", true, "The message.")]),
            204,
            false,
        ),
        "youtube-chat-bans-insert" => youtube(
            "liveChatBans.insert: a permanent or temporary ban, by the owner or a moderator.",
            json!([yt_query("part", true, "Parts written and returned (`snippet`).")]),
            200,
            true,
        ),
        "youtube-chat-bans-delete" => youtube(
            "liveChatBans.delete: lifts a ban.",
            json!([yt_query("id", true, "The ban.")]),
            204,
            false,
        ),
        "youtube-chat-moderators-list" => youtube(
            "liveChatModerators.list: the chat's moderators, for the owner and the moderators.",
            json!([
                yt_query("liveChatId", true, "The chat."),
                yt_query("part", true, "`id`, `snippet`."),
                yt_query("maxResults", false, "0–50, default 5."),
                yt_query("pageToken", false, "`nextPageToken` of an earlier page."),
            ]),
            200,
            false,
        ),
        "youtube-chat-moderators-insert" => youtube(
            "liveChatModerators.insert: the owner makes a user a moderator.",
            json!([yt_query("part", true, "Parts written and returned (`snippet`).")]),
            200,
            true,
        ),
        "youtube-chat-moderators-delete" => youtube(
            "liveChatModerators.delete: the owner revokes a moderator.",
            json!([yt_query("id", true, "The moderator.")]),
            204,
            false,
        ),
        "ingest-nginx-rtmp" => ingest_nginx_rtmp(),
        _ => return None,
    };
    Some(op)
}

/// nginx-rtmp's `on_publish` / `on_update` / `on_publish_done` (`notify_method post`).
fn ingest_nginx_rtmp() -> Value {
    let text = |description: &str| json!({ "description": description, "content": { "text/plain": { "schema": { "type": "string" } } } });
    let mut unavailable =
        text("A store is down (the publisher is refused; an update is answered 200 instead).");
    unavailable["headers"]["Retry-After"] = retry_after();
    json!({
        "tags": ["ingest"],
        "summary": "The ingest hook nginx-rtmp calls when an encoder starts publishing, every                     `notify_update_timeout` while it publishes, and when it stops. It admits or refuses                     the publisher by the stream key and moves the stream to `active` / `inactive`, with                     `healthStatus`. nginx reads only the status: any non-2xx refuses or drops the encoder.",
        "security": [{ "ingestToken": [] }],
        "requestBody": {
            "required": true,
            "content": {
                "application/x-www-form-urlencoded": { "schema": schema("NginxRtmpCallback") },
            },
        },
        "responses": {
            "200": text("Admitted, or the event recorded."),
            "400": text("A callback the hook cannot read (no key, an unknown `call`)."),
            "401": text("No `token`."),
            "403": text("A wrong `token`."),
            "404": text("An unknown or deleted stream key: the publisher is refused."),
            "413": text("The body exceeds 64 KiB."),
            "503": unavailable,
        },
    })
}

/// Shared responses: every error shape of every surface.
pub fn responses() -> Value {
    let admin =
        |description: &str| json!({ "description": description, "content": json_body("AdminErrorBody") });
    let oauth = |description: &str| {
        json!({
            "description": description,
            "headers": { "Cache-Control": no_store() },
            "content": json_body("OAuthErrorBody"),
        })
    };
    let prism = |description: &str| {
        json!({
            "description": description,
            "headers": { "Cache-Control": no_store() },
            "content": json_body("PrismErrorBody"),
        })
    };
    let page = |description: &str| json!({ "description": description, "content": html() });
    let with = |mut response: Value, name: &str, header: Value| {
        response["headers"][name] = header;
        response
    };
    json!({
        "AdminBadRequest": admin("`invalid_request` (with `details`) or `malformed_request`."),
        "AdminUnauthorized": with(
            admin("`unauthorized`: missing or wrong admin token."),
            "WWW-Authenticate",
            www_authenticate("Bearer realm=\"onair-admin\""),
        ),
        "AdminNotFound": admin("`not_found`."),
        "AdminMethodNotAllowed": admin("`method_not_allowed`."),
        "AdminConflict": admin("`conflict`: a concurrent or pinned (`expectedVersion`) write lost, or a unique value is taken."),
        "AdminTooLarge": admin("`payload_too_large`: the body exceeds 64 KiB."),
        "AdminUnsupportedMediaType": admin("`unsupported_media_type`: send `application/json`."),
        "AdminUnavailable": with(admin("`unavailable`."), "Retry-After", retry_after()),
        "AdminInternal": admin("`internal` (the cause is logged with the request id)."),
        "OAuthBadRequest": oauth("RFC 6749 §5.2 error (`invalid_request`, `invalid_grant`, …)."),
        "OAuthInvalidClient": with(
            oauth("`invalid_client` (or `invalid_token`)."),
            "WWW-Authenticate",
            www_authenticate("Basic realm=\"onair\""),
        ),
        "OAuthUnavailable": with(oauth("`temporarily_unavailable`."), "Retry-After", retry_after()),
        "OAuthTooLarge": oauth("`invalid_request`: the body exceeds 64 KiB."),
        "OAuthServerError": oauth("`server_error`."),
        "OAuthNoRoute": { "description": "`not_found`.", "content": json_body("OAuthErrorBody") },
        "OAuthMethodNotAllowed": { "description": "`invalid_request`.", "content": json_body("OAuthErrorBody") },
        "PrismBadRequest": prism("`INVALID_REQUEST` (40001)."),
        "PrismUnauthorized": with(
            prism("`MISSING_TOKEN` (40101), `INVALID_TOKEN` (40102) or `EXPIRED_TOKEN` (40103); PRISM \
                   treats 401 as \"log in again\"."),
            "WWW-Authenticate",
            www_authenticate("Bearer realm=\"onair\""),
        ),
        "PrismNotFound": prism("`CHANNEL_NOT_FOUND` (40401), `LIVE_NOT_FOUND` (40402), \
                                 `MESSAGE_NOT_FOUND` (40403) or `NOT_FOUND` (40400)."),
        "PrismForbidden": prism("`FORBIDDEN` (40301: not the live's owner or a moderator of its chat), \
                                  `BANNED` (40302) or `CHAT_ENDED` (40303: the live has ended)."),
        "PrismRateLimited": with(
            prism("`RATE_LIMITED` (42901): more than 5 messages at once or 1 per second after."),
            "Retry-After",
            retry_after(),
        ),
        "PrismMethodNotAllowed": prism("`METHOD_NOT_ALLOWED` (40501)."),
        "PrismUnavailable": with(prism("`UNAVAILABLE` (50301)."), "Retry-After", retry_after()),
        "PrismInternal": prism("`INTERNAL_ERROR` (50001)."),
        "PageRedirect": {
            "description": "To the client's verified redirect URI with `code` and `state` (or `error`, \
                            `error_description` and `state`), or to the identity provider.",
            "headers": {
                "Location": { "required": true, "schema": { "type": "string", "format": "uri-reference" } },
            },
        },
        "PageDenied": page("An error page: the request cannot be trusted to redirect (unknown client, \
                            unregistered redirect URI, malformed request) or was refused."),
        "PageTooLarge": page("The body exceeds 64 KiB."),
        "PageNoRoute": page("Not found."),
        "PageMethodNotAllowed": page("Method not allowed."),
        "PageUnavailable": with(page("Temporarily unavailable."), "Retry-After", retry_after()),
        "PageInternal": page("Internal error."),
    })
}

/// How callers authenticate.
pub fn security_schemes() -> Value {
    json!({
        "adminToken": {
            "type": "http", "scheme": "bearer",
            "description": "The local server's admin token (printed at start-up, or ONAIR_ADMIN_TOKEN). \
                            On AWS the admin routes use API Gateway's IAM authorization (SigV4) instead.",
        },
        "prismAccessToken": {
            "type": "apiKey", "in": "header", "name": "x-prism-access-token",
            "description": "An access token, the way PRISM sends it.",
        },
        "bearerAccessToken": {
            "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": "An access token (RFC 6750 §2.1).",
        },
        "ingestToken": {
            "type": "apiKey", "in": "query", "name": "token",
            "description": "The ingest server's shared secret (Secrets Manager `onair/<stack>/ingest-hook`; \
                            locally ONAIR_INGEST_SECRET or the value the local server prints). nginx-rtmp \
                            cannot sign requests, so it travels in the hook URL; it is never logged.",
        },
        "prismClientId": { "type": "apiKey", "in": "header", "name": "x-prism-client-id" },
        "prismClientSecret": { "type": "apiKey", "in": "header", "name": "x-prism-client-secret" },
        "clientSecretBasic": {
            "type": "http", "scheme": "basic",
            "description": "`client_secret_basic` (RFC 6749 §2.3.1). `client_secret_post` puts the same \
                            values in the form instead; public clients send only `client_id`.",
        },
    })
}
