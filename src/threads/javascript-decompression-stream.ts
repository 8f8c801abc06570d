import { FlateErrorCode, Gunzip, Inflate, Unzlib } from "fflate";

type Inflater = Gunzip | Inflate | Unzlib;
/** The web's BufferSource: what a DecompressionStream's writable side takes. */
type BinaryChunk = ArrayBuffer | ArrayBufferView;

const INFLATERS: Readonly<Record<string, (ondata: (data: Uint8Array) => void) => Inflater>> = {
  deflate: (ondata) => new Unzlib(ondata),
  "deflate-raw": (ondata) => new Inflate(ondata),
  gzip: (ondata) => new Gunzip(ondata),
};

/**
 * The web DecompressionStream, inflating in JavaScript (fflate) instead of through node:zlib.
 * Installed as the global one in every thread (see thread-entry.ts): parsers reach for it (pdf.js,
 * file-type), and a thread terminated at the document time limit while a node:zlib handle is being
 * set up aborts the whole process. Same contract as the built-in: "deflate", "deflate-raw" and
 * "gzip"; any other format is a TypeError at construction, corrupt or truncated data errors the
 * stream.
 */
export class JavaScriptDecompressionStream extends TransformStream<BinaryChunk, Uint8Array> {
  constructor(format: string) {
    const create = INFLATERS[format];
    if (create === undefined) {
      throw new TypeError(`unsupported compression format: '${format}'`);
    }
    let inflater: Inflater | undefined;
    super({
      start(controller) {
        inflater = create((data) => {
          if (data.byteLength > 0) controller.enqueue(data);
        });
      },
      transform(chunk) {
        inflate(() => inflater?.push(toBytes(chunk)));
      },
      flush() {
        // Ending the input checks the stream is complete: truncated data throws here.
        inflate(() => inflater?.push(new Uint8Array(0), true));
      },
    });
  }
}

/**
 * fflate's errors as node:zlib reports them (the built-in stream's errors): callers tell corrupt
 * data from their own bugs by these codes (file-type treats Z_DATA_ERROR and Z_BUF_ERROR in a zip
 * entry as "not the format", anything else as a failure).
 */
function inflate(work: () => void): void {
  try {
    work();
  } catch (error) {
    const truncated = (error as { code?: unknown }).code === FlateErrorCode.UnexpectedEOF;
    const message = error instanceof Error ? error.message : String(error);
    throw Object.assign(new Error(truncated ? "unexpected end of file" : message, { cause: error }), {
      code: truncated ? "Z_BUF_ERROR" : "Z_DATA_ERROR",
      errno: truncated ? -5 : -3,
    });
  }
}

function toBytes(chunk: BinaryChunk): Uint8Array {
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError("DecompressionStream accepts only ArrayBuffer or ArrayBufferView chunks");
}
