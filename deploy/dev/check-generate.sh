#!/usr/bin/env bash
# check-generate.sh fails when committed generated code differs from what the
# pinned generators produce now: protobuf/Connect code under proto/ (buf) and
# the sqlc query code of each service (sqlc diff). It writes nothing into the
# tree, so it is safe to run with uncommitted work.
set -euo pipefail
buf=${BUF:-.tools/node_modules/.bin/buf}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$buf" generate -o "$tmp"
stale=0
# Every file the generators produce must be committed, byte for byte...
while IFS= read -r f; do
  rel=${f#"$tmp"/}
  if ! cmp -s "$f" "$rel"; then echo "stale or missing: $rel"; stale=1; fi
done < <(find "$tmp" -type f -name '*.go')
# ...and no generated file may be left over from a deleted proto.
while IFS= read -r f; do
  [ -f "$tmp/$f" ] || { echo "left over: $f"; stale=1; }
done < <(find proto -type f \( -name '*.pb.go' -o -name '*.connect.go' \))

for c in backend/*/sqlc.yaml; do
  [ -f "$c" ] || continue
  if ! sqlc diff -f "$c"; then echo "stale sqlc output for $c"; stale=1; fi
done

if [ "$stale" -ne 0 ]; then
  echo "generated code is stale: run 'make generate' and commit the result" >&2
  exit 1
fi
echo "generated code is up to date"
