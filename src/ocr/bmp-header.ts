/** A BMP's size from its header. */
export interface BmpHeader {
  readonly width: number;
  readonly height: number;
  /** Pixels per inch from the header's pixels-per-metre, when it records one. */
  readonly dpi: number | null;
}

const FILE_HEADER_BYTES = 14;
const CORE_HEADER_BYTES = 12;
const INFO_HEADER_BYTES = 40;
const INCHES_PER_METRE = 39.3701;

/**
 * Width and height of a BMP, read by hand: sharp's libvips has no BMP loader, and these are fixed
 * fields of the file's first 54 bytes (BITMAPCOREHEADER's 16-bit ones in OS/2 files; in every
 * later header 32-bit, the height negative for top-down images). Null when the bytes are no BMP
 * header at all.
 */
export function readBmpHeader(bytes: Uint8Array): BmpHeader | null {
  if (bytes.length < FILE_HEADER_BYTES + CORE_HEADER_BYTES || bytes[0] !== 0x42 || bytes[1] !== 0x4d) {
    return null;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = view.getUint32(FILE_HEADER_BYTES, true);
  if (headerSize === CORE_HEADER_BYTES) {
    return { width: view.getUint16(18, true), height: view.getUint16(20, true), dpi: null };
  }
  if (headerSize < INFO_HEADER_BYTES || bytes.length < FILE_HEADER_BYTES + INFO_HEADER_BYTES) return null;
  const pixelsPerMetre = view.getInt32(38, true);
  return {
    width: Math.abs(view.getInt32(18, true)),
    height: Math.abs(view.getInt32(22, true)),
    dpi: pixelsPerMetre > 0 ? Math.round(pixelsPerMetre / INCHES_PER_METRE) : null,
  };
}
