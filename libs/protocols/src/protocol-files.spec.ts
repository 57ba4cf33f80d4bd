import { TASK_CODE_SYSTEM } from '@liaison/task-workflow';
import { protocolProblems, readProtocol } from './protocol-definition';
import { PROTOCOL_FILES, TASK_CODE_SYSTEM_FILE, validationErrors } from './testing/fixtures';

const definedCodes = new Set((TASK_CODE_SYSTEM_FILE.concept ?? []).map((concept) => concept.code));

describe.each(Object.entries(PROTOCOL_FILES))('%s', (file, planDefinition) => {
  it('is valid R4', () => {
    expect(validationErrors(planDefinition)).toEqual([]);
  });

  it('is a usable protocol', () => {
    expect(protocolProblems(planDefinition)).toEqual([]);
  });

  it('is named for its id, under our canonical base, active', () => {
    expect(file).toBe(`PlanDefinition-${planDefinition.id}.json`);
    expect(planDefinition.url).toBe(`http://liaison.health/fhir/PlanDefinition/${planDefinition.id}`);
    expect(planDefinition.status).toBe('active');
    expect(planDefinition.name).toMatch(/^[A-Z][A-Za-z0-9_]{0,254}$/);
  });

  it('uses only codes of the task-code CodeSystem, with its displays', () => {
    expect(TASK_CODE_SYSTEM_FILE.url).toBe(TASK_CODE_SYSTEM);
    for (const action of readProtocol(planDefinition)) {
      for (const code of action.taskCodes) expect(definedCodes).toContain(code);
    }
    const codings = JSON.stringify(planDefinition).match(/"system":"http:\/\/liaison\.health\/fhir\/CodeSystem\/task-code","code":"[a-z-]+"/g) ?? [];
    for (const coding of codings) expect(definedCodes).toContain(coding.split('"code":"')[1].slice(0, -1));
  });

  it('gives every action a due time and a trigger', () => {
    for (const action of readProtocol(planDefinition)) {
      expect(action.triggers.length).toBeGreaterThan(0);
      if (action.type === 'create') expect(action.due).toBeDefined();
    }
  });
});

it('action ids and URLs are unique across the shipped protocols', () => {
  const keys = Object.values(PROTOCOL_FILES).flatMap((pd) => readProtocol(pd).map((action) => `${action.url}#${action.id}`));
  expect(new Set(keys).size).toBe(keys.length);
  const urls = Object.values(PROTOCOL_FILES).map((pd) => pd.url);
  expect(new Set(urls).size).toBe(urls.length);
});

describe('the validator these specs rely on is live', () => {
  it('refuses a Task that breaks our Task profile, and a broken PlanDefinition', () => {
    const task = {
      resourceType: 'Task' as const,
      meta: { profile: ['http://liaison.health/fhir/StructureDefinition/liaison-task'] },
      status: 'ready' as const,
      intent: 'order' as const,
      code: { coding: [{ system: TASK_CODE_SYSTEM, code: 'post-discharge-contact' }] },
      for: { reference: 'Patient/p1' },
    };
    expect(validationErrors(task)).not.toEqual([]);
    expect(validationErrors({ ...task, restriction: { period: { end: '2026-12-01T23:59:59.999-05:00' } } })).toEqual([]);
    const broken = { ...PROTOCOL_FILES['PlanDefinition-admission.json'], status: 'finished' } as never;
    expect(validationErrors(broken)).not.toEqual([]);
  });
});
