import { buildSchema, parse, validate } from 'graphql';
import { queryCostRule } from './query-cost.rule';

const schema = buildSchema(`
  type Query { worklist(first: Int): TaskConnection!, task(id: ID!): Task }
  type TaskConnection { edges: [TaskEdge!]!, totalCount: Int! }
  type TaskEdge { node: Task! }
  type Task { id: ID!, status: String!, patient: Patient, notes: [Note!]! }
  type Patient { id: ID!, name: String, openTasks: [Task!]! }
  type Note { text: String! }
`);

function errorsOf(query: string, maxCost: number): string[] {
  return validate(schema, parse(query), [queryCostRule(maxCost, 100)]).map((e) => e.message);
}

describe('queryCostRule', () => {
  it.each<[string, string, number]>([
    ['a single Task', '{ task(id: "1") { id status } }', 3],
    ['a page of 20: every field inside it times 20', '{ worklist(first: 20) { totalCount edges { node { id status } } } }', 1 + 20 * 5],
    ['a variable page size counts as the largest', 'query($n: Int) { worklist(first: $n) { edges { node { id } } } }', 1 + 100 * 3],
    ['a list without first counts as 5', '{ task(id: "1") { notes { text } } }', 1 + 1 + 5],
    ['lists nest', '{ task(id: "1") { patient { openTasks { notes { text } } } } }', 1 + 1 + 1 + 5 + 25],
    ['fragments count like fields', '{ task(id: "1") { ...f } } fragment f on Task { id status }', 3],
  ])('%s', (_case, query, cost) => {
    expect(errorsOf(query, cost)).toEqual([]);
    expect(errorsOf(query, cost - 1)).toEqual([expect.stringContaining(`too costly (${cost} > ${cost - 1})`)]);
  });
});
