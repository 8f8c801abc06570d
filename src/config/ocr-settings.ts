import { flag, integer, matching, milliseconds } from "./readers.js";
import { readGroup, setting, type GroupValues } from "./setting.js";

/**
 * Tesseract's language names (`eng`, `spa`, `chi_sim`, `deu_latf`) joined by `+`, as its `-l`
 * takes them. Nothing else gets through: the value becomes a command-line argument.
 */
export const OCR_LANGUAGES_PATTERN = /^[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*$/i;

/** Text recognition of scans: PDF pages without a text layer, and images (tesseract, in the pool's threads). */
export const OCR_SETTINGS = {
  enabled: setting("OCR_ENABLED", flag, {
    default: "true",
    describe:
      "OCR (Debian's `tesseract-ocr`, `poppler-utils`) for PDF pages without a text layer and for PNG, JPEG, TIFF, BMP, WebP and GIF images; the worker refuses to start when a tool or language is missing. `false`: such pages are skipped and images end `FAILED` `UNSUPPORTED_TYPE`",
  }),
  languages: setting(
    "OCR_LANGUAGES",
    matching(OCR_LANGUAGES_PATTERN, "tesseract language names joined by +, e.g. eng+spa"),
    {
      default: "eng+spa",
      describe:
        "languages tesseract reads, each installed as Debian's `tesseract-ocr-<lang>` (checked at start)",
    },
  ),
  maxPages: setting("OCR_MAX_PAGES", integer(1, 1_000_000), {
    default: "200",
    describe:
      "more pages to OCR in one document (PDF pages without text, image pages): `FAILED` `TOO_MANY_PAGES` before any is read, not retried; OCR takes about a second of one core per page, so raise `DOCUMENT_TIMEOUT_MS` with it",
  }),
  pageTimeoutMs: setting("OCR_PAGE_TIMEOUT_MS", milliseconds(100, 3_600_000), {
    default: "60000",
    describe:
      "time limit of one page's rendering or recognition: the tool is killed and the document ends `FAILED` `OCR_PAGE_TIMEOUT`, not retried",
  }),
  dpi: setting("OCR_DPI", integer(50, 1200, "dots per inch"), {
    default: "300",
    describe:
      "resolution PDF pages without a text layer are rendered at for OCR (lowered for a page so large it would pass `OCR_MAX_IMAGE_PIXELS`); images are read at their own resolution",
  }),
  maxImagePixels: setting("OCR_MAX_IMAGE_PIXELS", integer(1, 2 ** 40, "a pixel count"), {
    default: "100000000",
    describe:
      "an image (or one of its pages) declaring more pixels than this, width × height: `FAILED` `IMAGE_TOO_LARGE` from its header, before any is decoded",
  }),
};

export type OcrSettings = GroupValues<typeof OCR_SETTINGS>;

/** The OCR settings with nothing set: what extraction applies when called without options. */
export const OCR_DEFAULTS: OcrSettings = readGroup({}, OCR_SETTINGS);
