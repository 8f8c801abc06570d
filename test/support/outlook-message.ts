/**
 * Outlook .msg files built in memory. No Debian tool writes the format, so the tests build it from
 * its specification (MS-OXMSG) with the cfb package, which is not the reader the worker uses
 * (@kenjiuno/msgreader has its own compound-file reader): MAPI properties as streams named
 * __substg1.0_<tag>, fixed-size ones in __properties_version1.0, recipients and attachments in
 * storages of their own, an attached message as an embedded storage.
 */
import CFB from "cfb";

export interface OutlookMessage {
  readonly subject: string;
  readonly senderName: string;
  readonly senderEmail: string;
  readonly to: readonly { readonly name: string; readonly email: string }[];
  /** Sent at; stored as PidTagClientSubmitTime. */
  readonly date: Date;
  readonly body: string;
  readonly attachments?: readonly OutlookAttachment[];
}

export type OutlookAttachment =
  | { readonly fileName: string; readonly mimeType: string; readonly data: Uint8Array }
  | { readonly fileName: string; readonly message: OutlookMessage };

const UNICODE = 0x001f;
const BINARY = 0x0102;
const LONG = 0x0003;
const SYSTIME = 0x0040;
const OBJECT = 0x000d;
/** PROPATTR_READABLE | PROPATTR_WRITABLE */
const READ_WRITE = 6;
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;

/** The smallest message worth the name: a subject, a sender, a body. */
export function tinyOutlookMessage(): Uint8Array {
  return makeOutlookMessage({
    subject: "Lunch",
    senderName: "Ana",
    senderEmail: "ana@example.com",
    to: [],
    date: new Date(0),
    body: "At noon.",
  });
}

export function makeOutlookMessage(message: OutlookMessage): Uint8Array {
  const container = CFB.utils.cfb_new();
  // The named-property mapping storage every Outlook message has, empty here.
  for (const stream of ["00020102", "00030102", "00040102"]) {
    CFB.utils.cfb_add(container, `/__nameid_version1.0/__substg1.0_${stream}`, Buffer.alloc(0));
  }
  addMessage(container, "", message, 32);
  return new Uint8Array(CFB.write(container, { type: "buffer" }) as Buffer);
}

/** One message's properties under `prefix`; the header is 32 bytes at the top level, 24 embedded. */
function addMessage(
  container: CFB.CFB$Container,
  prefix: string,
  message: OutlookMessage,
  headerBytes: number,
): void {
  const attachments = message.attachments ?? [];
  const properties = new PropertyStream(headerBytes);
  const header = properties.header;
  header.writeUInt32LE(message.to.length, 8); // next recipient id
  header.writeUInt32LE(attachments.length, 12); // next attachment id
  header.writeUInt32LE(message.to.length, 16);
  header.writeUInt32LE(attachments.length, 20);
  const text = (id: number, value: string): void => addText(container, prefix, properties, id, value);
  text(0x001a, "IPM.Note");
  text(0x0037, message.subject);
  text(0x0c1a, message.senderName);
  text(0x0c1f, message.senderEmail);
  text(0x5d01, message.senderEmail);
  text(0x0e04, message.to.map((r) => r.name).join("; "));
  text(0x1000, message.body);
  properties.fixed(0x0039, SYSTIME, filetime(message.date));

  message.to.forEach((recipient, index) => {
    const storage = `${prefix}/__recip_version1.0_#${index.toString(16).toUpperCase().padStart(8, "0")}`;
    const recipientProperties = new PropertyStream(8);
    const recipientText = (id: number, value: string): void =>
      addText(container, storage, recipientProperties, id, value);
    recipientText(0x3001, recipient.name);
    recipientText(0x3003, recipient.email);
    recipientText(0x39fe, recipient.email);
    recipientProperties.fixed(0x0c15, LONG, long(1)); // MAPI_TO
    CFB.utils.cfb_add(container, `${storage}/__properties_version1.0`, recipientProperties.bytes());
  });

  attachments.forEach((attachment, index) => {
    const storage = `${prefix}/__attach_version1.0_#${index.toString(16).toUpperCase().padStart(8, "0")}`;
    const attachmentProperties = new PropertyStream(8);
    const attachmentText = (id: number, value: string): void =>
      addText(container, storage, attachmentProperties, id, value);
    attachmentText(0x3707, attachment.fileName);
    attachmentText(0x3001, attachment.fileName);
    if ("message" in attachment) {
      attachmentProperties.fixed(0x3705, LONG, long(5)); // ATTACH_EMBEDDED_MSG
      attachmentProperties.variable(0x3701, OBJECT, 0xffffffff);
      addMessage(container, `${storage}/__substg1.0_${tag(0x3701, OBJECT)}`, attachment.message, 24);
    } else {
      attachmentText(0x370e, attachment.mimeType);
      attachmentProperties.fixed(0x3705, LONG, long(1)); // ATTACH_BY_VALUE
      const data = Buffer.from(attachment.data);
      CFB.utils.cfb_add(container, `${storage}/__substg1.0_${tag(0x3701, BINARY)}`, data);
      attachmentProperties.variable(0x3701, BINARY, data.length);
    }
    CFB.utils.cfb_add(container, `${storage}/__properties_version1.0`, attachmentProperties.bytes());
  });
  CFB.utils.cfb_add(container, `${prefix}/__properties_version1.0`, properties.bytes());
}

/** A string property: its UTF-16LE stream, and its size (with the terminating NUL) in the property stream. */
function addText(
  container: CFB.CFB$Container,
  storage: string,
  properties: PropertyStream,
  id: number,
  value: string,
): void {
  const data = Buffer.from(value, "utf16le");
  CFB.utils.cfb_add(container, `${storage}/__substg1.0_${tag(id, UNICODE)}`, data);
  properties.variable(id, UNICODE, data.length + 2);
}

/** __properties_version1.0: a header, then 16 bytes a property (tag, flags, 8 bytes of value or size). */
class PropertyStream {
  readonly header: Buffer;
  private readonly entries: Buffer[] = [];

  constructor(headerBytes: number) {
    this.header = Buffer.alloc(headerBytes);
  }

  fixed(id: number, type: number, value: Buffer): void {
    const entry = Buffer.alloc(16);
    entry.writeUInt32LE(((id << 16) | type) >>> 0, 0);
    entry.writeUInt32LE(READ_WRITE, 4);
    value.copy(entry, 8, 0, 8);
    this.entries.push(entry);
  }

  variable(id: number, type: number, size: number): void {
    this.fixed(id, type, long(size));
  }

  bytes(): Buffer {
    return Buffer.concat([this.header, ...this.entries]);
  }
}

function tag(id: number, type: number): string {
  return (((id << 16) | type) >>> 0).toString(16).toUpperCase().padStart(8, "0");
}

function long(value: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeUInt32LE(value >>> 0, 0);
  return buffer;
}

function filetime(date: Date): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64LE((BigInt(date.getTime()) + FILETIME_EPOCH_OFFSET_MS) * 10_000n);
  return buffer;
}
