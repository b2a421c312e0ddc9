export { type CreatedUser, type RunningSim, type StartSimOptions, startSim } from './start-sim.js';
export type { FaultKind, FaultRule } from './faults.js';
export type { MfaMode, UserSpec } from './data/user.js';
export { type ActivityTruth, DEFAULT_CLIENT_IDS, type HealthEdit, type SimConfig, type Truth } from './sim-state.js';
export type { OddKind } from './data/activity-model.js';
export type { HealthTruthDay } from './data/health-truth.js';
export { MOBILE_CLIENTS } from './routes/sso.js';
export type { StatsSnapshot } from './stats.js';
export { crc32, type ZipEntryOptions, type ZipSink, ZipWriter, zipBuffer } from './codec/zip.js';
