// k6's execution segments: several engine instances each run a share of one test, and the
// shares add up to the whole test exactly, with no coordinator. A segment is a part (from, to]
// of [0, 1]; a sequence lists the segments all instances use. Integers (VUs, iterations) and
// iteration indices are split by striping: within every cycle of `lcd` consecutive indices a
// segment of length n/lcd owns n of them, spread as evenly as possible.

/** A non-negative rational number, always in lowest terms. */
export interface Fraction {
  readonly num: number;
  readonly den: number;
}

const MAX_CYCLE = 1_000_000;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return Math.abs(a);
}

function fraction(num: number, den: number): Fraction {
  const divisor = gcd(num, den) || 1;
  return { num: num / divisor, den: den / divisor };
}

function compare(a: Fraction, b: Fraction): number {
  return a.num * b.den - b.num * a.den;
}

function subtract(a: Fraction, b: Fraction): Fraction {
  return fraction(a.num * b.den - b.num * a.den, a.den * b.den);
}

function show(value: Fraction): string {
  return value.den === 1 ? String(value.num) : `${value.num}/${value.den}`;
}

const ZERO = fraction(0, 1);
const ONE = fraction(1, 1);

/** A number as k6 writes them in segments: `1/3`, `0.25` or `25%`. */
export function parseRational(text: string): Fraction {
  const value = text.trim();
  const invalid = () => new Error(`"${text}" is not a number k6 takes in an execution segment (a fraction such as 1/3, a decimal such as 0.25, or a percentage such as 25%)`);
  let match = /^(\d+)\s*\/\s*(\d+)$/.exec(value);
  if (match) {
    const den = Number(match[2]);
    if (den === 0) throw invalid();
    return fraction(Number(match[1]), den);
  }
  match = /^(\d+)(?:\.(\d+))?(%?)$/.exec(value);
  if (!match) throw invalid();
  const decimals = match[2] ?? "";
  const scale = 10 ** decimals.length * (match[3] ? 100 : 1);
  return fraction(Number(`${match[1]}${decimals}`), scale);
}

/** The part (from, to] of a test's work one instance runs. */
export class ExecutionSegment {
  readonly from: Fraction;
  readonly to: Fraction;

  constructor(from: Fraction, to: Fraction) {
    if (compare(from, ZERO) < 0 || compare(to, ONE) > 0 || compare(from, to) >= 0) {
      throw new Error(`an execution segment needs 0 <= from < to <= 1, got ${show(from)}:${show(to)}`);
    }
    this.from = from;
    this.to = to;
  }

  get length(): Fraction {
    return subtract(this.to, this.from);
  }

  equals(other: ExecutionSegment): boolean {
    return compare(this.from, other.from) === 0 && compare(this.to, other.to) === 0;
  }

  toString(): string {
    return `${show(this.from)}:${show(this.to)}`;
  }
}

/** `--execution-segment`: `FROM:TO`, or `TO` alone for `0:TO`. */
export function parseExecutionSegment(text: string): ExecutionSegment {
  const parts = text.split(":");
  if (parts.length > 2) throw new Error(`execution segment "${text}": expected FROM:TO (e.g. 1/4:1/2) or TO`);
  return parts.length === 1 ? new ExecutionSegment(ZERO, parseRational(parts[0] ?? "")) : new ExecutionSegment(parseRational(parts[0] ?? ""), parseRational(parts[1] ?? ""));
}

/** `--execution-segment-sequence`: ascending boundaries, e.g. `0,1/4,1/2,1`. */
export function parseExecutionSegmentSequence(text: string): ExecutionSegment[] {
  const points = text.split(",").map(parseRational);
  if (points.length < 2) throw new Error(`execution segment sequence "${text}": expected at least two boundaries, e.g. 0,1/2,1`);
  return points.slice(1).map((to, i) => new ExecutionSegment(points[i] as Fraction, to));
}

/** The sequence from 0 to 1: the given one with its gaps at either end filled, or the segment with the rest around it. */
function filledSequence(sequence: readonly ExecutionSegment[], segment: ExecutionSegment | undefined): ExecutionSegment[] {
  const filled = sequence.length > 0 ? [...sequence] : segment ? [segment] : [new ExecutionSegment(ZERO, ONE)];
  const first = filled[0] as ExecutionSegment;
  const last = filled.at(-1) as ExecutionSegment;
  if (compare(first.from, ZERO) !== 0) filled.unshift(new ExecutionSegment(ZERO, first.from));
  if (compare(last.to, ONE) !== 0) filled.push(new ExecutionSegment(last.to, ONE));
  return filled;
}

/**
 * Which indices of each `lcd`-long cycle every segment owns. Slots are handed out in order; a
 * slot goes to the first segment, largest first, whose next evenly spaced position
 * (ceil(taken × lcd / n)) it has reached, so each segment's indices are spread out.
 */
function stripe(sequence: readonly ExecutionSegment[]): { lcd: number; slots: number[][] } {
  const lcd = sequence.reduce((acc, s) => (acc / gcd(acc, s.length.den)) * s.length.den, 1);
  if (lcd > MAX_CYCLE) throw new Error(`execution segment sequence ${sequence.join(",")}: its common denominator ${lcd} is too large; use simpler fractions`);
  const shares = sequence.map((segment, index) => ({ index, share: segment.length.num * (lcd / segment.length.den), taken: 0 }));
  const order = [...shares].sort((a, b) => b.share - a.share);
  const slots: number[][] = sequence.map(() => []);
  for (let slot = 0; slot < lcd; slot++) {
    const owner = order.find((s) => s.taken < s.share && slot >= Math.ceil((s.taken * lcd) / s.share));
    if (!owner) throw new Error(`execution segment sequence ${sequence.join(",")}: slot ${slot} has no owner`);
    owner.taken++;
    (slots[owner.index] as number[]).push(slot);
  }
  return { lcd, slots };
}

/**
 * One instance's share of a test: its segment within the full sequence. `scale` splits an
 * integer so that the shares of all segments add up to it for every value; `indices` are the
 * iteration numbers of the whole test this instance runs.
 */
export class ExecutionTuple {
  readonly sequence: readonly ExecutionSegment[];
  readonly index: number;
  readonly #lcd: number;
  readonly #slots: readonly number[];

  constructor(sequence: readonly ExecutionSegment[], index: number) {
    for (let i = 1; i < sequence.length; i++) {
      if (compare((sequence[i - 1] as ExecutionSegment).to, (sequence[i] as ExecutionSegment).from) !== 0) {
        throw new Error(`execution segment sequence ${sequence.join(",")} has a gap or an overlap at segment ${i + 1}`);
      }
    }
    const { lcd, slots } = stripe(sequence);
    this.sequence = sequence;
    this.index = index;
    this.#lcd = lcd;
    this.#slots = slots[index] as number[];
  }

  /** The tuple for `--execution-segment` and `--execution-segment-sequence` (either may be absent). */
  static of(segment?: ExecutionSegment, sequence: readonly ExecutionSegment[] = []): ExecutionTuple {
    const filled = filledSequence(sequence, segment);
    const wanted = segment ?? new ExecutionSegment(ZERO, ONE);
    const index = filled.findIndex((s) => s.equals(wanted));
    if (index < 0) throw new Error(`execution segment ${wanted} is not one of the sequence ${filled.join(",")}`);
    return new ExecutionTuple(filled, index);
  }

  get segment(): ExecutionSegment {
    return this.sequence[this.index] as ExecutionSegment;
  }

  /** The whole test: no segmentation. */
  get whole(): boolean {
    return this.sequence.length === 1;
  }

  /** This segment's share of `value` whole units (VUs, iterations). */
  scale(value: number): number {
    if (this.whole) return value;
    const cycles = Math.floor(value / this.#lcd);
    const rest = value % this.#lcd;
    return cycles * this.#slots.length + this.#slots.filter((slot) => slot < rest).length;
  }

  /** The indices (0-based) of the whole test's iterations this segment runs, in order, without end. */
  *indices(): Generator<number> {
    for (let n = 0; ; n++) yield this.indexInTest(n);
  }

  /** The index in the whole test of this segment's `n`-th (0-based) iteration. */
  indexInTest(n: number): number {
    if (this.whole) return n;
    const perCycle = this.#slots.length;
    return Math.floor(n / perCycle) * this.#lcd + (this.#slots[n % perCycle] as number);
  }

  /**
   * The tuple for splitting work among `value` units (e.g. iterations among VUs): each segment's
   * new length is its share of `value`, segments with no share drop out; null when this one has none.
   */
  resegment(value: number): ExecutionTuple | null {
    if (this.whole || value % this.#lcd === 0) return this;
    const segments: ExecutionSegment[] = [];
    let index = -1;
    let before = 0;
    for (let i = 0; i < this.sequence.length; i++) {
      const share = new ExecutionTuple(this.sequence, i).scale(value);
      if (share === 0) continue;
      if (i === this.index) index = segments.length;
      segments.push(new ExecutionSegment(fraction(before, value), fraction(before + share, value)));
      before += share;
    }
    return index < 0 ? null : new ExecutionTuple(segments, index);
  }

  toString(): string {
    return this.whole ? "the whole test" : `segment ${this.segment} of ${this.sequence.map((s) => show(s.from)).concat(show(ONE)).join(",")}`;
  }
}
