/**
 * Golden-file helpers for the corpus tests: compare text with a committed file, or rewrite the file
 * when UPDATE_GOLDENS=1 (tools/dev/update-goldens.sh). A missing golden is a failure, never a pass.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { expect } from "vitest";

export const updating = process.env.UPDATE_GOLDENS === "1";

/** Asserts `actual` equals the golden file (or writes it when updating). */
export function expectGolden(path: string, actual: string): void {
  if (updating) {
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path))
    throw new Error(`missing golden file ${path}; run tools/dev/update-goldens.sh and review it`);
  expect(actual).toBe(readFileSync(path, "utf8"));
}
