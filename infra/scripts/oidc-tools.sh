#!/usr/bin/env bash
# Installs what the federated-login tests need (tests/oidc, run by tests/integration/federation.rs):
# panva's oidc-provider, pinned by tests/oidc/package-lock.json, into tests/oidc/node_modules (`npm ci`),
# again only when the lock file changed. Needs Node.js >= 20 on PATH. Quick when everything is in place.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir="$root/tests/oidc"

command -v node >/dev/null || { echo "oidc-tools: node is not installed (Node.js >= 20 is needed)" >&2; exit 1; }
node --version

stamp="$dir/node_modules/.package-lock.sha256"
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [ -f "$dir/node_modules/oidc-provider/package.json" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
echo "$want" > "$stamp"
