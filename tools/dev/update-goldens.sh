#!/bin/sh
# Rewrites the golden files of the corpus tests (test-fixtures/spec/…) from the current code.
# Review every change with `git diff test-fixtures` before committing: a golden is only as right
# as the person who read it.
set -eu
cd "$(dirname "$0")/../.."
UPDATE_GOLDENS=1 pnpm exec vitest run --project spec test/yaml-corpus.test.ts test/bundle-corpus.test.ts "$@"
