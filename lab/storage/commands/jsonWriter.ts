/**
 * util-linux's lib/jsonwrt.c (2.37+), which lsblk and wipefs print JSON with: three-space
 * indents, one member per line, and sibling objects joined as `},{`.
 */
export class JsonWriter {
  private out = '';
  private indent = 0;
  private afterClose = false;

  open(name: string | null, type: 'object' | 'array' | 'value'): void {
    if (name !== null) {
      if (this.afterClose) this.out += ',\n';
      this.out += '   '.repeat(this.indent) + JSON.stringify(name.toLowerCase());
    } else if (this.afterClose) this.out += ',';
    else this.out += '   '.repeat(this.indent);
    if (type === 'object') {
      this.out += name !== null ? ': {\n' : '{\n';
      this.indent++;
    } else if (type === 'array') {
      this.out += name !== null ? ': [\n' : '[\n';
      this.indent++;
    } else this.out += name !== null ? ': ' : ' ';
    this.afterClose = false;
  }

  close(type: 'object' | 'array' | 'value'): void {
    if (type === 'object') {
      this.indent--;
      this.out += `\n${'   '.repeat(this.indent)}}`;
      if (this.indent === 0) this.out += '\n';
    } else if (type === 'array') {
      this.indent--;
      this.out += `\n${'   '.repeat(this.indent)}]`;
    }
    this.afterClose = true;
  }

  /** A member: strings quoted, numbers and booleans bare, null (and empty strings) as null. */
  value(name: string, v: string | number | boolean | null | (string | null)[]): void {
    if (Array.isArray(v)) {
      this.open(name, 'array');
      v.forEach((item, i) => {
        // jsonwrt's arrays of values indent their items one space deeper than members.
        this.out += `${i > 0 ? ',\n' : ''}${'   '.repeat(this.indent)} ${item === null || item === '' ? 'null' : JSON.stringify(item)}`;
      });
      this.indent--;
      this.out += `\n${'   '.repeat(this.indent)}]`;
      this.afterClose = true;
      return;
    }
    this.open(name, 'value');
    this.out += v === null || v === '' ? 'null' : typeof v === 'string' ? JSON.stringify(v) : String(v);
    this.close('value');
  }

  text(): string {
    return this.out;
  }
}
