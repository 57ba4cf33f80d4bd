import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { buildSchema, GraphQLEnumType, GraphQLObjectType, lexicographicSortSchema, printSchema } from 'graphql';
import { bootTestApp, TestApp } from '../harness/test-app';

const SCHEMA_FILE = join(__dirname, '..', '..', 'schema.graphql');
const HEADER = '# The GraphQL API of Liaison (POST /graphql, WebSocket /graphql), generated from the code-first\n' +
  '# schema in src/graphql. Do not edit: `npm run graphql:schema` rewrites it.\n\n';

/**
 * `schema.graphql` at the repository root is the committed contract apps build against: it must
 * be what the service serves. `UPDATE_GRAPHQL_SCHEMA=1` (npm run graphql:schema) rewrites it.
 */
describe('schema.graphql', () => {
  let service: TestApp;
  beforeAll(async () => {
    service = await bootTestApp();
  });
  afterAll(() => service?.close());

  it('is the schema the service serves', async () => {
    const served = HEADER + printSchema(lexicographicSortSchema(service.app.get(GraphQLSchemaHost).schema)) + '\n';
    if (process.env.UPDATE_GRAPHQL_SCHEMA === '1') await writeFile(SCHEMA_FILE, served);
    const committed = await readFile(SCHEMA_FILE, 'utf8').catch(() => '');
    expect(committed).toBe(served);
  });

  it('has the contract minimum of DESIGN.md', async () => {
    const schema = buildSchema(await readFile(SCHEMA_FILE, 'utf8'));
    const field = (type: GraphQLObjectType | null | undefined, name: string): string => {
      const f = type?.getFields()[name];
      return f ? `${name}(${f.args.map((a) => `${a.name}: ${String(a.type)}`).sort().join(', ')}): ${String(f.type)}` : `${name}: missing`;
    };
    expect(field(schema.getQueryType(), 'worklist')).toBe(
      'worklist(after: String, filter: WorklistFilter, first: Int!, orderBy: WorklistOrder!): TaskConnection!',
    );
    expect(field(schema.getQueryType(), 'task')).toBe('task(id: ID!): Task');
    expect(field(schema.getQueryType(), 'carePlan')).toBe('carePlan(id: ID!): CarePlan');
    expect(field(schema.getQueryType(), 'patient')).toBe('patient(id: ID!): Patient');
    expect(field(schema.getMutationType(), 'transitionTask')).toBe(
      'transitionTask(expectedVersion: Int, id: ID!, reason: String, status: TaskStatus!): Task!',
    );
    expect(field(schema.getMutationType(), 'assignTask')).toBe('assignTask(expectedVersion: Int, id: ID!, owner: String!): Task!');
    expect(field(schema.getSubscriptionType(), 'carePlanEvents')).toBe('carePlanEvents(patientId: ID): CarePlanEvent!');
    const statuses = (schema.getType('TaskStatus') as GraphQLEnumType).getValues().map((v) => v.name);
    expect(statuses).toEqual(expect.arrayContaining(['IN_PROGRESS', 'ON_HOLD', 'ENTERED_IN_ERROR', 'REQUESTED', 'COMPLETED']));
  });
});
