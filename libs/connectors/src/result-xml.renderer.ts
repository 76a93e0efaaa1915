import { PermanentError } from '@app/contracts';
import type { AiLabel, CanonicalDocument, ClassificationOutput, ExtractionOutput, LanguageOutput, StepResult, SummaryOutput, TranslationOutput } from '@app/contracts';
import { escapeXml, escapeXmlAttribute } from '@app/xml';

/** Namespace of `contracts/schnittstelle/v1/result.xsd`. */
export const RESULT_NAMESPACE = 'urn:schnittstelle:result:v1';

export interface ResultXmlInput {
  document: CanonicalDocument;
  results: StepResult[];
  routeId: string;
  /** ISO 8601 timestamp, the time the result is written. */
  writtenAt: string;
}

/**
 * Renders the result document a route writes to its outbox (schema: contracts/schnittstelle/v1/result.xsd).
 * Every step's output carries its AI label, so a Fachverfahren can never take AI output for a
 * clerk's entry. Built by hand rather than with a serializer, so the element order stays the
 * schema's and every piece of text goes through the same escaping.
 */
export function renderResultXml(input: ResultXmlInput): string {
  const { document, results, routeId, writtenAt } = input;
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  lines.push(`<Result xmlns="${RESULT_NAMESPACE}" routeId="${attr(routeId)}" writtenAt="${attr(writtenAt)}">`);
  lines.push(...renderDocument(document).map(indent(1)));
  for (const result of results) lines.push(...renderStep(result).map(indent(1)));
  lines.push('</Result>');
  return `${lines.join('\n')}\n`;
}

function renderDocument(document: CanonicalDocument): string[] {
  const lines = ['<Document>'];
  lines.push(element('Id', document.id));
  lines.push(element('RouteId', document.routeId));
  if (present(document.correlationId)) lines.push(element('CorrelationId', document.correlationId));
  lines.push(element('Channel', document.channel));
  if (present(document.filename)) lines.push(element('Filename', document.filename));
  lines.push(element('Sha256', document.sha256));
  lines.push(element('ReceivedAt', document.receivedAt));
  const xoev = document.xoev;
  if (xoev) {
    lines.push('<Xoev>');
    lines.push(indent(1)(element('Standard', xoev.standard)));
    lines.push(indent(1)(element('Version', xoev.version)));
    if (present(xoev.messageTypeCode)) lines.push(indent(1)(element('MessageTypeCode', xoev.messageTypeCode)));
    if (present(xoev.processId)) lines.push(indent(1)(element('ProcessId', xoev.processId)));
    lines.push('</Xoev>');
  }
  return [lines[0]!, ...lines.slice(1).map(indent(1)), '</Document>'];
}

function renderStep(result: StepResult): string[] {
  return [
    `<Step id="${attr(result.step)}" task="${attr(result.task)}">`,
    ...renderLabel(result.label).map(indent(1)),
    '  <Output>',
    ...renderOutput(result).map(indent(2)),
    '  </Output>',
    '</Step>',
  ];
}

function renderLabel(label: AiLabel): string[] {
  return [
    // Written as a constant: the label is there because the output is AI output, whatever the input says.
    '<AiLabel aiGenerated="true">',
    indent(1)(element('DigitalSourceType', label.digitalSourceType)),
    indent(1)(element('Provider', label.provider)),
    indent(1)(element('Model', label.model)),
    indent(1)(element('GeneratedAt', label.generatedAt)),
    indent(1)(element('ReviewState', label.reviewState)),
    ...(label.promptTemplate ? [indent(1)(`<PromptTemplate id="${attr(label.promptTemplate.id)}" version="${attr(String(label.promptTemplate.version))}"/>`)] : []),
    '</AiLabel>',
  ];
}

function renderOutput(result: StepResult): string[] {
  switch (result.task) {
    case 'detect-language': {
      const output = result.output as LanguageOutput;
      requireShape(result, typeof output.language === 'string');
      return ['<Language>', indent(1)(element('Code', output.language)), indent(1)(element('Confidence', decimal(output.confidence, result))), '</Language>'];
    }
    case 'summarise': {
      const output = result.output as SummaryOutput;
      requireShape(
        result,
        typeof output.summary === 'string' &&
          Array.isArray(output.sentences) &&
          Array.isArray(output.sentenceIndexes) &&
          output.sentences.length === output.sentenceIndexes.length,
      );
      const sentences = output.sentences.map((sentence, i) => {
        const index = output.sentenceIndexes[i]!;
        requireShape(result, Number.isSafeInteger(index) && index >= 0);
        return `<Sentence index="${index}">${text(sentence)}</Sentence>`;
      });
      return ['<Summary>', indent(1)(element('Text', output.summary)), ...sentences.map(indent(1)), '</Summary>'];
    }
    case 'classify': {
      const output = result.output as ClassificationOutput;
      requireShape(result, typeof output.label === 'string' && output.scores !== null && typeof output.scores === 'object');
      const scores = Object.entries(output.scores).map(([label, score]) => `<Score label="${attr(label)}">${decimal(score, result)}</Score>`);
      return [
        '<Classification>',
        indent(1)(element('Label', output.label)),
        indent(1)(element('Confidence', decimal(output.confidence, result))),
        ...scores.map(indent(1)),
        '</Classification>',
      ];
    }
    case 'translate': {
      const output = result.output as TranslationOutput;
      requireShape(result, typeof output.translation === 'string' && typeof output.sourceLanguage === 'string' && typeof output.targetLanguage === 'string');
      return [
        '<Translation>',
        indent(1)(element('SourceLanguage', output.sourceLanguage)),
        indent(1)(element('TargetLanguage', output.targetLanguage)),
        indent(1)(element('Text', output.translation)),
        '</Translation>',
      ];
    }
    case 'extract': {
      const output = result.output as ExtractionOutput;
      requireShape(result, output.fields !== null && typeof output.fields === 'object' && !Array.isArray(output.fields));
      const fields = Object.entries(output.fields).map(([name, value]) => {
        const [type, content] = fieldValue(value, result);
        return `<Field name="${attr(name)}" type="${type}">${text(content)}</Field>`;
      });
      return ['<Extraction>', ...fields.map(indent(1)), '</Extraction>'];
    }
    default:
      throw new PermanentError(`step ${result.step} has the task ${JSON.stringify(result.task)}, which the result document has no form for`, 'result-output-invalid');
  }
}

/** An extracted value as the schema's Field: scalars as text, objects and lists as JSON. */
function fieldValue(value: unknown, result: StepResult): ['string' | 'number' | 'boolean' | 'null' | 'json', string] {
  if (value === null) return ['null', ''];
  if (typeof value === 'string') return ['string', value];
  if (typeof value === 'number') return ['number', decimal(value, result)];
  if (typeof value === 'boolean') return ['boolean', String(value)];
  return ['json', JSON.stringify(value)];
}

function requireShape(result: StepResult, ok: boolean): void {
  if (!ok) throw new PermanentError(`the output of step ${result.step} does not fit its task ${result.task}`, 'result-output-invalid');
}

/**
 * xs:decimal has no exponent form, so `1e-7` (what String() gives) would be invalid: six places
 * are plenty for confidences and scores.
 */
function decimal(value: number, result: StepResult): string {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) >= 1e21) {
    throw new PermanentError(`step ${result.step} gave the number ${String(value)}, which the result document cannot hold`, 'result-output-invalid');
  }
  const fixed = value.toFixed(6).replace(/\.?0+$/, '');
  return fixed === '-0' ? '0' : fixed;
}

function present(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

function element(name: string, value: string): string {
  return `<${name}>${text(value)}</${name}>`;
}

/** @app/xml escapes markup and drops characters XML 1.0 cannot hold (form feeds from converted PDFs). */
function text(value: string): string {
  return escapeXml(String(value));
}

function attr(value: string): string {
  return escapeXmlAttribute(String(value));
}

function indent(level: number): (line: string) => string {
  const pad = '  '.repeat(level);
  return (line) => pad + line;
}
