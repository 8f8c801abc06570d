/** An e-mail as extract-mail.ts renders it, whichever container it came in (.eml or Outlook's .msg). */
export interface MailMessage {
  readonly subject: string;
  /** "Name <address>" or the bare address; "" when the message does not say. */
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  /** As ISO 8601 when the message's date could be read, else as the message wrote it. */
  readonly date: string;
  /** The plain-text body, or null when the message has only an HTML one. */
  readonly text: string | null;
  readonly html: string | null;
  readonly attachments: readonly MailAttachment[];
}

export interface MailAttachment {
  /** The file name the sender gave it, or a name made from its position. */
  readonly name: string;
  /** Its declared MIME type, lowercase ("" when none). */
  readonly mime: string;
  readonly content: Uint8Array;
  /** A message Outlook embedded in a .msg, already parsed by the library that read the outer one. */
  readonly message?: MailMessage;
}

/** "Zoë Müller <zoe@example.com>", or the bare address when there is no name. */
export function mailbox(name: string | undefined, address: string | undefined): string {
  const shown = (name ?? "").trim();
  const at = (address ?? "").trim();
  if (shown === "" || shown === at) return at;
  return at === "" ? shown : `${shown} <${at}>`;
}

/** A date the message gives in any of the forms mail software writes, as ISO 8601 to the second. */
export function mailDate(value: string | undefined): string {
  if (value === undefined || value.trim() === "") return "";
  const time = Date.parse(value);
  return Number.isNaN(time) ? value.trim() : new Date(time).toISOString().replace(/\.000Z$/, "Z");
}
