import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { decodeText, detectEncoding } from "../../src/extract/decode-text.js";

const SAMPLE = "Prix “net”: 20 € — Œuvre, Šárka, naïve façade…";

describe("detectEncoding / decodeText", () => {
  it("reads pure ASCII as UTF-8", () => {
    const bytes = new Uint8Array(Buffer.from("plain ascii\n", "latin1"));
    assert.deepEqual(decodeText(bytes), { text: "plain ascii\n", encoding: "utf-8" });
  });

  it("reads UTF-8 with or without a BOM, dropping the BOM", () => {
    const body = Buffer.from(SAMPLE, "utf8");
    assert.deepEqual(decodeText(body), { text: SAMPLE, encoding: "utf-8" });
    assert.deepEqual(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body])), {
      text: SAMPLE,
      encoding: "utf-8",
    });
  });

  it("reads UTF-16 in both byte orders by its BOM", () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SAMPLE, "utf16le")]);
    assert.deepEqual(decodeText(le), { text: SAMPLE, encoding: "utf-16le" });
    const be = Buffer.from(le).swap16();
    assert.deepEqual(decodeText(be), { text: SAMPLE, encoding: "utf-16be" });
  });

  it("reads Windows-1252's 0x80–0x9F as the characters they are, not as control codes", () => {
    // “ ” € — … Œ Š in Windows-1252; Node's TextDecoder("windows-1252") would give C1 controls here.
    const bytes = new Uint8Array([0x93, 0x61, 0x94, 0x20, 0x80, 0x20, 0x97, 0x20, 0x85, 0x20, 0x8c, 0x8a]);
    assert.deepEqual(decodeText(bytes), { text: "“a” € — … ŒŠ", encoding: "windows-1252" });
  });

  it("reads Latin-1 text the same way (its printable range is Windows-1252's)", () => {
    const bytes = new Uint8Array(Buffer.from("Crème brûlée, Straße, Ærø, ½ £", "latin1"));
    assert.deepEqual(decodeText(bytes), { text: "Crème brûlée, Straße, Ærø, ½ £", encoding: "windows-1252" });
  });

  it("keeps mostly-UTF-8 text UTF-8, a stray byte becoming one replacement character", () => {
    const bytes = Buffer.concat([
      Buffer.from("née café ", "utf8"),
      Buffer.from([0xe9]),
      Buffer.from(" déjà", "utf8"),
    ]);
    assert.equal(detectEncoding(bytes), "utf-8");
    assert.equal(decodeText(bytes).text, "née café \ufffd déjà");
  });

  it("does not count a multi-byte character cut at the end of a sniffed head against UTF-8", () => {
    const head = Buffer.from("abc é", "utf8").subarray(0, 5); // the é's first byte only
    assert.equal(detectEncoding(head), "utf-8");
  });

  it("turns Windows and old Mac line endings into \\n", () => {
    assert.equal(decodeText(Buffer.from("a\r\nb\rc\n", "latin1")).text, "a\nb\nc\n");
  });
});
