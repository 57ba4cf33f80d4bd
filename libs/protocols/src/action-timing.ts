import {
  addBusinessDays,
  addDays,
  addHours,
  endOfDay,
  formatInstant,
  startOfDay,
} from '@liaison/business-time';
import { DueRule, DurationUnit } from './protocol-definition';
import { CoordinationSettings } from './protocol-model';

/**
 * When a Task a protocol creates is due, counted from the event (e.g. the discharge time), as a
 * FHIR instant in the tenant's zone:
 * - business days: the end (23:59:59.999 local) of the n-th business day after the event's day
 *   (weekends and the tenant's holiday calendar skipped);
 * - `d`, `wk`: the end of the local day n days (7n) after the event: "within 7 days" of a Friday
 *   15:00 discharge is due the next Friday at 23:59:59.999;
 * - `h`, `min`: exactly that much elapsed time after the event.
 */
export function dueTime(rule: DueRule, eventTime: string, settings: CoordinationSettings): string {
  const { timeZone, calendar } = settings;
  if (rule.kind === 'business-days') return formatInstant(addBusinessDays(eventTime, rule.days, calendar, timeZone), timeZone);
  const { value, unit } = rule;
  if (unit === 'd' || unit === 'wk') {
    return formatInstant(endOfDay(addDays(eventTime, unit === 'wk' ? value * 7 : value, timeZone), timeZone), timeZone);
  }
  return formatInstant(addHours(eventTime, unit === 'h' ? value : value / 60), timeZone);
}

/**
 * When a scheduled Task (a reminder) becomes `ready`: `d`/`wk` at the start of the local day that
 * many days after the event; `h`/`min` after that much elapsed time.
 */
export function readyTime(after: { value: number; unit: DurationUnit }, eventTime: string, settings: CoordinationSettings): string {
  const { timeZone } = settings;
  const { value, unit } = after;
  if (unit === 'd' || unit === 'wk') {
    return formatInstant(startOfDay(addDays(eventTime, unit === 'wk' ? value * 7 : value, timeZone), timeZone), timeZone);
  }
  return formatInstant(addHours(eventTime, unit === 'h' ? value : value / 60), timeZone);
}
