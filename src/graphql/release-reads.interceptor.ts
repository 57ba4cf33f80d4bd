import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { from, Observable, switchMap } from 'rxjs';
import { CoordinationReadsService } from './coordination-reads.service';

/**
 * On mutations: the request's read transaction (if a previous mutation's result opened one)
 * gives its connection back before this mutation takes one to write (see ReadSession.release).
 */
@Injectable()
export class ReleaseReadsInterceptor implements NestInterceptor {
  constructor(private readonly reads: CoordinationReadsService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const graphqlContext = GqlExecutionContext.create(context).getContext<object>();
    return from(this.reads.releaseReads(graphqlContext)).pipe(switchMap(() => next.handle()));
  }
}
