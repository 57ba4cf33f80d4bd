import { issueToken } from '../harness/auth';
import { bootTestApp, TestApp } from '../harness/test-app';
import { codes, graphql } from './support/graphql-client';

const INTROSPECTION = '{ __schema { queryType { name } } }';
const TYPO = '{ worklist { edges { node { stauts } } } }';

/** Limits and production behaviour of the GraphQL door. */
describe('GraphQL hardening', () => {
  describe.each([
    ['development', {}],
    ['production', { NODE_ENV: 'production' }],
  ] as const)('in %s mode', (mode, env) => {
    const production = mode === 'production';
    let service: TestApp;
    let token: string;

    beforeAll(async () => {
      service = await bootTestApp(env);
      token = (await issueToken(service, { scopes: ['system/*.*'] })).accessToken;
    });
    afterAll(() => service?.close());

    it(`${production ? 'refuses' : 'answers'} introspection`, async () => {
      const response = await graphql<{ __schema: { queryType: { name: string } } }>(service, token, INTROSPECTION);
      if (production) {
        expect(codes(response).length).toBeGreaterThan(0);
        expect(new Set(codes(response))).toEqual(new Set(['BAD_USER_INPUT']));
        expect(response.errors?.[0].message).toMatch(/introspection/i);
        expect(response.data).toBeNull();
      } else {
        expect(response.data?.__schema.queryType.name).toBe('Query');
      }
    });

    it(`${production ? 'does not suggest' : 'suggests'} field names`, async () => {
      const response = await graphql(service, token, TYPO);
      expect(response.status).toBe(400);
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors?.[0].message).toContain('Cannot query field "stauts" on type "Task".');
      expect(response.errors?.[0].message.includes('Did you mean')).toBe(!production);
    });

    it(`${production ? 'hides' : 'shows'} what went wrong inside, always with an error id and no stack or SQL`, async () => {
      await service.sql('ALTER TABLE fhir_task_worklist RENAME TO fhir_task_worklist_away');
      try {
        const response = await graphql(service, token, '{ worklist { edges { node { id } } } }');
        expect(codes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
        const error = response.errors![0];
        expect(error.extensions?.errorId).toMatch(/^[0-9a-f-]{36}$/);
        expect(error.message).toContain(String(error.extensions?.errorId));
        expect(JSON.stringify(response)).not.toMatch(/\bat .*\.(js|ts):\d+/);
        if (production) expect(JSON.stringify(response)).not.toMatch(/fhir_task_worklist|relation|SELECT/i);
        else expect(error.message).toContain('fhir_task_worklist');
      } finally {
        await service.sql('ALTER TABLE fhir_task_worklist_away RENAME TO fhir_task_worklist');
      }
      // The failed read rolled back its transaction; the next request is served.
      expect((await graphql(service, token, '{ worklist { edges { node { id } } } }')).errors).toBeUndefined();
    });

    it('refuses a query nested deeper than the depth limit', async () => {
      let nested = 'id';
      for (let i = 0; i < 5; i++) nested = `patient { openTasks { ${nested} } }`;
      const response = await graphql(service, token, `{ task(id: "x") { ${nested} } }`);
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    });

    it('refuses a query that would fan out beyond the cost limit, before running it', async () => {
      const query = `{ worklist(first: 100) { edges { node {
        patient { openTasks { id dueDate overdue notes { text } patient { name encounters { id status class { code } type { text } } } } }
      } } } }`;
      const response = await graphql(service, token, query);
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors?.[0].message).toMatch(/too costly/);
    });

    it('refuses a request body over the size limit (413)', async () => {
      const padding = ' '.repeat(70 * 1024);
      const response = await fetch(`${service.baseUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: `{ worklist { edges { cursor } } }${padding}` }),
      });
      expect(response.status).toBe(413);
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    });

    it('does not run mutations over GET', async () => {
      const url = `${service.baseUrl}/graphql?query=${encodeURIComponent('mutation { assignTask(id: "x", owner: "Practitioner/1") { id } }')}`;
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(405);
    });

    it(`${production ? 'has no' : 'serves'} GraphiQL`, async () => {
      const response = await fetch(`${service.baseUrl}/graphiql`);
      expect(response.status).toBe(production ? 404 : 200);
    });
  });
});
