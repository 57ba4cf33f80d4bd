import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { OperationOutcomeError } from '@medplum/core';
import {
  FHIR_JSON,
  HttpAnswer,
  httpAnswerOf,
  InteractionResult,
  methodNotAllowed,
  normaliseQuery,
  notFoundOutcome,
  parseJsonPatch,
} from '@liaison/fhir-store';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../../auth';
import { LIAISON_CONFIG, LiaisonConfig } from '../../platform/config/config';
import { inTenant } from '../../platform/database/tenant-scope';
import { FhirBundleService } from '../bundle/fhir-bundle.service';
import { CapabilityStatementService } from '../capabilities/capability-statement.service';
import { FhirInteractions } from '../interactions/fhir-interactions.service';
import { bodyOf, FhirRequestContext, JsonBody } from './fhir-request';

/**
 * The FHIR REST API's use cases: each opens the caller's tenant transaction, runs one
 * interaction (or a Bundle), and shapes the HTTP answer (status, ETag, Location, Prefer).
 */
@Injectable()
export class FhirRestService {
  readonly baseUrl: string;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(LIAISON_CONFIG) config: LiaisonConfig,
    private readonly interactions: FhirInteractions,
    private readonly bundles: FhirBundleService,
    private readonly capabilities: CapabilityStatementService,
  ) {
    this.baseUrl = `${config.baseUrl}/fhir/R4`;
  }

  metadata(): HttpAnswer {
    return httpAnswerOf({ status: 200, resource: this.capabilities.capabilities() }, {}, this.baseUrl);
  }

  read(principal: Principal, context: FhirRequestContext, type: string, id: string): Promise<HttpAnswer> {
    return this.run(principal, context, (tx) => this.interactions.read(tx, principal, type, id));
  }

  vread(principal: Principal, context: FhirRequestContext, type: string, id: string, versionId: string): Promise<HttpAnswer> {
    return this.run(principal, context, (tx) => this.interactions.vread(tx, principal, type, id, versionId));
  }

  create(principal: Principal, context: FhirRequestContext, type: string): Promise<HttpAnswer> {
    const body = bodyOf(context, 'resource');
    return this.run(principal, context, (tx) => this.interactions.create(tx, principal, type, body, context.ifNoneExist));
  }

  update(principal: Principal, context: FhirRequestContext, type: string, id: string): Promise<HttpAnswer> {
    const body = bodyOf(context, 'resource');
    return this.run(principal, context, (tx) => this.interactions.update(tx, principal, type, id, body, context.ifMatch));
  }

  conditionalUpdate(principal: Principal, context: FhirRequestContext, type: string): Promise<HttpAnswer> {
    const body = bodyOf(context, 'resource');
    return this.run(principal, context, (tx) => this.interactions.conditionalUpdate(tx, principal, type, context.query, body, context.ifMatch));
  }

  patch(principal: Principal, context: FhirRequestContext, type: string, id: string): Promise<HttpAnswer> {
    const operations = parseJsonPatch(bodyOf(context, 'json-patch'));
    return this.run(principal, context, (tx) => this.interactions.patch(tx, principal, type, id, operations, context.ifMatch));
  }

  conditionalPatch(principal: Principal, context: FhirRequestContext, type: string): Promise<HttpAnswer> {
    const operations = parseJsonPatch(bodyOf(context, 'json-patch'));
    return this.run(principal, context, (tx) =>
      this.interactions.conditionalPatch(tx, principal, type, context.query, operations, context.ifMatch),
    );
  }

  delete(principal: Principal, context: FhirRequestContext, type: string, id: string): Promise<HttpAnswer> {
    return this.run(principal, context, (tx) => this.interactions.delete(tx, principal, type, id, context.ifMatch));
  }

  conditionalDelete(principal: Principal, context: FhirRequestContext, type: string): Promise<HttpAnswer> {
    return this.run(principal, context, (tx) => this.interactions.conditionalDelete(tx, principal, type, context.query));
  }

  async search(principal: Principal, context: FhirRequestContext, type: string): Promise<HttpAnswer> {
    const json = await inTenant(this.db, principal.tenantId, (tx) =>
      this.interactions.searchTypeJson(tx, principal, type, context.query, {
        baseUrl: this.baseUrl,
        strictHandling: context.prefer.handling === 'strict',
      }),
    );
    return { status: 200, headers: { 'content-type': `${FHIR_JSON}; charset=utf-8` }, body: new JsonBody(json) };
  }

  /** `POST [type]/_search`: parameters in the form body and the URL, combined. */
  searchByPost(principal: Principal, context: FhirRequestContext, type: string): Promise<HttpAnswer> {
    const form = context.mediaType === undefined && context.rawBody === undefined ? {} : normaliseQuery(bodyOf(context, 'form') as Record<string, unknown>);
    const query = { ...context.query };
    for (const [name, values] of Object.entries(form)) query[name] = [...(query[name] ?? []), ...values];
    return this.search(principal, { ...context, query }, type);
  }

  history(principal: Principal, context: FhirRequestContext, type: string, id?: string): Promise<HttpAnswer> {
    return this.run(principal, context, (tx) => this.interactions.history(tx, principal, type, id, context.query, this.baseUrl));
  }

  async validate(principal: Principal, context: FhirRequestContext, type: string): Promise<HttpAnswer> {
    const body = bodyOf(context, 'resource');
    return httpAnswerOf(this.interactions.validate(principal, type, body), context.prefer, this.baseUrl);
  }

  /** `POST [base]` with a batch or transaction Bundle. */
  bundle(principal: Principal, context: FhirRequestContext): Promise<HttpAnswer> {
    const body = bodyOf(context, 'resource');
    return this.run(principal, context, async (tx) => ({
      status: 200,
      resource: await this.bundles.process(tx, principal, body, { baseUrl: this.baseUrl, prefer: context.prefer }),
    }));
  }

  unsupported(method: string, path: string): never {
    if (method === 'GET' && /^\/fhir\/R4\/?(\?|$)/.test(path)) {
      throw new OperationOutcomeError(methodNotAllowed('Search across all types is not supported; search one type, e.g. GET /fhir/R4/Task?…'));
    }
    throw new OperationOutcomeError(notFoundOutcome(`No FHIR interaction answers ${method} ${path.split('?')[0]}`));
  }

  private async run(principal: Principal, context: FhirRequestContext, work: (tx: EntityManager) => Promise<InteractionResult>): Promise<HttpAnswer> {
    const result = await inTenant(this.db, principal.tenantId, work);
    return httpAnswerOf(result, context.prefer, this.baseUrl);
  }
}
