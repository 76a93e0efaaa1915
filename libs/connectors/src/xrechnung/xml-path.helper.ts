import { childElements, textContent, type XmlElement } from '@app/xml';

/** One step down the tree: a child element by namespace URI and local name (never by prefix). */
export interface XmlStep {
  readonly namespace: string;
  readonly localName: string;
}

/** `const cbc = stepsIn(CBC)` makes `cbc('ID')` a step to the child `ID` in namespace CBC. */
export function stepsIn(namespace: string): (localName: string) => XmlStep {
  return (localName) => ({ namespace, localName });
}

/** Every element at the end of the path, following all branches, in document order. */
export function allAt(from: XmlElement | undefined, ...steps: XmlStep[]): XmlElement[] {
  let current = from ? [from] : [];
  for (const step of steps) current = current.flatMap((element) => childElements(element, step.localName, [step.namespace]));
  return current;
}

export function firstAt(from: XmlElement | undefined, ...steps: XmlStep[]): XmlElement | undefined {
  return allAt(from, ...steps)[0];
}

/** Trimmed text of the first element at the path that has any; undefined when none has. */
export function textAt(from: XmlElement | undefined, ...steps: XmlStep[]): string | undefined {
  for (const element of allAt(from, ...steps)) {
    const text = textContent(element);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** Trimmed texts of all elements at the path, empty ones left out. */
export function textsAt(from: XmlElement | undefined, ...steps: XmlStep[]): string[] {
  return allAt(from, ...steps)
    .map((element) => textContent(element))
    .filter((text): text is string => text !== undefined);
}

/** An unprefixed attribute, trimmed; undefined when absent or empty. */
export function attributeOf(element: XmlElement | undefined, name: string): string | undefined {
  if (!element || !Object.hasOwn(element.attributes, name)) return undefined;
  const value = element.attributes[name]?.trim();
  return value ? value : undefined;
}
