import { PermanentError } from '@app/contracts';
import type { z } from 'zod';
import type { PromptTemplateRef } from '@app/contracts';
import type { AiStepConfig, AiTask, AiTaskOutput } from './ai-provider.interface.js';

/** The two messages a template turns a step and a text into. */
export interface PromptMessages {
  /** Instructions, the expected answer and its JSON schema; never the document text. */
  system: string;
  /** The document text, delimited, and nothing else. */
  user: string;
}

/** The answer a template expects: validated with `schema`, asked for with `jsonSchema`. */
export interface AnswerSpec {
  schema: z.ZodType;
  /** JSON schema (an object schema) sent as response_format and written into the instructions. */
  jsonSchema: Record<string, unknown>;
  /** Name for response_format (a-z, A-Z, 0-9, "_", "-"). */
  name: string;
  /** Whether the server may hold the model to the schema strictly (OpenAI "strict" structured outputs). */
  strict: boolean;
}

/**
 * A task as a versioned unit: the wording of the prompt, the answer it asks for and how that answer becomes
 * the step's output. Any change to one of them is a new version, so a result's `id@version` says exactly
 * how it was produced.
 */
export interface PromptTemplate extends PromptTemplateRef {
  readonly task: AiTask;
  readonly description: string;
  /** The expected answer for this step. Throws PermanentError `invalid-step` for a step it cannot serve. */
  answer(step: AiStepConfig): AnswerSpec;
  messages(step: AiStepConfig, text: string, answer: AnswerSpec): PromptMessages;
  /** The step's output from an answer valid against `answer(step).schema`. */
  toOutput(answer: unknown, step: AiStepConfig): AiTaskOutput;
}

const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** `summarise-de@1` */
export function formatPromptRef(ref: PromptTemplateRef): string {
  return `${ref.id}@${ref.version}`;
}

/** `summarise-de@1` -> { id, version: 1 }; `summarise-de` -> { id } (the newest version). */
export function parsePromptRef(ref: string): { id: string; version?: number } {
  const match = /^([a-z0-9][a-z0-9-]{0,62})(?:@([1-9][0-9]{0,5}))?$/.exec(ref);
  if (!match) throw new PermanentError(`prompt template reference "${ref}" is not "<id>" or "<id>@<version>" (e.g. "summarise-de@1")`, 'unknown-prompt');
  return match[2] ? { id: match[1]!, version: Number(match[2]) } : { id: match[1]! };
}

/**
 * Prompt templates by id and version. A step names one (`prompt: summarise-de@1`, or `summarise-de` for the
 * newest version) or gets the task's default: the first template registered for the task, newest version.
 */
export class PromptTemplateRegistry {
  private readonly templates = new Map<string, Map<number, PromptTemplate>>();
  private readonly defaults = new Map<AiTask, string>();

  register(template: PromptTemplate): this {
    if (!ID.test(template.id)) throw new Error(`prompt template id "${template.id}" must be lower-case letters, digits and "-"`);
    if (!Number.isSafeInteger(template.version) || template.version < 1) throw new Error(`prompt template "${template.id}": version must be a positive integer`);
    const versions = this.templates.get(template.id) ?? new Map<number, PromptTemplate>();
    const other = [...versions.values()][0];
    if (other && other.task !== template.task) {
      throw new Error(`prompt template "${template.id}" is for task "${other.task}", not "${template.task}"`);
    }
    if (versions.has(template.version)) throw new Error(`prompt template "${formatPromptRef(template)}" is registered twice`);
    versions.set(template.version, template);
    this.templates.set(template.id, versions);
    if (!this.defaults.has(template.task)) this.defaults.set(template.task, template.id);
    return this;
  }

  /** The template for a step: the one it names, else the task's default. PermanentError `unknown-prompt` otherwise. */
  resolve(task: AiTask, ref?: string): PromptTemplate {
    const wanted = ref === undefined ? { id: this.defaults.get(task) } : parsePromptRef(ref);
    const versions = wanted.id === undefined ? undefined : this.templates.get(wanted.id);
    if (!versions) {
      throw new PermanentError(
        ref === undefined ? `no prompt template for task "${task}"; known: ${this.refs().join(', ') || 'none'}` : `unknown prompt template "${ref}"; known: ${this.refs().join(', ') || 'none'}`,
        'unknown-prompt',
      );
    }
    const version = 'version' in wanted && wanted.version !== undefined ? wanted.version : Math.max(...versions.keys());
    const template = versions.get(version);
    if (!template) throw new PermanentError(`unknown prompt template "${ref}"; known: ${this.refs().join(', ')}`, 'unknown-prompt');
    if (template.task !== task) {
      throw new PermanentError(`prompt template "${formatPromptRef(template)}" is for task "${template.task}", not "${task}"`, 'unknown-prompt');
    }
    return template;
  }

  /** Every `id@version`, sorted. */
  refs(): string[] {
    return [...this.templates.values()].flatMap((versions) => [...versions.values()].map(formatPromptRef)).sort();
  }
}
