import { AccessDecision, AccessRequirement, decideAccess } from './access-decision';

const open: AccessRequirement = { isPublic: true, scopes: [] };
const anyClient: AccessRequirement = { isPublic: false, scopes: [] };
const readTask: AccessRequirement = { isPublic: false, scopes: [{ resourceType: 'Task', interaction: 'r' }] };
const readAndUpdateTask: AccessRequirement = {
  isPublic: false,
  scopes: [
    { resourceType: 'Task', interaction: 'r' },
    { resourceType: 'Task', interaction: 'u' },
  ],
};

describe('decideAccess', () => {
  it.each<[string, AccessRequirement, string[] | undefined, AccessDecision]>([
    ['public, no token', open, undefined, 'allow'],
    ['public, token without scopes', open, [], 'allow'],
    ['authenticated route, no token', anyClient, undefined, 'unauthenticated'],
    ['authenticated route, token with no scopes', anyClient, [], 'allow'],
    ['authenticated route, any token', anyClient, ['system/Patient.r'], 'allow'],
    ['scoped route, no token', readTask, undefined, 'unauthenticated'],
    ['scoped route, scope granted', readTask, ['system/Task.rs'], 'allow'],
    ['scoped route, wildcard granted', readTask, ['system/*.*'], 'allow'],
    ['scoped route, v1 read granted', readTask, ['system/Task.read'], 'allow'],
    ['scoped route, other type', readTask, ['system/Patient.cruds'], 'forbidden'],
    ['scoped route, other interaction', readTask, ['system/Task.cud'], 'forbidden'],
    ['scoped route, only granular', readTask, ['system/Task.rs?status=ready'], 'forbidden'],
    ['scoped route, no scopes', readTask, [], 'forbidden'],
    ['two requirements, both granted', readAndUpdateTask, ['system/Task.r', 'system/Task.u'], 'allow'],
    ['two requirements, one granted', readAndUpdateTask, ['system/Task.rs'], 'forbidden'],
  ])('%s → %s', (_case, requirement, scopes, expected) => {
    expect(decideAccess(requirement, scopes)).toBe(expected);
  });
});
