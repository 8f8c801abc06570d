/** Text pulled out of a file, split where the format has structure (pages, headings). */
export interface ExtractedSection {
  readonly text: string;
  /** 1-based page (PDF), slide (PPTX) or sheet (XLSX) number, where the format has one. */
  readonly page?: number;
  /** Headings this section falls under, outermost first. */
  readonly headingPath?: readonly string[];
  /**
   * Set only on text that OCR read (a scanned PDF page, an image page): the mean confidence of the
   * page's words as tesseract reported it, from 0 to 1.
   */
  readonly ocrConfidence?: number;
}

export interface ExtractedDocument {
  /** Detected source format: "pdf", "docx", "pptx", "xlsx", "odt", "html", "csv", "markdown", "text" or "image". */
  readonly format: string;
  readonly sections: readonly ExtractedSection[];
}
