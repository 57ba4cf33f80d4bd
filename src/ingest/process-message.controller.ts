import { Controller, Post, Req, Res, UseFilters } from '@nestjs/common';
import { FHIR_JSON } from '@liaison/fhir-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, RequireScope, type Principal } from '../auth';
import { bodyOf, fhirContextOf, FhirExceptionFilter } from '../fhir';
import { IngestService } from './ingest.service';

/**
 * `POST /fhir/R4/$process-message` (FHIR messaging, synchronous): a Da Vinci Unsolicited
 * Notification (admit, discharge, transfer) applied with the effects of the equivalent ADT.
 * Answers 200 with an OperationOutcome "fully processed" (as the IG's examples do), the same
 * answer again for a message already processed, and an OperationOutcome with 4xx for a Bundle
 * that is not a notification this receiver takes. The sender needs to create and update
 * Patients and Encounters (`system/Patient.cu system/Encounter.cu` or wider).
 */
@Controller('fhir/R4')
@UseFilters(FhirExceptionFilter)
export class ProcessMessageController {
  constructor(private readonly ingest: IngestService) {}

  @Post('$process-message')
  @RequireScope('Patient', 'c')
  @RequireScope('Patient', 'u')
  @RequireScope('Encounter', 'c')
  @RequireScope('Encounter', 'u')
  async processMessage(@CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const answer = await this.ingest.receiveNotification(principal, bodyOf(fhirContextOf(request), 'resource'));
    void reply.status(answer.status).header('content-type', `${FHIR_JSON}; charset=utf-8`).send(JSON.stringify(answer.outcome));
  }
}
