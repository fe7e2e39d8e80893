// Child process of the flatten benchmark: flattens the cached image REF into an entry stream,
// reading every body, and prints the number of entries and bytes.
import { flattenImage, ImagePuller, OciLayoutStore, RegistryTransport } from "@ocikit/oci";

const [cacheDir = "", ref = ""] = process.argv.slice(2);
const store = await OciLayoutStore.open(cacheDir);
const image = await new ImagePuller({
  store,
  transport: new RegistryTransport(),
  platform: { os: "linux", architecture: "amd64" },
}).pull(ref);
let entries = 0;
let bytes = 0;
for await (const entry of flattenImage(image)) {
  entries++;
  for await (const chunk of entry.body()) bytes += chunk.length;
}
console.log(JSON.stringify({ entries, bytes }));
