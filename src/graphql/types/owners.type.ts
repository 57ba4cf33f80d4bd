import { createUnionType, Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { CareTeam, Organization, Practitioner } from '@medplum/fhirtypes';
import { displayNameOf, HumanNameObject, IdentifierObject, identifiersOf, namesOf, ReferenceObject, referenceOf } from './fhir-datatypes.type';
import { JsonScalar } from './json.scalar';

@ObjectType('Practitioner')
export class PractitionerObject {
  @Field(() => ID) id!: string;
  @Field(() => Int) versionId!: number;
  @Field({ nullable: true }) name?: string;
  @Field(() => [HumanNameObject]) names!: HumanNameObject[];
  @Field(() => [IdentifierObject]) identifiers!: IdentifierObject[];
  @Field({ nullable: true }) active?: boolean;
  @Field(() => JsonScalar) fhir!: Practitioner;
}

@ObjectType('Organization')
export class OrganizationObject {
  @Field(() => ID) id!: string;
  @Field(() => Int) versionId!: number;
  @Field({ nullable: true }) name?: string;
  @Field(() => [IdentifierObject]) identifiers!: IdentifierObject[];
  @Field({ nullable: true }) active?: boolean;
  @Field(() => JsonScalar) fhir!: Organization;
}

@ObjectType('CareTeamParticipant')
export class CareTeamParticipantObject {
  @Field(() => ReferenceObject, { nullable: true }) member?: ReferenceObject;
  @Field({ nullable: true }) role?: string;
}

@ObjectType('CareTeam')
export class CareTeamObject {
  @Field(() => ID) id!: string;
  @Field(() => Int) versionId!: number;
  @Field({ nullable: true }) name?: string;
  @Field({ nullable: true }) status?: string;
  @Field(() => ReferenceObject, { nullable: true }) subject?: ReferenceObject;
  @Field(() => [CareTeamParticipantObject]) participants!: CareTeamParticipantObject[];
  @Field(() => JsonScalar) fhir!: CareTeam;
}

export function practitionerObject(practitioner: Practitioner): PractitionerObject {
  return {
    id: practitioner.id!,
    versionId: Number(practitioner.meta?.versionId ?? 0),
    name: displayNameOf(practitioner.name),
    names: namesOf(practitioner.name),
    identifiers: identifiersOf(practitioner.identifier),
    active: practitioner.active,
    fhir: practitioner,
  };
}

export function organizationObject(organization: Organization): OrganizationObject {
  return {
    id: organization.id!,
    versionId: Number(organization.meta?.versionId ?? 0),
    name: organization.name,
    identifiers: identifiersOf(organization.identifier),
    active: organization.active,
    fhir: organization,
  };
}

export function careTeamObject(team: CareTeam): CareTeamObject {
  return {
    id: team.id!,
    versionId: Number(team.meta?.versionId ?? 0),
    name: team.name,
    status: team.status,
    subject: referenceOf(team.subject),
    participants: (team.participant ?? []).map((p) => ({
      member: referenceOf(p.member),
      role: p.role?.[0]?.text ?? p.role?.[0]?.coding?.[0]?.display ?? p.role?.[0]?.coding?.[0]?.code,
    })),
    fhir: team,
  };
}

/** Who a Task may be assigned to, as far as the API models it. */
export const TaskOwnerUnion = createUnionType({
  name: 'TaskOwner',
  types: () => [PractitionerObject, OrganizationObject, CareTeamObject] as const,
  resolveType: (value: { fhir: { resourceType: string } }) => {
    switch (value.fhir.resourceType) {
      case 'Practitioner':
        return PractitionerObject;
      case 'Organization':
        return OrganizationObject;
      default:
        return CareTeamObject;
    }
  },
});

/** The resource types TaskOwner covers, and how each reads. */
export const OWNER_OBJECTS = {
  Practitioner: (r: Practitioner) => practitionerObject(r),
  Organization: (r: Organization) => organizationObject(r),
  CareTeam: (r: CareTeam) => careTeamObject(r),
} as const;
