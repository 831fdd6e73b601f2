/** A number printed as written (iproute2 prints bridge timers as `0.00`). */
export class RawNumber {
  constructor(readonly text: string) {}
}

export type JsonValue = string | number | boolean | null | RawNumber | JsonValue[] | { [key: string]: JsonValue | undefined };

/**
 * iproute2's json_writer: compact (`[{"ifindex":1,...}]`) or, with `-p`, its own pretty form
 * (`[ {` then members on lines indented by four spaces per level, `},{` between objects).
 */
export function writeJson(value: JsonValue, pretty: boolean): string {
  let out = '';
  let depth = 0;
  let sep = '';
  const eol = () => {
    if (pretty) out += `\n${'    '.repeat(depth)}`;
  };
  const eor = () => {
    out += sep;
    sep = ',';
  };
  const scalar = (v: JsonValue): string => {
    if (v instanceof RawNumber) return v.text;
    if (typeof v === 'string') return JSON.stringify(v);
    return String(v);
  };
  const emit = (v: JsonValue) => {
    if (Array.isArray(v)) {
      eor();
      out += '[';
      depth++;
      sep = '';
      if (pretty) out += ' ';
      for (const item of v) emit(item);
      if (pretty && sep) out += ' ';
      sep = '';
      depth--;
      out += ']';
      sep = ',';
    } else if (v !== null && typeof v === 'object' && !(v instanceof RawNumber)) {
      eor();
      out += '{';
      depth++;
      sep = '';
      for (const [k, item] of Object.entries(v)) {
        if (item === undefined) continue;
        eor();
        eol();
        sep = '';
        out += `${JSON.stringify(k)}:${pretty ? ' ' : ''}`;
        emit(item);
      }
      depth--;
      if (sep) eol();
      out += '}';
      sep = ',';
    } else {
      eor();
      out += scalar(v);
    }
  };
  emit(value);
  return `${out}\n`;
}
