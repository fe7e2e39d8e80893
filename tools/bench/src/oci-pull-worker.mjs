// Child process of the pull benchmark: pulls REF into an empty CACHE with ocikit (the built
// @ocikit/oci, as the ocikit command runs it) and exits. Run under max-rss.py, like the baseline.
import { ImagePuller, OciLayoutStore, RegistryTransport } from "@ocikit/oci";

const [cacheDir = "", ref = ""] = process.argv.slice(2);
const store = await OciLayoutStore.open(cacheDir, { create: true });
const puller = new ImagePuller({
  store,
  transport: new RegistryTransport(),
  platform: { os: "linux", architecture: "amd64" },
});
await puller.pull(ref);
