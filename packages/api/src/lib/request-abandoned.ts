/** A transaction's request was abandoned (client gone, deadline passed) before it committed: rolled back. */
export class RequestAbandonedError extends Error {
  constructor() {
    super('The request was abandoned (client gone or deadline passed); its work stopped.');
    this.name = 'RequestAbandonedError';
  }
}
