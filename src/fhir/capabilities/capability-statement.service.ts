import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { getSearchParameters } from '@medplum/core';
import type { CapabilityStatement, CapabilityStatementRestResourceSearchParam } from '@medplum/fhirtypes';
import { capabilityStatement, ServedType, TypeInteraction } from '@liaison/fhir-store';
import { FHIR_RESOURCE_TYPES, SearchCatalog } from '@liaison/fhir-search';
import { advertiseSubscriptionTopics } from '@liaison/subscriptions';
import { LIAISON_CONFIG, LiaisonConfig } from '../../platform/config/config';
import { fhirProfilesDir, FhirDefinitionsService } from '../definitions/fhir-definitions.service';
import { SEARCH_CATALOG } from '../search/search-catalog.provider';
import { CLOCK, Clock } from '../../platform/clock/clock';

/** Every interaction the REST API and Bundles implement, for every served type. */
const INTERACTIONS: readonly TypeInteraction[] = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'history-type',
  'create',
  'search-type',
];

/**
 * `GET /fhir/R4/metadata`: built once from what is actually served — the stored types, the
 * interactions above, the search parameters the search catalog implements (with their
 * `_include`/`_revinclude` targets), our profiles, and `$validate`.
 */
@Injectable()
export class CapabilityStatementService {
  private statement?: CapabilityStatement;
  private readonly startedAt: string;

  constructor(
    @Inject(LIAISON_CONFIG) private readonly config: LiaisonConfig,
    @Inject(SEARCH_CATALOG) private readonly catalog: SearchCatalog,
    private readonly definitions: FhirDefinitionsService,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.startedAt = clock.now().toISOString();
  }

  capabilities(): CapabilityStatement {
    this.statement ??= this.build();
    return this.statement;
  }

  private build(): CapabilityStatement {
    const referenceParams = FHIR_RESOURCE_TYPES.flatMap((type) =>
      [...this.catalog.params(type).values()].filter((p) => p.type === 'reference').map((p) => ({ type, code: p.code, targets: p.targets })),
    );
    const types: ServedType[] = FHIR_RESOURCE_TYPES.map((type) => ({
      type,
      interactions: INTERACTIONS,
      searchParams: this.searchParams(type),
      searchInclude: referenceParams.filter((p) => p.type === type).map((p) => `${type}:${p.code}`),
      searchRevInclude: referenceParams.filter((p) => p.targets.includes(type)).map((p) => `${p.type}:${p.code}`),
      supportedProfiles: this.definitions.profilesByType.get(type),
    }));
    // Topic-based Subscriptions (issue 7), advertised as the R4 Subscriptions Backport IG asks.
    return advertiseSubscriptionTopics(capabilityStatement({
      baseUrl: `${this.config.baseUrl}/fhir/R4`,
      date: this.startedAt,
      softwareName: 'Liaison',
      softwareVersion: softwareVersion(),
      tokenUrl: `${this.config.baseUrl}/oauth2/token`,
      types,
      systemInteractions: ['transaction', 'batch'],
      operations: [{ name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' }],
    }));
  }

  private searchParams(type: string): CapabilityStatementRestResourceSearchParam[] {
    const definitions = getSearchParameters(type) ?? {};
    return [...this.catalog.params(type).values()]
      .map((param) => ({
        name: param.code,
        type: param.type,
        ...(definitions[param.code]?.url ? { definition: definitions[param.code].url } : {}),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}

function softwareVersion(): string {
  const packageJson = JSON.parse(readFileSync(join(dirname(fhirProfilesDir()), 'package.json'), 'utf8')) as { version?: string };
  return packageJson.version ?? '0.0.0';
}
