import { Inject, Injectable } from '@nestjs/common';
import { badRequest, OperationOutcomeError } from '@medplum/core';
import { formatInstant, isValidTimeZone } from '@liaison/business-time';
import {
  applyProtocols,
  CoordinationSettings,
  deterministicUuid,
  PreparedProtocols,
  ProtocolContext,
  ProtocolResult,
  revisePlans,
} from '@liaison/protocols';
import type { Encounter } from '@medplum/fhirtypes';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../auth';
import { CLOCK, Clock } from '../platform/clock/clock';
import type { CoordinationEventInput } from './coordination-event';
import { CoordinationSettingsRepository, NO_PROTOCOLS_STAMP, StoredCoordinationSettings } from './coordination-settings.repository';
import { PlanChangesWriter } from './plan-changes.writer';
import { PatientRecord, PlanContextReader } from './plan-context.reader';
import { ProtocolCatalog } from './protocol.catalog';

/** Settings a tenant administrator may change (the round-robin cursor is the engine's). */
export type CoordinationSettingsInput = Omit<StoredCoordinationSettings, 'roundRobinNext'>;

const REFERENCE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

/**
 * The coordination use cases, each inside the caller's transaction (the door that received the
 * event opens it and commits after): protocols applied to encounter events, plans revised by
 * undo and merge events, open plans re-evaluated when coverage changes.
 */
@Injectable()
export class CoordinationService {
  constructor(
    private readonly catalog: ProtocolCatalog,
    private readonly settingsRepository: CoordinationSettingsRepository,
    private readonly reader: PlanContextReader,
    private readonly writer: PlanChangesWriter,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Applies the tenant's protocols to an event inside `tx`, after the caller wrote the event's
   * Patient, Encounter, Coverages and Conditions through FhirStore in the same transaction:
   * - `encounter.admitted`, `encounter.discharged`: one CarePlan per (encounter, event kind)
   *   with its Tasks and referral ServiceRequests (`encounterId` required);
   * - `encounter.admission-cancelled` (A11), `encounter.discharge-cancelled` (A13): the
   *   encounter's plans are revoked, open work cancelled, done work kept (`encounterId` required);
   * - `patient.merged` (A40): the plans of `mergedPatientId` move to `patientId`;
   * - `coverage.changed`: the coverage rules of the patient's open plans are re-evaluated.
   * Idempotent: applying an event twice (a re-sent message, a replay) writes nothing the second
   * time. Refusals are OperationOutcomeErrors (a missing resource is a 404, a missing id a 400).
   */
  async handleEvent(tx: EntityManager, principal: Principal, event: CoordinationEventInput): Promise<void> {
    if (!/^\d{4}-\d{2}-\d{2}T/.test(event.occurredAt ?? '') || Number.isNaN(Date.parse(event.occurredAt))) {
      throw new OperationOutcomeError(badRequest(`occurredAt must be an instant with an offset, got "${event.occurredAt}"`, 'occurredAt'));
    }
    switch (event.kind) {
      case 'encounter.admitted':
      case 'encounter.discharged':
        return this.applyEncounterEvent(tx, principal, event, required(event.encounterId, 'encounterId', event));
      case 'encounter.admission-cancelled':
      case 'encounter.discharge-cancelled':
        return this.reviseEncounter(tx, principal, event, required(event.encounterId, 'encounterId', event));
      case 'patient.merged':
        return this.moveMergedPlans(tx, principal, event, required(event.mergedPatientId, 'mergedPatientId', event));
      case 'coverage.changed':
        return this.reevaluateCoverage(tx, principal, event);
      default:
        throw new OperationOutcomeError(badRequest(`Unknown coordination event ${String((event as { kind: unknown }).kind)}`, 'kind'));
    }
  }

  /** The tenant's settings as the rules take them (calendar loaded, references as References). */
  async settingsFor(tx: EntityManager, tenantId: string): Promise<CoordinationSettings> {
    return this.toRuleSettings(await this.settingsRepository.read(tx, tenantId));
  }

  /** The tenant's stored settings (defaults when never changed). */
  async readSettings(tx: EntityManager, tenantId: string): Promise<StoredCoordinationSettings> {
    return this.settingsRepository.read(tx, tenantId);
  }

  /** Changes the tenant's settings, checked first (400 `invalid` naming the setting). */
  async configure(tx: EntityManager, tenantId: string, input: CoordinationSettingsInput): Promise<StoredCoordinationSettings> {
    const invalid = (text: string, where: string): never => {
      throw new OperationOutcomeError(badRequest(text, where));
    };
    if (!isValidTimeZone(input.timeZone)) invalid(`${input.timeZone} is not an IANA time zone`, 'timeZone');
    if (!this.catalog.hasCalendar(input.calendar)) invalid(`No holiday calendar ${input.calendar} in fhir-profiles/calendars`, 'calendar');
    for (const [where, reference] of [
      ['defaultQueue', input.defaultQueue],
      ['supervisorQueue', input.supervisorQueue],
      ...input.coordinators.map((c, i) => [`coordinators[${i}]`, c]),
    ] as const) {
      if (!REFERENCE.test(reference)) invalid(`${reference} is not a reference such as Practitioner/123`, where);
    }
    if (new Set(input.coordinators).size !== input.coordinators.length) invalid('A coordinator is listed twice', 'coordinators');
    if (!Number.isInteger(input.escalationBusinessDays) || input.escalationBusinessDays < 0) {
      invalid('Escalations are due in a whole, non-negative number of business days', 'escalationBusinessDays');
    }
    return this.settingsRepository.save(tx, tenantId, input);
  }

  /** Id of a new plan resource from its stable key: the same event gives the same ids (see libs/protocols README). */
  newIdFor(tenantId: string): (key: string) => string {
    return (key) => deterministicUuid(`${tenantId}|${key}`);
  }

  /**
   * The tenant's settings and protocols: one statement when the protocols in memory are current
   * (the settings row carries the protocols stamp), and the PlanDefinitions searched when not.
   */
  private async settingsAndProtocols(tx: EntityManager, tenantId: string): Promise<{ settings: CoordinationSettings; protocols: PreparedProtocols }> {
    let read = await this.settingsRepository.readWithStamp(tx, tenantId);
    if (read.protocolsStamp === NO_PROTOCOLS_STAMP) read = await this.settingsRepository.ensureRow(tx, tenantId);
    const protocols = await this.catalog.protocolsFor(tx, tenantId, read.protocolsStamp);
    return { settings: this.toRuleSettings(read.settings), protocols };
  }

  private async applyEncounterEvent(tx: EntityManager, principal: Principal, event: CoordinationEventInput, encounterId: string): Promise<void> {
    const tenantId = principal.tenantId;
    const { settings, protocols } = await this.settingsAndProtocols(tx, tenantId);
    const { record, plans } = await this.reader.patientWithPlans(tx, tenantId, event.patientId, {
      known: event.patient,
      encounterRef: `Encounter/${encounterId}`,
    });
    const encounter = await this.reader.encounter(tx, tenantId, encounterId, event.encounter);
    const context = contextOf(event, record, encounter);
    const result = await this.decideWithTurn(tx, tenantId, settings, (s) =>
      applyProtocols({ protocols, context, plans, settings: s, now: this.now(s), newId: this.newIdFor(tenantId) }),
    );
    await this.writer.write(tx, principal, result, event.source);
  }

  private async reviseEncounter(tx: EntityManager, principal: Principal, event: CoordinationEventInput, encounterId: string): Promise<void> {
    const tenantId = principal.tenantId;
    const plans = await this.reader.plansOfEncounter(tx, tenantId, encounterId);
    if (plans.length === 0) return;
    const settings = await this.settingsFor(tx, tenantId);
    const changes = revisePlans({
      event: { kind: event.kind, occurredAt: event.occurredAt },
      encounter: { reference: `Encounter/${encounterId}` },
      plans,
      serviceRequests: plans.flatMap((plan) => plan.serviceRequests),
      settings,
      now: this.now(settings),
      newId: this.newIdFor(tenantId),
    });
    await this.writer.write(tx, principal, changes, event.source);
  }

  private async moveMergedPlans(tx: EntityManager, principal: Principal, event: CoordinationEventInput, mergedPatientId: string): Promise<void> {
    const tenantId = principal.tenantId;
    const plans = await this.reader.plansOfPatient(tx, tenantId, mergedPatientId, { allPlans: true });
    if (plans.length === 0) return;
    const settings = await this.settingsFor(tx, tenantId);
    const changes = revisePlans({
      event: { kind: event.kind, occurredAt: event.occurredAt },
      merge: { source: { reference: `Patient/${mergedPatientId}` }, target: { reference: `Patient/${event.patientId}` } },
      plans,
      settings,
      now: this.now(settings),
      newId: this.newIdFor(tenantId),
    });
    await this.writer.write(tx, principal, changes, event.source);
  }

  /** `coverage.changed`: each open plan's coverage rules, with that plan's encounter in the context. */
  private async reevaluateCoverage(tx: EntityManager, principal: Principal, event: CoordinationEventInput): Promise<void> {
    const tenantId = principal.tenantId;
    const openPlans = await this.reader.plansOfPatient(tx, tenantId, event.patientId);
    const encounterIds = [
      ...new Set(
        openPlans
          .filter((plan) => plan.carePlan.status === 'active' || plan.carePlan.status === 'on-hold')
          .map((plan) => plan.carePlan.encounter?.reference)
          .filter((ref): ref is string => ref?.startsWith('Encounter/') === true)
          .map((ref) => ref.slice('Encounter/'.length)),
      ),
    ];
    if (encounterIds.length === 0) return;
    // A Coverage may be written for a patient (or plans for an encounter) this service never
    // received: nothing to re-evaluate then, and the Coverage write itself must not fail.
    const record = await this.reader.patientRecordIfAny(tx, tenantId, event.patientId);
    if (!record) return;
    const { settings, protocols } = await this.settingsAndProtocols(tx, tenantId);
    const encounters = await this.reader.byIds<Encounter>(tx, tenantId, 'Encounter', encounterIds);
    for (const encounter of encounters) {
      const encounterId = encounter.id as string;
      // Read again for each encounter: the previous one's changes are written by now.
      const plans = await this.reader.plansOfPatient(tx, tenantId, event.patientId, {
        encounterRef: `Encounter/${encounterId}`,
        serviceRequests: record.serviceRequests,
      });
      const result = await this.decideWithTurn(tx, tenantId, settings, (s) =>
        applyProtocols({
          protocols,
          context: contextOf(event, record, encounter),
          plans,
          settings: s,
          now: this.now(s),
          newId: this.newIdFor(tenantId),
        }),
      );
      await this.writer.write(tx, principal, result, event.source);
    }
  }

  /**
   * Decides with the round-robin cursor as read; when the decision takes a new coordinator's
   * turn, the cursor is locked (concurrent events of the tenant needing a turn wait here until
   * this transaction ends, so no two take the same turn), the decision is made again if another
   * event took that turn meanwhile, and the next turn is stored.
   */
  private async decideWithTurn(
    tx: EntityManager,
    tenantId: string,
    settings: CoordinationSettings,
    decide: (settings: CoordinationSettings) => ProtocolResult,
  ): Promise<ProtocolResult> {
    let result = decide(settings);
    if (result.roundRobinNext === settings.roundRobinNext) return result;
    const turn = await this.settingsRepository.lockRoundRobin(tx, tenantId);
    if (turn !== settings.roundRobinNext) result = decide({ ...settings, roundRobinNext: turn });
    await this.settingsRepository.saveRoundRobin(tx, tenantId, result.roundRobinNext);
    return result;
  }

  private toRuleSettings(stored: StoredCoordinationSettings): CoordinationSettings {
    return {
      timeZone: stored.timeZone,
      calendar: this.catalog.calendar(stored.calendar, this.clock.now()),
      defaultQueue: { reference: stored.defaultQueue },
      supervisorQueue: { reference: stored.supervisorQueue },
      coordinators: stored.coordinators.map((reference) => ({ reference })),
      roundRobinNext: stored.roundRobinNext,
      escalationBusinessDays: stored.escalationBusinessDays,
    };
  }

  /** The processing time as a FHIR instant in the tenant's zone. */
  private now(settings: CoordinationSettings): string {
    return formatInstant(this.clock.now(), settings.timeZone);
  }
}

function contextOf(event: CoordinationEventInput, record: PatientRecord, encounter: ProtocolContext['encounter']): ProtocolContext {
  return {
    event: { kind: event.kind, occurredAt: event.occurredAt },
    patient: record.patient,
    encounter,
    coverages: record.coverages,
    conditions: record.conditions,
    serviceRequests: record.serviceRequests,
    careTeams: record.careTeams,
  };
}

function required(value: string | undefined, name: string, event: CoordinationEventInput): string {
  if (!value) throw new OperationOutcomeError(badRequest(`A ${event.kind} event needs ${name}`, name));
  return value;
}
