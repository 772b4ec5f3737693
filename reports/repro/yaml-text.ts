// Writing the draft scenario as YAML text line by line: the draft is read and edited by people, and its
// "# TODO:" comments must sit beside the values they are about, which a YAML library's dump does not place.

/** A scalar as YAML: plain when that reads back as the same string, JSON-quoted otherwise. */
export function scalar(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  const plain = /^[A-Za-z_][A-Za-z0-9_.\-/ ]*$/.test(value) && !/\s$/.test(value) && !/^(true|false|yes|no|on|off|null|y|n)$/i.test(value) && !value.includes(' #') && !value.includes(': ');
  return plain ? value : JSON.stringify(value);
}

/** "key: value" with an optional trailing comment. */
export function field(key: string, value: string | number | boolean, comment?: string): string {
  return `${key}: ${scalar(value)}${comment ? `  # ${comment}` : ''}`;
}

/** Lines with a running indentation; `todo` adds a "# TODO:" line at the current depth. */
export class YamlLines {
  private readonly out: string[] = [];
  private depth = 0;

  line(text: string): this {
    this.out.push(`${'  '.repeat(this.depth)}${text}`);
    return this;
  }

  comment(text: string): this {
    for (const part of text.split('\n')) this.line(`# ${part}`);
    return this;
  }

  todo(text: string): this {
    return this.comment(`TODO: ${text}`);
  }

  /** Lines written by `body` one level deeper. */
  nest(head: string, body: () => void): this {
    this.line(head);
    this.depth++;
    body();
    this.depth--;
    return this;
  }

  /** A list item: `- first` with the rest of its lines aligned under it. */
  item(first: string, rest: () => void = () => {}): this {
    this.line(`- ${first}`);
    this.depth++;
    rest();
    this.depth--;
    return this;
  }

  text(): string {
    return `${this.out.join('\n')}\n`;
  }
}
