/**
 * @ocikit/dev-server: `ocikit dev` — watch the YAML files (and every `files: source:`), rebuild
 * incrementally, reboot the VM, and serve a page on loopback with the console and the pipeline live.
 */
export { type ConfigProblemsOptions, configProblems } from "./config-problems.js";
export {
  DEV_HUB_DEFAULTS,
  DevHub,
  type DevHubConnection,
  type DevHubOptions,
  type HelloMessage,
  parseClientMessage,
} from "./dev-hub.js";
export {
  DEV_LOOP_DEFAULTS,
  type DevLoop,
  type DevLoopBuild,
  type DevLoopOptions,
  type DevLoopVm,
  startDevLoop,
} from "./dev-loop.js";
export { DevServerError, type DevServerErrorCode } from "./errors.js";
export { type SectionEvent, summarizeImage } from "./image-summary.js";
export { devPageDir } from "./page-dir.js";
export type {
  BuildRecord,
  ClientMessage,
  ConfigProblem,
  ImageEntry,
  ImageSection,
  ImageSummary,
  ServerMessage,
  VmState,
} from "./protocol.js";
export {
  DEV_SERVER_DEFAULTS,
  type DevServer,
  type DevServerOptions,
  startDevServer,
  TOKEN_COOKIE,
} from "./server.js";
