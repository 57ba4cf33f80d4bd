import { UseFilters, UseInterceptors } from '@nestjs/common';
import { Args, Context, ID, Int, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { Patient } from '@medplum/fhirtypes';
import { CurrentPrincipal, RequireScope, type Principal } from '../../auth';
import { CareActionsService } from '../care-actions.service';
import { CoordinationReadsService } from '../coordination-reads.service';
import { GraphqlErrorFilter } from '../graphql-error.filter';
import { ReleaseReadsInterceptor } from '../release-reads.interceptor';
import { coverageObject, CoverageObject } from '../types/coverage.type';
import { idOf } from '../types/fhir-datatypes.type';
import { UpdateCoverageInput } from '../types/inputs.type';
import { patientObject, PatientObject } from '../types/patient.type';

/** Coverage: its patient, and changes to it. */
@Resolver(() => CoverageObject)
@UseFilters(GraphqlErrorFilter)
export class CoverageResolver {
  constructor(
    private readonly reads: CoordinationReadsService,
    private readonly actions: CareActionsService,
  ) {}

  @UseInterceptors(ReleaseReadsInterceptor)
  @Mutation(() => CoverageObject, { description: 'Changes status, period, payors or subscriber id of a Coverage' })
  @RequireScope('Coverage', 'u')
  async updateCoverage(
    @CurrentPrincipal() principal: Principal,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: UpdateCoverageInput,
    @Args('expectedVersion', { type: () => Int, nullable: true }) expectedVersion?: number,
  ): Promise<CoverageObject> {
    const coverage = await this.actions.updateCoverage(
      principal,
      id,
      {
        status: input.status ?? undefined,
        periodStart: input.periodStart,
        periodEnd: input.periodEnd,
        payor: input.payor ?? undefined,
        subscriberId: input.subscriberId,
      },
      expectedVersion ?? undefined,
    );
    return coverageObject(coverage, this.reads.nowMs());
  }

  @ResolveField(() => PatientObject, { nullable: true, description: 'The beneficiary' })
  async patient(@Parent() coverage: CoverageObject, @CurrentPrincipal() principal: Principal, @Context() context: object): Promise<PatientObject | null> {
    const found = await this.reads.byId<Patient>(context, principal, 'Patient', idOf(coverage.fhir.beneficiary, 'Patient'));
    return found ? patientObject(found) : null;
  }
}
