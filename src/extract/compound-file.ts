import CFB from "cfb";

import { PermanentError } from "../errors/permanent-error.js";
import { isEncryptedPackage } from "./office-encryption.js";

/** What an OLE compound file (CFB) holds, told by the streams its format requires. */
export type CompoundFormat = "doc" | "xls" | "ppt" | "msg";

export const COMPOUND_FILE_MIME = "application/x-cfb";

/** Word 97-2003's FIB: the flags word at offset 0x0A; bit 0x0100 is fEncrypted (MS-DOC 2.5.2). */
const FIB_FLAGS_OFFSET = 0x0a;
const FIB_ENCRYPTED = 0x0100;
/** Excel 97-2003: a FILEPASS record (MS-XLS 2.4.117) follows the globals' BOF when the workbook has a password. */
const XLS_FILEPASS = 0x002f;
/** The workbook globals hold FILEPASS among their first records; this many are enough to look at. */
const XLS_RECORDS_TO_SCAN = 64;

/**
 * file-type calls every OLE compound file "cfb": Word, Excel and PowerPoint 97-2003 files, Outlook
 * messages and also installers and thumbnail caches. Each format keeps its content in a stream of
 * a fixed name (MS-DOC, MS-XLS, MS-PPT, MS-OXMSG), which tells them apart. A file sealed with a
 * password is refused here as encrypted: an OOXML file inside an EncryptedPackage, or a legacy file
 * with its own encryption flag. A compound file of none of these formats is an unsupported type.
 */
export function compoundFormat(bytes: Uint8Array): CompoundFormat {
  const container = readContainer(bytes);
  if (isEncryptedPackage(container)) throw encrypted("office document");
  const stream = (name: string): Buffer | null => {
    const entry = CFB.find(container, name);
    return entry === null || entry.type !== 2 ? null : Buffer.from(entry.content);
  };
  const word = stream("WordDocument");
  if (word !== null) {
    if (word.length >= FIB_FLAGS_OFFSET + 2 && (word.readUInt16LE(FIB_FLAGS_OFFSET) & FIB_ENCRYPTED) !== 0) {
      throw encrypted("doc");
    }
    return "doc";
  }
  const workbook = stream("Workbook") ?? stream("Book");
  if (workbook !== null) {
    if (hasXlsFilePass(workbook)) throw encrypted("xls");
    return "xls";
  }
  if (stream("PowerPoint Document") !== null) {
    // An encrypted deck replaces its summary with an "EncryptedSummary" stream (MS-PPT 2.1.3).
    if (stream("EncryptedSummary") !== null) throw encrypted("ppt");
    return "ppt";
  }
  if (stream("__properties_version1.0") !== null) return "msg";
  throw new PermanentError("UNSUPPORTED_TYPE", `unsupported type: ${COMPOUND_FILE_MIME}`, {
    detectedMime: COMPOUND_FILE_MIME,
  });
}

function readContainer(bytes: Uint8Array): CFB.CFB$Container {
  try {
    return CFB.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { type: "buffer" });
  } catch (error) {
    // The OLE signature is there but the sector chains are not: a damaged file, for good.
    const reason = error instanceof Error ? error.message : String(error);
    throw new PermanentError("CORRUPT_FILE", `corrupt compound file: ${reason}`, {}, { cause: error });
  }
}

/** BIFF8 records are (type: u16, length: u16, data); the stream starts with the globals' BOF. */
function hasXlsFilePass(workbook: Buffer): boolean {
  let offset = 0;
  for (let record = 0; record < XLS_RECORDS_TO_SCAN && offset + 4 <= workbook.length; record += 1) {
    const type = workbook.readUInt16LE(offset);
    if (type === XLS_FILEPASS) return true;
    offset += 4 + workbook.readUInt16LE(offset + 2);
  }
  return false;
}

function encrypted(what: string): PermanentError {
  return new PermanentError("ENCRYPTED_FILE", `encrypted ${what}: it opens only with a password`, {
    container: "cfb",
  });
}
