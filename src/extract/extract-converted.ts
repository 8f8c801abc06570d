import { extractDocx } from "./extract-docx.js";
import { DEFAULT_EXTRACT_OPTIONS, type ExtractOptions } from "./extract-options.js";
import { extractPptx } from "./extract-pptx.js";
import { extractXlsx } from "./extract-xlsx.js";
import type { ExtractedDocument } from "./extracted-document.js";
import { type ConversionTarget, convertWithLibreOffice } from "./libreoffice-convert.js";

/** Formats no maintained JavaScript library reads well: LibreOffice turns them into their OOXML kin. */
export type ConvertedFormat = "xls" | "ppt" | "rtf";

const ROUTES: Readonly<
  Record<
    ConvertedFormat,
    {
      readonly to: ConversionTarget;
      readonly extract: (bytes: Uint8Array, options: ExtractOptions) => Promise<ExtractedDocument>;
    }
  >
> = {
  xls: { to: "xlsx", extract: extractXlsx },
  ppt: { to: "pptx", extract: extractPptx },
  rtf: { to: "docx", extract: extractDocx },
};

/**
 * Excel 97-2003 (.xls), PowerPoint 97-2003 (.ppt) and RTF, converted by LibreOffice headless to
 * XLSX, PPTX and DOCX and read by those extractors: sheets keep their names and numbers, slides
 * their numbers and titles, RTF its headings where it has styles. The converted file is checked
 * like any upload (archive limits, MAX_PAGES). npm's SheetJS (`xlsx` 0.18) would read .xls in
 * JavaScript, but the registry's copy is unmaintained with known flaws on hostile input.
 */
export async function extractConverted(
  bytes: Uint8Array,
  format: ConvertedFormat,
  options: ExtractOptions = DEFAULT_EXTRACT_OPTIONS,
): Promise<ExtractedDocument> {
  const route = ROUTES[format];
  const converted = await convertWithLibreOffice(
    bytes,
    format,
    route.to,
    options.libreofficeTimeoutMs,
    options.interrupt,
  );
  return { ...(await route.extract(converted, options)), format };
}
