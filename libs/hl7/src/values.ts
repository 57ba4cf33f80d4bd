import type { Hl7Segment } from '@medplum/core';
import { delimitersOfContext, type Hl7Delimiters } from './delimiters';
import { unescapeHl7 } from './escaping';

/**
 * A leaf value of a message: the text (escape sequences resolved), `null` for the HL7 explicit
 * null `""` (the sender says "delete what you have"), `undefined` when nothing was sent (the
 * sender says nothing, keep what you have).
 */
export type Hl7Value = string | null | undefined;

export const HL7_NULL = '""';

/**
 * One repetition of a field (or one component read as its subcomponents): positional access
 * with 1-based indices, as HL7 numbers them (`PID-3.4.2` is `.value(4, 2)` of a PID-3 repetition).
 */
export class Hl7Composite {
  constructor(
    /** The raw (still escaped) components. */
    readonly components: readonly string[],
    readonly delimiters: Hl7Delimiters,
  ) {}

  /** A component, or one of its subcomponents. */
  value(component = 1, subcomponent?: number): Hl7Value {
    let raw = this.components[component - 1];
    if (raw === undefined) return undefined;
    if (this.delimiters.subcomponent) {
      const parts = raw.split(this.delimiters.subcomponent);
      if (subcomponent !== undefined) raw = parts[subcomponent - 1];
      else if (parts.length > 1) raw = parts[0];
    }
    return leaf(raw, this.delimiters);
  }

  /** Like {@link value}, but the explicit null reads as nothing: for values that are only ever set. */
  text(component = 1, subcomponent?: number): string | undefined {
    const value = this.value(component, subcomponent);
    return value ?? undefined;
  }

  /** A component's subcomponents, positioned like components (an HD inside CX-4). */
  sub(component: number): Hl7Composite {
    const raw = this.components[component - 1] ?? '';
    const parts = this.delimiters.subcomponent ? raw.split(this.delimiters.subcomponent) : [raw];
    return new Hl7Composite(parts, this.delimiters);
  }

  /** Nothing in it but delimiters and whitespace. */
  get isEmpty(): boolean {
    return this.leaves().every((leafText) => leafText.trim() === '');
  }

  /** The sender's explicit null: `""`, alone or in every part it wrote (`""^""^""`). */
  get isNull(): boolean {
    const written = this.leaves().filter((leafText) => leafText.trim() !== '');
    return written.length > 0 && written.every((leafText) => leafText === HL7_NULL);
  }

  private leaves(): string[] {
    const sub = this.delimiters.subcomponent;
    return this.components.flatMap((c) => (sub ? c.split(sub) : [c]));
  }
}

function leaf(raw: string | undefined, delimiters: Hl7Delimiters): Hl7Value {
  if (raw === undefined || raw === '') return undefined;
  if (raw === HL7_NULL) return null;
  return unescapeHl7(raw, delimiters);
}

/** The delimiters a parsed segment was read with. */
export function delimitersOf(segment: Hl7Segment): Hl7Delimiters {
  return delimitersOfContext(segment.context);
}

/** Every repetition of a field (one, possibly empty, when the field is absent). MSH-1 and MSH-2 read as text. */
export function repetitionsOf(segment: Hl7Segment, field: number): Hl7Composite[] {
  const delimiters = delimitersOf(segment);
  if (segment.name === 'MSH' && (field === 1 || field === 2)) {
    return [new Hl7Composite([field === 1 ? delimiters.field : delimiters.encodingCharacters], { ...delimiters, escape: undefined })];
  }
  const parsed = segment.getField(field) as ReturnType<Hl7Segment['getField']> | undefined;
  if (!parsed) return [new Hl7Composite([], delimiters)];
  return parsed.components.map((components) => new Hl7Composite(components, delimiters));
}

/** The first repetition of a field. */
export function fieldOf(segment: Hl7Segment, field: number): Hl7Composite {
  return repetitionsOf(segment, field)[0];
}

/** The repetitions of a field that hold something (neither empty nor the explicit null). */
export function valuedRepetitionsOf(segment: Hl7Segment, field: number): Hl7Composite[] {
  return repetitionsOf(segment, field).filter((r) => !r.isEmpty && !r.isNull);
}

/** A leaf of a segment: `fieldValue(pid, 5, 1)` is PID-5.1 of the first repetition. */
export function fieldValue(segment: Hl7Segment, field: number, component = 1, subcomponent?: number): Hl7Value {
  return fieldOf(segment, field).value(component, subcomponent);
}

/** Whether the whole field is the explicit null `""` (every repetition). */
export function isNullField(segment: Hl7Segment, field: number): boolean {
  const reps = repetitionsOf(segment, field).filter((r) => !r.isEmpty);
  return reps.length > 0 && reps.every((r) => r.isNull);
}
