import CFB from "cfb";

/**
 * Word, Excel and PowerPoint save a password-protected DOCX/XLSX/PPTX not as a zip but as an OLE
 * compound file (CFB) holding an "EncryptionInfo" stream and the encrypted zip as an
 * "EncryptedPackage" stream (MS-OFFCRYPTO 2.3.4). compound-file.ts refuses such a file as
 * encrypted, which tells the uploader what to fix.
 */
export function isEncryptedPackage(container: CFB.CFB$Container): boolean {
  return CFB.find(container, "EncryptedPackage") !== null && CFB.find(container, "EncryptionInfo") !== null;
}
