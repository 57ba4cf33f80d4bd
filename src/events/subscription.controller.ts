import { Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Req, Res, UseFilters } from '@nestjs/common';
import { OperationOutcomeError } from '@medplum/core';
import type { Parameters, Resource } from '@medplum/fhirtypes';
import { FHIR_JSON, httpAnswerOf, methodNotAllowed } from '@liaison/fhir-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '../auth';
import { bodyOf, FhirExceptionFilter, fhirContextOf } from '../fhir';
import { SubscriptionsService } from './subscriptions.service';

function sendResource(reply: FastifyReply, status: number, resource: Resource): void {
  void reply.status(status).header('content-type', `${FHIR_JSON}; charset=utf-8`).send(JSON.stringify(resource));
}

/** A Parameters body's values by name (for `$events` and `$status` by POST). */
function parameterValues(body: unknown, name: string): string[] {
  const parameters = (body as Parameters | undefined)?.parameter ?? [];
  return parameters
    .filter((p) => p.name === name)
    .map((p) => p.valueString ?? p.valueCode ?? p.valueId ?? (p.valueInteger !== undefined ? String(p.valueInteger) : undefined))
    .filter((v): v is string => v !== undefined);
}

/**
 * The writes and operations of `Subscription` (read and search are the FHIR API's): these
 * routes are more specific than `/fhir/R4/:type`, so they take precedence over it.
 */
@Controller('fhir/R4/Subscription')
@UseFilters(FhirExceptionFilter)
export class SubscriptionController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @Post()
  async create(@CurrentPrincipal() principal: Principal, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const context = fhirContextOf(req);
    const result = await this.subscriptions.create(principal, bodyOf(context, 'resource'));
    const answer = httpAnswerOf(result, context.prefer, this.baseUrlOf(req));
    void reply.status(answer.status).headers(answer.headers).send(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  }

  @Get('$status')
  async typeStatus(@CurrentPrincipal() principal: Principal, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { query } = fhirContextOf(req);
    const split = (values: string[] | undefined): string[] | undefined => values?.flatMap((v) => v.split(','));
    sendResource(reply, 200, await this.subscriptions.status(principal, { ids: split(query.id), statuses: split(query.status) }));
  }

  @Get(':id/$status')
  async instanceStatus(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    sendResource(reply, 200, await this.subscriptions.status(principal, {}, id));
  }

  @Get(':id/$events')
  async events(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { query } = fhirContextOf(req);
    const bundle = await this.subscriptions.events(principal, id, {
      since: query.eventsSinceNumber?.[0],
      until: query.eventsUntilNumber?.[0],
      content: query.content?.[0],
    });
    sendResource(reply, 200, bundle);
  }

  @Post(':id/$events')
  async eventsByPost(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = req.body ?? undefined;
    const bundle = await this.subscriptions.events(principal, id, {
      since: parameterValues(body, 'eventsSinceNumber')[0],
      until: parameterValues(body, 'eventsUntilNumber')[0],
      content: parameterValues(body, 'content')[0],
    });
    sendResource(reply, 200, bundle);
  }

  @Post(':id/$rotate-secret')
  async rotateSecret(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    sendResource(reply, 200, await this.subscriptions.rotateSecret(principal, id, req.body ?? undefined));
  }

  @Put(':id')
  async update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const context = fhirContextOf(req);
    const result = await this.subscriptions.update(principal, id, bodyOf(context, 'resource'), context.ifMatch);
    const answer = httpAnswerOf(result, context.prefer, this.baseUrlOf(req));
    void reply.status(answer.status).headers(answer.headers).send(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  }

  @Delete(':id')
  @HttpCode(200)
  async delete(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    await this.subscriptions.delete(principal, id);
    sendResource(reply, 200, {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', details: { text: `Deleted Subscription/${id}` } }],
    });
  }

  /**
   * The other writes the generic FHIR routes would take (PATCH, conditional update and delete)
   * are refused: a Subscription changes only through the validated PUT above.
   */
  @Patch(':id')
  patch(): never {
    throw new OperationOutcomeError(methodNotAllowed('Change a Subscription with PUT (the whole resource)'));
  }

  @Patch()
  conditionalPatch(): never {
    throw new OperationOutcomeError(methodNotAllowed('Change a Subscription with PUT /Subscription/{id}'));
  }

  @Put()
  conditionalUpdate(): never {
    throw new OperationOutcomeError(methodNotAllowed('Change a Subscription with PUT /Subscription/{id}'));
  }

  @Delete()
  conditionalDelete(): never {
    throw new OperationOutcomeError(methodNotAllowed('Delete a Subscription with DELETE /Subscription/{id}'));
  }

  private baseUrlOf(_req: FastifyRequest): string {
    return this.subscriptions.fhirBaseUrl;
  }
}
