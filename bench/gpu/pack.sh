#!/usr/bin/env bash
# Stages what bench/gpu/check.sh needs on a machine with no Node and no network into .gpu-pack/
# (git-ignored), small enough to carry with the working tree (< 64 MiB in all):
#   node.tar.xz          this machine's Node binary, its headers (no OpenSSL: N-API needs none) and
#                        npm (for its node-gyp), laid out as a Node prefix: node/{bin,include,lib}
#   node_modules.tar.xz  the repo's node_modules without what the check never loads (TypeScript,
#                        type declarations, h5wasm, source maps)
# Usage: bash bench/gpu/pack.sh        (then carry .gpu-pack with the tree; check.sh unpacks it)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.gpu-pack
node_bin=$(readlink -f "$(command -v node)")
prefix=$(dirname "$(dirname "$node_bin")")
headers=""
for d in "$prefix/include/node" /usr/include/node; do [ -f "$d/node_api.h" ] && { headers=$d; break; }; done
npm_dir=""
for d in "$prefix/lib/node_modules/npm" /usr/lib/node_modules/npm /usr/local/lib/node_modules/npm; do [ -f "$d/package.json" ] && { npm_dir=$d; break; }; done
[ -n "$headers" ] || { echo "pack: no Node headers (include/node/node_api.h) found" >&2; exit 1; }
[ -n "$npm_dir" ] || { echo "pack: npm (for its node-gyp) not found" >&2; exit 1; }
[ -d node_modules/@tensorflow/tfjs-core ] || { echo "pack: node_modules is missing: run npm install first" >&2; exit 1; }

rm -rf "$out" && mkdir -p "$out/stage/node/bin" "$out/stage/node/include" "$out/stage/node/lib/node_modules"
cp "$node_bin" "$out/stage/node/bin/node"
tar -C "$(dirname "$headers")" --exclude='node/openssl' -cf - node | tar -C "$out/stage/node/include" -xf -
cp -r "$npm_dir" "$out/stage/node/lib/node_modules/npm"
node -e "console.log(process.version)" > "$out/stage/node/VERSION"
XZ_OPT='-6 -T2' tar -C "$out/stage" -cJf "$out/node.tar.xz" node
# -h: the entries may be links (a worktree sharing another checkout's node_modules); the workspace
# package link is left out and made again by check.sh.
XZ_OPT='-6 -T2' tar -chJf "$out/node_modules.tar.xz" --exclude='node_modules/typescript' --exclude='node_modules/@types' \
  --exclude='node_modules/h5wasm' --exclude='node_modules/@untangle' --exclude='*.map' --exclude='node_modules/.cache' node_modules
rm -rf "$out/stage"
du -b "$out"/*.tar.xz | awk '{ s += $1; printf "pack: %s %.1f MiB\n", $2, $1 / 1048576 } END { printf "pack: total %.1f MiB (limit 64)\n", s / 1048576; if (s > 60 * 1048576) exit 1 }'
