/*
 * A shortest string matching an XSD regular expression (XML Schema Part 2, appendix F): branches, pieces
 * with quantifiers, character class expressions with ranges, negation and subtraction, the single and
 * multi-character escapes and \p{..} categories. Used to give an xs:pattern-restricted value in a generated
 * instance (a ProzessID that must look like a UUID). Not a validator: libxml2 checks the result.
 */

type CharTest = (codePoint: number) => boolean;

type Node =
  | { kind: 'alternation'; branches: Node[][] }
  | { kind: 'chars'; test: CharTest }
  | { kind: 'repeat'; node: Node; min: number };

/** Characters tried, in order, for a character class: readable ones first. */
const CANDIDATES: number[] = [
  ...range('a', 'z'),
  ...range('A', 'Z'),
  ...range('0', '9'),
  ...[...' -_.:/@+,;()äöüßÄÖÜ'].map((c) => c.codePointAt(0)!),
  ...range('!', '~'),
  0xe9,
  0x3b1,
];

function range(from: string, to: string): number[] {
  const out: number[] = [];
  for (let c = from.codePointAt(0)!; c <= to.codePointAt(0)!; c++) out.push(c);
  return out;
}

const isNameStart: CharTest = (c) => /[\p{L}_:]/u.test(String.fromCodePoint(c));
const isNameChar: CharTest = (c) => /[\p{L}\p{Nd}\p{Mn}\p{Mc}._:\-·]/u.test(String.fromCodePoint(c));
const isDigit: CharTest = (c) => /\p{Nd}/u.test(String.fromCodePoint(c));
const isSpace: CharTest = (c) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isWord: CharTest = (c) => !/[\p{P}\p{Z}\p{C}]/u.test(String.fromCodePoint(c));
const not =
  (test: CharTest): CharTest =>
  (c) =>
    !test(c);

export class XsdPatternError extends Error {
  override readonly name = 'XsdPatternError';
}

/** A shortest string the pattern matches; throws XsdPatternError for a pattern it cannot read or satisfy. */
export function examplePatternValue(pattern: string): string {
  const parser = new PatternParser(pattern);
  const tree = parser.parse();
  return render(tree);
}

function render(node: Node): string {
  switch (node.kind) {
    case 'alternation': {
      // The shortest branch that can be written at all.
      let best: string | undefined;
      let lastError: unknown;
      for (const branch of node.branches) {
        try {
          const text = branch.map(render).join('');
          if (best === undefined || text.length < best.length) best = text;
        } catch (error) {
          lastError = error;
        }
      }
      if (best === undefined) throw lastError instanceof Error ? lastError : new XsdPatternError('no branch can be satisfied');
      return best;
    }
    case 'repeat':
      return render(node.node).repeat(node.min);
    case 'chars': {
      const found = CANDIDATES.find(node.test);
      if (found === undefined) throw new XsdPatternError('a character class admits none of the characters tried');
      return String.fromCodePoint(found);
    }
  }
}

class PatternParser {
  private at = 0;

  constructor(private readonly source: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.at < this.source.length) this.fail(`unexpected ${JSON.stringify(this.source[this.at])}`);
    return node;
  }

  private fail(message: string): never {
    throw new XsdPatternError(`pattern ${JSON.stringify(this.source)} at ${this.at}: ${message}`);
  }

  private peek(): string | undefined {
    return this.source[this.at];
  }

  private alternation(): Node {
    const branches: Node[][] = [this.branch()];
    while (this.peek() === '|') {
      this.at++;
      branches.push(this.branch());
    }
    return { kind: 'alternation', branches };
  }

  private branch(): Node[] {
    const pieces: Node[] = [];
    while (this.at < this.source.length && this.peek() !== '|' && this.peek() !== ')') pieces.push(this.piece());
    return pieces;
  }

  private piece(): Node {
    const atom = this.atom();
    const next = this.peek();
    if (next === '?' || next === '*') {
      this.at++;
      return { kind: 'repeat', node: atom, min: 0 };
    }
    if (next === '+') {
      this.at++;
      return atom;
    }
    if (next === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.at));
      if (!match) this.fail('a quantifier must look like {n}, {n,} or {n,m}');
      this.at += match[0].length;
      return { kind: 'repeat', node: atom, min: Number(match[1]) };
    }
    return atom;
  }

  private atom(): Node {
    const c = this.peek();
    if (c === '(') {
      this.at++;
      const inner = this.alternation();
      if (this.peek() !== ')') this.fail('missing )');
      this.at++;
      return inner;
    }
    if (c === '[') return { kind: 'chars', test: this.classExpression() };
    if (c === '.') {
      this.at++;
      return { kind: 'chars', test: (cp) => cp !== 0x0a && cp !== 0x0d };
    }
    if (c === '\\') return { kind: 'chars', test: this.escape() };
    if (c === undefined || '?*+{}'.includes(c)) this.fail(`unexpected ${c === undefined ? 'end' : JSON.stringify(c)}`);
    const cp = this.source.codePointAt(this.at)!;
    this.at += cp > 0xffff ? 2 : 1;
    return { kind: 'chars', test: (x) => x === cp };
  }

  /** After a backslash: one character's test. */
  private escape(): CharTest {
    this.at++;
    const c = this.source[this.at++];
    switch (c) {
      case 'n':
        return (x) => x === 0x0a;
      case 'r':
        return (x) => x === 0x0d;
      case 't':
        return (x) => x === 0x09;
      case 'd':
        return isDigit;
      case 'D':
        return not(isDigit);
      case 's':
        return isSpace;
      case 'S':
        return not(isSpace);
      case 'i':
        return isNameStart;
      case 'I':
        return not(isNameStart);
      case 'c':
        return isNameChar;
      case 'C':
        return not(isNameChar);
      case 'w':
        return isWord;
      case 'W':
        return not(isWord);
      case 'p':
      case 'P': {
        const match = /^\{([A-Za-z0-9-]+)\}/.exec(this.source.slice(this.at));
        if (!match) this.fail('\\p needs {Category}');
        this.at += match[0].length;
        const name = match[1]!;
        let re: RegExp;
        try {
          re = name.startsWith('Is') ? new RegExp(`\\p{Script=${name.slice(2)}}`, 'u') : new RegExp(`\\p{${name}}`, 'u');
        } catch {
          // Unicode blocks (IsBasicLatin) are not known to JavaScript; letters stand in.
          re = /\p{L}/u;
        }
        const test: CharTest = (x) => re.test(String.fromCodePoint(x));
        return c === 'p' ? test : not(test);
      }
      case undefined:
        return this.fail('a backslash at the end');
      default: {
        const cp = c.codePointAt(0)!;
        return (x) => x === cp;
      }
    }
  }

  /** `[...]`, `[^...]`, `[...-[...]]`. */
  private classExpression(): CharTest {
    this.at++; // [
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.at++;
    }
    const tests: CharTest[] = [];
    let subtract: CharTest | undefined;
    let first = true;
    while (this.at < this.source.length && this.peek() !== ']') {
      if (this.peek() === '-' && this.source[this.at + 1] === '[') {
        this.at++;
        subtract = this.classExpression();
        break;
      }
      const from = this.classChar(first);
      first = false;
      if (typeof from === 'number' && this.peek() === '-' && this.source[this.at + 1] !== ']' && this.source[this.at + 1] !== '[') {
        this.at++;
        const to = this.classChar(false);
        if (typeof to !== 'number') this.fail('a range must end in a single character');
        tests.push((x) => x >= from && x <= to);
      } else {
        tests.push(typeof from === 'number' ? (x) => x === from : from);
      }
    }
    if (this.peek() !== ']') this.fail('missing ]');
    this.at++;
    const any: CharTest = (x) => tests.some((test) => test(x));
    const positive: CharTest = negated ? not(any) : any;
    return subtract ? (x) => positive(x) && !subtract(x) : positive;
  }

  /** One character of a class: a code point, or a test for an escape such as \d. */
  private classChar(first: boolean): number | CharTest {
    const c = this.peek();
    if (c === '\\') {
      const next = this.source[this.at + 1];
      if (next !== undefined && 'nrt\\|.?*+(){}-[]^'.includes(next)) {
        this.at += 2;
        return next === 'n' ? 0x0a : next === 'r' ? 0x0d : next === 't' ? 0x09 : next.codePointAt(0)!;
      }
      return this.escape();
    }
    if (c === '[' && !first) this.fail('[ inside a class must be escaped');
    const cp = this.source.codePointAt(this.at)!;
    this.at += cp > 0xffff ? 2 : 1;
    return cp;
  }
}
