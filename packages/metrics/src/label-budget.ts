import { LABEL_OVERFLOW } from './names';

/**
 * Remembers the distinct values a label took and hands out `__overflow__` once `max` is reached,
 * calling `onOverflow` for every collapsed value so an operator can see it happened.
 */
export class LabelBudget {
  private readonly seen = new Set<string>();

  constructor(
    private readonly max: number,
    private readonly onOverflow: () => void,
  ) {}

  /** The value to use as the label: `value` itself while within budget. */
  admit(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size < this.max) {
      this.seen.add(value);
      return value;
    }
    this.onOverflow();
    return LABEL_OVERFLOW;
  }

  get size(): number {
    return this.seen.size;
  }
}
