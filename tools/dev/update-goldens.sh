#!/bin/sh
# Rewrites the golden files of the corpus tests (test-fixtures/spec/…, test-fixtures/build/…) from
# the current code. Review every change with `git diff test-fixtures` before committing: a golden is
# only as right as the person who read it. Extra arguments go to vitest (e.g. -t CASE).
set -eu
cd "$(dirname "$0")/../.."
UPDATE_GOLDENS=1 pnpm exec vitest run --project spec --project cli \
  packages/spec/test/yaml-corpus.test.ts packages/spec/test/bundle-corpus.test.ts apps/cli/test/build.golden.test.ts "$@"
