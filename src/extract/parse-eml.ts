import PostalMime, { type Address, type Email } from "postal-mime";

import { PermanentError } from "../errors/permanent-error.js";
import { type MailAttachment, type MailMessage, mailbox, mailDate } from "./mail-message.js";

/** MIME parts inside one another past this depth are no message a client wrote (postal-mime's limit). */
export const MAX_MIME_NESTING = 100;

/**
 * One RFC 5322 message (.eml) through postal-mime, which decodes transfer encodings, charsets and
 * encoded words and bounds what a hostile message can cost (part nesting, part count, header size).
 * Attached messages (message/rfc822) are handed back as attachments, raw: extract-mail.ts reads
 * them one level at a time under its own depth limit, instead of postal-mime inlining them.
 */
export async function parseEml(bytes: Uint8Array): Promise<MailMessage> {
  let email: Email;
  try {
    email = await PostalMime.parse(bytes, {
      forceRfc822Attachments: true,
      attachmentEncoding: "arraybuffer",
      maxNestingDepth: MAX_MIME_NESTING,
    });
  } catch (error) {
    throw refusal(error);
  }
  const addresses = (list: readonly Address[] | undefined): string[] =>
    (list ?? []).flatMap((entry) =>
      entry.group === undefined
        ? [mailbox(entry.name, entry.address)]
        : entry.group.map((m) => mailbox(m.name, m.address)),
    );
  return {
    subject: email.subject ?? "",
    from: addresses(email.from === undefined ? [] : [email.from]).join(", "),
    to: addresses(email.to),
    cc: addresses(email.cc),
    date: mailDate(email.date),
    text: email.text ?? null,
    html: email.html ?? null,
    attachments: email.attachments.map((attachment, index): MailAttachment => ({
      name: attachment.filename ?? `attachment ${index + 1}`,
      mime: attachment.mimeType.toLowerCase(),
      content:
        typeof attachment.content === "string"
          ? new TextEncoder().encode(attachment.content)
          : new Uint8Array(attachment.content),
    })),
  };
}

function refusal(error: unknown): PermanentError {
  const reason = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "EMAXNESTINGDEPTH") {
    return new PermanentError(
      "NESTING_TOO_DEEP",
      `e-mail nested too deeply: MIME parts more than ${MAX_MIME_NESTING} levels inside one another`,
      { limit: MAX_MIME_NESTING },
      { cause: error },
    );
  }
  return new PermanentError("CORRUPT_FILE", `corrupt eml: ${reason}`, {}, { cause: error });
}
