import { applyPatch, badRequest, deepClone, Operation, OperationOutcomeError } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { conflictOutcome } from './outcomes';

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Checks the shape of a JSON Patch document (RFC 6902) before any of it is applied. */
export function parseJsonPatch(body: unknown): Operation[] {
  if (!Array.isArray(body)) {
    throw new OperationOutcomeError(badRequest('A JSON Patch body must be an array of operations'));
  }
  body.forEach((op: unknown, index) => {
    const candidate = op as Record<string, unknown> | null;
    const where = `Patch[${index}]`;
    if (!candidate || typeof candidate !== 'object' || Array.isArray(candidate)) {
      throw new OperationOutcomeError(badRequest(`${where} is not an object`, where));
    }
    if (typeof candidate.op !== 'string' || !OPS.has(candidate.op)) {
      throw new OperationOutcomeError(badRequest(`${where}.op must be one of ${[...OPS].join(', ')}`, `${where}.op`));
    }
    if (typeof candidate.path !== 'string' || (candidate.path !== '' && !candidate.path.startsWith('/'))) {
      throw new OperationOutcomeError(badRequest(`${where}.path must be a JSON Pointer`, `${where}.path`));
    }
    if ((candidate.op === 'move' || candidate.op === 'copy') && typeof candidate.from !== 'string') {
      throw new OperationOutcomeError(badRequest(`${where}.from must be a JSON Pointer`, `${where}.from`));
    }
    if ((candidate.op === 'add' || candidate.op === 'replace' || candidate.op === 'test') && !('value' in candidate)) {
      throw new OperationOutcomeError(badRequest(`${where}.value is required for ${candidate.op}`, `${where}.value`));
    }
  });
  return body as Operation[];
}

/**
 * Applies a JSON Patch to a copy of `current`, all or nothing: a failed `test` is a 409, a
 * path that does not exist a 400. The patch may not change the resource's type or id.
 */
export function applyJsonPatch<T extends Resource>(current: T, operations: readonly Operation[]): T {
  const target = deepClone(current);
  const results = applyPatch(target, [...operations]);
  results.forEach((error, index) => {
    if (!error) return;
    if (error.name === 'TestError') {
      throw new OperationOutcomeError(conflictOutcome(`JSON Patch test failed at operation ${index}: ${error.message}`, `Patch[${index}]`));
    }
    throw new OperationOutcomeError(badRequest(`JSON Patch operation ${index} failed: ${error.message}`, `Patch[${index}]`));
  });
  if (!target || typeof target !== 'object' || Array.isArray(target)) {
    throw new OperationOutcomeError(badRequest('The patched document is not a resource'));
  }
  if (target.resourceType !== current.resourceType) {
    throw new OperationOutcomeError(badRequest('A patch may not change resourceType', `${current.resourceType}.resourceType`));
  }
  if (target.id !== current.id) {
    throw new OperationOutcomeError(badRequest('A patch may not change id', `${current.resourceType}.id`));
  }
  return target;
}
