export * from './value-set-index';
export * from './narrative';
export * from './period-order';
export * from './bundle-rules';
export * from './profile-snapshot';
export * from './validate-resource';
export * from './validation-context';
export * from './compiled-profile';
