"""Signs the local server's demo streamer in the way PRISM does — the authorization page, the login
form with its hidden fields, the code, the token endpoint — and returns a real access token. Shared by
the scripts that drive the local server from Python (schemathesis, the YouTube client end to end)."""

import html
import re
from urllib.parse import parse_qs, urlencode, urlparse

import requests

HIDDEN = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)"')


def access_token(demo: dict, scope: str | None = None, state: str = "demo") -> str:
    """An access token of the demo streamer (`demo` is the server's ONAIR_DEMO_FILE), with `scope`
    when given."""
    base = demo["base_url"]
    http = requests.Session()
    query = {"response_type": "code", "client_id": demo["client_id"], "redirect_uri": demo["redirect_uri"],
             "state": state}
    if scope:
        query["scope"] = scope
    page = http.get(f"{base}/oauth/authorize?{urlencode(query)}", timeout=10)
    page.raise_for_status()
    hidden = {html.unescape(n): html.unescape(v) for n, v in HIDDEN.findall(page.text)}
    if "csrf" not in hidden:
        raise RuntimeError("the login page carries no CSRF field")
    form = {**hidden, "login": demo["username"], "password": demo["password"]}
    login = http.post(f"{base}/oauth/authorize", data=form, allow_redirects=False, timeout=30)
    if login.status_code != 303:
        raise RuntimeError(f"login answered {login.status_code}: {login.text[:300]}")
    code = parse_qs(urlparse(login.headers["location"]).query)["code"][0]
    token = requests.post(f"{base}/oauth/token", auth=(demo["client_id"], demo["client_secret"]), timeout=10,
                          data={"grant_type": "authorization_code", "code": code,
                                "redirect_uri": demo["redirect_uri"]})
    token.raise_for_status()
    return token.json()["access_token"]
