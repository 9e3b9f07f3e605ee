#!/usr/bin/env bash
# bench-web.sh runs Lighthouse (npm, pinned in the Makefile) with Debian's
# Chromium against the running platform (`make run` in another terminal)
# and prints each public page's scores and paint timings under Lighthouse's
# mobile preset with simulated throttling (a mid-range phone on slow 4G):
# the figures issue 7 asks for (ARCH-1), the median of RUNS runs (3) per
# page. Reports go to ./var/lighthouse.
#
#   make bench-web                         # https://localhost:8443
#   TALENT_URL=https://host make bench-web # another deployment
#   RUNS=5 VERBOSE=1 make bench-web        # more runs, each one shown
set -euo pipefail
base="${TALENT_URL:-https://localhost:8443}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
lh="$root/.tools/node_modules/.bin/lighthouse"
out="$root/var/lighthouse"
mkdir -p "$out"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"

if ! curl -sk -o /dev/null --max-time 5 "$base/"; then
  echo "bench-web: nothing answers at $base: start the platform with 'make run' first" >&2
  exit 1
fi
# A real task page: the newest open task.
task="$(curl -sk "$base/talent.tasks.v1.TaskService/ListTasks" -H 'Content-Type: application/json' -d '{"pageSize":1}' \
  | sed -n 's/.*"ref":"\(T-[0-9]*\)".*/\1/p')"
pages=(/ /tasks /login /signup)
[ -n "$task" ] && pages+=("/tasks/$task")

runs="${RUNS:-3}"
printf 'median of %s runs per page (Lighthouse mobile, simulated throttling)\n' "$runs"
printf '%-22s %5s %5s %5s %5s %7s %7s %7s %6s\n' page perf a11y best seo FCP LCP TBT CLS
for p in "${pages[@]}"; do
  name="$(echo "$p" | tr '/' '_')"; name="${name:-_}"
  reports=()
  for i in $(seq 1 "$runs"); do
    ok=""
    for try in 1 2; do # a loaded machine sometimes makes Lighthouse time out
      if "$lh" "$base$p" --quiet \
        --chrome-flags="--headless=new --no-sandbox --disable-gpu --ignore-certificate-errors" \
        --form-factor=mobile --throttling-method=simulate \
        --only-categories=performance,accessibility,best-practices,seo \
        --output=json --output=html --output-path="$out/page$name.$i" >/dev/null 2>&1; then
        ok=1; break
      fi
    done
    if [ -z "$ok" ]; then echo "bench-web: lighthouse failed on $p (run $i)" >&2; continue; fi
    reports+=("$out/page$name.$i.report.json")
  done
  [ "${#reports[@]}" -gt 0 ] || continue
  node -e '
    const [page, ...files] = process.argv.slice(1);
    const rs = files.map((f) => require(f));
    const med = (f) => { const v = rs.map(f).sort((a, b) => a - b), m = v.length >> 1; return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2; };
    const s = (k) => Math.round(med((r) => r.categories[k].score) * 100);
    const ms = (k) => (med((r) => r.audits[k].numericValue) / 1000).toFixed(2) + "s";
    console.log([page.padEnd(22), s("performance"), s("accessibility"), s("best-practices"), s("seo"),
      ms("first-contentful-paint"), ms("largest-contentful-paint"), ms("total-blocking-time"),
      med((r) => r.audits["cumulative-layout-shift"].numericValue).toFixed(3)].map(String).map((v, i) => i ? v.padStart(i > 4 ? 7 : 5) : v).join(" "));
    if (process.env.VERBOSE) for (const [i, r] of rs.entries()) console.log("  run " + (i + 1) + ": perf " + Math.round(r.categories.performance.score * 100) +
      " FCP " + Math.round(r.audits["first-contentful-paint"].numericValue) + "ms LCP " + Math.round(r.audits["largest-contentful-paint"].numericValue) +
      "ms TBT " + Math.round(r.audits["total-blocking-time"].numericValue) + "ms");
  ' "$p" "${reports[@]}"
done
echo "reports: $out/page*.report.html"

# A repeat visit, app.wasm from the service-worker cache (issue 7).
node "$root/deploy/dev/bench-repeat.mjs" "$base" "${RUNS:-3}"
