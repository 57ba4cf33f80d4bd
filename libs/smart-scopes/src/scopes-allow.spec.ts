import type { Interaction } from './scope';
import { matchingScopes, scopesAllow } from './scopes-allow';

describe('scopesAllow', () => {
  it.each<[string[], string, Interaction, boolean]>([
    [['system/*.*'], 'Task', 'c', true],
    [['system/*.*'], 'Patient', 'd', true],
    [['system/*.cruds'], 'Task', 's', true],
    [['system/*.rs'], 'Task', 'r', true],
    [['system/*.rs'], 'Task', 's', true],
    [['system/*.rs'], 'Task', 'c', false],
    [['system/*.rs'], 'Task', 'u', false],
    [['system/*.rs'], 'Task', 'd', false],
    [['system/Task.cruds'], 'Task', 'u', true],
    [['system/Task.cruds'], 'CarePlan', 'r', false],
    [['system/Task.read'], 'Task', 'r', true],
    [['system/Task.read'], 'Task', 's', true],
    [['system/Task.read'], 'Task', 'u', false],
    [['system/Task.write'], 'Task', 'c', true],
    [['system/Task.write'], 'Task', 'u', true],
    [['system/Task.write'], 'Task', 'd', true],
    [['system/Task.write'], 'Task', 'r', false],
    [['system/Task.r', 'system/Task.s'], 'Task', 's', true],
    [['system/Patient.rs', 'system/Task.u'], 'Task', 'u', true],
    [['system/Patient.rs', 'system/Task.u'], 'Task', 'r', false],
    [[], 'Task', 'r', false],
    [['not-a-scope', 'openid'], 'Task', 'r', false],
    // granular scopes grant part of a type only
    [['system/Observation.rs?category=laboratory'], 'Observation', 'r', false],
    [['system/Observation.rs?category=laboratory', 'system/Observation.r'], 'Observation', 'r', true],
    // user/patient scopes need a launch context a backend-services token does not have
    [['user/*.cruds'], 'Task', 'r', false],
    [['patient/Task.rs'], 'Task', 'r', false],
    // resource types are case-sensitive
    [['system/Task.rs'], 'task', 'r', false],
  ])('%j allows %s.%s: %s', (scopes, type, interaction, expected) => {
    expect(scopesAllow(scopes, type, interaction)).toBe(expected);
  });

  it('counts user scopes when the caller says so', () => {
    expect(scopesAllow(['user/Task.rs'], 'Task', 'r', { contexts: ['system', 'user'] })).toBe(true);
    expect(scopesAllow(['patient/Task.rs'], 'Task', 'r', { contexts: ['system', 'user'] })).toBe(false);
  });
});

describe('matchingScopes', () => {
  it('returns granular scopes with their restrictions', () => {
    const found = matchingScopes(
      ['system/Observation.rs?category=laboratory', 'system/Patient.rs', 'system/Observation.c'],
      'Observation',
      's',
    );
    expect(found).toEqual([
      {
        context: 'system',
        resourceType: 'Observation',
        interactions: ['r', 's'],
        syntax: 'v2',
        parameters: [{ name: 'category', value: 'laboratory' }],
      },
    ]);
  });
});
