import { hostileInputSuite } from './hostile-input';

// SPEC §5 "nothing a client sends causes a 5xx", at 1,000 generated requests per procedure.
hostileInputSuite({ runsPerProcedure: 1000, maxHuge: 100_000 });
