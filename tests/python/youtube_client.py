#!/usr/bin/env python3
"""Google's own client (google-api-python-client, built from its bundled youtube.v3.json discovery
document) against a running onair server, with its API endpoint set to onair's base URL.

Run by the Rust test `youtube::discovery_client::*`, which starts the server and passes:

    argv[1]                   the server's base URL (http://127.0.0.1:PORT)
    ONAIR_E2E_CLIENT_ID       the demo (confidential) client
    ONAIR_E2E_CLIENT_SECRET   its secret
    ONAIR_E2E_REDIRECT_URI    its loopback redirect URI
    ONAIR_E2E_USERNAME        the demo streamer's login
    ONAIR_E2E_PASSWORD        their password
    ONAIR_E2E_CHANNEL_ID      their enabled channel

Every expectation is an explicit check that raises on failure; the last line is `ok: N checks`.
"""

import html
import os
import re
import sys
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

HIDDEN = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')
FORM = re.compile(r'<form method="post" action="([^"]*)">')
BASE = sys.argv[1].rstrip("/")
ENV = os.environ
TIMEOUT = 60
SCOPE = "https://www.googleapis.com/auth/youtube.force-ssl"
START = (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Checks:
    def __init__(self):
        self.count = 0

    def true(self, condition, what):
        if not condition:
            raise AssertionError(what)
        self.count += 1

    def eq(self, actual, expected, what):
        if actual != expected:
            raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")
        self.count += 1

    def refused(self, request, status, reason, what):
        """`request.execute()` must fail with Google's envelope carrying `status` and `reason`."""
        try:
            result = request.execute()
        except HttpError as e:
            self.eq(e.resp.status, status, f"{what}: status")
            details = e.error_details if isinstance(e.error_details, list) else []
            self.eq([d.get("reason") for d in details][:1], [reason], f"{what}: reason ({e.content!r})")
            return
        raise AssertionError(f"{what}: expected {status} {reason}, got {result!r}")


check = Checks()


def access_token():
    """Authorization code with PKCE and Google's scope URL, through the login page."""
    meta = requests.get(f"{BASE}/.well-known/oauth-authorization-server", timeout=TIMEOUT).json()
    sess = OAuth2Session(
        ENV["ONAIR_E2E_CLIENT_ID"],
        ENV["ONAIR_E2E_CLIENT_SECRET"],
        redirect_uri=ENV["ONAIR_E2E_REDIRECT_URI"],
        scope=SCOPE,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier = generate_token(64)
    url, _ = sess.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)
    browser = requests.Session()
    page = browser.get(url, allow_redirects=False, timeout=TIMEOUT)
    check.eq(page.status_code, 200, "login page")
    form = {html.unescape(n): html.unescape(v) for n, v in HIDDEN.findall(page.text)}
    form.update(login=ENV["ONAIR_E2E_USERNAME"], password=ENV["ONAIR_E2E_PASSWORD"], action="login")
    action = urljoin(page.url, html.unescape(FORM.search(page.text).group(1)))
    reply = browser.post(action, data=form, allow_redirects=False, timeout=TIMEOUT)
    check.eq(reply.status_code, 303, "login redirects")
    token = sess.fetch_token(
        meta["token_endpoint"], authorization_response=reply.headers["Location"], code_verifier=verifier
    )
    check.eq(token.get("scope"), SCOPE, "the token carries Google's scope URL")
    return token["access_token"]


youtube = build(
    "youtube",
    "v3",
    credentials=Credentials(token=access_token()),
    static_discovery=True,
    client_options={"api_endpoint": BASE},
)
broadcasts = youtube.liveBroadcasts()
streams = youtube.liveStreams()

b = broadcasts.insert(
    part="snippet,status,contentDetails",
    body={
        "snippet": {"title": "Discovery client", "scheduledStartTime": START},
        "status": {"privacyStatus": "unlisted"},
        "contentDetails": {"monitorStream": {"enableMonitorStream": True}, "enableAutoStart": False},
    },
).execute()
check.eq(b["kind"], "youtube#liveBroadcast", "broadcast kind")
check.eq(b["status"]["lifeCycleStatus"], "created", "a new broadcast is created")
check.eq(b["snippet"]["channelId"], ENV["ONAIR_E2E_CHANNEL_ID"], "the oldest enabled channel")
check.true(b["contentDetails"]["monitorStream"]["embedHtml"], "monitor embed")

s = streams.insert(
    part="snippet,cdn,contentDetails,status",
    body={
        "snippet": {"title": "Encoder"},
        "cdn": {"ingestionType": "rtmp", "resolution": "1080p", "frameRate": "60fps"},
        "contentDetails": {"isReusable": True},
    },
).execute()
check.eq(s["kind"], "youtube#liveStream", "stream kind")
check.true(len(s["cdn"]["ingestionInfo"]["streamName"]) >= 22, "a stream key of at least 128 bits")
check.true(s["cdn"]["ingestionInfo"]["ingestionAddress"].startswith("rtmp://"), "RTMP ingestion address")
check.eq(s["status"]["streamStatus"], "ready", "a new stream is ready")

bound = broadcasts.bind(id=b["id"], part="id,contentDetails,status", streamId=s["id"]).execute()
check.eq(bound["contentDetails"]["boundStreamId"], s["id"], "bound")
check.eq(bound["status"]["lifeCycleStatus"], "ready", "binding makes it ready")

listed = broadcasts.list(part="id,status", id=b["id"]).execute()
check.eq(listed["kind"], "youtube#liveBroadcastListResponse", "list kind")
check.eq([i["id"] for i in listed["items"]], [b["id"]], "list by id")
mine = streams.list(part="id,status", mine=True, maxResults=50).execute()
check.true(s["id"] in [i["id"] for i in mine["items"]], "list mine")

check.refused(
    broadcasts.transition(id=b["id"], part="status", broadcastStatus="testing"),
    403,
    "errorStreamInactive",
    "testing needs an active stream",
)
check.refused(
    broadcasts.insertCuepoint(id=b["id"], body={"cueType": "cueTypeAd"}),
    403,
    "liveBroadcastNotLive",
    "a cuepoint needs a live broadcast",
)
check.refused(streams.delete(id=s["id"]), 403, "liveStreamDeletionNotAllowed", "a bound stream stays")
check.refused(
    broadcasts.insert(part="snippet", body={"snippet": {"title": ""}}),
    400,
    "invalidTitle",
    "an empty title",
)
check.refused(
    streams.update(part="snippet", body={"id": "nope", "snippet": {"title": "x"}}),
    404,
    "liveStreamNotFound",
    "an unknown stream",
)

updated = broadcasts.update(
    part="snippet",
    body={"id": b["id"], "snippet": {"title": "Renamed", "scheduledStartTime": START}},
).execute()
check.eq(updated["snippet"]["title"], "Renamed", "update")
unbound = broadcasts.bind(id=b["id"], part="id,status").execute()
check.eq(unbound["status"]["lifeCycleStatus"], "created", "unbinding makes it created")
check.eq(broadcasts.delete(id=b["id"]).execute(), "", "delete answers no body")
check.eq(streams.delete(id=s["id"]).execute(), "", "the free stream is deleted")
check.eq(broadcasts.list(part="id", id=b["id"]).execute()["items"], [], "gone")
print(f"ok: {check.count} checks")
