/** An expected CLI failure: its message is printed alone (no stack) and the process exits with 1. */
export class CliError extends Error {}
