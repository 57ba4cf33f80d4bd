import { All, Controller, Delete, Get, Param, Patch, Post, Put, Req, Res, UseFilters } from '@nestjs/common';
import type { HttpAnswer } from '@liaison/fhir-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, Public, type Principal } from '../../auth';
import { FhirExceptionFilter } from './fhir-exception.filter';
import { fhirContextOf, JsonBody } from './fhir-request';
import { FhirRestService } from './fhir-rest.service';

function bodyText(body: unknown, pretty: boolean): string | undefined {
  if (body === undefined) return undefined;
  if (body instanceof JsonBody) return pretty ? JSON.stringify(JSON.parse(body.text), null, 2) : body.text;
  return pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body);
}

function send(reply: FastifyReply, request: FastifyRequest, answer: HttpAnswer): void {
  const pretty = (request.query as Record<string, unknown> | undefined)?._pretty === 'true';
  void reply.status(answer.status).headers(answer.headers).send(bodyText(answer.body, pretty));
}

/** FHIR R4 REST (`/fhir/R4`): each route parses, calls one use case, and writes the answer. */
@Controller('fhir/R4')
@UseFilters(FhirExceptionFilter)
export class FhirController {
  constructor(private readonly rest: FhirRestService) {}

  @Public()
  @Get('metadata')
  metadata(@Req() req: FastifyRequest, @Res() reply: FastifyReply): void {
    send(reply, req, this.rest.metadata());
  }

  @Post()
  async bundle(@CurrentPrincipal() principal: Principal, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    send(reply, req, await this.rest.bundle(principal, fhirContextOf(req)));
  }

  @Get(':type')
  async search(@CurrentPrincipal() principal: Principal, @Param('type') type: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    send(reply, req, await this.rest.search(principal, fhirContextOf(req), type));
  }

  @Post(':type/_search')
  async searchByPost(@CurrentPrincipal() principal: Principal, @Param('type') type: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    send(reply, req, await this.rest.searchByPost(principal, fhirContextOf(req), type));
  }

  @Get(':type/_history')
  async typeHistory(@CurrentPrincipal() principal: Principal, @Param('type') type: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    send(reply, req, await this.rest.history(principal, fhirContextOf(req), type));
  }

  @Post(':type/$validate')
  async validate(@CurrentPrincipal() principal: Principal, @Param('type') type: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    send(reply, req, await this.rest.validate(principal, fhirContextOf(req), type));
  }

  @Post(':type')
  async create(@CurrentPrincipal() principal: Principal, @Param('type') type: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    send(reply, req, await this.rest.create(principal, fhirContextOf(req), type));
  }

  @Put(':type')
  async conditionalUpdate(@CurrentPrincipal() principal: Principal, @Param('type') type: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    send(reply, req, await this.rest.conditionalUpdate(principal, fhirContextOf(req), type));
  }

  @Patch(':type')
  async conditionalPatch(@CurrentPrincipal() principal: Principal, @Param('type') type: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    send(reply, req, await this.rest.conditionalPatch(principal, fhirContextOf(req), type));
  }

  @Delete(':type')
  async conditionalDelete(@CurrentPrincipal() principal: Principal, @Param('type') type: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    send(reply, req, await this.rest.conditionalDelete(principal, fhirContextOf(req), type));
  }

  @Get(':type/:id')
  async read(
    @CurrentPrincipal() principal: Principal,
    @Param('type') type: string,
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    send(reply, req, await this.rest.read(principal, fhirContextOf(req), type, id));
  }

  @Put(':type/:id')
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('type') type: string,
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    send(reply, req, await this.rest.update(principal, fhirContextOf(req), type, id));
  }

  @Patch(':type/:id')
  async patch(
    @CurrentPrincipal() principal: Principal,
    @Param('type') type: string,
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    send(reply, req, await this.rest.patch(principal, fhirContextOf(req), type, id));
  }

  @Delete(':type/:id')
  async delete(
    @CurrentPrincipal() principal: Principal,
    @Param('type') type: string,
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    send(reply, req, await this.rest.delete(principal, fhirContextOf(req), type, id));
  }

  @Get(':type/:id/_history')
  async instanceHistory(
    @CurrentPrincipal() principal: Principal,
    @Param('type') type: string,
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    send(reply, req, await this.rest.history(principal, fhirContextOf(req), type, id));
  }

  @Get(':type/:id/_history/:versionId')
  async vread(
    @CurrentPrincipal() principal: Principal,
    @Param('type') type: string,
    @Param('id') id: string,
    @Param('versionId') versionId: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    send(reply, req, await this.rest.vread(principal, fhirContextOf(req), type, id, versionId));
  }

  /** Search across types is not offered. */
  @Get()
  systemSearch(@Req() req: FastifyRequest): never {
    return this.rest.unsupported(req.method, req.url);
  }

  /** Anything else under /fhir/R4: an OperationOutcome rather than the framework's 404. */
  @Public()
  @All('*')
  unsupported(@Req() req: FastifyRequest): never {
    return this.rest.unsupported(req.method, req.url);
  }
}
