/**
 * Base64 of the protocol's byte fields (`console`, `input`): standard alphabet with padding, what the
 * hub's `Buffer.toString("base64")` writes and its `parseClientMessage` accepts. Pure (atob/btoa exist
 * in browsers and in Node), tested in test/page-base64.test.ts.
 */

/** The bytes of a base64 string. */
export function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// String.fromCharCode takes its arguments on the stack: convert in slices well below engines' limits.
const CHUNK = 0x8000;

/** Base64 of `bytes`. */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** Base64 of the UTF-8 encoding of `text` (what a terminal's typed keys become on the wire). */
export function encodeUtf8Base64(text: string): string {
  return encodeBase64(new TextEncoder().encode(text));
}

/** Base64 of a "binary string" (one byte per char code, 0–255), as xterm's `onBinary` gives. */
export function encodeBinaryStringBase64(binary: string): string {
  return btoa(binary);
}
