import { hostileInputSuite } from './hostile-input';

// A sample per procedure in the fast suite; hostile-input.slow.test.ts sends ≥ 1,000 to each.
hostileInputSuite({ runsPerProcedure: 60, maxHuge: 20_000 });
