import { describe, expect, it } from '@jest/globals';
import { BUILT_IN_PROMPT_TEMPLATES, builtInPromptTemplates, summariseDe1 } from './prompt-template.catalogue.js';
import { formatPromptRef, parsePromptRef, PromptTemplateRegistry, type PromptTemplate } from './prompt-template.registry.js';

const summariseDe2: PromptTemplate = { ...summariseDe1, version: 2 };

describe('prompt template references', () => {
  it('parse and format as id@version', () => {
    expect(parsePromptRef('summarise-de@1')).toEqual({ id: 'summarise-de', version: 1 });
    expect(parsePromptRef('summarise-de')).toEqual({ id: 'summarise-de' });
    expect(formatPromptRef({ id: 'summarise-de', version: 3 })).toBe('summarise-de@3');
    for (const bad of ['Summarise', 'summarise@0', 'summarise@x', '@1', '']) expect(() => parsePromptRef(bad)).toThrow(/is not "<id>"/);
  });
});

describe('PromptTemplateRegistry', () => {
  it('has a built-in German template for every task', () => {
    const registry = builtInPromptTemplates();
    expect(registry.refs()).toEqual(['classify-de@1', 'detect-language-de@1', 'extract-de@1', 'summarise-de@1', 'translate-de@1']);
    expect(new Set(BUILT_IN_PROMPT_TEMPLATES.map((template) => template.task))).toEqual(new Set(['classify', 'detect-language', 'extract', 'summarise', 'translate']));
  });

  it('resolves the newest version by default or by id, and an exact version when named', () => {
    const registry = new PromptTemplateRegistry().register(summariseDe1).register(summariseDe2);
    expect(registry.resolve('summarise')).toBe(summariseDe2);
    expect(registry.resolve('summarise', 'summarise-de')).toBe(summariseDe2);
    expect(registry.resolve('summarise', 'summarise-de@1')).toBe(summariseDe1);
  });

  it('refuses unknown references and templates for another task with "unknown-prompt"', () => {
    const registry = builtInPromptTemplates();
    expect(() => registry.resolve('summarise', 'summarise-de@2')).toThrow(expect.objectContaining({ code: 'unknown-prompt' }) as never);
    expect(() => registry.resolve('summarise', 'kurzfassung')).toThrow(/unknown prompt template "kurzfassung"; known: classify-de@1/);
    expect(() => registry.resolve('summarise', 'classify-de@1')).toThrow(/is for task "classify", not "summarise"/);
    expect(() => new PromptTemplateRegistry().resolve('summarise')).toThrow(/no prompt template for task "summarise"/);
  });

  it('refuses a version registered twice and an id reused for another task', () => {
    expect(() => builtInPromptTemplates().register(summariseDe1)).toThrow(/summarise-de@1" is registered twice/);
    expect(() => builtInPromptTemplates().register({ ...summariseDe1, task: 'classify', version: 9 })).toThrow(/is for task "summarise"/);
  });
});
