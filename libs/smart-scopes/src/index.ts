export * from './scope';
export * from './scopes-allow';
export * from './grant-scopes';
export * from './access-decision';
