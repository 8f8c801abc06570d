/** A header field's name: printable ASCII but the colon, no spaces (RFC 5322 2.2). */
const FIELD = /^([!-9;-~]+):/;
/** A folded header line continues the previous field. */
const CONTINUATION = /^[ \t]/;
/** Past this many lines a "header block" is prose that happens to have colons in it. */
const MAX_HEADER_LINES = 500;

/**
 * Whether text starts as an e-mail does: a block of header fields up to the first blank line,
 * holding the two fields RFC 5322 (3.6) requires of every message, From and Date. Both are asked
 * for so that a memo or a note with a "From:" or "Subject:" line stays plain text: a mail saved
 * without a .eml name or a message/rfc822 type is recognised, prose is not taken for one.
 */
export function looksLikeMailHeaders(text: string): boolean {
  const lines = text.split(/\r?\n/);
  const names = new Set<string>();
  for (const [index, line] of lines.entries()) {
    if (line === "") break;
    if (index >= MAX_HEADER_LINES) return false;
    const field = FIELD.exec(line);
    if (field?.[1] !== undefined) names.add(field[1].toLowerCase());
    else if (index === 0 || !CONTINUATION.test(line)) return false;
  }
  // Also without a blank line: a mail with no body, or long headers cut at the sniffed head.
  return names.has("from") && names.has("date");
}
