import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { Clock } from './platform/clock/clock';
import type { LiaisonConfig } from './platform/config/config';
import { installRequestIds } from './platform/logging/request-id';

/** Largest request body accepted on HTTP (a FHIR transaction Bundle of a few thousand entries). */
const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * Builds the Nest application on Fastify against an already-running database. Used by
 * `main.ts`, the test harness and the benchmark, so all three run the same service.
 */
export async function createLiaisonApp(
  config: LiaisonConfig,
  databaseUrl: string,
  options: { clock?: Clock } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: false,
    routerOptions: { ignoreTrailingSlash: true },
  });
  installRequestIds(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, databaseUrl, options.clock), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  return app;
}
