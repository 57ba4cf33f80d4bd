import { UseFilters } from '@nestjs/common';
import { Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { Patient } from '@medplum/fhirtypes';
import { CurrentPrincipal, type Principal } from '../../auth';
import { CoordinationReadsService } from '../coordination-reads.service';
import { GraphqlErrorFilter } from '../graphql-error.filter';
import { EncounterObject } from '../types/encounter.type';
import { idOf } from '../types/fhir-datatypes.type';
import { patientObject, PatientObject } from '../types/patient.type';

/** An Encounter's patient. */
@Resolver(() => EncounterObject)
@UseFilters(GraphqlErrorFilter)
export class EncounterResolver {
  constructor(private readonly reads: CoordinationReadsService) {}

  @ResolveField(() => PatientObject, { nullable: true })
  async patient(@Parent() encounter: EncounterObject, @CurrentPrincipal() principal: Principal, @Context() context: object): Promise<PatientObject | null> {
    const found = await this.reads.byId<Patient>(context, principal, 'Patient', idOf(encounter.fhir.subject, 'Patient'));
    return found ? patientObject(found) : null;
  }
}
