#!/usr/bin/env bash
# Installs what the browser tests need (tests/browser, run by tests/integration/login_browser.rs):
# Debian's Chromium at /usr/bin/chromium, once, and playwright-core from tests/browser/package-lock.json
# into tests/browser/node_modules (`npm ci`), again only when the lock file changed. Playwright never
# downloads a browser of its own: the tests drive /usr/bin/chromium. Quick when everything is in place.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir="$root/tests/browser"

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null  # the Debian wrapper complains on stderr about memory sizes

stamp="$dir/node_modules/.package-lock.sha256"
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [ -d "$dir/node_modules/playwright-core" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
(cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
echo "$want" > "$stamp"
