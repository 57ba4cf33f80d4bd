import type { CodeSystem, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { compileProfile, CompiledProfile } from './compiled-profile';
import { snapshotOf } from './profile-snapshot';
import type { ValidationContext } from './validate-resource';
import { ValueSetIndex } from './value-set-index';

export interface ValidationSources {
  /** The base R4 resource StructureDefinitions (to build profile snapshots from). */
  readonly baseDefinitions: readonly StructureDefinition[];
  /** Our profiles (differential or snapshot). */
  readonly profiles: readonly StructureDefinition[];
  /** Value sets and code systems: R4's and ours. */
  readonly terminology: Iterable<ValueSet | CodeSystem>;
}

/** Builds what `validateFhirResource` needs, once, at start-up. */
export function buildValidationContext(sources: ValidationSources): ValidationContext {
  const bases = new Map(sources.baseDefinitions.map((sd) => [sd.url, sd]));
  const profiles = new Map<string, CompiledProfile | StructureDefinition>();
  for (const profile of sources.profiles) {
    if (profile.snapshot?.element?.length) {
      profiles.set(profile.url, profile);
      continue;
    }
    const base = profile.baseDefinition ? bases.get(profile.baseDefinition) : undefined;
    if (!base) throw new Error(`Profile ${profile.url} derives from ${profile.baseDefinition}, which is not a base R4 definition`);
    profiles.set(profile.url, compileProfile(profile, snapshotOf(profile, base)));
  }
  return { valueSets: new ValueSetIndex(sources.terminology), profiles };
}
