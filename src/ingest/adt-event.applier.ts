import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { OperationOutcomeError } from '@medplum/core';
import type { Encounter, Identifier, OperationOutcomeIssue, Patient, Resource } from '@medplum/fhirtypes';
import {
  absorbMergedPatient,
  applyWrite,
  resolveReferences,
  retargetReferences,
  retireMergedPatient,
  type AdtEvent,
  type AppliedAdtEvent,
  type ResourceWrite,
} from '@liaison/fhir-mapping';
import { preconditionFailedOutcome, UNIQUE_IDENTIFIER_TYPES } from '@liaison/fhir-store';
import { hl7Error, Hl7ErrorCode, hl7Warning } from '@liaison/hl7';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../auth';
import { FhirReadService, FhirSearchService, FhirStore } from '../fhir';
import { IngestResourceRepository, type ResourceRef } from './ingest-resource.repository';

/** What applying one event did, for the coordination hook, the message row and the reply. */
export interface AppliedEvent extends AppliedAdtEvent {
  /**
   * The patient as stored after the message (its current version), when the message wrote or
   * read it and merged no patients (a merge writes the survivor again afterwards).
   */
  readonly patient?: Patient;
  /** Every version the event wrote: `Type/id/_history/version`. */
  readonly effects: readonly string[];
  /** Resources a newer message had already written: left as they are. */
  readonly superseded: readonly string[];
  readonly warnings: readonly OperationOutcomeIssue[];
  /** The resources the event merged into (changed or not): their watermarks advance to the message's time. */
  readonly written: readonly ResourceRef[];
}

/** How `apply` finds the identity locks: already taken with the message (`claim`), or to be taken by `apply`. */
export interface ApplyOptions {
  readonly identitiesLocked: boolean;
}

/** Resource types and search parameters that can point at a patient: a merge moves them to the survivor. */
const PATIENT_REFERENCES: readonly (readonly [resourceType: string, param: string])[] = [
  ['Encounter', 'subject'],
  ['Coverage', 'beneficiary'],
  ['Coverage', 'subscriber'],
  ['Coverage', 'policy-holder'],
  ['Coverage', 'payor'],
  ['RelatedPerson', 'patient'],
  ['Condition', 'subject'],
  ['CarePlan', 'subject'],
  ['Task', 'subject'],
  ['ServiceRequest', 'subject'],
  ['CareTeam', 'subject'],
  ['Communication', 'subject'],
];
const MAX_MOVED_PER_TYPE = 1000;

const CANCELS: ReadonlySet<string> = new Set(['cancel-admit', 'cancel-transfer', 'cancel-discharge']);

/** A search token value: `\`, `,`, `|` and `$` escaped. */
function tokenPart(text: string): string {
  return text.replace(/[\\,|$]/g, (c) => `\\${c}`);
}

function identityKey(resourceType: string, identifier: Identifier): string {
  return `${resourceType}|${identifier.system ?? ''}|${identifier.value ?? ''}`;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Applies an {@link AdtEvent} (an HL7 v2 ADT or a FHIR notification, mapped by
 * @liaison/fhir-mapping) through the FHIR store, in the caller's transaction:
 *
 * 1. lock the identities the event may create or update (concurrent messages about the same
 *    patient or visit serialise; a practitioner already stored needs no lock): usually taken
 *    with the message row already (`lockKeysOf` → `IngestMessageRepository.claim`);
 * 2. find each write's stored resource by its identifiers, in order of preference, with its
 *    content (`findCurrent`);
 * 3. skip a resource a newer message already wrote (its watermark is later than this message);
 * 4. merge the message into what is stored (`applyWrite`) and write a new version only when
 *    something changed (each carries `meta.source` = the message): the changed ones in one
 *    `updateMany`, then the new ones in one `createMany`;
 * 5. A40: retire the replaced patient (`replaced-by`), move what pointed at it, and let the
 *    survivor take its identifiers.
 *
 * What it merged into (`written`) gets the message's watermark from the caller, with the
 * message's outcome (one statement at the end of the transaction).
 */
@Injectable()
export class AdtEventApplier {
  constructor(
    private readonly store: FhirStore,
    private readonly search: FhirSearchService,
    private readonly reads: FhirReadService,
    private readonly bookkeeping: IngestResourceRepository,
  ) {}

  /**
   * The identities an event may create or update, as lock keys: every merge write's and every
   * replaced patient's. Resources named in passing (create-if-absent, a practitioner) are not
   * among them: one that is stored needs no lock, and `apply` locks one that is not.
   */
  lockKeysOf(event: AdtEvent): string[] {
    return [
      ...event.writes.filter((w) => w.mode !== 'create-if-absent').flatMap((w) => w.match.map((identifier) => identityKey(w.resource.resourceType, identifier))),
      ...event.merges.flatMap((merge) => merge.replaced.map((identifier) => identityKey('Patient', identifier))),
    ];
  }

  async apply(tx: EntityManager, principal: Principal, event: AdtEvent, options: ApplyOptions): Promise<AppliedEvent> {
    const tenantId = principal.tenantId;
    const found = new Map<string, string | undefined>();
    const lockKeys: string[] = options.identitiesLocked ? [] : this.lockKeysOf(event);
    for (const write of event.writes) {
      if (write.mode !== 'create-if-absent') continue;
      const id = await this.find(tx, tenantId, write);
      found.set(write.key, id);
      if (!id) lockKeys.push(...write.match.map((identifier) => identityKey(write.resource.resourceType, identifier)));
    }
    await this.bookkeeping.lockIdentities(tx, tenantId, lockKeys);

    /** What is stored of each merge write, found with its content (no second read). */
    const currents = new Map<string, Resource>();
    for (const write of event.writes) {
      if (found.get(write.key)) continue;
      if (write.mode === 'create-if-absent') {
        found.set(write.key, await this.find(tx, tenantId, write));
        continue;
      }
      const current = await this.findCurrent(tx, tenantId, write);
      found.set(write.key, current?.id);
      if (current) currents.set(write.key, current);
    }
    // Resources named in passing (create-if-absent) are never updated: no watermark to compare.
    const existingRefs: ResourceRef[] = event.writes.flatMap((w) => {
      const id = found.get(w.key);
      return id && w.mode === 'merge' ? [{ resourceType: w.resource.resourceType, id }] : [];
    });
    const marks = await this.bookkeeping.watermarks(tx, tenantId, existingRefs);
    const messageTime = Date.parse(event.messageTime);

    const stored = new Map<string, string>();
    const resources = new Map<string, Resource>();
    const effects: string[] = [];
    const superseded: string[] = [];
    const written: ResourceRef[] = [];
    const warnings: OperationOutcomeIssue[] = [];
    const changedCoverageIds: string[] = [];
    /** Changed resources, written together (one store call) once every write is decided. */
    const updates: { key: string; resource: Resource }[] = [];
    /** New resources, created together at the end with ids chosen now (references to them resolve already). */
    const creates: { key: string; resource: Resource; id: string }[] = [];
    const writeUpdates = async (): Promise<void> => {
      if (updates.length === 0) return;
      const batch = updates.splice(0);
      const updated = await this.store.updateMany(tx, principal, batch.map(({ resource }) => ({ resource })));
      updated.forEach(({ resource }, index) => {
        effects.push(this.versionRef({ resource }));
        if (resource.resourceType === 'Coverage') changedCoverageIds.push(resource.id!);
        resources.set(batch[index].key, resource);
      });
    };

    for (const write of event.writes) {
      const resourceType = write.resource.resourceType;
      const id = found.get(write.key);
      if (!id && CANCELS.has(event.action) && write.key === event.encounter) {
        throw hl7Error({
          ack: 'AE',
          hl7Code: Hl7ErrorCode.unknownKey,
          code: 'not-found',
          expression: 'PV1-19',
          text: `${event.messageType} cancels a visit this receiver does not know`,
        });
      }
      if (id && write.mode === 'create-if-absent') {
        stored.set(write.key, `${resourceType}/${id}`);
        continue;
      }
      let current = currents.get(write.key);
      // Two writes of one message that land on the same resource: the second merges into what the first wrote.
      if (id && updates.some((u) => u.resource.resourceType === resourceType && u.resource.id === id)) {
        await writeUpdates();
        current = await this.store.read(tx, tenantId, resourceType, id);
      }
      const mark = id ? marks.get(`${resourceType}/${id}`) : undefined;
      if (current && mark !== undefined && mark > messageTime) {
        stored.set(write.key, `${resourceType}/${id}`);
        resources.set(write.key, current);
        superseded.push(`${resourceType}/${id}`);
        continue;
      }
      let incoming = resolveReferences(write.resource, stored);
      if (resourceType === 'Patient') incoming = await this.withoutForeignIdentifiers(tx, tenantId, write, incoming as Patient, id, warnings);
      const { resource, changed } = applyWrite(current, { ...write, resource: incoming });
      if (!current) {
        const newId = randomUUID();
        creates.push({ key: write.key, resource, id: newId });
        stored.set(write.key, `${resourceType}/${newId}`);
        continue;
      }
      if (changed) updates.push({ key: write.key, resource: { ...resource, id } });
      stored.set(write.key, `${resourceType}/${id}`);
      resources.set(write.key, current);
      written.push({ resourceType, id: id! });
    }
    await writeUpdates();
    if (creates.length > 0) {
      const created = await this.store.createMany(tx, principal, creates.map(({ resource, id }) => ({ resource, id })));
      created.forEach(({ resource }, index) => {
        const { key } = creates[index];
        effects.push(this.versionRef({ resource }));
        if (resource.resourceType === 'Coverage') changedCoverageIds.push(resource.id!);
        resources.set(key, resource);
        const write = event.writes.find((w) => w.key === key);
        if (write?.mode === 'merge') written.push({ resourceType: resource.resourceType, id: resource.id! });
      });
    }

    const merges: { survivorId: string; replacedId?: string }[] = [];
    for (const merge of event.merges) {
      const survivorRef = stored.get(merge.survivor);
      if (!survivorRef) continue;
      merges.push(await this.merge(tx, principal, survivorRef, merge.replaced, effects));
    }

    const patientRef = event.patient ? stored.get(event.patient) : undefined;
    const encounterRef = event.encounter ? stored.get(event.encounter) : undefined;
    return {
      patientId: patientRef?.split('/')[1],
      encounterId: encounterRef?.split('/')[1],
      ...(event.patient && merges.length === 0 && { patient: resources.get(event.patient) as Patient | undefined }),
      encounter: event.encounter ? (resources.get(event.encounter) as Encounter | undefined) : undefined,
      encounterSuperseded: encounterRef !== undefined && superseded.includes(encounterRef),
      changedCoverageIds,
      merges,
      effects,
      superseded,
      warnings,
      written,
    };
  }

  /** The stored resource a write describes: the first of its identifiers that finds one. */
  private async find(tx: EntityManager, tenantId: string, write: ResourceWrite): Promise<string | undefined> {
    const resourceType = write.resource.resourceType;
    if (!UNIQUE_IDENTIFIER_TYPES.has(resourceType)) return (await this.findCurrent(tx, tenantId, write))?.id;
    for (const identifier of write.match) {
      if (!identifier.system || !identifier.value) continue;
      const id = await this.store.findOne(tx, tenantId, resourceType, {
        identifier: [`${tokenPart(identifier.system)}|${tokenPart(identifier.value)}`],
      });
      if (id) return id;
    }
    return undefined;
  }

  /**
   * The stored resource a merge write describes, with its content. A type whose identifiers the
   * store keeps unique (Patient) is found in that index (`find`, a cheap statement even when
   * nothing is found, the usual case of an admission), then read. Any other type: the first of
   * its identifiers that finds one, by a prepared lookup from the token index that returns the
   * match itself (no read after it); an identifier that matches several is a 412, as for a
   * conditional update.
   */
  private async findCurrent(tx: EntityManager, tenantId: string, write: ResourceWrite): Promise<Resource | undefined> {
    const resourceType = write.resource.resourceType;
    if (UNIQUE_IDENTIFIER_TYPES.has(resourceType)) {
      const id = await this.find(tx, tenantId, write);
      return id ? this.store.read(tx, tenantId, resourceType, id) : undefined;
    }
    for (const identifier of write.match) {
      if (!identifier.system || !identifier.value) continue;
      const matches = await this.reads.byIdentifier(tx, tenantId, resourceType, { system: identifier.system, value: identifier.value }, 2);
      if (matches.length > 1) throw new OperationOutcomeError(preconditionFailedOutcome(`The condition matches more than one ${resourceType}`));
      if (matches.length === 1) return matches[0];
    }
    return undefined;
  }

  /**
   * A patient identifier that is not one the patient is found by (an SSN, a licence) and that
   * another patient already holds is not written to this one: identifiers are unique per
   * tenant, and shared or reused numbers are common in real feeds. The sender gets a warning.
   */
  private async withoutForeignIdentifiers(
    tx: EntityManager,
    tenantId: string,
    write: ResourceWrite,
    patient: Patient,
    ownId: string | undefined,
    warnings: OperationOutcomeIssue[],
  ): Promise<Patient> {
    const matched = new Set(write.match.map((i) => identityKey('Patient', i)));
    const kept: Identifier[] = [];
    for (const identifier of patient.identifier ?? []) {
      if (identifier.system && identifier.value && identifier.use !== 'old' && !matched.has(identityKey('Patient', identifier))) {
        const holder = await this.store.findOne(tx, tenantId, 'Patient', {
          identifier: [`${tokenPart(identifier.system)}|${tokenPart(identifier.value)}`],
        });
        if (holder && holder !== ownId) {
          warnings.push(hl7Warning('A PID-3 identifier already belongs to another patient: not stored on this one', 'PID-3'));
          continue;
        }
      }
      kept.push(identifier);
    }
    return kept.length === (patient.identifier ?? []).length ? patient : { ...patient, identifier: kept };
  }

  private async merge(
    tx: EntityManager,
    principal: Principal,
    survivorRef: string,
    replacedIdentifiers: readonly Identifier[],
    effects: string[],
  ): Promise<{ survivorId: string; replacedId?: string }> {
    const tenantId = principal.tenantId;
    const survivorId = survivorRef.split('/')[1];
    let replacedId: string | undefined;
    for (const identifier of replacedIdentifiers) {
      const write = { match: [identifier], resource: { resourceType: 'Patient' } } as unknown as ResourceWrite;
      const id = await this.find(tx, tenantId, write);
      if (id && id !== survivorId) {
        replacedId = id;
        break;
      }
    }
    if (replacedId) {
      const replaced = (await this.store.read(tx, tenantId, 'Patient', replacedId)) as Patient;
      const retired = retireMergedPatient(replaced, survivorRef);
      if (!sameJson(retired, replaced)) effects.push(this.versionRef(await this.store.update(tx, principal, retired)));
      await this.moveReferences(tx, principal, `Patient/${replacedId}`, survivorRef, effects);
    }
    const survivor = (await this.store.read(tx, tenantId, 'Patient', survivorId)) as Patient;
    const absorbed = absorbMergedPatient(survivor, replacedId && `Patient/${replacedId}`, replacedIdentifiers);
    if (!sameJson(absorbed, survivor)) effects.push(this.versionRef(await this.store.update(tx, principal, absorbed)));
    return { survivorId, ...(replacedId && { replacedId }) };
  }

  /** Every stored resource that points at `from` (a patient being merged away) points at `to` instead. */
  private async moveReferences(tx: EntityManager, principal: Principal, from: string, to: string, effects: string[]): Promise<void> {
    const seen = new Set<string>();
    for (const [resourceType, param] of PATIENT_REFERENCES) {
      const ids = await this.search.findIds(tx, principal.tenantId, resourceType, { [param]: [from] }, MAX_MOVED_PER_TYPE);
      for (const id of ids) {
        if (seen.has(`${resourceType}/${id}`)) continue;
        seen.add(`${resourceType}/${id}`);
        const current = await this.store.read(tx, principal.tenantId, resourceType, id);
        const moved = retargetReferences(current, from, to);
        if (moved.changed) effects.push(this.versionRef(await this.store.update(tx, principal, moved.resource)));
      }
    }
  }

  private versionRef(stored: { resource: Resource }): string {
    return `${stored.resource.resourceType}/${stored.resource.id}/_history/${stored.resource.meta?.versionId}`;
  }
}
