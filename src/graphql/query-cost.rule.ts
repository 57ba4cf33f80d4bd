import {
  FieldNode,
  getNamedType,
  GraphQLError,
  GraphQLObjectType,
  GraphQLOutputType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
  ValidationContext,
  ValidationRule,
} from 'graphql';

/** What a list without a `first` argument is assumed to hold. */
const ASSUMED_LIST_SIZE = 5;

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/** `first: 20` as written; a variable counts as the most it may be. */
function firstOf(field: FieldNode, maxFirst: number): number | undefined {
  const arg = field.arguments?.find((a) => a.name.value === 'first');
  if (!arg) return undefined;
  if (arg.value.kind === Kind.INT) return Math.max(1, Number(arg.value.value));
  return maxFirst;
}

/**
 * A cost limit: every field selected costs 1, multiplied by how many times it may be resolved
 * (a connection's `first`, or an assumed size for other lists), so a query that would fan out
 * into thousands of loads is refused before it runs (BAD_USER_INPUT), whatever its depth.
 */
export function queryCostRule(maxCost: number, maxFirst: number): ValidationRule {
  return (context: ValidationContext) => {
    const costOf = (selectionSet: SelectionSetNode, parent: GraphQLObjectType, multiplier: number, seen: ReadonlySet<string>): number => {
      let cost = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          const definition = parent.getFields()[selection.name.value];
          cost += multiplier;
          if (!definition || !selection.selectionSet) continue;
          const child = getNamedType(definition.type);
          const first = firstOf(selection, maxFirst);
          // Lists of a connection are sized by the connection's `first`.
          const listSize = isList(definition.type) && !parent.name.endsWith('Connection') ? ASSUMED_LIST_SIZE : 1;
          if (isObjectType(child)) cost += costOf(selection.selectionSet, child, multiplier * (first ?? listSize), seen);
          else cost += multiplier * (first ?? listSize) * selection.selectionSet.selections.length;
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const typeName = selection.typeCondition?.name.value;
          const type = typeName ? context.getSchema().getType(typeName) : parent;
          if (isObjectType(type)) cost += costOf(selection.selectionSet, type, multiplier, seen);
        } else {
          const name = selection.name.value;
          const fragment = context.getFragment(name);
          if (!fragment || seen.has(name)) continue;
          const type = context.getSchema().getType(fragment.typeCondition.name.value);
          if (isObjectType(type)) cost += costOf(fragment.selectionSet, type, multiplier, new Set([...seen, name]));
        }
      }
      return cost;
    };
    return {
      OperationDefinition(node: OperationDefinitionNode) {
        const schema = context.getSchema();
        const root = node.operation === 'query' ? schema.getQueryType() : node.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
        if (!root) return;
        const cost = costOf(node.selectionSet, root, 1, new Set());
        if (cost > maxCost) {
          context.reportError(new GraphQLError(`The query is too costly (${cost} > ${maxCost}): ask for fewer items or fields`, { nodes: [node] }));
        }
      },
    };
  };
}
