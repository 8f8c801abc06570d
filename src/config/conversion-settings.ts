import { milliseconds } from "./readers.js";
import { readGroup, setting } from "./setting.js";

/** Formats read by converting them with LibreOffice (.xls, .ppt, .rtf): how long one conversion may take. */
export const CONVERSION_SETTINGS = {
  libreofficeTimeoutMs: setting("LIBREOFFICE_TIMEOUT_MS", milliseconds(1000, 3_600_000), {
    default: "60000",
    describe:
      "time limit of one LibreOffice conversion (a .xls, .ppt or .rtf file; 4-14 s each on a busy 2-core machine): past it the conversion is killed and the document `FAILED` `DOCUMENT_TIMEOUT`, not retried",
  }),
};

/** The conversion settings with nothing set: what extraction applies when called without options. */
export const CONVERSION_DEFAULTS = readGroup({}, CONVERSION_SETTINGS);
