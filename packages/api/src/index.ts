export * from './codes.js';
export * from './rules.js';
export * from './common.js';
export * from './problem.js';
export * from './auth.js';
export * from './garmin.js';
export * from './sync.js';
export * from './data.js';
