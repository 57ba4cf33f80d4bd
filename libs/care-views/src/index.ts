export * from './coverage-status';
export * from './timeline';
export * from './coverage-update';
