import { Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/** The part of a resolver's `info` that says what the query asks for below the resolved field. */
export interface FieldSelection {
  readonly fieldNodes: readonly FieldNode[];
  readonly fragments: Readonly<Record<string, FragmentDefinitionNode>>;
}

/**
 * Whether the query asks for `path` (field names, from below the resolved field), through
 * fragments and inline fragments, whatever the aliases. `@skip`/`@include` are not evaluated:
 * a field under one counts as asked for (for read-ahead, reading a little too much is safe).
 */
export function selectsPath(selection: FieldSelection, path: readonly string[]): boolean {
  let sets: SelectionSetNode[] = selection.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const name of path) {
    const next: SelectionSetNode[] = [];
    let found = false;
    const visit = (set: SelectionSetNode): void => {
      for (const node of set.selections) {
        if (node.kind === Kind.FIELD) {
          if (node.name.value !== name) continue;
          found = true;
          if (node.selectionSet) next.push(node.selectionSet);
        } else if (node.kind === Kind.INLINE_FRAGMENT) visit(node.selectionSet);
        else {
          const fragment = selection.fragments[node.name.value];
          if (fragment) visit(fragment.selectionSet);
        }
      }
    };
    sets.forEach(visit);
    if (!found) return false;
    sets = next;
  }
  return true;
}
