#!/usr/bin/env node
/**
 * Runs every test (`pnpm exec vitest run` from the repository root) with vitest's own report on the
 * terminal, then prints the closing line CI reads, `N passed, N failed[, N skipped]`, from vitest's
 * JSON report, and exits with vitest's exit code. Extra arguments go to vitest
 * (`node tools/dev/run-tests.mjs --project cli`). A missing or unreadable JSON report is a failure.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closingLine } from "./src/closing-line.mjs";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const reportDir = await mkdtemp(join(tmpdir(), "ocikit-vitest-"));
const reportFile = join(reportDir, "report.json");

try {
  process.exitCode = await runTests();
} finally {
  await rm(reportDir, { recursive: true, force: true });
}

/** @returns {Promise<number>} the exit code to leave with */
async function runTests() {
  const args = [
    "exec",
    "vitest",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${reportFile}`,
    ...process.argv.slice(2),
  ];
  const vitestCode = await run("pnpm", args);
  let report;
  try {
    report = JSON.parse(await readFile(reportFile, "utf8"));
  } catch (error) {
    console.error(
      `run-tests: vitest wrote no readable JSON report (${error.message}); counting this run as failed`,
    );
    return vitestCode === 0 ? 1 : vitestCode;
  }
  if (vitestCode !== 0 && report.numFailedTests === 0) {
    // A test file that fails to load, or an error outside any test, fails the run without failing a test.
    console.error(
      `run-tests: vitest exited with code ${vitestCode} although no test failed; see its output above`,
    );
  }
  console.log(closingLine(report));
  if (vitestCode === 0 && report.numFailedTests > 0) return 1;
  return vitestCode;
}

/**
 * Runs a command with this terminal, resolving to its exit code (128 + signal number if killed).
 * @param {string} command
 * @param {string[]} args
 * @returns {Promise<number>}
 */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: "inherit" });
    child.on("error", (error) => {
      console.error(`run-tests: cannot run ${command}: ${error.message}`);
      resolve(1);
    });
    child.on("close", (code, signal) => {
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
