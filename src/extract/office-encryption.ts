import CFB from "cfb";

import { PermanentError } from "../errors/permanent-error.js";

/**
 * Word, Excel and PowerPoint save a password-protected DOCX/XLSX/PPTX not as a zip but as an OLE
 * compound file (CFB) holding an "EncryptionInfo" stream and the encrypted zip as an
 * "EncryptedPackage" stream (MS-OFFCRYPTO 2.3.4). Such a file is refused as encrypted, which tells
 * the uploader what to fix; any other compound file (a legacy .doc or .xls) is left to the caller
 * to refuse as an unsupported type.
 */
export function assertNotEncryptedOfficeContainer(bytes: Uint8Array): void {
  if (!isEncryptedPackage(bytes)) return;
  throw new PermanentError("ENCRYPTED_FILE", "encrypted office document: it opens only with a password", {
    container: "EncryptedPackage",
  });
}

function isEncryptedPackage(bytes: Uint8Array): boolean {
  let container: CFB.CFB$Container;
  try {
    container = CFB.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { type: "buffer" });
  } catch {
    // A compound file the library cannot read is no encrypted office package we could name: the
    // caller refuses it as an unsupported type, which it is either way.
    return false;
  }
  return CFB.find(container, "EncryptedPackage") !== null && CFB.find(container, "EncryptionInfo") !== null;
}
