import msgreader, { type FieldsData } from "@kenjiuno/msgreader";

// A CommonJS module whose class is its `default` export: under Node's ESM interop that is a property.
const MsgReader = msgreader.default;
type MsgReader = InstanceType<typeof MsgReader>;

import { PermanentError } from "../errors/permanent-error.js";
import { type MailAttachment, type MailMessage, mailbox, mailDate } from "./mail-message.js";

/**
 * One Outlook message (.msg, MS-OXMSG: MAPI properties in an OLE compound file) through
 * @kenjiuno/msgreader. Messages Outlook embedded as attachments come back parsed (the library reads
 * them with the outer one), for extract-mail.ts to walk under its depth limit.
 */
export function parseMsg(bytes: Uint8Array): MailMessage {
  try {
    const reader = new MsgReader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const fields = reader.getFileData();
    if (fields.error !== undefined) throw new Error(fields.error);
    return message(reader, fields);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PermanentError("CORRUPT_FILE", `corrupt msg: ${reason}`, {}, { cause: error });
  }
}

function message(reader: MsgReader, fields: FieldsData): MailMessage {
  const recipients = (kind: "to" | "cc"): string[] =>
    (fields.recipients ?? [])
      .filter((recipient) => (recipient.recipType ?? "to") === kind)
      .map((recipient) => mailbox(recipient.name, recipient.smtpAddress ?? recipient.email));
  return {
    subject: fields.subject ?? "",
    from: mailbox(fields.senderName, fields.senderSmtpAddress ?? fields.senderEmail),
    to: recipients("to"),
    cc: recipients("cc"),
    date: mailDate(fields.clientSubmitTime ?? fields.messageDeliveryTime ?? fields.creationTime),
    text: fields.body ?? null,
    html: fields.bodyHtml ?? (fields.html === undefined ? null : new TextDecoder().decode(fields.html)),
    attachments: (fields.attachments ?? []).map((attachment, index) => {
      const name = attachment.fileName ?? attachment.name ?? `attachment ${index + 1}`;
      const mime = (attachment.attachMimeTag ?? "").toLowerCase();
      if (attachment.innerMsgContent === true && attachment.innerMsgContentFields !== undefined) {
        const inner = message(reader, attachment.innerMsgContentFields);
        return {
          name: `${name}.msg`,
          mime: "application/vnd.ms-outlook",
          content: new Uint8Array(0),
          message: inner,
        };
      }
      return { name, mime, content: reader.getAttachment(attachment).content } satisfies MailAttachment;
    }),
  };
}
