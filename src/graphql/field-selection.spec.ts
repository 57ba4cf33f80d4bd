import { Kind, parse, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { FieldSelection, selectsPath } from './field-selection';

/** The selection of the query's first root field, as a resolver of that field sees it. */
function selectionOf(query: string): FieldSelection {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  return { fieldNodes: [operation.selectionSet.selections[0] as FieldNode], fragments };
}

describe('selectsPath', () => {
  const cases: [string, string, string[], boolean][] = [
    ['a direct field', '{ worklist { edges { node { id patient { name } } } } }', ['edges', 'node', 'patient'], true],
    ['a field not asked for', '{ worklist { edges { node { id } } } }', ['edges', 'node', 'patient'], false],
    ['a leaf path', '{ worklist { edges { node { id patient { name } } } } }', ['edges', 'node', 'id'], true],
    ['the same name at another depth', '{ worklist { patient { id } edges { node { id } } } }', ['edges', 'node', 'patient'], false],
    ['an alias (the field name counts)', '{ worklist { e: edges { n: node { p: patient { name } } } } }', ['edges', 'node', 'patient'], true],
    ['through an inline fragment', '{ worklist { edges { node { ... on Task { coverage { status } } } } } }', ['edges', 'node', 'coverage'], true],
    [
      'through a named fragment',
      'query { worklist { edges { node { ...T } } } } fragment T on Task { coverage { status } }',
      ['edges', 'node', 'coverage'],
      true,
    ],
    [
      'through nested fragments',
      'query { worklist { ...C } } fragment C on TaskConnection { edges { ...E } } fragment E on TaskEdge { node { patient { id } } }',
      ['edges', 'node', 'patient'],
      true,
    ],
    ['under @skip (counted)', '{ worklist { edges { node { patient @skip(if: true) { id } } } } }', ['edges', 'node', 'patient'], true],
    ['the empty path', '{ worklist { totalCount } }', [], true],
  ];

  it.each(cases)('%s', (_name, query, path, expected) => {
    expect(selectsPath(selectionOf(query), path)).toBe(expected);
  });
});
