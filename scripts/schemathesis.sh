#!/usr/bin/env bash
# Conformance: runs schemathesis (from PyPI, every package pinned with its
# hashes in scripts/schemathesis-requirements.txt, in a venv under target/)
# against hss-mock with spec/hss.yaml and fails on any failure.
#
#   bash scripts/schemathesis.sh            # or: cargo xtask conformance
#
# Environment: SCHEMATHESIS_MAX_EXAMPLES (default 50) bounds the examples
# per operation and phase; SCHEMATHESIS_MAX_TIME (default 45) the seconds of
# the whole run.
set -euo pipefail
cd "$(dirname "$0")/.."

REQUIREMENTS=scripts/schemathesis-requirements.txt
SCHEMATHESIS_VERSION=$(sed -n 's/^schemathesis==\([^ ]*\).*/\1/p' "$REQUIREMENTS")
[ -n "$SCHEMATHESIS_VERSION" ] || { echo "error: $REQUIREMENTS pins no schemathesis" >&2; exit 1; }
VENV=target/venvs/schemathesis
TOKEN=conformance-token
OUT=target/conformance
mkdir -p "$OUT"

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    echo "==> installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
    python3 -m venv "$VENV"
    # Every package pinned with its hashes, from the lockfile beside this script.
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        --require-hashes -r "$REQUIREMENTS"
fi

echo "==> building hss-mock"
cargo build --quiet --locked -p hss-mock
MOCK=target/debug/hss-mock

"$MOCK" --port 0 --events 10000 --token "$TOKEN" >"$OUT/mock.log" 2>&1 &
MOCK_PID=$!
trap 'kill "$MOCK_PID" 2>/dev/null || true' EXIT

URL=""
for _ in $(seq 1 100); do
    URL=$(sed -n 's/^hss-mock listening on \(http:\/\/[^ ]*\).*/\1/p' "$OUT/mock.log")
    [ -n "$URL" ] && break
    if ! kill -0 "$MOCK_PID" 2>/dev/null; then
        echo "error: hss-mock exited:" >&2
        cat "$OUT/mock.log" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$URL" ]; then
    echo "error: hss-mock did not report its address within 10 s" >&2
    exit 1
fi
echo "==> schemathesis against $URL"

# From inside $OUT, so that schemathesis's own cache stays out of the work
# tree.
ROOT=$(pwd)
cd "$OUT"
"$ROOT/$VENV/bin/schemathesis" --no-color run "$ROOT/spec/hss.yaml" \
    --url "$URL" \
    --header "X-Auth-Token: $TOKEN" \
    --checks all \
    --exclude-checks use_after_free,ensure_resource_availability,object_level_authorization \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-50}" \
    --max-time "${SCHEMATHESIS_MAX_TIME:-45}" \
    --seed 1 \
    --generation-database none \
    --workers 2 \
    --report junit --report-dir .
