import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceSearchParam,
} from '@medplum/fhirtypes';

export type TypeInteraction = 'read' | 'vread' | 'update' | 'patch' | 'delete' | 'history-instance' | 'history-type' | 'create' | 'search-type';

export interface ServedType {
  readonly type: string;
  readonly interactions: readonly TypeInteraction[];
  readonly searchParams: readonly CapabilityStatementRestResourceSearchParam[];
  readonly searchInclude?: readonly string[];
  readonly searchRevInclude?: readonly string[];
  /** Profiles of ours that apply to this type when a resource names them in meta.profile. */
  readonly supportedProfiles?: readonly string[];
}

export interface CapabilityFacts {
  readonly baseUrl: string;
  /** FHIR dateTime of the statement (the service's start). */
  readonly date: string;
  readonly softwareName: string;
  readonly softwareVersion: string;
  readonly tokenUrl: string;
  readonly types: readonly ServedType[];
  readonly systemInteractions: readonly ('transaction' | 'batch' | 'search-system' | 'history-system')[];
  readonly operations: readonly { readonly name: string; readonly definition: string }[];
}

/**
 * The CapabilityStatement for `GET /metadata`: exactly the types, interactions, search
 * parameters and operations the caller says are served, nothing aspirational.
 */
export function capabilityStatement(facts: CapabilityFacts): CapabilityStatement {
  const resource: CapabilityStatementRestResource[] = facts.types.map((served) => {
    const has = (interaction: TypeInteraction): boolean => served.interactions.includes(interaction);
    return {
      type: served.type as CapabilityStatementRestResource['type'],
      profile: `http://hl7.org/fhir/StructureDefinition/${served.type}`,
      ...(served.supportedProfiles?.length ? { supportedProfile: [...served.supportedProfiles] } : {}),
      interaction: served.interactions.map((code) => ({ code })),
      versioning: 'versioned-update',
      readHistory: has('vread'),
      updateCreate: has('update'),
      conditionalCreate: has('create'),
      conditionalRead: 'not-supported',
      conditionalUpdate: has('update'),
      conditionalDelete: has('delete') ? 'single' : 'not-supported',
      referencePolicy: ['literal', 'local'],
      ...(served.searchInclude?.length ? { searchInclude: [...served.searchInclude] } : {}),
      ...(served.searchRevInclude?.length ? { searchRevInclude: [...served.searchRevInclude] } : {}),
      ...(served.searchParams.length ? { searchParam: [...served.searchParams] } : {}),
    };
  });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: facts.date,
    publisher: facts.softwareName,
    kind: 'instance',
    software: { name: facts.softwareName, version: facts.softwareVersion },
    implementation: { description: `${facts.softwareName} FHIR R4 API`, url: facts.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        security: {
          cors: false,
          service: [
            {
              coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
            },
          ],
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [{ url: 'token', valueUri: facts.tokenUrl }],
            },
          ],
        },
        resource,
        interaction: facts.systemInteractions.map((code) => ({ code })),
        ...(facts.operations.length ? { operation: facts.operations.map((op) => ({ ...op })) } : {}),
      },
    ],
  };
}
