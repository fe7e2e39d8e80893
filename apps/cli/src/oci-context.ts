/**
 * What every image-using command works with, opened once per command from the global options
 * (oci-settings.ts): the image cache, a registry transport with the user's Docker credentials, and a
 * puller that draws its progress on stderr.
 */
import {
  createAuthenticator,
  dockerCredentials,
  ImagePuller,
  OciLayoutStore,
  RegistryTransport,
} from "@ocikit/oci";
import type { Command } from "commander";
import type { CliIo } from "./cli-io.js";
import { type OciSettings, ociSettings } from "./oci-settings.js";
import { createPullProgress, type PullProgress, progressMode } from "./pull-progress.js";

/** What image commands need: the cache, a transport with credentials, the settings. */
export interface OciContext {
  readonly settings: OciSettings;
  readonly store: OciLayoutStore;
  readonly transport: RegistryTransport;
}

/** Opens (creating if needed) the cache and the registry transport for a command. */
export async function openOciContext(command: Command, io: CliIo): Promise<OciContext> {
  const settings = ociSettings(command, io);
  const store = await OciLayoutStore.open(settings.cacheDir, { create: true });
  const authenticator = createAuthenticator({
    credentials: dockerCredentials({ env: io.env, homeDir: settings.homeDir }),
  });
  const transport = new RegistryTransport({
    authenticator,
    mirrors: settings.mirrors,
    insecureRegistries: settings.insecureRegistries,
  });
  return { settings, store, transport };
}

/** A puller for a command, drawing its progress on stderr (terminal, plain lines or JSON). */
export function createCommandPuller(
  ctx: OciContext,
  io: CliIo,
  options: { pull: boolean; verifyCached?: boolean },
): { puller: ImagePuller; progress: PullProgress } {
  const progress = createPullProgress(io.stderr, progressMode(io.stderr, ctx.settings.json));
  const puller = new ImagePuller({
    store: ctx.store,
    transport: ctx.transport,
    platform: ctx.settings.platform,
    pull: options.pull,
    verifyCached: options.verifyCached ?? false,
    onProgress: progress.onEvent,
  });
  return { puller, progress };
}
