/** word-extractor 1.x ships no types: the part of its API extract-doc.ts uses (lib/word.js, lib/document.js). */
declare module "word-extractor" {
  interface TextboxOptions {
    readonly includeHeadersAndFooters?: boolean;
    readonly includeBody?: boolean;
  }

  export class Document {
    getBody(): string;
    getFootnotes(): string;
    getEndnotes(): string;
    getAnnotations(): string;
    getTextboxes(options?: TextboxOptions): string;
  }

  export default class WordExtractor {
    extract(source: string | Buffer): Promise<Document>;
  }
}
