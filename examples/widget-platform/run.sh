#!/usr/bin/env bash
# One command: creates the widget-platform repository (its own git history) and runs its pipeline with
# Slipway, as a push to its current branch.   examples/widget-platform/run.sh [TARGET_DIR] [slipway run options]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
target="${1:-$(mktemp -d)/widget-platform}"
shift || true
[ -f "$root/dist/cli.js" ] || (cd "$root" && npm run build --silent)
node "$here/create-repo.mjs" "$target"
cd "$target"
exec node "$root/bin/slipway.js" run --event push "$@"
