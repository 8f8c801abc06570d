import { pythonStrip } from "../text/python-whitespace.js";

/** rag-corp's `documents.error_message` limit, in characters (code points, as Python counts). */
export const ERROR_MESSAGE_LIMIT = 500;

/**
 * rag-corp's format for `documents.error_message`: the message trimmed, and when longer than 500
 * characters its first 497 followed by `...` (exactly 500), so readers of that column (the API,
 * dashboards) see what they saw before.
 */
export function documentErrorMessage(message: string): string {
  const trimmed = pythonStrip(message);
  if (trimmed.length <= ERROR_MESSAGE_LIMIT) return trimmed;
  const characters = Array.from(trimmed);
  if (characters.length <= ERROR_MESSAGE_LIMIT) return trimmed;
  return `${characters.slice(0, ERROR_MESSAGE_LIMIT - 3).join("")}...`;
}
