import { Controller, Get, Param, Req, Res, UseFilters } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { OperationOutcomeError } from '@medplum/core';
import type { Bundle } from '@medplum/fhirtypes';
import { FHIR_JSON, notFoundOutcome } from '@liaison/fhir-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FhirExceptionFilter, fhirContextOf } from '../fhir';
import { LIAISON_CONFIG, LiaisonConfig } from '../platform/config/config';
import { TopicCatalog } from './topic.catalog';

/**
 * The SubscriptionTopics as FHIR R4 serves them per the backport IG: Basic resources, read and
 * searched (`code=SubscriptionTopic`, `url`, `_id`) at /fhir/R4/Basic. Read-only: topics ship
 * with the service. Basic is not a stored type, so these routes take precedence over `:type`.
 */
@Controller('fhir/R4/Basic')
@UseFilters(FhirExceptionFilter)
export class TopicController {
  private readonly baseUrl: string;

  constructor(
    private readonly catalog: TopicCatalog,
    @Inject(LIAISON_CONFIG) config: LiaisonConfig,
  ) {
    this.baseUrl = `${config.baseUrl}/fhir/R4`;
  }

  @Get()
  search(@Req() req: FastifyRequest, @Res() reply: FastifyReply): void {
    const { query } = fhirContextOf(req);
    const found = this.catalog.search(query);
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: found.length,
      link: [{ relation: 'self', url: `${this.baseUrl}/Basic${req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : ''}` }],
      entry: found.map((basic) => ({ fullUrl: `${this.baseUrl}/Basic/${basic.id}`, resource: basic, search: { mode: 'match' as const } })),
    };
    void reply.status(200).header('content-type', `${FHIR_JSON}; charset=utf-8`).send(JSON.stringify(bundle));
  }

  @Get(':id')
  read(@Param('id') id: string, @Res() reply: FastifyReply): void {
    const basic = this.catalog.read(id);
    if (!basic) throw new OperationOutcomeError(notFoundOutcome(`Basic/${id} not found`));
    void reply.status(200).header('content-type', `${FHIR_JSON}; charset=utf-8`).send(JSON.stringify(basic));
  }
}
