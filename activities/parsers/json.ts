import { z } from 'zod';
import { ParseError } from './errors';

/** PVE's API schema says `boolean` but sends 0/1 on the wire; pvesh passes that through. */
export const jsonFlag = z
  .union([z.boolean(), z.literal(0), z.literal(1), z.literal('0'), z.literal('1')], { error: 'expected 0, 1, true or false' })
  .transform((v) => v === true || v === 1 || v === '1');

/** Whole numbers (ids, counts, timestamps), also as numeric strings. */
export const jsonInt = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)], {
  error: 'expected a whole number',
});

/** Numbers; numeric strings too, so that a value some version happens to quote does not fail the parse. */
export const jsonNumber = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)], {
  error: 'expected a number',
});

/** Parsed JSON and where its payload sits: PVE API responses wrap it as `{"data": ...}`, pvesh prints it bare. */
export interface JsonDoc {
  text: string;
  value: unknown;
  base: PropertyKey[];
}

export function readJsonDoc(kind: string, text: string, unwrapData = false): JsonDoc {
  const source = text.replace(/^\uFEFF/, '');
  if (source.trim() === '') throw new ParseError(kind, 'empty input');
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (err) {
    throw new ParseError(kind, `not valid JSON (${(err as Error).message})`, lineOf(source, syntaxErrorOffset(source)));
  }
  const wrapped =
    unwrapData && value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).join() === 'data';
  return wrapped ? { text: source, value: (value as { data: unknown }).data, base: ['data'] } : { text: source, value, base: [] };
}

/** Checks `value` (the payload, or the part of it at `path`) against `schema`; a mismatch is a ParseError with its line. */
export function check<T>(kind: string, doc: JsonDoc, schema: z.ZodType<T>, value: unknown = doc.value, path: PropertyKey[] = []): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const missing = issue.path.length > 0 && valueAt(value, issue.path) === undefined;
  throw jsonError(kind, doc, [...path, ...issue.path], missing ? 'missing' : issue.message.replace(/^Invalid input: /, ''));
}

/** A ParseError about the value at `path` of the payload, with the line where that value is. */
export function jsonError(kind: string, doc: JsonDoc, path: PropertyKey[], reason: string): ParseError {
  const full = [...doc.base, ...path];
  const where = full.length === 0 ? 'the document' : formatPath(full);
  return new ParseError(kind, `${where}: ${reason}`, lineOf(doc.text, locate(doc.text, full)));
}

/** Reads JSON text and checks its payload against `schema`. */
export function readJson<T>(kind: string, text: string, schema: z.ZodType<T>, unwrapData = false): T {
  return check(kind, readJsonDoc(kind, text, unwrapData), schema);
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined), value);
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/**
 * Where JSON.parse gave up: V8's messages carry a position only for some errors, so the text is
 * walked again by the grammar until the first character that does not fit.
 */
function syntaxErrorOffset(text: string): number {
  let i = 0;
  class Stop {}
  const fail: () => never = () => {
    throw new Stop();
  };
  const ws = () => {
    while (' \t\n\r'.includes(text[i] ?? 'x')) i++;
  };
  const string = () => {
    for (i++; text[i] !== '"'; i++) {
      if (i >= text.length || text[i]! < ' ') fail();
      if (text[i] === '\\') i++;
    }
    i++;
  };
  const value = (): void => {
    ws();
    const open = text[i];
    if (open === '{' || open === '[') {
      const close = open === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        if (open === '{') {
          ws();
          if (text[i] !== '"') fail();
          string();
          ws();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        ws();
        if (text[i] === close) return void i++;
        if (text[i] !== ',') fail();
        i++;
      }
    }
    if (open === '"') return string();
    const literal = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (!literal) fail();
    i += literal[0].length;
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
  }
  return Math.min(i, text.length);
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

/**
 * The offset of the value at `path` in valid JSON text, or of the innermost enclosing value that
 * exists (a missing key points at its object). JSON.parse keeps no positions, so this walks the text.
 */
function locate(text: string, path: readonly PropertyKey[]): number {
  let i = 0;
  const skipWs = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const readString = (): string => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const skipValue = () => {
    let depth = 0;
    do {
      const c = text[i];
      if (c === '"') {
        readString();
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') depth--;
      else if (depth === 0 && (c === ',' || /\s/.test(c!))) return;
      i++;
    } while (depth > 0 && i < text.length);
    if (depth === 0) while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
  };
  const walk = (rest: readonly PropertyKey[]): number => {
    skipWs();
    const start = i;
    if (rest.length === 0) return start;
    const [head, ...tail] = rest;
    if (text[i] === '{') {
      i++;
      for (;;) {
        skipWs();
        if (text[i] !== '"') return start;
        const key = readString();
        skipWs();
        i++; // ':'
        if (key === String(head)) return walk(tail);
        skipWs();
        skipValue();
        skipWs();
        if (text[i] !== ',') return start;
        i++;
      }
    }
    if (text[i] === '[') {
      i++;
      for (let index = 0; ; index++) {
        if (index === head) return walk(tail);
        skipWs();
        if (text[i] === ']') return start;
        skipValue();
        skipWs();
        if (text[i] !== ',') return start;
        i++;
      }
    }
    return start;
  };
  return walk(path);
}
