#!/usr/bin/env bash
# Creates a small git repository from examples/hello/files (in DIR, default a new temp dir) and
# prints its path, so that `slipway run --dir "$(examples/hello/setup.sh)"` runs its workflow.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:-$(mktemp -d "${TMPDIR:-/tmp}/slipway-hello-XXXXXX")}"
mkdir -p "$dir"
cp -R "$here/files/." "$dir/"
cd "$dir"
export GIT_AUTHOR_NAME="Slipway Example" GIT_AUTHOR_EMAIL="hello@example.com"
export GIT_COMMITTER_NAME="Slipway Example" GIT_COMMITTER_EMAIL="hello@example.com"
git init -q -b main
git add -A
git commit -q -m "hello: first version"
echo "$dir"
