// The database handle types services take; only the app (and the host) construct one.
export type { Database, KeyholeDatabase } from './create-database';
