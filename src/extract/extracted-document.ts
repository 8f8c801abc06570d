/** Text pulled out of a file, split where the format has structure (pages, headings). */
export interface ExtractedSection {
  readonly text: string;
  /** 1-based page (PDF), slide or sheet number, where the format has one. */
  readonly page?: number;
  /** Headings this section falls under, outermost first. */
  readonly headingPath?: readonly string[];
}

export interface ExtractedDocument {
  /** Detected source format, e.g. "pdf", "docx", "markdown", "text". */
  readonly format: string;
  readonly sections: readonly ExtractedSection[];
}
