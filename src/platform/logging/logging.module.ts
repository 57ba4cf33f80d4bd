import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { LiaisonConfig } from '../config/config';
import { requestIdOf } from './request-id';

/**
 * Structured JSON logs with a request id. Requests are logged by method, path (no query
 * string: search parameters can carry identifiers) and status; never bodies or headers.
 */
@Module({})
export class LoggingModule {
  static forConfig(config: LiaisonConfig): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            genReqId: requestIdOf,
            quietReqLogger: true,
            customLogLevel: (_req, res, error) =>
              error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({
                id: req.id,
                method: req.method,
                path: req.url.split('?')[0],
              }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
            autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health/') },
          },
        }),
      ],
    };
  }
}
