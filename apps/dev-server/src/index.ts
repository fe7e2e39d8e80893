/**
 * @ocikit/dev-server: `ocikit dev` — watch the YAML files (and every `files: source:`), rebuild
 * incrementally, reboot the VM, and serve a page on loopback with the console and the pipeline live.
 */
export { DevServerError, type DevServerErrorCode } from "./errors.js";
export type { BuildRecord, ClientMessage, ConfigProblem, ServerMessage, VmState } from "./protocol.js";
