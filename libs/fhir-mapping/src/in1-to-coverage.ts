import type { Hl7Segment } from '@medplum/core';
import type { Coverage, CoverageClass, Identifier, Organization } from '@medplum/fhirtypes';
import { fieldOf, hl7Warning, readCwe, readCx, readXad, readXon, readXpn, valuedRepetitionsOf } from '@liaison/hl7';
import { conditionalReference, facilitySystem, identifierOfCx, identifierType } from './identifier-systems';
import { addressOf, contactPointsOf, dateOf, metaOf, readTimestamp, type MappingContext } from './mapping-context';
import type { ResourceWrite } from './resource-write';
import { compact, COVERAGE_CLASS, mappedConcept, SUBSCRIBER_RELATIONSHIP, SUBSCRIBER_RELATIONSHIP_CODES, V2_TABLE } from './v2-tables';

/** An IN1 segment with the IN2 that follows it, and where it is (`IN1`, `IN1[2]`). */
export interface InsuranceGroup {
  readonly in1: Hl7Segment;
  readonly in2?: Hl7Segment;
  readonly location: string;
}

export interface CoverageMapping {
  readonly payor: ResourceWrite<Organization>;
  readonly coverage: ResourceWrite<Coverage>;
}

const SELF_PAY = /^self[\s-]*pay$/i;

/**
 * IN1/IN2 → Coverage and its payor Organization. The payor is found by its company id (IN1-3)
 * or, without one, by its name (IN1-4) within the facility. The member id is IN1-36 (policy
 * number), else IN1-49 (insured's id), IN2-61 (patient's member number), IN2-8 (Medicaid) or
 * IN2-6 (Medicare). A coverage is found by member id within its payor, or without a member id
 * by beneficiary within its payor. Also: subscriber and relationship (IN1-16, IN1-17), period
 * (IN1-12/13), plan type (IN1-15), group and plan classes (IN1-8/9, IN1-2), order (IN1-22,
 * else IN1-1). A self-pay IN1 is not insurance: it is skipped with a warning.
 */
export function mapCoverage(
  group: InsuranceGroup,
  patient: { readonly key: string; readonly identity: Identifier },
  context: MappingContext,
): CoverageMapping | undefined {
  const { in1, in2, location } = group;
  const plan = readCwe(fieldOf(in1, 2));
  const company = readXon(fieldOf(in1, 4));
  if ([plan?.code, plan?.text, company?.name].some((text) => text && SELF_PAY.test(text.trim()))) {
    context.warnings.push(hl7Warning(`${location} is self-pay: no Coverage`, location));
    return undefined;
  }
  const companyId = readCx(fieldOf(in1, 3));
  const payorName = company?.name?.trim();
  if (!companyId && !payorName) {
    context.warnings.push(hl7Warning(`${location} names no insurance company (IN1-3, IN1-4): no Coverage`, `${location}-3`));
    return undefined;
  }
  const payorIdentifier: Identifier = companyId
    ? identifierOfCx(companyId, context.facility, 'payor')
    : { system: facilitySystem(context.facility, 'payor'), value: payorName };
  const payor: ResourceWrite<Organization> = {
    key: conditionalReference('Organization', payorIdentifier),
    resource: compact({
      resourceType: 'Organization' as const,
      meta: metaOf(context),
      identifier: [payorIdentifier],
      active: true,
      type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'pay', display: 'Payer' }] }],
      name: payorName,
      address: valuedRepetitionsOf(in1, 5).map(readXad).filter((a) => a !== undefined).map(addressOf),
      telecom: contactPointsOf(valuedRepetitionsOf(in1, 7), 'work'),
    }),
    match: [payorIdentifier],
    mode: 'merge',
    nulls: [],
  };
  for (const list of ['address', 'telecom'] as const) if (payor.resource[list]?.length === 0) delete payor.resource[list];

  const memberId = [
    fieldOf(in1, 36).text(1),
    fieldOf(in1, 49).text(1),
    in2 && fieldOf(in2, 61).text(1),
    in2 && fieldOf(in2, 8).text(1),
    in2 && fieldOf(in2, 6).text(1),
  ]
    .map((id) => id?.trim())
    .find((id) => id);
  const payorKey = encodeURIComponent(`${payorIdentifier.system}|${payorIdentifier.value}`);
  const identity: Identifier = memberId
    ? { type: identifierType('MB'), system: `urn:liaison:hl7:member:${payorKey}`, value: memberId }
    : { system: `urn:liaison:hl7:beneficiary:${payorKey}`, value: `${patient.identity.value}@${patient.identity.system}` };

  const relationshipCode = readCwe(fieldOf(in1, 17));
  const relationshipKey = relationshipCode?.code?.trim().toUpperCase();
  const mappedRelationship = relationshipKey ? SUBSCRIBER_RELATIONSHIP_CODES[relationshipKey] : undefined;
  const insured = readXpn(fieldOf(in1, 16));

  const start = dateOf(readTimestamp(in1, 12, `${location}-12`));
  const end = dateOf(readTimestamp(in1, 13, `${location}-13`));
  const planType = fieldOf(in1, 15).text(1)?.trim();
  const groupNumber = fieldOf(in1, 8).text(1)?.trim();
  const groupName = readXon(fieldOf(in1, 9))?.name?.trim();
  const classes: CoverageClass[] = [];
  if (groupNumber) classes.push(compact({ type: { coding: [{ system: COVERAGE_CLASS, code: 'group' }] }, value: groupNumber, name: groupName }));
  if (plan?.code) classes.push(compact({ type: { coding: [{ system: COVERAGE_CLASS, code: 'plan' }] }, value: plan.code.trim(), name: plan.text }));
  const order = Number.parseInt(fieldOf(in1, 22).text(1) ?? fieldOf(in1, 1).text(1) ?? '', 10);

  const coverage: Coverage = compact({
    resourceType: 'Coverage' as const,
    meta: metaOf(context),
    identifier: [identity],
    status: 'active' as const,
    type: planType ? { coding: [{ system: V2_TABLE('0086'), code: planType }] } : undefined,
    subscriber:
      mappedRelationship === 'self'
        ? { reference: patient.key }
        : insured
          ? { display: [...insured.given, insured.family].filter(Boolean).join(' ') }
          : undefined,
    subscriberId: memberId,
    beneficiary: { reference: patient.key },
    relationship: relationshipKey
      ? mappedConcept(relationshipKey, '0063', mappedRelationship ? { system: SUBSCRIBER_RELATIONSHIP, code: mappedRelationship } : undefined, relationshipCode?.text)
      : undefined,
    period: start || end ? compact({ start, end }) : undefined,
    payor: [compact({ reference: payor.key, display: payorName })],
    class: classes.length > 0 ? classes : undefined,
    order: Number.isInteger(order) && order > 0 ? order : undefined,
  });
  return {
    payor,
    coverage: {
      key: conditionalReference('Coverage', identity),
      resource: coverage,
      match: [identity],
      mode: 'merge',
      nulls: [],
    },
  };
}
