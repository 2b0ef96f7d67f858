/**
 * The layout of a JSON text (RFC 8259 grammar): where each value starts and ends. It serves two ends:
 * reporting the first syntax error by line and column on every Node version (V8's own messages name a
 * position only for some errors), and letting a rewrite copy every untouched value byte for byte.
 * Values themselves always come from JSON.parse; this only maps them to their source ranges.
 */
export type SourceNode =
  | {
      readonly kind: 'object';
      readonly start: number;
      readonly end: number;
      readonly members: ReadonlyMap<string, SourceNode>;
    }
  | { readonly kind: 'array'; readonly start: number; readonly end: number; readonly items: readonly SourceNode[] }
  | { readonly kind: 'scalar'; readonly start: number; readonly end: number };

export interface JsonErrorPosition {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly reason: string;
}

export type JsonSource =
  | { readonly ok: true; readonly node: SourceNode }
  | { readonly ok: false; readonly error: JsonErrorPosition | undefined };

class Failure extends Error {
  readonly offset: number;

  constructor(offset: number, reason: string) {
    super(reason);
    this.offset = offset;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = '"\\/bfnrt';

export function parseJsonSource(text: string): JsonSource {
  let i = 0;
  const fail = (reason: string): never => {
    throw new Failure(i, i >= text.length ? 'unexpected end of file' : reason);
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const string = (): SourceNode => {
    const start = i;
    for (i++; ; i++) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charAt(i);
      if (c === '"') return { kind: 'scalar', start, end: ++i };
      if (c < ' ') fail('control character inside a string');
      if (c === '\\') {
        const e = text.charAt(++i);
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) i += 4;
        else if (e === '' || !ESCAPES.includes(e)) fail('invalid escape in a string');
      }
    }
  };
  const value = (): SourceNode => {
    space();
    const start = i;
    const c = text.charAt(i);
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    NUMBER.lastIndex = i;
    if (NUMBER.test(text)) {
      i = NUMBER.lastIndex;
      return { kind: 'scalar', start, end: i };
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return { kind: 'scalar', start, end: i };
      }
    }
    return fail(`unexpected ${JSON.stringify(c)}`);
  };
  const object = (): SourceNode => {
    const start = i;
    const members = new Map<string, SourceNode>();
    list('}', () => {
      space();
      if (text.charAt(i) !== '"')
        fail(text.charAt(i) === '}' ? 'trailing comma' : 'expected a property name in double quotes');
      const key = string();
      space();
      if (text.charAt(i) !== ':') fail("expected ':' after the property name");
      i++;
      // Duplicate names: the last one wins, as in JSON.parse.
      members.set(JSON.parse(text.slice(key.start, key.end)) as string, value());
    });
    return { kind: 'object', start, end: i, members };
  };
  const array = (): SourceNode => {
    const start = i;
    const items: SourceNode[] = [];
    list(']', () => {
      space();
      if (text.charAt(i) === ']') fail('trailing comma');
      items.push(value());
    });
    return { kind: 'array', start, end: i, items };
  };
  const list = (close: string, member: () => void): void => {
    i++;
    space();
    if (text.charAt(i) === close) {
      i++;
      return;
    }
    for (;;) {
      member();
      space();
      const c = text.charAt(i);
      i++;
      if (c === close) return;
      if (c !== ',') {
        i--;
        fail(`expected ',' or '${close}'`);
      }
    }
  };
  try {
    const node = value();
    space();
    if (i < text.length) fail('unexpected text after the end of the JSON value');
    return { ok: true, node };
  } catch (caught) {
    // A RangeError is nesting deeper than the stack: no position to give, the file is reported whole.
    if (caught instanceof RangeError) return { ok: false, error: undefined };
    if (!(caught instanceof Failure)) throw caught;
    const before = text.slice(0, caught.offset);
    const column = caught.offset - before.lastIndexOf('\n');
    return {
      ok: false,
      error: { offset: caught.offset, line: before.split('\n').length, column, reason: caught.message },
    };
  }
}
