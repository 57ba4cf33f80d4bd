export * from './time-zone';
export * from './calendar';
export * from './business-days';
