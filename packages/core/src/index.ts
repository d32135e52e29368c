export * from './access';
export * from './domain';
export * from './errors';
export * from './idempotency-key';
export * from './key-format';
export * from './key-policy';
export * from './scopes';
export * from './text';
