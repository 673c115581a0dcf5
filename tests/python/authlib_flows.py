#!/usr/bin/env python3
"""OAuth flows against a running onair server with authlib, an independent client implementation.

Run by the Rust test `oauth::e2e::*::authlib_flows_*`, which starts the server with a short refresh grace
window and passes:

    argv[1]                   the server's base URL (http://127.0.0.1:PORT)
    ONAIR_E2E_ADMIN_TOKEN     bearer token of the admin API
    ONAIR_E2E_CLIENT_ID       the demo (confidential) client
    ONAIR_E2E_CLIENT_SECRET   its secret
    ONAIR_E2E_REDIRECT_URI    its loopback redirect URI
    ONAIR_E2E_USERNAME        the demo streamer's login
    ONAIR_E2E_PASSWORD        their password
    ONAIR_E2E_USER_ID         their user id
    ONAIR_E2E_GRACE_SECONDS   the server's refresh grace window

Every expectation is an explicit check that raises on failure; the last line is `ok: N checks`.
"""

import html
import os
import re
import sys
import time
from urllib.parse import parse_qs, urljoin, urlparse

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

HIDDEN = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')
FORM = re.compile(r'<form method="post" action="([^"]*)">')


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

    def ne(self, actual, other, what):
        if actual == other:
            raise AssertionError(f"{what}: both are {actual!r}")
        self.count += 1

    def oauth_error(self, call, code, what):
        """`call` must fail with OAuth error `code` (authlib raises on an error reply)."""
        try:
            result = call()
        except Exception as e:  # authlib's OAuthError carries the RFC 6749 §5.2 code in .error
            self.eq(getattr(e, "error", None), code, f"{what} ({e!r})")
            return
        raise AssertionError(f"{what}: expected {code}, got {result!r}")


check = Checks()
BASE = sys.argv[1].rstrip("/")
ENV = os.environ
ADMIN = ENV["ONAIR_E2E_ADMIN_TOKEN"]
CLIENT_ID = ENV["ONAIR_E2E_CLIENT_ID"]
CLIENT_SECRET = ENV["ONAIR_E2E_CLIENT_SECRET"]
REDIRECT_URI = ENV["ONAIR_E2E_REDIRECT_URI"]
USERNAME = ENV["ONAIR_E2E_USERNAME"]
PASSWORD = ENV["ONAIR_E2E_PASSWORD"]
USER_ID = ENV["ONAIR_E2E_USER_ID"]
GRACE = float(ENV["ONAIR_E2E_GRACE_SECONDS"])
TIMEOUT = 60


def metadata():
    meta = requests.get(f"{BASE}/.well-known/oauth-authorization-server", timeout=TIMEOUT)
    check.eq(meta.status_code, 200, "metadata status")
    meta = meta.json()
    check.eq(meta["issuer"], BASE, "metadata issuer")
    check.true("S256" in meta["code_challenge_methods_supported"], "S256 is supported")
    return meta


META = metadata()
AUTHORIZE = META["authorization_endpoint"]
TOKEN = META["token_endpoint"]
REVOKE = META["revocation_endpoint"]
INTROSPECT = META["introspection_endpoint"]


def register_public_client():
    reply = requests.post(
        f"{BASE}/admin/clients",
        headers={"Authorization": f"Bearer {ADMIN}"},
        json={"name": "authlib public", "kind": "public", "redirectUris": [REDIRECT_URI]},
        timeout=TIMEOUT,
    )
    check.eq(reply.status_code, 201, "public client registered")
    body = reply.json()
    check.true("clientSecret" not in body, "a public client has no secret")
    return body["clientId"]


def register_confidential_client():
    reply = requests.post(
        f"{BASE}/admin/clients",
        headers={"Authorization": f"Bearer {ADMIN}"},
        json={"name": "authlib other", "redirectUris": [REDIRECT_URI]},
        timeout=TIMEOUT,
    )
    check.eq(reply.status_code, 201, "second confidential client registered")
    body = reply.json()
    return body["clientId"], body["clientSecret"]


def log_in(authorization_url):
    """Drives the login page like a browser; returns the redirect (the callback URL with the code)."""
    browser = requests.Session()
    page = browser.get(authorization_url, allow_redirects=False, timeout=TIMEOUT)
    check.eq(page.status_code, 200, "login page status")
    csrf = browser.cookies.get("onair_csrf")
    check.true(csrf, "the login page sets the CSRF cookie")
    form = {html.unescape(n): html.unescape(v) for n, v in HIDDEN.findall(page.text)}
    check.eq(form.get("csrf"), csrf, "the form's csrf field equals the cookie")
    form.update(login=USERNAME, password=PASSWORD, action="login")
    action = urljoin(page.url, html.unescape(FORM.search(page.text).group(1)))
    reply = browser.post(action, data=form, allow_redirects=False, timeout=TIMEOUT)
    check.eq(reply.status_code, 303, "login redirects")
    location = reply.headers["Location"]
    check.true(location.startswith(REDIRECT_URI + "?"), f"redirected to the client: {location}")
    return location


def session(client_id, client_secret=None):
    if client_secret is None:
        return OAuth2Session(
            client_id,
            redirect_uri=REDIRECT_URI,
            code_challenge_method="S256",
            token_endpoint_auth_method="none",
            revocation_endpoint_auth_method="none",
        )
    return OAuth2Session(
        client_id,
        client_secret,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
        revocation_endpoint_auth_method="client_secret_basic",
    )


def check_token(token, what):
    check.true(isinstance(token.get("access_token"), str) and token["access_token"], f"{what}: access_token")
    check.true(isinstance(token.get("refresh_token"), str) and token["refresh_token"], f"{what}: refresh_token")
    check.eq(str(token.get("token_type")).lower(), "bearer", f"{what}: token_type")
    check.true(isinstance(token.get("expires_in"), int) and token["expires_in"] > 0, f"{what}: expires_in")


def authorize(sess, what):
    """Authorization code with PKCE S256; returns the token."""
    verifier = generate_token(64)
    url, state = sess.create_authorization_url(AUTHORIZE, code_verifier=verifier)
    query = parse_qs(urlparse(url).query)
    check.eq(query.get("code_challenge_method"), ["S256"], f"{what}: the request carries an S256 challenge")
    location = log_in(url)
    check.eq(parse_qs(urlparse(location).query).get("state"), [state], f"{what}: state echoed")
    # authlib checks the state again and sends the verifier and redirect_uri.
    token = sess.fetch_token(TOKEN, authorization_response=location, code_verifier=verifier)
    check_token(token, what)
    return token


def user_id_with(access_token):
    reply = requests.get(
        f"{BASE}/prism/v1/service/user",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=TIMEOUT,
    )
    check.eq(reply.status_code, 200, "resource call status")
    return reply.json()["data"]["user"]["userId"]


def refresh(sess, refresh_token):
    token = sess.refresh_token(TOKEN, refresh_token=refresh_token)
    check_token(token, "refresh")
    return dict(token)


def introspect(sess, token):
    reply = sess.introspect_token(INTROSPECT, token=token)
    check.eq(reply.status_code, 200, "introspection status")
    return reply.json()


def public_client_with_pkce_and_rotation():
    client_id = register_public_client()
    sess = session(client_id)
    token = authorize(sess, "public client")
    check.eq(user_id_with(token["access_token"]), USER_ID, "public client: the token is the streamer's")
    # The session itself sends the token as a bearer.
    check.eq(sess.get(f"{BASE}/prism/v1/service/user", timeout=TIMEOUT).status_code, 200, "session call")

    # Rotation: a new refresh token every time, each access token working.
    seen = {token["refresh_token"]}
    current = token["refresh_token"]
    for i in range(3):
        renewed = refresh(sess, current)
        check.true(renewed["refresh_token"] not in seen, f"rotation {i} issues a new refresh token")
        seen.add(renewed["refresh_token"])
        check.eq(user_id_with(renewed["access_token"]), USER_ID, f"rotation {i}: new access token works")
        current = renewed["refresh_token"]

    # PKCE is enforced: a verifier that does not match the challenge is refused.
    verifier = generate_token(64)
    url, _ = sess.create_authorization_url(AUTHORIZE, code_verifier=verifier)
    location = log_in(url)
    check.oauth_error(
        lambda: sess.fetch_token(TOKEN, authorization_response=location, code_verifier=generate_token(64)),
        "invalid_grant",
        "a wrong PKCE verifier",
    )


def confidential_client_grace_and_reuse():
    sess = session(CLIENT_ID, CLIENT_SECRET)
    token = authorize(sess, "confidential client")
    check.eq(user_id_with(token["access_token"]), USER_ID, "confidential client: the streamer's token")
    first = token["refresh_token"]

    # A retried refresh within the grace window gets the SAME successor.
    a = refresh(sess, first)
    b = refresh(sess, first)
    check.ne(a["refresh_token"], first, "the refresh rotates")
    check.eq(b["refresh_token"], a["refresh_token"], "a retry within the grace window gets the same successor")
    check.eq(user_id_with(b["access_token"]), USER_ID, "the retry's access token works")
    latest = refresh(sess, a["refresh_token"])
    check.ne(latest["refresh_token"], a["refresh_token"], "the successor rotates normally")
    check.eq(introspect(sess, latest["refresh_token"])["active"], True, "the latest refresh token is active")

    # Reuse after the grace window: refused, and the whole family is revoked.
    time.sleep(GRACE + 1.0)
    check.oauth_error(lambda: refresh(sess, first), "invalid_grant", "reuse of a rotated token after grace")
    check.oauth_error(
        lambda: refresh(sess, latest["refresh_token"]), "invalid_grant", "the family's latest token after reuse"
    )
    check.eq(introspect(sess, latest["refresh_token"]), {"active": False}, "revoked refresh token is inactive")
    check.eq(introspect(sess, latest["access_token"]), {"active": False}, "revoked family's access token")


def revocation_and_introspection():
    sess = session(CLIENT_ID, CLIENT_SECRET)
    token = authorize(sess, "revocation")
    now = time.time()

    view = introspect(sess, token["access_token"])
    check.eq(view.get("active"), True, "access token active")
    check.eq(view.get("client_id"), CLIENT_ID, "access token client_id")
    check.eq(view.get("sub"), USER_ID, "access token sub")
    check.true(isinstance(view.get("exp"), int) and view["exp"] > now, f"access token exp in the future: {view}")
    check.eq(view.get("token_type"), "access_token", "access token type")
    check.eq(view.get("username"), USERNAME, "access token username")

    view = introspect(sess, token["refresh_token"])
    check.eq(view.get("active"), True, "refresh token active")
    check.eq(view.get("client_id"), CLIENT_ID, "refresh token client_id")
    check.eq(view.get("sub"), USER_ID, "refresh token sub")
    check.true(isinstance(view.get("exp"), int) and view["exp"] > now, f"refresh token exp in the future: {view}")

    # Another client sees nothing of this client's tokens (RFC 7662 §2.2: simply inactive).
    other_id, other_secret = register_confidential_client()
    other = session(other_id, other_secret)
    check.eq(introspect(other, token["access_token"]), {"active": False}, "another client's view")
    check.eq(other.revoke_token(REVOKE, token=token["refresh_token"]).status_code, 200, "foreign revoke is 200")
    check.eq(introspect(sess, token["refresh_token"])["active"], True, "a foreign revoke changes nothing")

    # Revoking the refresh token revokes the family (RFC 7009).
    reply = sess.revoke_token(REVOKE, token=token["refresh_token"], token_type_hint="refresh_token")
    check.eq(reply.status_code, 200, "revocation status")
    check.oauth_error(lambda: refresh(sess, token["refresh_token"]), "invalid_grant", "refresh after revocation")
    check.eq(introspect(sess, token["refresh_token"]), {"active": False}, "revoked refresh token")
    check.eq(introspect(sess, token["access_token"]), {"active": False}, "access token of a revoked family")
    check.eq(sess.revoke_token(REVOKE, token="no-such-token").status_code, 200, "unknown token revoke is 200")

    # Revoking by the access token revokes its family too.
    token = authorize(sess, "revocation by access token")
    reply = sess.revoke_token(REVOKE, token=token["access_token"], token_type_hint="access_token")
    check.eq(reply.status_code, 200, "access token revocation status")
    check.oauth_error(
        lambda: refresh(sess, token["refresh_token"]), "invalid_grant", "refresh after access token revocation"
    )

    # A public client revokes with its client_id alone.
    public = session(register_public_client())
    token = authorize(public, "public revocation")
    check.eq(public.revoke_token(REVOKE, token=token["refresh_token"]).status_code, 200, "public revoke")
    check.oauth_error(lambda: refresh(public, token["refresh_token"]), "invalid_grant", "public after revoke")


public_client_with_pkce_and_rotation()
confidential_client_grace_and_reuse()
revocation_and_introspection()
print(f"ok: {check.count} checks")
