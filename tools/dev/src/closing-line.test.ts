import { describe, expect, it } from "vitest";
import { closingLine } from "./closing-line.mjs";

describe("closingLine", () => {
  it.each([
    [
      "all passed",
      { numPassedTests: 41, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0 },
      "41 passed, 0 failed",
    ],
    [
      "some failed",
      { numPassedTests: 3, numFailedTests: 2, numPendingTests: 0, numTodoTests: 0 },
      "3 passed, 2 failed",
    ],
    [
      "skipped and todo",
      { numPassedTests: 5, numFailedTests: 1, numPendingTests: 2, numTodoTests: 1 },
      "5 passed, 1 failed, 3 skipped",
    ],
    ["no counts of skipped", { numPassedTests: 0, numFailedTests: 0 }, "0 passed, 0 failed"],
  ])("%s", (_name, report, want) => {
    expect(closingLine(report)).toBe(want);
  });
});
