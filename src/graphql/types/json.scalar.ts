import { GraphQLScalarType, Kind, ValueNode } from 'graphql';

function literal(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((field) => [field.name.value, literal(field.value)]));
    case Kind.LIST:
      return node.values.map(literal);
    default:
      return null;
  }
}

/** Any JSON value; used for `fhir`, the resource itself as stored (with `meta.versionId`). */
export const JsonScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'A JSON value: on `fhir` fields, the FHIR R4 resource as stored.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: literal,
});
