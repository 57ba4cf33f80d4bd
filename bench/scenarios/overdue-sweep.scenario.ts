import { ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLiaisonApp } from '../../src/app.factory';
import { TaskSweepJob } from '../../src/coordination';
import { loadConfig } from '../../src/platform/config/config';
import type { BenchContext, BenchScenario } from '../scenario';
import { LatencyRecorder, LoadResult } from '../latency-stats';
import { runLoopLoad } from '../loop.load';
import { arrangeDischarges, dischargeMllp, mllpDischargeWorker } from './discharge-mllp.scenario';

/**
 * The overdue sweep over a large store, and whether it holds writers back (issue 5).
 *
 * Set-up: `BENCH_SWEEP_TASKS` (default 1,000,000) open Tasks in CarePlans of 4 are written
 * straight into the store's tables with SQL (as the store lays them out), each with its row in
 * the coordination schedule; `BENCH_SWEEP_DUE` of them (default 50,000) are overdue, the rest
 * due next year. The schedule index makes the sweep read only the due ones (it lists the overdue
 * ones as due only once the measurement without a sweep is done).
 *
 * 64 discharges are then sent and the database analysed (as `discharge-mllp` arranges its own:
 * the seed fills only the resource table, and without statistics of the search index tables a
 * discharge's searches walk whole tables). Then, in the same conditions, discharges over MLLP
 * (as `discharge-mllp`, 16 connections) are
 * measured for `BENCH_SWEEP_COMPARE_SECONDS` (default 10) each, and the ratios printed:
 * 1. without a sweep (nothing is due for the schedule yet);
 * 2. one instance: the overdue Tasks are made due and the service's own schedule (every 60 s,
 *    batches of 50, a quarter of the time) sweeps them while it takes the discharges (target >= 0.8x of 1.);
 * 3. two instances (the table's figure): a second service instance (a child process booting the
 *    same application on the same database, as a second replica would) sweeps as well, at
 *    `BENCH_SWEEP_BATCH` (default 200) Tasks per transaction and `BENCH_SWEEP_DUTY_PERCENT`
 *    (default 100) of the time; the instances share the work through the per-tenant sweep lock.
 *    A second instance costs something even idle (its own background work).
 * When the floor starts, the second instance stops and the sweep's figures are printed (Tasks
 * marked and escalated, counted in the database; Tasks/s; the time the backlog would take).
 * Each swept Task is a Task update, an escalation Task and a CarePlan update, through the store.
 * Floor: as `discharge-mllp`'s.
 */

interface SweepFigures {
  readonly marked: number;
  readonly seconds: number;
}

function setting(name: string, fallback: number): number {
  // Scenario-specific knobs, read here rather than in bench-settings.ts (one scenario uses them).
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return value;
}

const TASK_PROFILE = 'http://liaison.health/fhir/StructureDefinition/liaison-task';
const CAREPLAN_PROFILE = 'http://liaison.health/fhir/StructureDefinition/liaison-careplan';

/**
 * Writes `tasks` Tasks (4 per CarePlan) and their schedule rows with SQL, in slices of 100,000
 * (one statement per table and slice). Task `n` is overdue when `n <= due`.
 */
async function seed(context: BenchContext, tasks: number, due: number, note: (text: string) => void): Promise<void> {
  const started = Date.now();
  const slice = 100_000;
  for (let from = 1; from <= tasks; from += slice) {
    const to = Math.min(tasks, from + slice - 1);
    await context.sql(
      `INSERT INTO fhir_resources (tenant_id, resource_type, id, version_id, last_updated, deleted, content)
       SELECT 'default', 'CarePlan', 'sweep-plan-' || p, 1, now(), false, jsonb_build_object(
         'resourceType', 'CarePlan', 'id', 'sweep-plan-' || p,
         'meta', jsonb_build_object('versionId', '1', 'lastUpdated', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'profile', jsonb_build_array($3::text)),
         'status', 'active', 'intent', 'plan',
         'subject', jsonb_build_object('reference', 'Patient/sweep-patient-' || p),
         'activity', (SELECT jsonb_agg(jsonb_build_object('reference', jsonb_build_object('reference', 'Task/sweep-task-' || t)))
                        FROM generate_series((p - 1) * 4 + 1, p * 4) AS t))
       FROM generate_series(($1::int - 1) / 4 + 1, $2::int / 4) AS p`,
      [from, to, CAREPLAN_PROFILE],
    );
    await context.sql(
      `WITH tasks AS (
         SELECT t, 'sweep-task-' || t AS id,
                CASE WHEN t <= $3 THEN now() - interval '1 day' ELSE now() + interval '365 days' END AS due
           FROM generate_series($1::int, $2::int) AS t),
       resources AS (
         INSERT INTO fhir_resources (tenant_id, resource_type, id, version_id, last_updated, deleted, content)
         SELECT 'default', 'Task', id, 1, now(), false, jsonb_build_object(
           'resourceType', 'Task', 'id', id,
           'meta', jsonb_build_object('versionId', '1', 'lastUpdated', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'profile', jsonb_build_array($4::text)),
           'basedOn', jsonb_build_array(jsonb_build_object('reference', 'CarePlan/sweep-plan-' || ((t - 1) / 4 + 1))),
           'status', 'ready', 'intent', 'order', 'priority', 'routine',
           'code', jsonb_build_object('coding', jsonb_build_array(jsonb_build_object('system', 'http://liaison.health/fhir/CodeSystem/task-code', 'code', 'post-discharge-contact'))),
           'description', 'Contact the patient after discharge',
           'for', jsonb_build_object('reference', 'Patient/sweep-patient-' || ((t - 1) / 4 + 1)),
           'authoredOn', '2026-01-05T10:00:00Z', 'lastModified', '2026-01-05T10:00:00Z',
           'owner', jsonb_build_object('reference', 'HealthcareService/care-coordination'),
           'restriction', jsonb_build_object('period', jsonb_build_object('end', to_char(due AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))))
         FROM tasks)
       -- Not due yet for the schedule: released (releaseOverdue) when the sweep is measured.
       INSERT INTO coordination_task_schedule (tenant_id, task_id, wake_at) SELECT 'default', id, now() + interval '1 day' FROM tasks`,
      [from, to, due, TASK_PROFILE],
    );
    note(`overdue-sweep: seeded ${to.toLocaleString('en-US')} of ${tasks.toLocaleString('en-US')} Tasks`);
  }
  // Vacuumed, analysed and checkpointed now, so that autovacuum and the checkpoint of a
  // million fresh rows do not compete with the measurements.
  await context.sql('VACUUM (ANALYZE) fhir_resources, coordination_task_schedule');
  await context.sql('CHECKPOINT');
  note(`overdue-sweep: seeding took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** The sweeping instance: a child process running this file (see `sweepChild`). */
class SweepInstance {
  private readonly figures: Promise<SweepFigures>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dataDir: string,
  ) {
    this.figures = new Promise((resolve, reject) => {
      child.on('message', (message: { type: string; figures?: SweepFigures }) => {
        if (message.type === 'done' && message.figures) resolve(message.figures);
      });
      child.once('exit', (code) => reject(new Error(`the sweeping instance exited (${code}) without figures`)));
    });
    this.figures.catch(() => undefined);
  }

  static async start(databaseUrl: string, batchSize: number, dutyCycle: number): Promise<SweepInstance> {
    const dataDir = await mkdtemp(join(tmpdir(), 'liaison-bench-sweep-'));
    const child = fork(__filename, ['--sweep-child'], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SWEEP_DATABASE_URL: databaseUrl, SWEEP_DATA_DIR: dataDir, SWEEP_BATCH: String(batchSize), SWEEP_DUTY_CYCLE: String(dutyCycle) },
    });
    const instance = new SweepInstance(child, dataDir);
    await new Promise<void>((resolve, reject) => {
      child.on('message', (message: { type: string }) => message.type === 'ready' && resolve());
      child.once('exit', (code) => reject(new Error(`the sweeping instance exited (${code}) before it started`)));
    });
    return instance;
  }

  /** Starts sweeping. */
  go(): void {
    this.child.send({ type: 'go' });
  }

  /** Stops the sweep after its current batch; its own figures. */
  async stop(): Promise<SweepFigures> {
    if (this.child.connected) this.child.send({ type: 'stop' });
    try {
      return await this.figures;
    } finally {
      await rm(this.dataDir, { recursive: true, force: true });
    }
  }
}

let running: { instance: SweepInstance; started: number; dueBefore: number; due: number } | undefined;

/**
 * Makes the overdue Tasks due for the schedule (their due time is already past): until then
 * neither the service's own schedule nor anyone else sweeps them, so the measurement without a
 * sweep is one.
 */
async function releaseOverdue(context: BenchContext, due: number): Promise<void> {
  await context.sql(
    `UPDATE coordination_task_schedule SET wake_at = now() - interval '1 day'
      WHERE tenant_id = 'default' AND task_id = ANY(ARRAY(SELECT 'sweep-task-' || t FROM generate_series(1, $1::int) AS t))`,
    [due],
  );
}

/** Overdue Tasks not yet marked (schedule rows still due). */
async function stillDue(context: BenchContext): Promise<number> {
  const [row] = await context.sql<{ n: string }>(
    `SELECT count(*) AS n FROM coordination_task_schedule WHERE tenant_id = 'default' AND task_id LIKE 'sweep-task-%' AND wake_at <= now()`,
  );
  return Number(row.n);
}

/** Discharges over MLLP for `seconds` at 16 connections, outside the harness (for the with/without comparison). */
async function measureDischarges(context: BenchContext, run: string, seconds: number): Promise<LoadResult> {
  return runLoopLoad((worker) => mllpDischargeWorker(context, run, worker), 16, seconds, new LatencyRecorder());
}

function describe(result: LoadResult): string {
  return `${result.requestsPerSecond.toFixed(1)} discharges/s, p50 ${result.p50Ms.toFixed(0)} ms, p99 ${result.p99Ms.toFixed(0)} ms, ${result.errors} failed`;
}

export const overdueSweep: BenchScenario = {
  name: 'overdue-sweep',
  description: 'discharges over MLLP while the service and a second instance sweep overdue Tasks (store of 1M Tasks)',
  async service(context) {
    const tasks = setting('BENCH_SWEEP_TASKS', 1_000_000);
    const due = Math.min(tasks, setting('BENCH_SWEEP_DUE', 50_000));
    const seconds = setting('BENCH_SWEEP_COMPARE_SECONDS', 10);
    await seed(context, tasks, due, note);
    const run = `s${Date.now().toString(36)}`;
    // Discharges in place and statistics of every table (the seed fills only the resource table).
    await arrangeDischarges(context, `${run}p`);
    const without = await measureDischarges(context, `${run}a`, seconds);
    note(`overdue-sweep: without a sweep: ${describe(without)}`);

    // One instance: the service sweeps its own backlog (its schedule: every 60 s, batches of 50, quarter duty).
    await releaseOverdue(context, due);
    const released = { at: Date.now(), due: await stillDue(context) };
    const deadline = Date.now() + 90_000;
    while ((await stillDue(context)) === released.due && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    const ownStart = { at: Date.now(), due: await stillDue(context) };
    const own = await measureDischarges(context, `${run}b`, seconds);
    const ownMarked = ownStart.due - (await stillDue(context));
    note(
      `overdue-sweep: while the service sweeps its own backlog: ${describe(own)}: ${(own.requestsPerSecond / without.requestsPerSecond).toFixed(2)}x of without ` +
        `(target >= 0.8x); ${ownMarked.toLocaleString('en-US')} Tasks marked meanwhile (${(ownMarked / ((Date.now() - ownStart.at) / 1000)).toFixed(0)} Tasks/s)`,
    );

    // Two instances: a second replica sweeps too, at full duty; the harness measures discharges meanwhile.
    const instance = await SweepInstance.start(context.databaseUrl, setting('BENCH_SWEEP_BATCH', 200), setting('BENCH_SWEEP_DUTY_PERCENT', 100) / 100);
    running = { instance, started: Date.now(), dueBefore: await stillDue(context), due };
    instance.go();
    return { kind: 'loop', open: (worker) => mllpDischargeWorker(context, `${run}c`, worker) };
  },
  async floor(context) {
    const sweep = running;
    running = undefined;
    if (sweep) {
      const own = await sweep.instance.stop();
      const seconds = (Date.now() - sweep.started) / 1000;
      const marked = sweep.dueBefore - (await stillDue(context));
      const rate = marked / seconds;
      note(
        `overdue-sweep: ${marked.toLocaleString('en-US')} of ${sweep.due.toLocaleString('en-US')} overdue Tasks marked and escalated in ` +
          `${seconds.toFixed(1)} s under load (${own.marked.toLocaleString('en-US')} by the second instance): ${rate.toFixed(0)} Tasks/s ` +
          `(each: Task updated, escalation Task created, CarePlan updated, through the store); the whole backlog at this rate: ` +
          `${(sweep.due / Math.max(rate, 1e-9)).toFixed(0)} s`,
      );
    }
    return dischargeMllp.floor(context);
  },
};

/**
 * The child: boots the application on the benchmark's database without listening (MLLP off),
 * sweeps everything due, and reports. A `stop` message ends the sweep after its current batch.
 */
async function sweepChild(): Promise<void> {
  const config = loadConfig(
    { MLLP_PORT: '0', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', LIAISON_DATA_DIR: process.env.SWEEP_DATA_DIR, LIAISON_SWEEP_INTERVAL_SECONDS: '0' },
    process.cwd(),
  );
  // Never outlive the benchmark (it may fail before it stops this instance).
  process.on('disconnect', () => process.exit(0));
  const app = await createLiaisonApp(config, process.env.SWEEP_DATABASE_URL as string);
  await app.init();
  const job = app.get(TaskSweepJob);
  let stopped = false;
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'stop') return;
    stopped = true;
    void job.stop();
  });
  // Booted: wait to be told to sweep (the second instance is measured idle first).
  process.send?.({ type: 'ready' });
  await new Promise<void>((resolve) => process.on('message', (message: { type: string }) => (message.type === 'go' || message.type === 'stop') && resolve()));
  const started = process.hrtime.bigint();
  let marked = 0;
  // Sweep until nothing is due or told to stop; a tenant another instance holds is tried again.
  while (!stopped) {
    const report = await job.runOnce(new Date(), { batchSize: Number(process.env.SWEEP_BATCH), dutyCycle: Number(process.env.SWEEP_DUTY_CYCLE) });
    marked += report.becameOverdue;
    if (report.examined === 0 && report.busyTenants === 0) break;
    if (report.busyTenants > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.send?.({ type: 'done', figures: { marked, seconds } });
  await app.close();
  process.exit(0);
}

if (require.main === module && process.argv.includes('--sweep-child')) {
  sweepChild().catch((error: unknown) => {
    process.stderr.write(`sweeping instance failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
