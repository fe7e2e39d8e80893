/**
 * Docker credential helpers (docker/docker-credential-helpers, `client.Get`): the program
 * `docker-credential-<name>` is run with the argument `get`, the server URL on stdin, and answers
 * `{"ServerURL": …, "Username": …, "Secret": …}` on stdout. A user name of `<token>` means the secret
 * is an identity token; exiting non-zero with "credentials not found in native keychain" means there
 * are none (anonymous, not an error). Only `get` is implemented: ocikit never stores credentials.
 */
import { spawn } from "node:child_process";
import { OciError } from "../errors.js";
import type { Credentials } from "./credentials.js";

/** How to run one helper: the program (found on `env.PATH`), its arguments, stdin. */
export interface CredentialHelperRun {
  readonly program: string;
  readonly args: readonly string[];
  readonly input: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs: number;
}

/** What running a helper gave: it exited, or it could not be run. */
export type CredentialHelperOutcome =
  | { readonly kind: "exited"; readonly exitCode: number; readonly stdout: string; readonly stderr: string }
  | { readonly kind: "not-found" }
  | { readonly kind: "failed"; readonly reason: string };

/** Runs a credential helper; injectable for tests. Never throws: failures are outcomes. */
export type CredentialHelperRunner = (run: CredentialHelperRun) => Promise<CredentialHelperOutcome>;

// The message docker-credential-helpers prints (credentials.errCredentialsNotFoundMessage); other
// helpers print variations of it, so the match is on "credentials not found", in any case.
const NOT_FOUND = /credentials not found/i;
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
// A helper answers a few hundred bytes; more is not an answer.
const MAX_OUTPUT_BYTES = 1 << 20;

/** Runs a helper with node:child_process (no shell), feeding `input` on stdin. */
export const runCredentialHelper: CredentialHelperRunner = (run) =>
  new Promise((resolve) => {
    // Its own process group, so that a timeout ends the helper and whatever it started (a shell
    // script's children would otherwise keep the pipes open).
    const child = spawn(run.program, [...run.args], {
      env: { ...run.env },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let settled = false;
    const settle = (outcome: CredentialHelperOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone (ESRCH): nothing left to stop.
      }
      child.stdout.destroy();
      child.stderr.destroy();
      settle({ kind: "failed", reason: `no answer within ${run.timeoutMs} ms` });
    }, run.timeoutMs);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT_BYTES) into.push(chunk);
    };
    child.stdout.on("data", collect(stdout));
    child.stderr.on("data", collect(stderr));
    // A helper that exits without reading stdin makes the write fail with EPIPE; its exit status
    // is what matters, so the write error is ignored.
    child.stdin.on("error", () => {});
    child.stdin.end(run.input);
    child.on("error", (error: NodeJS.ErrnoException) => {
      settle(
        error.code === "ENOENT"
          ? { kind: "not-found" }
          : { kind: "failed", reason: error.code ?? error.message },
      );
    });
    child.on("close", (code, signal) => {
      if (signal !== null) return settle({ kind: "failed", reason: `killed by ${signal}` });
      settle({
        kind: "exited",
        exitCode: code ?? 0,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      });
    });
  });

/** One helper lookup. */
export interface HelperLookup {
  /** The helper's name, as in `credsStore`/`credHelpers` (`pass`, `desktop`, `ecr-login`). */
  readonly helper: string;
  /** The registry being authenticated, for messages. */
  readonly registry: string;
  /** What to send on stdin: `https://index.docker.io/v1/` for Docker Hub, else `host[:port]`. */
  readonly serverUrl: string;
  /** The config key that named the helper: `credsStore` or `credHelpers["gcr.io"]`. */
  readonly configKey: string;
  /** The config file it is in. */
  readonly configPath: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs: number;
  readonly runHelper: CredentialHelperRunner;
}

/**
 * Asks a credential helper for a registry's credentials; `undefined` when it has none.
 * @throws {OciError} OCI_CREDENTIALS when the helper is missing, fails, or answers nonsense
 */
export async function getHelperCredentials(lookup: HelperLookup): Promise<Credentials | undefined> {
  const program = `docker-credential-${lookup.helper}`;
  const configuredBy = `${lookup.configKey} in ${lookup.configPath}`;
  const where = `${lookup.registry}: credential helper ${program} (${configuredBy})`;
  if (!HELPER_NAME.test(lookup.helper)) {
    throw new OciError(
      "OCI_CREDENTIALS",
      `${where}: "${lookup.helper}" is not a helper name; fix ${lookup.configKey} in ${lookup.configPath}`,
    );
  }
  const outcome = await lookup.runHelper({
    program,
    args: ["get"],
    input: lookup.serverUrl,
    env: lookup.env,
    timeoutMs: lookup.timeoutMs,
  });
  if (outcome.kind === "not-found") {
    throw new OciError(
      "OCI_CREDENTIALS",
      `${where} is not installed (not found on PATH); install it, or remove ${lookup.configKey} from ${lookup.configPath}`,
    );
  }
  if (outcome.kind === "failed")
    throw new OciError("OCI_CREDENTIALS", `${where} could not be run: ${outcome.reason}`);
  if (outcome.exitCode !== 0) {
    if (NOT_FOUND.test(outcome.stdout) || NOT_FOUND.test(outcome.stderr)) return undefined;
    const said = safeOutput(outcome.stdout) || safeOutput(outcome.stderr);
    throw new OciError(
      "OCI_CREDENTIALS",
      `${where} failed (exit ${outcome.exitCode}${said ? `: ${said}` : ""}); check the helper, or run "docker login ${lookup.registry}"`,
    );
  }
  const answer = parseAnswer(outcome.stdout);
  if (answer === undefined) {
    throw new OciError(
      "OCI_CREDENTIALS",
      `${where} answered something that is not {"Username", "Secret"} JSON; check the helper`,
    );
  }
  const source = `${program} (${configuredBy})`;
  if (answer.secret === "") return undefined;
  if (answer.username === "<token>") return { kind: "identity-token", identityToken: answer.secret, source };
  return { kind: "basic", username: answer.username, password: answer.secret, source };
}

function parseAnswer(stdout: string): { username: string; secret: string } | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    // Not JSON: reported by the caller without the text, which may hold a secret.
    return undefined;
  }
  if (typeof doc !== "object" || doc === null) return undefined;
  const { Username: username = "", Secret: secret = "" } = doc as Record<string, unknown>;
  if (typeof username !== "string" || typeof secret !== "string") return undefined;
  return { username, secret };
}

/**
 * A failing helper's output for a message: its first line, shortened — unless it looks like an
 * answer (JSON, or anything naming a secret), which is never shown.
 */
function safeOutput(text: string): string {
  const line = (text.trim().split("\n")[0] ?? "").trim();
  if (line.startsWith("{") || /secret|password|token/i.test(line)) return "";
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}
