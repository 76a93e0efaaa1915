/*
 * Text of untrusted PDFs with pdf.js (the legacy build, which runs on Node). pdf.js interprets a PDF, it
 * does not execute it: scripting stays off, fonts are not turned into code (isEvalSupported: false) nor
 * handed to the system, nothing is fetched. What a hostile PDF can still do is make work, so the caller's
 * deadline and page and character limits bound it; pdf.js yields between operator batches, which is what
 * lets the deadline stop a page in the middle.
 */

/** The part of pdf.js used here, typed narrowly (its own types drag in the DOM). */
interface PdfJsModule {
  getDocument(source: Record<string, unknown>): PdfLoadingTask;
}
interface PdfLoadingTask {
  promise: Promise<PdfDocument>;
  destroy(): Promise<void>;
}
interface PdfDocument {
  numPages: number;
  getPage(pageNumber: number): Promise<PdfPage>;
}
interface PdfPage {
  getTextContent(options?: Record<string, unknown>): Promise<{ items: Array<{ str?: string; hasEOL?: boolean }> }>;
  cleanup(): boolean;
}

let loading: Promise<PdfJsModule> | undefined;

/** pdf.js is large (about 0.2 s to load, 0.5 s more for its in-process worker): loaded on the first PDF only. */
function loadPdfJs(): Promise<PdfJsModule> {
  loading ??= import('pdfjs-dist/legacy/build/pdf.mjs').then((module) => module as unknown as PdfJsModule);
  return loading;
}

export interface PdfTextLimits {
  /** Epoch milliseconds after which extraction stops; what was read by then is kept. */
  deadline: number;
  maxPages: number;
  maxChars: number;
}

export interface PdfText {
  text: string;
  /** Why the text is partial, if it is. */
  warnings: string[];
}

/** Refusals that are about the PDF (password, damage), as opposed to a fault of ours. */
export class PdfUnreadableError extends Error {}

class DeadlineReached extends Error {}

/**
 * The text of each page in order, a line break where pdf.js marks the end of a line and a blank line
 * between pages. Throws PdfUnreadableError for a PDF pdf.js cannot open (damaged, password-protected).
 */
export async function extractPdfText(data: Uint8Array, name: string, limits: PdfTextLimits): Promise<PdfText> {
  const pdfjs = await loadPdfJs();
  const task = pdfjs.getDocument({
    // A copy: pdf.js may keep or transfer the array it is given.
    data: new Uint8Array(data),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    useWorkerFetch: false,
    isOffscreenCanvasSupported: false,
    isImageDecoderSupported: false,
    enableXfa: false,
    disableAutoFetch: true,
    disableStream: true,
    disableRange: true,
    // Errors only: pdf.js warns on stdout about missing standard font data, which text extraction does not need.
    verbosity: 0,
  });
  const warnings: string[] = [];
  const pages: string[] = [];
  let chars = 0;
  try {
    let document: PdfDocument;
    try {
      document = await beforeDeadline(task.promise, limits.deadline);
    } catch (error) {
      if (error instanceof DeadlineReached) throw error;
      throw new PdfUnreadableError(describePdfError(error));
    }
    const last = Math.min(document.numPages, limits.maxPages);
    if (document.numPages > last) warnings.push(`${name}: text of the first ${last} of ${document.numPages} pages only (page limit)`);
    for (let number = 1; number <= last; number++) {
      const page = await beforeDeadline(document.getPage(number), limits.deadline);
      const content = await beforeDeadline(page.getTextContent({ disableNormalization: false }), limits.deadline);
      page.cleanup();
      let text = '';
      for (const item of content.items) {
        if (typeof item.str !== 'string') continue;
        text += item.str;
        if (item.hasEOL) text += '\n';
      }
      text = text.trim();
      if (chars + text.length > limits.maxChars) {
        pages.push(text.slice(0, Math.max(limits.maxChars - chars, 0)));
        warnings.push(`${name}: text cut at ${limits.maxChars} characters (page ${number} of ${document.numPages})`);
        break;
      }
      chars += text.length;
      if (text) pages.push(text);
    }
  } catch (error) {
    if (!(error instanceof DeadlineReached)) throw error;
    warnings.push(`${name}: text extraction stopped at the time limit after ${pages.length} page(s)`);
  } finally {
    // Frees the document in the in-process worker and stops whatever a timed-out page was doing.
    await task.destroy().catch(() => undefined);
  }
  return { text: pages.join('\n\n'), warnings };
}

function beforeDeadline<T>(promise: Promise<T>, deadline: number): Promise<T> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) {
    promise.catch(() => undefined);
    return Promise.reject(new DeadlineReached());
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineReached()), remaining);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describePdfError(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  if (name === 'PasswordException') return 'it is password-protected';
  const message = error instanceof Error ? error.message : String(error);
  return `pdf.js cannot read it (${message})`;
}
