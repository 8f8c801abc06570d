import { PermanentError } from "../errors/permanent-error.js";
import { type DetectedFormat, detectType } from "./detect-type.js";
import { extractCsv } from "./extract-csv.js";
import { extractHtml } from "./extract-html.js";
import { extractMarkdown } from "./extract-markdown.js";
import { extractText } from "./extract-text.js";
import type { ExtractedDocument, ExtractedSection } from "./extracted-document.js";
import type { MailAttachment, MailMessage } from "./mail-message.js";
import { parseEml } from "./parse-eml.js";
import { parseMsg } from "./parse-msg.js";

/**
 * Messages attached to messages (a forward of a forward) deeper than this are no correspondence
 * anyone kept: the document is refused rather than read a level at a time forever.
 */
export const MAX_ATTACHED_MESSAGE_DEPTH = 10;

const TEXT_EXTRACTORS: Partial<
  Record<DetectedFormat, (bytes: Uint8Array, name: string) => ExtractedDocument>
> = {
  text: (bytes) => extractText(bytes),
  csv: (bytes, name) => extractCsv(bytes, name),
  markdown: (bytes) => extractMarkdown(bytes),
  html: (bytes) => extractHtml(bytes),
};
const EML_NAME = /\.eml$/i;
const MSG_NAME = /\.msg$/i;
/** The OLE compound file signature an Outlook .msg starts with. */
const CFB_SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/**
 * E-mail (.eml, Outlook's .msg): the first section holds the message's subject, sender, recipients
 * and date as header lines, then its body (the plain-text one, else the HTML one read as a web
 * page), under the subject as heading path. Each text attachment (plain text, CSV, markdown, HTML)
 * follows as sections of its own under [subject, file name]; an attached message is read the same
 * way, recursively, up to MAX_ATTACHED_MESSAGE_DEPTH. Other attachments (images, PDFs, office
 * files) are left out: they are documents of their own, to be uploaded as such.
 */
export async function extractMail(bytes: Uint8Array, format: "eml" | "msg"): Promise<ExtractedDocument> {
  const message = format === "eml" ? await parseEml(bytes) : parseMsg(bytes);
  return { format, sections: await messageSections(message, [], 0) };
}

async function messageSections(
  message: MailMessage,
  path: readonly string[],
  depth: number,
): Promise<ExtractedSection[]> {
  if (depth > MAX_ATTACHED_MESSAGE_DEPTH) {
    throw new PermanentError(
      "NESTING_TOO_DEEP",
      `e-mail nested too deeply: messages attached inside one another more than ${MAX_ATTACHED_MESSAGE_DEPTH} levels deep (limit ${MAX_ATTACHED_MESSAGE_DEPTH})`,
      { limit: MAX_ATTACHED_MESSAGE_DEPTH },
    );
  }
  const here = [...path, message.subject.trim() || "(no subject)"];
  const sections: ExtractedSection[] = [
    { text: [headerLines(message), body(message)].filter(Boolean).join("\n\n"), headingPath: here },
  ];
  for (const attachment of message.attachments) {
    const inner = await attachedMessage(attachment);
    if (inner !== null) {
      sections.push(...(await messageSections(inner, [...here, attachment.name], depth + 1)));
      continue;
    }
    for (const section of await textAttachment(attachment)) {
      sections.push({
        text: section.text,
        headingPath: [...here, attachment.name, ...(section.headingPath ?? [])],
      });
    }
  }
  return sections.filter((section) => section.text.trim() !== "");
}

function headerLines(message: MailMessage): string {
  const lines = [
    ["Subject", message.subject],
    ["From", message.from],
    ["To", message.to.join(", ")],
    ["Cc", message.cc.join(", ")],
    ["Date", message.date],
  ];
  return lines
    .filter(([, value]) => value !== "")
    .map(([label, value]) => `${label}: ${value}`)
    .join("\n");
}

function body(message: MailMessage): string {
  if (message.text !== null && message.text.trim() !== "")
    return message.text.replace(/[ \t]+$/gm, "").trim();
  if (message.html === null) return "";
  return extractHtml(new TextEncoder().encode(message.html))
    .sections.map((section) => section.text)
    .join("\n\n");
}

/** The attachment as a message, parsed: an .eml (message/rfc822) or an Outlook .msg; null if neither. */
async function attachedMessage(attachment: MailAttachment): Promise<MailMessage | null> {
  if (attachment.message !== undefined) return attachment.message;
  if (attachment.mime === "message/rfc822" || EML_NAME.test(attachment.name))
    return parseEml(attachment.content);
  const isMsg = attachment.mime === "application/vnd.ms-outlook" || MSG_NAME.test(attachment.name);
  if (isMsg && CFB_SIGNATURE.every((byte, index) => attachment.content[index] === byte)) {
    return parseMsg(attachment.content);
  }
  return null;
}

/**
 * A text attachment's sections, by what its bytes are (detect-type.ts, as for an upload); none for
 * any other attachment. Detection refusing an attachment (binary bytes, an encrypted office file)
 * says it is no text attachment: it is left out like the images and PDFs, not failing the message.
 */
async function textAttachment(attachment: MailAttachment): Promise<readonly ExtractedSection[]> {
  let format: DetectedFormat;
  try {
    format = (await detectType(attachment.content, attachment.mime, attachment.name)).format;
  } catch (error) {
    if (error instanceof PermanentError) return [];
    throw error;
  }
  const extract = TEXT_EXTRACTORS[format];
  return extract === undefined ? [] : extract(attachment.content, attachment.name).sections;
}
