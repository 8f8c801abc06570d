/**
 * 32-bit FNV-1a over the UTF-8 bytes of `text`, finished with murmur3's fmix32 so every output
 * bit depends on every input bit: plain FNV-1a's lowest bit is only the parity of the bytes'
 * lowest bits, and the embedder takes a sign and a bucket from different bits. UTF-8 is encoded on the fly, with no buffer per
 * feature, so the value matches any other FNV-1a over UTF-8. `seed` separates feature kinds
 * (words, n-grams) without building prefixed strings; `start` and `end` hash a slice without
 * allocating it, which is most of the embedder's speed.
 */
export function hashFeature(text: string, seed = 0, start = 0, end = text.length): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let index = start; index < end; index += 1) {
    let codePoint = text.charCodeAt(index);
    const low = index + 1 < end ? text.charCodeAt(index + 1) : 0;
    if (codePoint >= 0xd800 && codePoint <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
      codePoint = 0x10000 + ((codePoint - 0xd800) << 10) + (low - 0xdc00);
      index += 1;
    }
    if (codePoint < 0x80) {
      hash = mix(hash, codePoint);
    } else if (codePoint < 0x800) {
      hash = mix(mix(hash, 0xc0 | (codePoint >> 6)), 0x80 | (codePoint & 0x3f));
    } else if (codePoint < 0x10000) {
      hash = mix(mix(hash, 0xe0 | (codePoint >> 12)), 0x80 | ((codePoint >> 6) & 0x3f));
      hash = mix(hash, 0x80 | (codePoint & 0x3f));
    } else {
      hash = mix(mix(hash, 0xf0 | (codePoint >> 18)), 0x80 | ((codePoint >> 12) & 0x3f));
      hash = mix(mix(hash, 0x80 | ((codePoint >> 6) & 0x3f)), 0x80 | (codePoint & 0x3f));
    }
  }
  return finalize(hash);
}

function mix(hash: number, byte: number): number {
  return Math.imul(hash ^ byte, 0x01000193) >>> 0;
}

function finalize(hash: number): number {
  let mixed = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) >>> 0;
}
