// Positions for importer errors: `sequence/group[2]/step[5] (name "Apply OS")` plus file:line:column.
import { InputError } from '../../scenarios/index.js';
import type { SourceLocation } from '../model.js';
import type { XmlElement } from './xml-tree.js';

export class Where {
  constructor(
    readonly file: string | undefined,
    /** XPath-like steps without the name suffix, e.g. ["sequence", "group[2]", "step[5]"]. */
    readonly steps: string[],
    /** The `name` attribute of the innermost group or step, for the message. */
    readonly named?: string,
  ) {}

  static root(file: string | undefined, el: XmlElement): Where {
    return new Where(file, [el.name]);
  }

  /** The Where of `el`, the child at `index` of `siblings` (1-based position among same-named siblings). */
  child(el: XmlElement, index: number, siblings: XmlElement[]): Where {
    const n = siblings.slice(0, index + 1).filter((s) => s.name === el.name).length;
    const name = el.attributes.name;
    const isNode = el.name === 'group' || el.name === 'step' || el.name === 'subtasksequence';
    // Below a step or group the message names it; a group or step without a name is named by its path alone.
    return new Where(this.file, [...this.steps, `${el.name}[${n}]`], isNode ? name : this.named);
  }

  get path(): string {
    return `${this.steps.join('/')}${this.named !== undefined ? ` (name "${this.named}")` : ''}`;
  }

  location(el: XmlElement): SourceLocation {
    return { file: this.file, line: el.line, column: el.column };
  }

  fail(el: XmlElement, message: string): never {
    throw new InputError({ file: this.file, line: el.line, column: el.column, path: this.path, message });
  }
}
