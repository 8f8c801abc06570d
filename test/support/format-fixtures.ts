/**
 * EPUB books and e-mails built in memory for the extractors' tests and the fuzz run, including the
 * hostile ones: a message nested in messages many levels deep, and an EPUB zip bomb.
 */
import { makeZip } from "./document-fixtures.js";

export interface EpubChapter {
  readonly file: string;
  readonly xhtml: string;
  /** linear="no" in the spine: auxiliary content outside the reading order. */
  readonly auxiliary?: boolean;
  /** The archive path, when it is not OEBPS/<file> (a percent-decoded href, a missing chapter). */
  readonly storedAs?: string;
}

/** An EPUB 3 book: the stored mimetype entry first (how readers and file-type know it), container, OPF, chapters. */
export function makeEpub(
  chapters: readonly EpubChapter[],
  extra: Readonly<Record<string, Parameters<typeof makeZip>[0][string]>> = {},
): Uint8Array {
  const manifest = chapters
    .map((c, i) => `<item id="c${i}" href="${c.file}" media-type="application/xhtml+xml"/>`)
    .join("");
  const spine = chapters
    .map((c, i) => `<itemref idref="c${i}"${c.auxiliary === true ? ' linear="no"' : ""}/>`)
    .join("");
  return makeZip({
    mimetype: "application/epub+zip",
    "META-INF/container.xml":
      '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">' +
      '<rootfiles><rootfile full-path="OEBPS/book.opf" media-type="application/oebps-package+xml"/></rootfiles></container>',
    "OEBPS/book.opf":
      '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">' +
      `<metadata/><manifest>${manifest}</manifest><spine>${spine}</spine></package>`,
    ...Object.fromEntries(chapters.map((c) => [c.storedAs ?? `OEBPS/${c.file}`, c.xhtml])),
    ...extra,
  });
}

/** A chapter's XHTML around a body. */
export function xhtml(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head><body>${body}</body></html>`;
}

/**
 * An EPUB zip bomb: a real book with one more entry of zeros that deflates about a thousandfold
 * (makeZip's deflate), `declaredSize` letting its headers lie about how big it inflates.
 */
export function makeEpubBomb(inflatedBytes: number, declaredSize?: number): Uint8Array {
  return makeEpub([{ file: "one.xhtml", xhtml: xhtml("<p>A short book.</p>") }], {
    "OEBPS/images/zeros.bin": { deflate: true, data: new Uint8Array(inflatedBytes), declaredSize },
  });
}

/**
 * An e-mail with each message attached (message/rfc822) to the one around it, `depth` levels deep:
 * the innermost says "innermost body". Depth 0 is a plain message.
 */
export function makeNestedEmail(depth: number): Uint8Array {
  let message = mailHeaders("level 0", "text/plain; charset=utf-8") + "innermost body\r\n";
  for (let level = 1; level <= depth; level += 1) {
    const boundary = `b${level}`;
    message =
      mailHeaders(`level ${level}`, `multipart/mixed; boundary="${boundary}"`) +
      `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody ${level}\r\n` +
      `--${boundary}\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename="level-${level - 1}.eml"\r\n\r\n` +
      `${message}\r\n--${boundary}--\r\n`;
  }
  return new TextEncoder().encode(message);
}

function mailHeaders(subject: string, contentType: string): string {
  return (
    "From: Zoë Müller <zoe@example.com>\r\nTo: team@example.com\r\n" +
    `Subject: ${subject}\r\nDate: Mon, 04 Mar 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n` +
    `Content-Type: ${contentType}\r\n\r\n`
  );
}

/** An OpenDocument file (ODS, ODP) around the body of its content.xml: the stored mimetype entry first. */
export function makeOdf(kind: "spreadsheet" | "presentation", body: string): Uint8Array {
  const mimetype = `application/vnd.oasis.opendocument.${kind}`;
  return makeZip({
    mimetype,
    "content.xml":
      '<?xml version="1.0" encoding="UTF-8"?><office:document-content ' +
      'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" ' +
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" ' +
      'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0">' +
      `<office:body><office:${kind}>${body}</office:${kind}></office:body></office:document-content>`,
    "META-INF/manifest.xml":
      '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">' +
      `<manifest:file-entry manifest:full-path="/" manifest:media-type="${mimetype}"/></manifest:manifest>`,
  });
}

/** An ODS table:table-cell holding `text`, repeated `columns` times across. */
export function odsCell(text: string, columns = 1): string {
  const repeat = columns === 1 ? "" : ` table:number-columns-repeated="${columns}"`;
  return text === ""
    ? `<table:table-cell${repeat}/>`
    : `<table:table-cell office:value-type="string"${repeat}><text:p>${text}</text:p></table:table-cell>`;
}
