//! Schemas of the bodies that handlers build with `json!` rather than from a typed view, and of every
//! error shape. They exist only to describe the wire format; schemathesis holds them to the real
//! replies (every object schema is closed, so a field added in a handler and not here fails the run).

#![allow(dead_code)] // The types are never built: only their `ToSchema` impls are used.

use crate::admin::views::{ChannelView, ClientView};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

/// A schema holding exactly one JSON value (`const`, written as a one-value `enum`, which every 3.x
/// tool understands).
fn constant(kind: Type, value: serde_json::Value) -> Object {
    ObjectBuilder::new()
        .schema_type(kind)
        .enum_values(Some([value]))
        .build()
}

fn always_true() -> Object {
    constant(Type::Boolean, true.into())
}

fn always_false() -> Object {
    constant(Type::Boolean, false.into())
}

fn zero() -> Object {
    constant(Type::Integer, 0.into())
}

fn null() -> Object {
    ObjectBuilder::new().schema_type(Type::Null).build()
}

/// Whether a client can keep a secret (RFC 6749 §2.1).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ClientKind {
    /// A server-side client with a secret (PRISM is one).
    Confidential,
    /// A native or browser app without a secret; must use PKCE.
    Public,
}

// ---------------------------------------------------------------------------------------------- admin

/// The admin API's error codes.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdminErrorCode {
    /// 400: one or more fields are invalid (`details` lists them).
    InvalidRequest,
    /// 400: the body or query could not be parsed.
    MalformedRequest,
    /// 401: missing or wrong admin credentials.
    Unauthorized,
    /// 404: no such resource or route.
    NotFound,
    /// 405: the path exists, not for this method (HEAD and OPTIONS always).
    MethodNotAllowed,
    /// 409: a conditional write lost, or a unique value is taken.
    Conflict,
    /// 413: the body exceeds 64 KiB.
    PayloadTooLarge,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 500: a bug or corrupt data (the cause is logged with the request id).
    Internal,
    /// 503: a dependency is down; retry after `Retry-After` seconds.
    Unavailable,
}

/// One invalid field.
#[derive(Serialize, ToSchema)]
pub struct FieldViolation {
    /// Dotted path of the field (`redirectUris[1]`).
    field: String,
    /// What is wrong, for a human.
    message: String,
}

/// Every admin error: `{"error", "message", "details"}`.
#[derive(Serialize, ToSchema)]
pub struct AdminErrorBody {
    error: AdminErrorCode,
    /// For a human; never contains secrets or internal causes.
    message: String,
    /// Present on `invalid_request` only: every invalid field.
    #[schema(value_type = Vec<FieldViolation>, required = false, min_items = 1)]
    details: Option<Vec<FieldViolation>>,
}

/// `POST /admin/clients` reply: the client, plus its secret once (confidential clients only).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedClient {
    client_id: String,
    name: String,
    kind: ClientKind,
    redirect_uris: Vec<String>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    modified_at: String,
    version: u64,
    /// Shown only here and on rotation; store it now.
    #[schema(format = Password, required = false)]
    client_secret: String,
}

/// `POST /admin/clients/{clientId}/rotate-secret` reply.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RotatedSecret {
    client_id: String,
    /// The new secret, shown only here.
    #[schema(format = Password)]
    client_secret: String,
    /// Until when the previous secret still authenticates.
    #[schema(format = DateTime)]
    previous_secret_valid_until: String,
    /// The client's version after the rotation.
    version: u64,
}

/// `PUT /admin/lives/{liveId}/statistics` reply: the snapshot stored now.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LiveStatisticsRecorded {
    live_id: String,
    /// The live's current broadcast, which the snapshot belongs to.
    broadcast_id: String,
    /// Whether this snapshot was newer than the stored one (and so was stored).
    applied: bool,
    #[schema(format = DateTime)]
    at: String,
    view_count: u64,
    viewer_count: u64,
    like_count: u64,
}

/// `PUT /admin/users/{userId}/videos/{videoId}/processing` reply: the video after the report.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VideoProcessingReported {
    user_id: String,
    video_id: String,
    /// `uploaded`, `processed`, `failed` or `rejected`.
    upload_status: String,
    /// `processing`, `succeeded`, `failed` or `terminated`.
    processing_status: String,
    /// Whether this report was stored now (`false`: the same report was already stored).
    applied: bool,
    /// When processing ended (absent before any report).
    #[schema(format = DateTime, required = false)]
    processed_at: String,
    /// With `failed` only.
    #[schema(required = false)]
    failure_reason: String,
}

/// A page of clients, newest first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientPage {
    items: Vec<ClientView<'static>>,
    /// Pass as `pageToken` for the next page; absent on the last page.
    #[schema(required = false)]
    next_page_token: String,
}

/// A page of channels, modified desc, then created desc.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelPage {
    items: Vec<ChannelView<'static>>,
    /// Pass as `pageToken` for the next page; absent on the last page.
    #[schema(required = false)]
    next_page_token: String,
}

/// One audit record.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    id: String,
    #[schema(format = DateTime)]
    at: String,
    /// `login_succeeded`, `login_failed`, `code_issued`, `token_revoked`, …
    event: String,
    user_id: Option<String>,
    /// The login name typed, for login events (it may name no account).
    login: Option<String>,
    client_id: Option<String>,
    ip: Option<String>,
    /// A short, secret-free detail.
    detail: Option<String>,
}

/// A page of one UTC day's audit trail, newest first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    items: Vec<AuditEntry>,
    /// Pass as `pageToken` for the next page; absent on the last page.
    #[schema(required = false)]
    next_page_token: String,
}

// ---------------------------------------------------------------------------------------------- OAuth

/// RFC 6749 §5.2 / RFC 7009 / RFC 7662 error codes, plus `not_found` for unknown paths.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OAuthErrorCode {
    /// 400 (also 405 for a wrong method).
    InvalidRequest,
    /// 401, with `WWW-Authenticate: Basic`.
    InvalidClient,
    /// 400.
    InvalidGrant,
    /// 400.
    UnauthorizedClient,
    /// 400.
    UnsupportedGrantType,
    /// 400.
    UnsupportedResponseType,
    /// 400.
    InvalidScope,
    /// 400.
    AccessDenied,
    /// 401.
    InvalidToken,
    /// 400.
    UnsupportedTokenType,
    /// 500.
    ServerError,
    /// 503, with `Retry-After`.
    TemporarilyUnavailable,
    /// 404: no such endpoint.
    NotFound,
}

/// An OAuth endpoint's error (RFC 6749 §5.2).
#[derive(Serialize, ToSchema)]
pub struct OAuthErrorBody {
    error: OAuthErrorCode,
    /// For a human; never contains secrets.
    error_description: String,
}

/// The token type of every issued access token.
#[derive(Serialize, ToSchema)]
pub enum TokenType {
    /// RFC 6750.
    Bearer,
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// A signed JWT (RFC 9068 profile), verified without a store read.
    #[schema(format = Password)]
    access_token: String,
    token_type: TokenType,
    /// Seconds until the access token expires.
    #[schema(minimum = 1)]
    expires_in: i64,
    /// Rotated on every use; the previous one stays valid for a short grace window.
    #[schema(format = Password)]
    refresh_token: String,
    /// Granted scope, when the request had one.
    #[schema(required = false)]
    scope: String,
}

/// An introspection reply (RFC 7662 §2.2): `{"active": false}` for anything not usable by the caller,
/// else the token's claims.
#[derive(Serialize, ToSchema)]
pub struct IntrospectionResponse {
    active: bool,
    /// `access_token` or `refresh_token`.
    #[schema(required = false)]
    token_type: String,
    #[schema(required = false)]
    client_id: String,
    /// The user id.
    #[schema(required = false)]
    sub: String,
    /// The user's login.
    #[schema(required = false)]
    username: String,
    #[schema(required = false)]
    aud: String,
    #[schema(required = false)]
    iss: String,
    #[schema(required = false)]
    iat: i64,
    #[schema(required = false)]
    exp: i64,
    #[schema(required = false)]
    jti: String,
    #[schema(required = false)]
    scope: String,
}

/// Authorization server metadata (RFC 8414).
#[derive(Serialize, ToSchema)]
pub struct ServerMetadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    revocation_endpoint: String,
    introspection_endpoint: String,
    response_types_supported: Vec<String>,
    response_modes_supported: Vec<String>,
    grant_types_supported: Vec<String>,
    code_challenge_methods_supported: Vec<String>,
    token_endpoint_auth_methods_supported: Vec<String>,
    revocation_endpoint_auth_methods_supported: Vec<String>,
    introspection_endpoint_auth_methods_supported: Vec<String>,
    ui_locales_supported: Vec<String>,
    /// RFC 9207: `iss` accompanies every authorization response.
    #[schema(required = false)]
    authorization_response_iss_parameter_supported: bool,
}

/// Form body of `POST /oauth/token`.
#[derive(Serialize, ToSchema)]
pub struct TokenRequest {
    grant_type: GrantType,
    /// With `authorization_code`.
    #[schema(required = false)]
    code: String,
    /// With `authorization_code`: exactly the one of the authorization request.
    #[schema(required = false)]
    redirect_uri: String,
    /// With `authorization_code` when the request had a `code_challenge` (public clients always).
    #[schema(required = false)]
    code_verifier: String,
    /// With `refresh_token`.
    #[schema(required = false)]
    refresh_token: String,
    /// `client_secret_post`, or a public client's id.
    #[schema(required = false)]
    client_id: String,
    /// `client_secret_post`.
    #[schema(required = false, format = Password)]
    client_secret: String,
}

/// The grants onair supports.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// RFC 6749 §4.1.3.
    AuthorizationCode,
    /// RFC 6749 §6.
    RefreshToken,
}

/// Form body of `POST /oauth/revoke` (RFC 7009) and `POST /oauth/introspect` (RFC 7662).
#[derive(Serialize, ToSchema)]
pub struct TokenReference {
    /// The token.
    token: String,
    /// A hint only; both kinds are looked up.
    #[schema(required = false)]
    token_type_hint: String,
    /// `client_secret_post`, or a public client's id.
    #[schema(required = false)]
    client_id: String,
    /// `client_secret_post`.
    #[schema(required = false, format = Password)]
    client_secret: String,
}

/// Form body of `POST /oauth/authorize` (the login page's form).
#[derive(Serialize, ToSchema)]
pub struct LoginForm {
    /// The authorization request, carried through the form in hidden fields.
    response_type: String,
    client_id: String,
    redirect_uri: String,
    #[schema(required = false)]
    state: String,
    #[schema(required = false)]
    code_challenge: String,
    #[schema(required = false)]
    code_challenge_method: String,
    #[schema(required = false)]
    scope: String,
    /// Must equal the `onair_csrf` cookie.
    #[schema(required = false)]
    csrf: String,
    /// `cancel` sends `access_denied` back to the client.
    #[schema(required = false)]
    action: String,
    #[schema(required = false)]
    login: String,
    #[schema(required = false, format = Password)]
    password: String,
}

// ---------------------------------------------------------------------------------------------- PRISM

/// PRISM's error envelope.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrismErrorBody {
    #[schema(schema_with = always_false)]
    success: bool,
    /// onair's code: the HTTP status times 100 plus a sequence number (40101 missing token, 40102
    /// invalid token, 40103 expired token, 40001 invalid request, 40401 channel not found, 40400 no
    /// such resource, 40501 method not allowed, 50001 internal, 50301 unavailable).
    error_code: u32,
    /// `MISSING_TOKEN`, `INVALID_TOKEN`, `EXPIRED_TOKEN`, `INVALID_REQUEST`, `CHANNEL_NOT_FOUND`, …
    error_name: String,
    message: String,
    #[schema(schema_with = null)]
    data: (),
}

/// The streamer, as PRISM sees them.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrismUser {
    user_id: String,
    user_name: String,
    profile_thumbnail: Option<String>,
}

/// `data` of `GET /prism/v1/service/user`.
#[derive(Serialize, ToSchema)]
pub struct PrismUserData {
    user: PrismUser,
}

/// A channel, as PRISM sees it; `channelEnabled` is `false` also when the owner is disabled.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrismChannel {
    channel_id: String,
    channel_name: String,
    channel_enabled: bool,
    channel_link: String,
    channel_description: Option<String>,
    channel_tags: Option<String>,
    channel_thumbnail_url: Option<String>,
    channel_follower_count: u64,
}

/// `data` of `GET /prism/v1/service/channel/list`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrismChannelListData {
    user_name: String,
    channels: Vec<PrismChannel>,
}

/// `data` of `GET /prism/v1/service/channel/{channelId}`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrismChannelData {
    user_name: String,
    channel: PrismChannel,
}

/// PRISM's `liveStat`: zeros until statistics are collected.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrismLiveStat {
    view_count: u64,
    viewer_count: u64,
    like_count: u64,
    chat_count: u64,
}

/// A live, as PRISM sees it (dates ISO 8601 with an offset).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrismLive {
    live_id: String,
    title: String,
    description: String,
    #[schema(format = DateTime)]
    reserved_at: String,
    #[schema(format = DateTime)]
    start_at: Option<String>,
    /// The ingest address and the stream key, split by PRISM at the last `/`; `null` if the live's
    /// stream was deleted through the YouTube API.
    rtmp_path: Option<String>,
    /// `RESERVED`, `ON_AIR` or `END`.
    status: String,
    /// `PUBLIC`, `LIMITED` or `PRIVATE`.
    scope: String,
    live_link: String,
    live_stat: PrismLiveStat,
}

/// `data` of the single-live PRISM calls (R7–R10).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrismLiveData {
    channel_id: String,
    live: PrismLive,
}

/// `data` of `GET /prism/v1/service/channel/{channelId}/lives` (R6).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrismLiveListData {
    channel_id: String,
    lives: Vec<PrismLive>,
}

/// A chat message, as PRISM sees it (§7.1); the text is `message`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrismChatMessage {
    /// `{liveId}.{sequence}`: O3's `{chatId}`.
    message_id: String,
    #[schema(format = DateTime)]
    message_at: String,
    author_id: String,
    author_name: String,
    author_profile_thumbnail: Option<String>,
    is_live_owner: bool,
    /// Whether the author is one of the live's chat moderators now.
    is_live_manager: bool,
    /// The text: 1–200 characters, no control characters, HTML kept as text.
    message: String,
}

/// `data` of O1 (`POST /prism/v1/service/live/{liveId}/chat`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrismChatListData {
    live_id: String,
    /// Send it back as `pageToken` for newer messages only; the same token when nothing is new.
    next_page_token: String,
    /// Oldest first; `[]` when there are none.
    messages: Vec<PrismChatMessage>,
}

/// PRISM's success envelope of a call without a documented response (`data: null`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrismEmptyReply {
    #[schema(schema_with = always_true)]
    success: bool,
    #[schema(schema_with = zero)]
    error_code: u32,
    #[schema(schema_with = null)]
    error_name: (),
    #[schema(schema_with = null)]
    message: (),
    #[schema(schema_with = null)]
    data: (),
}

macro_rules! prism_success {
    ($name:ident, $data:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(Serialize, ToSchema)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            #[schema(schema_with = always_true)]
            success: bool,
            #[schema(schema_with = zero)]
            error_code: u32,
            #[schema(schema_with = null)]
            error_name: (),
            #[schema(schema_with = null)]
            message: (),
            data: $data,
        }
    };
}

prism_success!(
    PrismUserReply,
    PrismUserData,
    "PRISM's success envelope around the user."
);
prism_success!(
    PrismChannelListReply,
    PrismChannelListData,
    "PRISM's success envelope around the channel list."
);
prism_success!(
    PrismChannelReply,
    PrismChannelData,
    "PRISM's success envelope around one channel."
);
prism_success!(
    PrismLiveReply,
    PrismLiveData,
    "PRISM's success envelope around one live."
);
prism_success!(
    PrismChatListReply,
    PrismChatListData,
    "PRISM's success envelope around a page of chat."
);
prism_success!(
    PrismLiveListReply,
    PrismLiveListData,
    "PRISM's success envelope around a channel's lives."
);

/// What nginx-rtmp reports (`call`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NginxRtmpCall {
    /// `on_publish`: an encoder starts publishing.
    Publish,
    /// `on_update`: periodically while it publishes.
    UpdatePublish,
    /// `on_publish_done`: it stopped.
    PublishDone,
}

/// Form body nginx-rtmp posts to the ingest hook (`notify_method post`).
#[derive(Serialize, ToSchema)]
pub struct NginxRtmpCallback {
    /// What happened.
    call: NginxRtmpCall,
    /// The stream key (`cdn.ingestionInfo.streamName`).
    #[schema(format = Password)]
    name: String,
    /// Updates: seconds since publishing started.
    #[schema(required = false)]
    time: u64,
    /// Updates: the stream's media time in milliseconds.
    #[schema(required = false)]
    timestamp: u64,
    /// The RTMP application (`live`).
    #[schema(required = false)]
    app: String,
    /// The encoder's address.
    #[schema(required = false)]
    addr: String,
    /// nginx's client id.
    #[schema(required = false)]
    clientid: String,
    /// The URL the encoder connected to.
    #[schema(required = false)]
    tcurl: String,
    /// The encoder's version string.
    #[schema(required = false)]
    flashver: String,
    /// Empty for encoders.
    #[schema(required = false)]
    swfurl: String,
    /// Empty for encoders.
    #[schema(required = false)]
    pageurl: String,
    /// `live`.
    #[schema(required = false)]
    r#type: String,
}
