#!/usr/bin/env bash
# Installs the Python tools the test command needs (moto server, cfn-lint, authlib, schemathesis,
# google-api-python-client with the YouTube discovery document) into a
# project-local virtualenv, once; later runs reuse it when the pinned requirements are unchanged.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv="$root/.venv"
req="$root/infra/scripts/requirements.txt"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
echo "$want" > "$stamp"
