#!/usr/bin/env bash
# bench-web.sh runs Lighthouse (npm, pinned in the Makefile) with Debian's
# Chromium against the running platform (`make run` in another terminal)
# and prints each public page's scores and paint timings under Lighthouse's
# mobile preset with simulated throttling (a mid-range phone on slow 4G):
# the figures issue 7 asks for (ARCH-1). Reports go to ./var/lighthouse.
#
#   make bench-web                         # https://localhost:8443
#   TALENT_URL=https://host make bench-web # another deployment
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

printf '%-22s %5s %5s %5s %5s %7s %7s %7s %6s\n' page perf a11y best seo FCP LCP TBT CLS
for p in "${pages[@]}"; do
  name="$(echo "$p" | tr '/' '_')"; name="${name:-_}"
  "$lh" "$base$p" --quiet \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu --ignore-certificate-errors" \
    --form-factor=mobile --throttling-method=simulate \
    --only-categories=performance,accessibility,best-practices,seo \
    --output=json --output=html --output-path="$out/page$name" >/dev/null 2>&1 || {
      echo "bench-web: lighthouse failed on $p" >&2; continue; }
  node -e '
    const r = require(process.argv[1]);
    const c = r.categories, a = r.audits;
    const s = (k) => Math.round(c[k].score * 100);
    const ms = (k) => (a[k].numericValue / 1000).toFixed(2) + "s";
    console.log([process.argv[2].padEnd(22), s("performance"), s("accessibility"), s("best-practices"), s("seo"),
      ms("first-contentful-paint"), ms("largest-contentful-paint"), ms("total-blocking-time"),
      a["cumulative-layout-shift"].numericValue.toFixed(3)].map(String).map((v, i) => i ? v.padStart(i > 4 ? 7 : 5) : v).join(" "));
  ' "$out/page$name.report.json" "$p"
done
echo "reports: $out/page*.report.html"
