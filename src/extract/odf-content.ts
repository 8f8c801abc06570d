import { PermanentError } from "../errors/permanent-error.js";
import type { ExtractOptions } from "./extract-options.js";
import { type ChildNode, parseXml } from "./markup-tree.js";
import { inflateArchive } from "./zip-archive.js";

const CONTENT = "content.xml";
const MANIFEST = "META-INF/manifest.xml";

/**
 * The parsed content.xml of an OpenDocument file (ODT, ODS, ODP), its archive inflated under the
 * bomb limits first. A document saved with a password keeps its zip readable but encrypts the
 * parts, which the manifest declares: it is refused as encrypted.
 */
export async function readOdfContent(
  bytes: Uint8Array,
  format: "odt" | "ods" | "odp",
  options: ExtractOptions,
): Promise<ChildNode[]> {
  const parts = await inflateArchive(bytes, format, options, (name) => name === CONTENT || name === MANIFEST);
  const manifest = parts.get(MANIFEST)?.toString("utf8") ?? "";
  if (manifest.includes("manifest:encryption-data")) {
    throw new PermanentError("ENCRYPTED_FILE", `encrypted ${format}: it opens only with a password`);
  }
  const content = parts.get(CONTENT);
  if (content === undefined) throw new PermanentError("CORRUPT_FILE", `corrupt ${format}: no content.xml`);
  return parseXml(content.toString("utf8"));
}
