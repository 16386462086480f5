/**
 * MurmurHash3, x86 32-bit variant, over bytes: the hash flagd's `fractional` uses (Go's
 * spaolacci/murmur3 `StringSum32`, seed 0). Hand-written because the npm implementations at hand
 * (imurmurhash, used by @openfeature/flagd-core) hash UTF-16 code units rather than UTF-8 bytes, which
 * disagrees with flagd for any key outside ASCII.
 */
export function murmur3x86_32(bytes: Uint8Array, length = bytes.length, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = length & ~3;
  let i = 0;
  for (; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = length & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= bytes[i + 2]! << 16;
    if (tail >= 2) k ^= bytes[i + 1]! << 8;
    k ^= bytes[i]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const encoder = new TextEncoder();
// One growing scratch buffer: bucketing keys are short and hashing runs on every evaluation.
let scratch = new Uint8Array(256);

/** MurmurHash3 x86 32 (seed 0) of the UTF-8 encoding of `text`, as an unsigned 32-bit integer. */
export function murmur3Utf8(text: string): number {
  // A UTF-16 code unit becomes at most 3 UTF-8 bytes.
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  // ASCII (most keys) is its own UTF-8: copying it is much cheaper than calling the encoder.
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return murmur3x86_32(scratch, encoder.encodeInto(text, scratch).written);
    scratch[i] = code;
  }
  return murmur3x86_32(scratch, text.length);
}
