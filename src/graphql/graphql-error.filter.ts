import { ArgumentsHost, Catch, Inject } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import type { GraphQLError } from 'graphql';
import { LIAISON_CONFIG, LiaisonConfig } from '../platform/config/config';
import { toGraphqlError } from './graphql-error.mapper';

/**
 * Every error a resolver (or the guard before it) raises becomes a GraphQLError carrying
 * `extensions.code` right there, so it keeps its code on every path: HTTP responses, and
 * WebSocket subscriptions, whose start errors Mercurius sends without the error formatter.
 */
@Catch()
export class GraphqlErrorFilter implements GqlExceptionFilter {
  constructor(@Inject(LIAISON_CONFIG) private readonly config: LiaisonConfig) {}

  catch(exception: unknown, _host: ArgumentsHost): GraphQLError {
    return toGraphqlError(exception, this.config.production);
  }
}
