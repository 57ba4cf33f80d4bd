import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Public } from '../auth/public.decorator';
import { MllpServer } from '../ingest';
import { migrationsUpToDate } from '../platform/database/migrate';

@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @InjectDataSource() private readonly db: DataSource,
    private readonly mllp: MllpServer,
  ) {}

  /** The process is up and serving HTTP. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready for traffic: the database answers, every shipped migration is applied, and MLLP listens (when enabled). */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.database.pingCheck('database', { connection: this.db, timeout: 2000 }),
      async () => {
        const indicator = this.indicators.check('migrations');
        return (await migrationsUpToDate(this.db)) ? indicator.up() : indicator.down({ reason: 'pending migrations' });
      },
      () => {
        const indicator = this.indicators.check('mllp');
        const mllp = this.mllp.readiness();
        if (!mllp.enabled) return indicator.up({ enabled: false });
        return mllp.listening ? indicator.up({ enabled: true, listening: true, port: mllp.port }) : indicator.down({ enabled: true, listening: false, reason: 'MLLP not listening' });
      },
    ]);
  }
}
