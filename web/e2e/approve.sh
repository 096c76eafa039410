#!/usr/bin/env bash
# Re-approves the screenshots the browser tests compare against: runs the
# visual test with E2E_APPROVE=1, which writes web/e2e/approved/*.png from
# this machine's rendering. Look at them (and git diff --stat) before you
# commit them.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
E2E_APPROVE=1 node --test --test-concurrency=1 --test-reporter=spec --test-name-pattern='looks as approved' ${E2E_FILES:-*.test.mjs}
ls -la approved
