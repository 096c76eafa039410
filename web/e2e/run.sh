#!/usr/bin/env bash
# The map page's browser tests: installs what they need if it is missing
# (Debian's chromium, a Chinese font for legible screenshots; from
# package-lock.json playwright-core, pixelmatch and pngjs for the approved
# screenshots, @axe-core/playwright for the accessibility audit), then builds
# campusd and runs every *.test.mjs (E2E_FILES: those named) against it in headless chromium. Screenshots
# land in web/e2e/artifacts/ (with a .diff.png where one differs from
# web/e2e/approved/; approve.sh re-approves). Exits non-zero when a test
# fails. The files run two at a time (E2E_CONCURRENCY: how many), each with
# its own campusd and chromium. Needs Go, Node.js >= 20 and npm.
set -euo pipefail
cd "$(dirname "$0")"

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-wqy-microhei)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "== apt-get install ${need[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${need[@]}"
fi

echo "== npm ci (playwright-core, which downloads no browser; pixelmatch, pngjs, @axe-core/playwright)"
npm ci --no-audit --no-fund --loglevel=error

echo "== browser tests ($(/usr/bin/chromium --version 2>/dev/null | head -1))"
start=$(date +%s)
status=0
node --test --test-concurrency=${E2E_CONCURRENCY:-2} --test-reporter=spec ${E2E_FILES:-*.test.mjs} || status=$?
echo "== browser tests: $(( $(date +%s) - start )) s, exit $status"
exit $status
