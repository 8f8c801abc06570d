/**
 * Real documents built in memory, so tests exercise the actual parsers on actual files instead of
 * checked-in binaries nobody can read or regenerate.
 */
import { createHash } from "node:crypto";
import { crc32, deflateRawSync, deflateSync } from "node:zlib";

import CFB from "cfb";
import { Document, HeadingLevel, Packer, Paragraph } from "docx";
import ExcelJS from "exceljs";
import { PDFDocument, StandardFonts } from "pdf-lib";

const PAGE_WIDTH = 612; // US Letter, in points
const PAGE_HEIGHT = 792;
const MARGIN = 72;
const FONT_SIZE = 11;
const LINE_HEIGHT = 14;

/**
 * A PDF with one page per string, in Helvetica, word-wrapped to the page width so every word is on
 * the page and pdf.js can read it back. A "\n" in a page's text starts a new line, a blank line
 * leaves a gap. Text that does not fit on its page throws, rather than spilling onto an extra page
 * and breaking the one-string-one-page promise tests rely on. Helvetica here is WinAnsi-encoded:
 * characters outside it (arrows, CJK, emoji) make pdf-lib throw.
 */
export async function makePdf(pages: readonly string[]): Promise<Uint8Array> {
  // No producer or timestamps in the metadata: the same pages give the same bytes, so a regenerated
  // sample does not show up as a changed binary.
  const pdf = await PDFDocument.create({ updateMetadata: false });
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const maxWidth = PAGE_WIDTH - 2 * MARGIN;
  const maxLines = Math.floor((PAGE_HEIGHT - 2 * MARGIN) / LINE_HEIGHT);

  pages.forEach((pageText, pageIndex) => {
    const page = pdf.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    const lines = pageText
      .split("\n")
      .flatMap((paragraph) => wrap(paragraph, (s) => font.widthOfTextAtSize(s, FONT_SIZE), maxWidth));
    if (lines.length > maxLines) {
      throw new Error(`makePdf: page ${pageIndex + 1} needs ${lines.length} lines, at most ${maxLines} fit`);
    }
    lines.forEach((line, lineIndex) => {
      if (line === "") return;
      const y = PAGE_HEIGHT - MARGIN - FONT_SIZE - lineIndex * LINE_HEIGHT;
      page.drawText(line, { x: MARGIN, y, size: FONT_SIZE, font });
    });
  });
  return pdf.save();
}

/** Greedy word wrap; a word wider than the line gets a line of its own. A blank paragraph stays one blank line. */
function wrap(paragraph: string, widthOf: (s: string) => number, maxWidth: number): string[] {
  const words = paragraph.split(/\s+/).filter((w) => w !== "");
  if (words.length === 0) return [""];
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    const candidate = line === "" ? word : `${line} ${word}`;
    if (line !== "" && widthOf(candidate) > maxWidth) {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  lines.push(line);
  return lines;
}

export interface DocxBlock {
  readonly heading?: string;
  readonly level?: 1 | 2 | 3;
  readonly paragraphs: readonly string[];
}

const HEADING_LEVELS = {
  1: HeadingLevel.HEADING_1,
  2: HeadingLevel.HEADING_2,
  3: HeadingLevel.HEADING_3,
} as const;

/** A DOCX whose headings use Word's built-in "Heading N" styles, the ones mammoth maps to h1..h3. */
export async function makeDocx(blocks: readonly DocxBlock[]): Promise<Uint8Array> {
  const children = blocks.flatMap((block) => [
    ...(block.heading === undefined
      ? []
      : [new Paragraph({ text: block.heading, heading: HEADING_LEVELS[block.level ?? 1] })]),
    ...block.paragraphs.map((text) => new Paragraph({ text })),
  ]);
  const buffer = await Packer.toBuffer(new Document({ sections: [{ children }] }));
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Starts like a PDF (so type detection sends it to the PDF extractor) but the body is a truncated
 * object followed by noise, with no cross-reference table and no trailer: pdf.js cannot find a
 * catalog even by rebuilding the xref. Deterministic, so a failure reproduces.
 */
export function corruptPdf(): Uint8Array {
  const head = Buffer.from(
    "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\n",
    "latin1",
  );
  const noise = Buffer.alloc(2048);
  let seed = 0x2545f491;
  for (let i = 0; i < noise.length; i += 1) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    noise[i] = seed >>> 24;
  }
  return new Uint8Array(Buffer.concat([head, noise]));
}

/** The 32-byte padding string of the PDF Standard Security Handler (PDF 1.7, 7.6.3.3). */
const PASSWORD_PADDING = Buffer.from(
  "28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A",
  "hex",
);

/**
 * A one-page PDF encrypted with the Standard Security Handler, revision 2 (RC4, 40-bit key), built
 * by hand because pdf-lib cannot encrypt. With a non-empty user password pdf.js refuses to open it
 * without that password, which is what an uploaded "protected" PDF looks like; with an empty user
 * password (only an owner password, i.e. restricted permissions) anyone can read it.
 */
export function makeEncryptedPdf(
  text: string,
  userPassword: string,
  ownerPassword = "owner-password",
): Uint8Array {
  const md5 = (...parts: Buffer[]): Buffer => createHash("md5").update(Buffer.concat(parts)).digest();
  const pad = (password: string): Buffer =>
    Buffer.concat([Buffer.from(password, "latin1"), PASSWORD_PADDING]).subarray(0, 32);
  const permissions = -44; // print and copy refused: a typical "protected" document
  const fileId = md5(Buffer.from(`fixture:${text}`));

  const ownerEntry = rc4(md5(pad(ownerPassword)).subarray(0, 5), pad(userPassword));
  const permissionBytes = Buffer.alloc(4);
  permissionBytes.writeInt32LE(permissions);
  const fileKey = md5(pad(userPassword), ownerEntry, permissionBytes, fileId).subarray(0, 5);
  const userEntry = rc4(fileKey, PASSWORD_PADDING);
  const objectKey = (objectNumber: number): Buffer =>
    md5(
      fileKey,
      Buffer.from([objectNumber & 0xff, (objectNumber >> 8) & 0xff, (objectNumber >> 16) & 0xff, 0, 0]),
    ).subarray(0, 10);

  const escaped = text.replace(/[\\()]/g, (c) => `\\${c}`);
  const contentStream = rc4(objectKey(5), Buffer.from(`BT /F1 12 Tf 72 720 Td (${escaped}) Tj ET`, "latin1"));
  const objects: Buffer[] = [
    Buffer.from("<< /Type /Catalog /Pages 2 0 R >>"),
    Buffer.from("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
    Buffer.from(
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    ),
    Buffer.from("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
    Buffer.concat([
      Buffer.from(`<< /Length ${contentStream.length} >>\nstream\n`),
      contentStream,
      Buffer.from("\nendstream"),
    ]),
    Buffer.from(
      `<< /Filter /Standard /V 1 /R 2 /O <${ownerEntry.toString("hex")}> /U <${userEntry.toString("hex")}> /P ${permissions} >>`,
    ),
  ];
  const id = fileId.toString("hex");
  return assemblePdf(objects, `/Root 1 0 R /Encrypt ${objects.length} 0 R /ID [<${id}> <${id}>]`);
}

/** Serialises numbered objects (1..n) with a classic xref table, whose offsets must be exact. */
function assemblePdf(objects: readonly Buffer[], trailerEntries: string): Uint8Array {
  const parts: Buffer[] = [Buffer.from("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  let offset = parts[0]?.length ?? 0;
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    offsets.push(offset);
    const object = Buffer.concat([Buffer.from(`${index + 1} 0 obj\n`), body, Buffer.from("\nendobj\n")]);
    parts.push(object);
    offset += object.length;
  });
  const xref = [
    "xref",
    `0 ${objects.length + 1}`,
    "0000000000 65535 f ",
    ...offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n `),
    "trailer",
    `<< /Size ${objects.length + 1} ${trailerEntries} >>`,
    "startxref",
    String(offset),
    "%%EOF",
    "",
  ].join("\n");
  parts.push(Buffer.from(xref, "latin1"));
  return new Uint8Array(Buffer.concat(parts));
}

/** RC4, which PDF encryption revision 2 uses; OpenSSL 3 only offers it from the legacy provider. */
function rc4(key: Uint8Array, data: Uint8Array): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  const at = (i: number): number => s[i] ?? 0;
  const swap = (i: number, j: number): void => {
    const t = at(i);
    s[i] = at(j);
    s[j] = t;
  };
  let j = 0;
  for (let i = 0; i < 256; i += 1) {
    j = (j + at(i) + (key[i % key.length] ?? 0)) & 0xff;
    swap(i, j);
  }
  const out = Buffer.alloc(data.length);
  let i = 0;
  j = 0;
  for (let k = 0; k < data.length; k += 1) {
    i = (i + 1) & 0xff;
    j = (j + at(i)) & 0xff;
    swap(i, j);
    out[k] = (data[k] ?? 0) ^ at((at(i) + at(j)) & 0xff);
  }
  return out;
}

export interface ZipEntry {
  readonly data: string | Uint8Array;
  /** Deflate the data (method 8); stored (method 0) otherwise. */
  readonly deflate?: boolean;
  /** Set the "encrypted" flag (general purpose bit 0), as ZipCrypto or AES archives do. */
  readonly encrypted?: boolean;
  /** The uncompressed size the headers claim, when it should lie about the real one. */
  readonly declaredSize?: number;
}

/**
 * A ZIP built byte by byte, so tests can make archives no well-behaved writer would: entries that
 * claim another size than they inflate to, or flagged encrypted. Plain strings are stored
 * uncompressed: an archive of text files that is not an Office document.
 */
export function makeZip(files: Readonly<Record<string, string | ZipEntry>>): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, file] of Object.entries(files)) {
    const entry: ZipEntry = typeof file === "string" ? { data: file } : file;
    const nameBytes = Buffer.from(name, "utf8");
    const raw = typeof entry.data === "string" ? Buffer.from(entry.data, "utf8") : Buffer.from(entry.data);
    const packed = entry.deflate === true ? deflateRawSync(raw) : raw;
    // ZipCrypto puts a 12-byte encryption header before the (here unencrypted) data.
    const data = entry.encrypted === true ? Buffer.concat([Buffer.alloc(12, 0xa5), packed]) : packed;
    const crc = crc32(raw);
    const flags = entry.encrypted === true ? 1 : 0;
    const method = entry.deflate === true ? 8 : 0;
    const size = entry.declaredSize ?? raw.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    central.writeUInt16LE(20, 6); // version needed
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directory, end]));
}

const escapeXml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const PPTX_CONTENT_TYPES = (slides: number): string =>
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/>' +
  Array.from(
    { length: slides },
    (_, i) =>
      `<Override PartName="/ppt/slides/slide${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/>`,
  ).join("") +
  "</Types>";

const PML =
  'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"';

export interface SlideSpec {
  readonly title?: string;
  readonly lines?: readonly string[];
  /** Rows of a table drawn on the slide. */
  readonly table?: readonly (readonly string[])[];
}

/**
 * A minimal PPTX as PowerPoint lays one out: presentation.xml lists the slides through relationship
 * ids, and `order` (when given) maps deck positions to part numbers, so a test can check that slides
 * come out in deck order, not in part-name order, as after slides were reordered in an editor.
 */
export function makePptx(slides: readonly SlideSpec[], order?: readonly number[]): Uint8Array {
  const partOf = (position: number): number => order?.[position] ?? position + 1;
  const shape = (body: string, title: boolean): string =>
    `<p:sp><p:nvSpPr><p:cNvPr id="2" name="s"/><p:cNvSpPr/><p:nvPr>${title ? '<p:ph type="title"/>' : ""}</p:nvPr></p:nvSpPr>` +
    `<p:spPr/><p:txBody><a:bodyPr/>${body}</p:txBody></p:sp>`;
  const paragraph = (text: string): string => `<a:p><a:r><a:t>${escapeXml(text)}</a:t></a:r></a:p>`;
  const files: Record<string, string> = {
    "[Content_Types].xml": PPTX_CONTENT_TYPES(slides.length),
    "_rels/.rels":
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="ppt/presentation.xml"/></Relationships>',
    "ppt/presentation.xml":
      `<?xml version="1.0" encoding="UTF-8"?><p:presentation ${PML}><p:sldIdLst>` +
      slides.map((_, i) => `<p:sldId id="${256 + i}" r:id="rId${partOf(i) + 10}"/>`).join("") +
      "</p:sldIdLst></p:presentation>",
    "ppt/_rels/presentation.xml.rels":
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      slides
        .map(
          (_, i) =>
            `<Relationship Id="rId${i + 11}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/slide${i + 1}.xml"/>`,
        )
        .join("") +
      "</Relationships>",
  };
  slides.forEach((slide, position) => {
    const title = slide.title === undefined ? "" : shape(paragraph(slide.title), true);
    const body =
      (slide.lines ?? []).length === 0 ? "" : shape((slide.lines ?? []).map(paragraph).join(""), false);
    const table =
      slide.table === undefined
        ? ""
        : '<p:graphicFrame><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/table"><a:tbl>' +
          slide.table
            .map(
              (row) =>
                `<a:tr>${row.map((cell) => `<a:tc><a:txBody><a:bodyPr/>${paragraph(cell)}</a:txBody></a:tc>`).join("")}</a:tr>`,
            )
            .join("") +
          "</a:tbl></a:graphicData></a:graphic></p:graphicFrame>";
    files[`ppt/slides/slide${partOf(position)}.xml`] =
      `<?xml version="1.0" encoding="UTF-8"?><p:sld ${PML}><p:cSld><p:spTree>${title}${body}${table}</p:spTree></p:cSld></p:sld>`;
  });
  return makeZip(
    Object.fromEntries(Object.entries(files).map(([name, xml]) => [name, { data: xml, deflate: true }])),
  );
}

export interface SheetSpec {
  readonly name: string;
  readonly rows: readonly (readonly (string | number | Date | null)[])[];
}

/** An XLSX written by exceljs, the library that reads it back: one worksheet per spec, in order. */
export async function makeXlsx(sheets: readonly SheetSpec[]): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  for (const sheet of sheets) {
    const worksheet = workbook.addWorksheet(sheet.name);
    for (const row of sheet.rows) worksheet.addRow([...row]);
  }
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

export type OdtBlock =
  | { readonly heading: string; readonly level: number }
  | { readonly paragraph: string }
  | { readonly list: readonly string[] }
  | { readonly table: readonly (readonly string[])[] };

/**
 * A minimal ODT as Writer stores one: the uncompressed "mimetype" entry first (what type sniffers
 * read), content.xml with the body, and a manifest; `encrypted` declares the parts encrypted the way
 * a password-protected save does.
 */
export function makeOdt(blocks: readonly OdtBlock[], options: { encrypted?: boolean } = {}): Uint8Array {
  const body = blocks
    .map((block) => {
      if ("heading" in block) {
        return `<text:h text:outline-level="${block.level}">${escapeXml(block.heading)}</text:h>`;
      }
      if ("paragraph" in block) return `<text:p>${escapeXml(block.paragraph)}</text:p>`;
      if ("list" in block) {
        return `<text:list>${block.list.map((item) => `<text:list-item><text:p>${escapeXml(item)}</text:p></text:list-item>`).join("")}</text:list>`;
      }
      return `<table:table>${block.table
        .map(
          (row) =>
            `<table:table-row>${row.map((cell) => `<table:table-cell><text:p>${escapeXml(cell)}</text:p></table:table-cell>`).join("")}</table:table-row>`,
        )
        .join("")}</table:table>`;
    })
    .join("");
  const encryption = options.encrypted
    ? '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="AAAA"/></manifest:encryption-data>'
    : "";
  return makeZip({
    mimetype: "application/vnd.oasis.opendocument.text",
    "content.xml": {
      deflate: true,
      data:
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" ' +
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0">' +
        `<office:body><office:text>${body}</office:text></office:body></office:document-content>`,
    },
    "META-INF/manifest.xml": {
      deflate: true,
      data:
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">' +
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>' +
        `<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">${encryption}</manifest:file-entry>` +
        "</manifest:manifest>",
    },
  });
}

/**
 * A DOCX-looking zip bomb: valid [Content_Types].xml and document parts, plus one entry of zeros
 * that deflates about a thousandfold. `declaredSize` makes its headers lie about how big it is.
 */
export function makeZipBomb(inflatedBytes: number, declaredSize?: number): Uint8Array {
  return makeZip({
    "[Content_Types].xml": {
      deflate: true,
      data:
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    },
    "word/document.xml": {
      deflate: true,
      data: '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body/></w:document>',
    },
    "word/media/zeros.bin": { deflate: true, data: new Uint8Array(inflatedBytes), declaredSize },
  });
}

/**
 * What Office writes for a password-protected DOCX/XLSX/PPTX (MS-OFFCRYPTO): not a zip but an OLE
 * compound file with an EncryptionInfo stream and the encrypted package. The streams' contents are
 * opaque here (random bytes), as they are to anyone without the password.
 */
export function makeEncryptedOfficeFile(): Uint8Array {
  const container = CFB.utils.cfb_new();
  const info = Buffer.alloc(64);
  info.writeUInt16LE(4, 0); // EncryptionInfo version 4.4: agile encryption
  info.writeUInt16LE(4, 2);
  CFB.utils.cfb_add(container, "EncryptionInfo", info);
  CFB.utils.cfb_add(container, "EncryptedPackage", createHash("sha512").update("package").digest());
  return new Uint8Array(CFB.write(container, { type: "buffer" }) as Buffer);
}

/** One PNG chunk: its length, type, data and the CRC over type and data. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid 1x1 PNG (signature, IHDR, IDAT, IEND): an image without text, which OCR reads as empty. */
export function tinyPng(): Uint8Array {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(1, 0); // width
  header.writeUInt32BE(1, 4); // height
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(6, 9); // colour type: RGBA
  const pixels = deflateSync(Buffer.from([0, 0x2b, 0x6c, 0xb0, 0xff])); // filter byte, then one pixel
  return new Uint8Array(
    Buffer.concat([
      Buffer.from("89504e470d0a1a0a", "hex"),
      pngChunk("IHDR", header),
      pngChunk("IDAT", pixels),
      pngChunk("IEND", Buffer.alloc(0)),
    ]),
  );
}

/** Moved to the suite's one text generator; kept here for the bench and fault scripts that import it. */
export { paragraphsOfText } from "./text.js";
