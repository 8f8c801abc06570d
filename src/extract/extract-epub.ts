import { posix } from "node:path";

import { PermanentError } from "../errors/permanent-error.js";
import { extractHtml } from "./extract-html.js";
import { DEFAULT_EXTRACT_OPTIONS, type ExtractOptions } from "./extract-options.js";
import type { ExtractedDocument, ExtractedSection } from "./extracted-document.js";
import { findAll, findFirst, parseXml } from "./markup-tree.js";
import { inflateArchive } from "./zip-archive.js";

const CONTAINER = "META-INF/container.xml";
const ENCRYPTION = "META-INF/encryption.xml";
/** Content documents and the package document: the only entries kept once the archive is checked. */
const KEPT = /\.(?:opf|xhtml|html|htm|xml)$/i;
const CONTENT_TYPES = new Set(["application/xhtml+xml", "text/html"]);

/**
 * EPUB books: the archive is inflated under the bomb limits (zip-archive.ts), the package document
 * (OPF) found through META-INF/container.xml, and each XHTML chapter of its spine read in reading
 * order by the HTML extractor, its headings giving the heading paths. Spine items marked
 * linear="no" (pandoc's title page, pop-up notes) are auxiliary by the EPUB spec and left out. A
 * book whose chapters are encrypted (DRM) is refused; font obfuscation, which encryption.xml also
 * declares, leaves the text readable.
 */
export async function extractEpub(
  bytes: Uint8Array,
  options: ExtractOptions = DEFAULT_EXTRACT_OPTIONS,
): Promise<ExtractedDocument> {
  const parts = await inflateArchive(bytes, "epub", options, (name) => KEPT.test(name));
  const packagePath = findFirst(xml(parts, CONTAINER), "rootfile")?.attribs["full-path"];
  if (packagePath === undefined) throw corrupt("META-INF/container.xml names no package document");
  const opf = xml(parts, packagePath);
  const base = posix.dirname(packagePath);
  const hrefs = new Map(
    findAll(opf, "item")
      .filter((item) => CONTENT_TYPES.has(item.attribs["media-type"] ?? ""))
      .map((item) => [item.attribs["id"] ?? "", resolve(base, item.attribs["href"] ?? "")]),
  );
  const chapters = findAll(opf, "itemref")
    .filter((ref) => ref.attribs["linear"] !== "no")
    .map((ref) => hrefs.get(ref.attribs["idref"] ?? ""))
    .filter((path): path is string => path !== undefined);
  assertNotEncrypted(parts, chapters);
  const sections: ExtractedSection[] = [];
  for (const chapter of chapters) {
    const content = parts.get(chapter);
    if (content === undefined) throw corrupt(`spine chapter ${chapter} is missing`);
    sections.push(...extractHtml(content).sections);
  }
  return { format: "epub", sections };
}

function xml(parts: ReadonlyMap<string, Buffer>, path: string): ReturnType<typeof parseXml> {
  const part = parts.get(path);
  if (part === undefined) throw corrupt(`no ${path}`);
  return parseXml(part.toString("utf8"));
}

/** An href is relative to the package document and may be percent-encoded ("ch%201.xhtml"). */
function resolve(base: string, href: string): string {
  const path = href.split("#", 1)[0] ?? "";
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // Not valid percent-encoding: the name is taken literally, as readers do.
  }
  return posix.normalize(posix.join(base, decoded));
}

function assertNotEncrypted(parts: ReadonlyMap<string, Buffer>, chapters: readonly string[]): void {
  const declaration = parts.get(ENCRYPTION)?.toString("utf8");
  if (declaration === undefined) return;
  // CipherReference comes with whatever prefix the writer bound XML Encryption's namespace to.
  const encrypted = new Set(
    Array.from(declaration.matchAll(/CipherReference\b[^>]*\bURI\s*=\s*["']([^"']*)["']/g), (match) =>
      resolve("", match[1] ?? ""),
    ),
  );
  if (chapters.some((chapter) => encrypted.has(chapter))) {
    throw new PermanentError("ENCRYPTED_FILE", "encrypted epub: its chapters are protected by DRM");
  }
}

function corrupt(detail: string): PermanentError {
  return new PermanentError("CORRUPT_FILE", `corrupt epub: ${detail}`);
}
