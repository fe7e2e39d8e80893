/**
 * The plain closing line CI reads (toolchain.md §CI's closing line): `N passed, N failed`, with
 * `, N skipped` when tests were skipped or left as todo, computed from vitest's JSON report.
 */

/**
 * @param {{ numPassedTests: number, numFailedTests: number, numPendingTests?: number, numTodoTests?: number }} report
 *   vitest's JSON reporter output (Jest's format)
 * @returns {string} e.g. `41 passed, 0 failed` or `41 passed, 1 failed, 2 skipped`
 */
export function closingLine(report) {
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  const line = `${report.numPassedTests} passed, ${report.numFailedTests} failed`;
  return skipped > 0 ? `${line}, ${skipped} skipped` : line;
}
