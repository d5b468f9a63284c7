/** MongoDB's duplicate-key error (E11000), told apart structurally so any driver version works. */
export const isDuplicateKeyError = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === 11000;
