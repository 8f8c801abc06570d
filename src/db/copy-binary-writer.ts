import { randomFillSync } from "node:crypto";
import {
  vectorByteLength,
  writeFloat4Array,
  writeVectorBinary,
  float4ArrayByteLength,
} from "./embedding-column.js";
import type { EmbeddingColumnKind } from "./embedding-column.js";

/**
 * The signature, flags (no OIDs) and header-extension length that open a binary COPY stream
 * (PostgreSQL's "COPY … (FORMAT binary)" file format).
 */
export const COPY_BINARY_HEADER: Buffer = Buffer.concat([
  Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"),
  Buffer.alloc(8),
]);

/** The field count -1 that ends a binary COPY stream. */
export const COPY_BINARY_TRAILER: Buffer = Buffer.from([0xff, 0xff]);

/** jsonb_recv's format version: the JSON text follows it. */
const JSONB_VERSION = 1;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One field, its length word and bytes, encoded alone: for a value every row repeats. */
export function encodedField(write: (writer: CopyBinaryWriter) => CopyBinaryWriter): Buffer {
  return write(new CopyBinaryWriter(64)).take();
}

export class InvalidUuidError extends Error {
  constructor(readonly value: string) {
    super(`not a uuid: ${JSON.stringify(value)}`);
    this.name = "InvalidUuidError";
  }
}

/**
 * Encodes rows in PostgreSQL's binary COPY format into one growing buffer: each row is a field
 * count, then per field its byte length and the bytes each type's `recv` function reads. Values
 * are written in place (no Buffer per field), and take() hands out what was written so far, so
 * a caller can stream a long COPY in pieces while PostgreSQL works on the previous one.
 */
export class CopyBinaryWriter {
  private buffer: Buffer;
  private view: DataView;
  private length = 0;
  private readonly randomBytes = Buffer.allocUnsafe(4096);
  private randomOffset = 4096;

  constructor(initialBytes = 256 * 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
  }

  /** Bytes written and not yet taken. */
  get pending(): number {
    return this.length;
  }

  /** The bytes written since the last take(), as a Buffer of their own; the writer starts empty. */
  take(): Buffer {
    const taken = Buffer.from(this.buffer.subarray(0, this.length));
    this.length = 0;
    return taken;
  }

  row(fieldCount: number): this {
    this.reserve(2);
    this.view.setInt16(this.length, fieldCount);
    this.length += 2;
    return this;
  }

  int4(value: number): this {
    this.reserve(8);
    this.view.setInt32(this.length, 4);
    this.view.setInt32(this.length + 4, value);
    this.length += 8;
    return this;
  }

  text(value: string): this {
    return this.utf8(value, null);
  }

  /** A `jsonb` field: the format version, then the JSON text. */
  jsonb(json: string): this {
    return this.utf8(json, JSONB_VERSION);
  }

  uuid(value: string): this {
    if (!UUID_PATTERN.test(value)) throw new InvalidUuidError(value);
    this.reserve(20);
    this.view.setInt32(this.length, 16);
    this.buffer.write(value.replaceAll("-", ""), this.length + 4, 16, "hex");
    this.length += 20;
    return this;
  }

  /**
   * A new random (version 4) uuid, as gen_random_uuid() makes, from random bytes drawn in bulk:
   * a row's id costs a copy, not a string to make and parse again.
   */
  randomUuid(): this {
    if (this.randomOffset + 16 > this.randomBytes.length) {
      randomFillSync(this.randomBytes);
      this.randomOffset = 0;
    }
    this.reserve(20);
    this.view.setInt32(this.length, 16);
    const at = this.length + 4;
    this.randomBytes.copy(this.buffer, at, this.randomOffset, this.randomOffset + 16);
    this.randomOffset += 16;
    this.buffer[at + 6] = ((this.buffer[at + 6] ?? 0) & 0x0f) | 0x40; // version 4
    this.buffer[at + 8] = ((this.buffer[at + 8] ?? 0) & 0x3f) | 0x80; // RFC 9562 variant
    this.length += 20;
    return this;
  }

  /** A field already in its binary form (a value repeated on every row, encoded once). */
  encoded(field: Buffer): this {
    this.reserve(field.length);
    field.copy(this.buffer, this.length);
    this.length += field.length;
    return this;
  }

  /** An embedding in its column's binary format: pgvector's `vector` or a `real[]` array. */
  embedding(kind: EmbeddingColumnKind, vector: ArrayLike<number>): this {
    const bytes = kind === "vector" ? vectorByteLength(vector.length) : float4ArrayByteLength(vector.length);
    this.reserve(4 + bytes);
    this.view.setInt32(this.length, bytes);
    const start = this.length + 4;
    this.length =
      kind === "vector"
        ? writeVectorBinary(this.view, start, vector)
        : writeFloat4Array(this.view, start, vector);
    return this;
  }

  /**
   * A text field, after an optional version byte. Room for the worst case (3 bytes per UTF-16
   * unit) is made first, so the string is encoded once, straight into the buffer.
   */
  private utf8(value: string, versionByte: number | null): this {
    const prefix = versionByte === null ? 0 : 1;
    this.reserve(4 + prefix + value.length * 3);
    const start = this.length + 4;
    if (versionByte !== null) this.buffer[start] = versionByte;
    const written = this.buffer.write(value, start + prefix, "utf8");
    this.view.setInt32(this.length, prefix + written);
    this.length = start + prefix + written;
    return this;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }
}
