import iconv from "iconv-lite";

export type TextEncoding = "utf-8" | "utf-16le" | "utf-16be" | "windows-1252";

export interface DecodedText {
  readonly text: string;
  readonly encoding: TextEncoding;
}

/**
 * Which encoding the bytes are in, for the encodings users still send: UTF-8 (ASCII included),
 * UTF-16 with a byte order mark, and the 8-bit Western encodings Latin-1 and Windows-1252.
 *
 * Without a BOM, text that is not UTF-8 is read as Windows-1252. Windows-1252 is Latin-1 with
 * printable characters (€, smart quotes, dashes, Œ, Š...) where Latin-1 has C1 control codes that
 * no real text contains, so one decoding serves both without mojibake. Statistical detectors were
 * not used for this choice: on the short files that matter most (a note, a CSV) they guess among a
 * dozen 8-bit encodings and a wrong guess turns every accented letter into another one.
 *
 * UTF-8 with a few stray bytes (a file pasted together from two sources) stays UTF-8, each stray
 * byte becoming one replacement character: decoding it all as Windows-1252 would garble every
 * correctly encoded character instead.
 */
export function detectEncoding(bytes: Uint8Array): TextEncoding {
  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) return "utf-8";
  if (startsWith(bytes, [0xff, 0xfe])) return "utf-16le";
  if (startsWith(bytes, [0xfe, 0xff])) return "utf-16be";
  const { valid, invalid } = countUtf8Sequences(bytes);
  return invalid === 0 || valid >= invalid ? "utf-8" : "windows-1252";
}

/**
 * Decode text for the text-based extractors. The BOM is dropped so it never reaches a chunk, and
 * line endings become "\n" so that splitting on lines sees the same text from Windows and Unix
 * editors. Never throws: a bad byte costs one replacement character, not the document.
 */
export function decodeText(bytes: Uint8Array, encoding = detectEncoding(bytes)): DecodedText {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = iconv.decode(buffer, encoding, { stripBOM: true }).replace(/\r\n?/g, "\n");
  return { text, encoding };
}

/**
 * Counts well-formed multi-byte UTF-8 sequences and bytes that cannot be UTF-8. A sequence cut at
 * the end of the buffer counts as neither: callers may pass only the head of a file.
 */
function countUtf8Sequences(bytes: Uint8Array): { valid: number; invalid: number } {
  let valid = 0;
  let invalid = 0;
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index] ?? 0;
    if (lead < 0x80) {
      index += 1;
      continue;
    }
    const length = sequenceLength(lead);
    if (length === 0) {
      invalid += 1;
      index += 1;
      continue;
    }
    if (index + length > bytes.length) break;
    let continuation = true;
    for (let offset = 1; offset < length; offset += 1) {
      if (((bytes[index + offset] ?? 0) & 0xc0) !== 0x80) continuation = false;
    }
    if (continuation) {
      valid += 1;
      index += length;
    } else {
      invalid += 1;
      index += 1;
    }
  }
  return { valid, invalid };
}

/** Length of the UTF-8 sequence a lead byte starts; 0 for bytes that cannot lead one (overlong C0/C1 included). */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((byte, index) => bytes[index] === byte);
}
