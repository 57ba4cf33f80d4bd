import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { Patient } from '@medplum/fhirtypes';
import { displayNameOf, HumanNameObject, IdentifierObject, identifiersOf, namesOf } from './fhir-datatypes.type';
import { JsonScalar } from './json.scalar';

@ObjectType('Patient')
export class PatientObject {
  @Field(() => ID) id!: string;
  @Field(() => Int) versionId!: number;
  @Field() lastUpdated!: string;
  @Field({ nullable: true, description: 'The name to show: official, else usual, else the first' }) name?: string;
  @Field(() => [HumanNameObject]) names!: HumanNameObject[];
  @Field(() => [IdentifierObject]) identifiers!: IdentifierObject[];
  @Field({ nullable: true }) gender?: string;
  @Field({ nullable: true }) birthDate?: string;
  @Field({ nullable: true }) active?: boolean;
  @Field({ description: 'deceasedBoolean, or a deceasedDateTime is set' }) deceased!: boolean;
  @Field(() => JsonScalar) fhir!: Patient;
}

export function patientObject(patient: Patient): PatientObject {
  return {
    id: patient.id!,
    versionId: Number(patient.meta?.versionId ?? 0),
    lastUpdated: patient.meta?.lastUpdated ?? '',
    name: displayNameOf(patient.name),
    names: namesOf(patient.name),
    identifiers: identifiersOf(patient.identifier),
    gender: patient.gender,
    birthDate: patient.birthDate,
    active: patient.active,
    deceased: patient.deceasedBoolean === true || patient.deceasedDateTime !== undefined,
    fhir: patient,
  };
}
